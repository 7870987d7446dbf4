using Melos.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Melos.Studio.Tests.Browser;

/// <summary>
/// The real studio app on 127.0.0.1 (a free port) with the shipped model, and Debian's headless Chromium driven by
/// Playwright; shared by the browser tests of one class. Does nothing where Chromium is missing (the tests skip).
/// </summary>
public class StudioBrowserFixture : IAsyncLifetime
{
    private WebApplication? _app;
    private IPlaywright? _playwright;

    /// <summary>The app's base address, e.g. http://127.0.0.1:40123.</summary>
    public Uri Address { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The browser.</summary>
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The studio's options.</summary>
    protected virtual StudioOptions CreateOptions(string model) => new(model);

    /// <summary>Starts the app and the browser.</summary>
    public async Task InitializeAsync()
    {
        var chromium = Tools.Find("chromium");
        if (chromium is null) return;
        _app = StudioApp.Build(CreateOptions(Path.Combine(Datasets.RepoRoot, "models", "default")), ["--urls", "http://127.0.0.1:0"]);
        await _app.StartAsync();
        Address = new Uri(_app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--autoplay-policy=no-user-gesture-required"],
        });
    }

    /// <summary>Stops the browser and the app.</summary>
    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

/// <summary>A page of the studio that records console errors, page errors and every request it makes.</summary>
public sealed class StudioPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;

    private StudioPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
    }

    /// <summary>The page.</summary>
    public IPage Page { get; }

    /// <summary>Console errors and uncaught exceptions, as text.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>Every URL the page requested.</summary>
    public List<string> Requests { get; } = [];

    /// <summary>Opens the studio at <paramref name="address"/> and waits until it has asked the server for the model.</summary>
    public static async Task<StudioPage> OpenAsync(IBrowser browser, Uri address)
    {
        // The tests evaluate script in the page, which its content security policy forbids (no eval): bypass it here;
        // TokenPageTests load the page under its real policy.
        var context = await browser.NewContextAsync(new() { AcceptDownloads = true, ViewportSize = new() { Width = 1400, Height = 1000 }, BypassCSP = true });
        var page = await context.NewPageAsync();
        var studio = new StudioPage(context, page);
        page.Console += (_, m) => { if (m.Type == "error") studio.Errors.Add("console: " + m.Text); };
        page.PageError += (_, e) => studio.Errors.Add("page: " + e);
        page.Request += (_, r) => { lock (studio.Requests) studio.Requests.Add(r.Url); };
        await page.GotoAsync(address.AbsoluteUri);
        await page.WaitForFunctionAsync("document.querySelector('#model-name').textContent !== 'model: …' && document.body.getAttribute('aria-busy') === 'false'");
        return studio;
    }

    /// <summary>The notes drawn on the piano roll, from their data- attributes.</summary>
    public async Task<IReadOnlyList<DrawnNote>> NotesAsync()
    {
        var rows = await Page.EvaluateAsync<double[][]>(
            "Array.from(document.querySelectorAll('#roll .note')).map(n => [Number(n.dataset.pitch), Number(n.dataset.start), Number(n.dataset.duration), n.dataset.origin === 'model' ? 1 : 0])");
        return [.. rows.Select(r => new DrawnNote((int)r[0], r[1], r[2], r[3] == 1 ? "model" : "user")).OrderBy(n => n.Start).ThenBy(n => n.Pitch)];
    }

    /// <summary>Waits until nothing is pending (no request in flight).</summary>
    public Task IdleAsync() => Page.WaitForFunctionAsync("document.body.getAttribute('aria-busy') === 'false'");

    /// <summary>Requests to anywhere but the app (data: and blob: URLs are the page's own).</summary>
    public IReadOnlyList<string> ForeignRequests(Uri app)
    {
        lock (Requests)
            return [.. Requests.Where(u => !u.StartsWith("data:", StringComparison.Ordinal) && !u.StartsWith("blob:" + app.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)
                && new Uri(u).GetLeftPart(UriPartial.Authority) != app.GetLeftPart(UriPartial.Authority))];
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}

/// <summary>A note as the page draws it.</summary>
public sealed record DrawnNote(int Pitch, double Start, double Duration, string Origin);
