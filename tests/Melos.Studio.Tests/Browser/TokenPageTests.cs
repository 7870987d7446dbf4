using System.Text.RegularExpressions;
using Melos.Tests;
using Microsoft.Playwright;

namespace Melos.Studio.Tests.Browser;

/// <summary>The studio with an access token, for the page's tests of it.</summary>
public sealed class TokenBrowserFixture : StudioBrowserFixture
{
    public const string Token = "page-token-for-the-browser-tests";

    protected override StudioOptions CreateOptions(string model) => new(model) { Token = Token };
}

/// <summary>The page of a studio shared with a token: it takes the token from its address or asks for it, and sends it on every call.</summary>
public sealed class TokenPageTests(TokenBrowserFixture studio) : IClassFixture<TokenBrowserFixture>
{
    [ProgramFact("chromium", "npm")]
    public async Task The_page_takes_the_token_from_its_address_drops_it_from_the_address_and_sends_it_on_every_call()
    {
        await using var context = await studio.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); }; // a blocked script or style is a console error
        var authorizations = new List<(string Url, string? Authorization)>();
        page.Request += (_, r) =>
        {
            if (r.Url.Contains("/api/", StringComparison.Ordinal)) lock (authorizations) authorizations.Add((r.Url, r.Headers.GetValueOrDefault("authorization")));
        };
        await page.GotoAsync(new Uri(studio.Address, "/#token=" + TokenBrowserFixture.Token).AbsoluteUri);
        // The page runs under its real content security policy (no eval): waits go through locators, not page script.
        await Assertions.Expect(page.Locator("#model-name")).ToHaveTextAsync(new Regex("^model: default"));
        Assert.Equal(new Uri(studio.Address, "/").AbsoluteUri, page.Url);
        // An answer needs the model: it is asked with the token too.
        await page.ClickAsync("#key-67");
        await page.FillAsync("#chords", "G C");
        await page.PressAsync("#chords", "Tab");
        await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("aria-busy", "false");
        await Assertions.Expect(page.Locator("#notation svg").First).ToBeVisibleAsync();
        lock (authorizations)
        {
            Assert.True(authorizations.Count >= 2, string.Join(", ", authorizations.Select(a => a.Url)));
            Assert.All(authorizations, a => Assert.Equal("Bearer " + TokenBrowserFixture.Token, a.Authorization));
        }
        Assert.Empty(errors);
    }

    [ProgramFact("chromium")]
    public async Task Without_the_token_the_page_asks_for_it_and_a_wrong_one_is_an_error_in_the_status_line()
    {
        await using var context = await studio.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        string answer = "not-the-token-at-all";
        var prompts = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            lock (prompts) prompts.Add(dialog.Message);
            await dialog.AcceptAsync(answer);
        };
        // A wrong answer: the model stays unavailable and the status line says why.
        await page.GotoAsync(studio.Address.AbsoluteUri);
        await Assertions.Expect(page.Locator("#model-name")).ToHaveTextAsync("model: unavailable");
        Assert.Contains("access token", await page.InnerTextAsync("#status"), StringComparison.Ordinal);
        // Reloading asks again (the wrong token is refused): the right one opens the studio.
        int wrongPrompts = prompts.Count;
        Assert.True(wrongPrompts >= 1);
        answer = TokenBrowserFixture.Token;
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#model-name")).ToHaveTextAsync(new Regex("^model: default"));
        Assert.True(prompts.Count > wrongPrompts);
        Assert.All(prompts, p => Assert.Contains("access token", p, StringComparison.Ordinal));
    }
}
