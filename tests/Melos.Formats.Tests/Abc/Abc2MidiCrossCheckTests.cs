using Melos.Tests;
using Xunit.Abstractions;

namespace Melos.Formats.Tests.Abc;

public sealed class Abc2MidiCrossCheckTests(ITestOutputHelper output)
{
    [DatasetToolFact("abc2midi")]
    public void Melos_reads_at_least_99_percent_of_the_collections_tunes_exactly_as_abc2midi_plays_them()
    {
        var report = Abc2MidiCrossCheck.Run();
        var dir = Path.Combine(Datasets.RepoRoot, "TestResults");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "abc2midi-crosscheck.tsv"), report.Summary + "\n" + report.Details + "\n");
        output.WriteLine(report.Summary);
        output.WriteLine(report.Details);
        Assert.True(report.Compared > 3500, $"only {report.Compared} tunes compared");
        Assert.True(report.Rate >= 0.99, report.Summary);
    }
}
