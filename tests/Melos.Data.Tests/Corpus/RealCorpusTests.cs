using Melos.Data.Corpus;
using Melos.Data.Sources;
using Melos.Data.Statistics;
using Melos.Tests;
using Xunit.Abstractions;

namespace Melos.Data.Tests.Corpus;

/// <summary>The corpus of Nottingham + POP909 + O'Neill's + Ryan's, built from the shared datasets (skipped without them).</summary>
public sealed class RealCorpusTests(ITestOutputHelper output)
{
    [DatasetFact]
    public void FourCollectionsBuildWithDiscardsCountedAndStatsComputed()
    {
        var options = new CorpusBuildOptions
        {
            Inputs = [Datasets.PathOf("nottingham"), Datasets.PathOf("pop909"), Datasets.PathOf("folk-abc", "oneills1850"), Datasets.PathOf("folk-abc", "ryans-mammoth")],
        };
        var corpus = new CorpusBuilder(TuneSources.Default).Build(options);
        var s = corpus.Summary;
        output.WriteLine($"{s.MelodiesKept} melodies from {s.TunesFound} tunes in {s.FilesRead} files, {s.Seconds:0.0} s; discarded: " +
            string.Join(", ", s.DiscardedByReason.Select(kv => $"{kv.Key} {kv.Value}")));

        Assert.Equal(["nottingham", "oneills1850", "pop909", "ryans-mammoth"], corpus.Entries.Select(e => e.Collection).Distinct().Order());
        Assert.InRange(s.MelodiesKept, 5000, 6000);
        Assert.Equal(s.TunesFound, s.MelodiesKept + s.DiscardedByReason.Values.Sum());
        Assert.Equal(s.Discards.Length, s.DiscardedByReason.Values.Sum());
        // Nottingham's chord-only MIDI files are not melodies.
        Assert.True(s.DiscardedByReason["PolyphonicBeyondRepair"] >= 1000);
        Assert.All(s.Discards, d => Assert.False(string.IsNullOrEmpty(d.Detail)));
        Assert.True(corpus.Entries.Count(e => e.Collection == "pop909") > 800, "nearly every POP909 song has a MELODY track");
        // A melody's split is its family's: the split of the family representative's fingerprint.
        var byId = corpus.Entries.ToDictionary(e => e.Id);
        Assert.All(corpus.Entries, e => Assert.Equal(e.Split, new SplitRatios().Assign(Fingerprint.Of(byId[e.Family!].Melody))));
        Assert.Contains(corpus.Split(CorpusSplit.Test), e => e.Family == e.Id);

        var stats = CorpusStatistics.Compute(corpus.Entries, s);
        Assert.True(stats.Modes["major"] > stats.Modes["minor"]);
        Assert.Contains(stats.Warnings, w => w.Contains("major mode"));
    }
}
