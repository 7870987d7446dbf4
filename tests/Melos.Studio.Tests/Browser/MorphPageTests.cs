using Melos.Tests;

namespace Melos.Studio.Tests.Browser;

/// <summary>The morph control in headless Chromium: the studio serves models/default, whose sibling models/vae morphs.</summary>
public sealed class MorphPageTests(StudioBrowserFixture studio) : IClassFixture<StudioBrowserFixture>
{
    [ProgramFact("chromium")]
    public async Task Set_A_then_morph_puts_the_steps_in_the_editor_and_undo_brings_the_phrase_back()
    {
        await using var s = await StudioPage.OpenAsync(studio.Browser, studio.Address);
        var page = s.Page;
        foreach (var pitch in new[] { 67, 71, 74, 72, 71, 69, 67, 66 }) await page.ClickAsync($"#key-{pitch}");
        await page.ClickAsync("#morph-set-a");
        await page.WaitForFunctionAsync("document.querySelector('#morph-a').textContent.startsWith('A: 4 bars, 8 notes')");
        foreach (var pitch in new[] { 74, 76, 78, 79 }) await page.ClickAsync($"#key-{pitch}");
        await s.IdleAsync();
        var phrase = await s.NotesAsync();
        await page.FillAsync("#morph-steps", "3");
        await page.ClickAsync("#morph");
        await page.WaitForFunctionAsync("window.melosStudio.doc.melody.bars === 12");
        await s.IdleAsync();
        var morph = await s.NotesAsync();
        Assert.NotEmpty(morph);
        Assert.All(morph, n => Assert.Equal("model", n.Origin));
        Assert.All(morph, n => Assert.True(n.Start + n.Duration <= 48 + 1e-9, $"{n} runs past the 3 steps of 4 bars"));
        Assert.Contains(morph, n => n.Start >= 32); // the last step (B's reconstruction) has notes
        Assert.Contains(s.Requests, u => u.EndsWith("/api/morph", StringComparison.Ordinal));
        await page.ClickAsync("#undo");
        Assert.Equal(phrase, await s.NotesAsync());
    }
}
