using Melos.Generation.Tests.Explanation;
using Melos.Tests;
using Microsoft.Playwright;
using SkiaSharp;

namespace Melos.Reports.Tests;

public sealed class ExplanationReportTests
{
    [Fact]
    public void ReportDrawsItsPictures()
    {
        var (melody, e) = ExplainedSample.Explained();
        var dir = Directory.CreateTempSubdirectory("melos-explain-").FullName;
        try
        {
            var written = ExplanationReport.Write(dir, melody, e);
            Assert.Equal(["explanation.json", "piano-roll.png", "surprisal.png", "attribution.png", "index.html"], written.Select(Path.GetFileName));
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
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [ProgramFact("chromium")]
    public async Task ReportOpensInChromium()
    {
        var (melody, e) = ExplainedSample.Explained();
        var dir = Directory.CreateTempSubdirectory("melos-explain-").FullName;
        try
        {
            ExplanationReport.Write(dir, melody, e);
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
