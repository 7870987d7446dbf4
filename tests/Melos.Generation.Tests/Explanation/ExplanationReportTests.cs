using System.Text.Json;
using Melos.Generation.Explanation;
using Melos.Music;
using Melos.Tests;
using Microsoft.Playwright;
using SkiaSharp;

namespace Melos.Generation.Tests.Explanation;

public sealed class ExplanationReportTests
{
    private static (Melody Melody, MelodyExplanation Explanation) Explained()
    {
        var melody = Melody.Create(NoteSequence.Parse("C4 E4 G4 E4 C4 E4 G4 E4 F4 A4 C5 A4 G4/2 F4/2 E4 D4 C4"), Key.CMajor,
            [new MeterChange(Duration.Zero, TimeSignature.CommonTime)],
            chords: new[] { "C", "C", "F", "G", "C" }.Select((c, b) => new ChordChange(Duration.FromQuarters(4 * b), ChordSymbol.Parse(c))),
            info: new MelodyInfo { Title = "Repeats" });
        return (melody, new Explainer(TinyModel.Shared.Generator).Explain(melody));
    }

    [Fact]
    public void JsonCarriesEveryNoteWithTheDocumentedKeys()
    {
        var (melody, e) = Explained();
        using var doc = JsonDocument.Parse(ExplanationReport.ToJson(e).ToJsonString());
        var notes = doc.RootElement.GetProperty("notes");
        Assert.Equal(melody.Notes.Length, notes.GetArrayLength());
        foreach (var key in new[] { "pitch", "start", "probability", "rank", "surprisalBits", "entropyBits", "alternatives" })
            Assert.True(notes[0].TryGetProperty(key, out _), $"missing {key}");
        Assert.Equal("E4", notes[1].GetProperty("pitch").GetString());
        Assert.Equal(1.0, notes[1].GetProperty("start").GetDouble());
        double p = notes[3].GetProperty("probability").GetDouble();
        Assert.Equal(-Math.Log2(p), notes[3].GetProperty("surprisalBits").GetDouble(), 9);
        Assert.Contains("bar 2 repeats bar 1 exactly", ExplanationReport.ToText(e), StringComparison.Ordinal);
    }

    [ProgramFact("chromium")]
    public async Task ReportRendersItsPicturesAndOpensInChromium()
    {
        var (melody, e) = Explained();
        var dir = Directory.CreateTempSubdirectory("melos-explain-").FullName;
        try
        {
            var written = ExplanationReport.Write(dir, melody, e);
            foreach (var png in new[] { "piano-roll.png", "surprisal.png", "attribution.png" })
            {
                Assert.Contains(Path.Combine(dir, png), written);
                using var bitmap = SKBitmap.Decode(Path.Combine(dir, png));
                Assert.NotNull(bitmap);
                Assert.True(bitmap.Width > 300 && bitmap.Height > 200, $"{png} is {bitmap.Width}x{bitmap.Height}");
                // Not blank: more than a handful of distinct colours.
                var colours = new HashSet<uint>();
                for (int y = 0; y < bitmap.Height; y += 7)
                    for (int x = 0; x < bitmap.Width; x += 7) colours.Add((uint)bitmap.GetPixel(x, y));
                Assert.True(colours.Count > 5, $"{png} looks blank");
            }

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = Tools.Find("chromium"), Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--allow-file-access-from-files"],
            });
            var page = await browser.NewPageAsync();
            await page.GotoAsync(new Uri(Path.Combine(dir, "index.html")).AbsoluteUri);
            Assert.Contains("bits per note", await page.InnerTextAsync("#summary"), StringComparison.Ordinal);
            var repetitions = await page.InnerTextAsync("#repetitions");
            Assert.Contains("bar 2 repeats bar 1 exactly", repetitions, StringComparison.Ordinal);
            Assert.Matches("bar 3 repeats bar [12] up a fourth", repetitions);
            Assert.Contains("K:C", await page.InnerTextAsync("#abc"), StringComparison.Ordinal);
            int rows = await page.EvaluateAsync<int>("document.querySelectorAll('#surprising tr').length");
            Assert.Equal(1 + Math.Min(12, melody.Notes.Length), rows);
            var widths = await page.EvaluateAsync<int[]>("Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)");
            Assert.Equal(3, widths.Length);
            Assert.All(widths, w => Assert.True(w > 0, "an image did not load"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
