using Melos.Data.Corpus;
using Melos.Data.Sources;
using Melos.Data.Statistics;
using Melos.Tests;
using static Melos.Data.Tests.Corpus.TestMelodies;

namespace Melos.Reports.Tests;

public sealed class StatsReportTests
{
    [Fact]
    public void ReportWritesChartsAndHtml()
    {
        var dir = Path.Combine(Path.GetTempPath(), "melos-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            var s = CorpusStatistics.Compute(HandMade());
            var files = StatsReport.Write(dir, "hand", s, "other", CorpusStatistics.Compute(HandMade().Take(2).ToList()));
            Assert.Contains(files, f => f.EndsWith("keys.png"));
            var png = File.ReadAllBytes(Path.Combine(dir, "keys.png"));
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            Assert.True(png.Length > 5000, "a chart with text and bars is several KB");
            var html = File.ReadAllText(Path.Combine(dir, "index.html"));
            Assert.Contains("<img src=\"keys.png\"", html);
            Assert.Contains("75% of melodies are in a major mode", html);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [DatasetFact]
    public void ARealCollectionsReportHasEveryChart()
    {
        var corpus = new CorpusBuilder(TuneSources.Default).Build(new CorpusBuildOptions { Inputs = [Datasets.PathOf("folk-abc", "oneills1850")] });
        var stats = CorpusStatistics.Compute(corpus.Entries, corpus.Summary);
        var dir = Directory.CreateTempSubdirectory("melos-real-report-").FullName;
        try
        {
            var files = StatsReport.Write(dir, "oneills1850", stats);
            Assert.Equal(14, files.Count);
            Assert.All(files, f => Assert.True(new FileInfo(f).Length > 100, f));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
