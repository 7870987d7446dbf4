using Melos.Data.Corpus;
using Melos.Data.Statistics;
using Melos.Music;
using static Melos.Data.Tests.Corpus.TestMelodies;

namespace Melos.Data.Tests.Statistics;

public sealed class StatisticsTests
{
    [Fact]
    public void CountsAndDistributionsMatchHandComputation()
    {
        var s = CorpusStatistics.Compute(HandMade(), new BuildSummary { DiscardedByReason = System.Collections.Immutable.ImmutableSortedDictionary<string, int>.Empty.Add("TooShort", 2) });
        Assert.Equal(4, s.Melodies);
        Assert.Equal(2, s.Discarded["TooShort"]);
        Assert.Equal(new Dictionary<string, int> { ["folk"] = 3, ["pop"] = 1 }, s.ByStyle);
        Assert.Equal(3, s.Keys["C major"]);
        Assert.Equal(1, s.Modes["minor"]);
        Assert.Equal(3, s.Meters["4/4"]);
        Assert.Equal(0.25, s.KeysEstimatedShare);
        Assert.Equal(0.25, s.WithChordsShare);
        // Scale C D E F G A B C: +2 +2 +1 +2 +2 +2 +1. Arpeggio A4 C5 E5 A5 E5 C5: +3 +4 +5 -5 -4.
        Assert.Equal(3 * 5, s.Intervals["2"]);
        Assert.Equal(3 * 2, s.Intervals["1"]);
        foreach (var iv in new[] { "3", "4", "5", "-5", "-4" }) Assert.Equal(1, s.Intervals[iv]);
        Assert.Equal(15 + 6 + 5, s.Intervals.Values.Sum());
        // C sounds 2 quarters in each scale (C4, C5) and 2 in the arpeggio (C5 twice).
        Assert.Equal(3 * 2 + 2, s.PitchClasses["C"]);
        // Relative to the tonic: the A-minor arpeggio's As are degree 0 alongside the scales' Cs.
        Assert.Equal(3 * 2 + 2, s.PitchClassesFromTonic["0"]);
        Assert.Equal("C4-A5", s.OverallRange);
        Assert.Equal(new NumericSummary(7.5, 8, 6, 8), s.NotesPerMelody);
    }

    [Fact]
    public void ImbalanceFiguresAreExact()
    {
        var even = CorpusStatistics.ImbalanceOf(new Dictionary<string, int> { ["a"] = 5, ["b"] = 5 });
        Assert.Equal(1.0, even.NormalizedEntropy, 6);
        Assert.Equal(0.5, even.LargestShare);
        var skewed = CorpusStatistics.ImbalanceOf(new Dictionary<string, int> { ["a"] = 9, ["b"] = 1 });
        double h = -(0.9 * Math.Log(0.9) + 0.1 * Math.Log(0.1)) / Math.Log(2);
        Assert.Equal(Math.Round(h, 4), skewed.NormalizedEntropy);
        Assert.Equal(("a", 0.9), (skewed.LargestGroup, skewed.LargestShare));
        Assert.Equal(0, CorpusStatistics.ImbalanceOf(new Dictionary<string, int> { ["x"] = 3 }).NormalizedEntropy);
    }

    [Fact]
    public void WarningsSpeakPlainly()
    {
        var s = CorpusStatistics.Compute(HandMade());
        Assert.Contains("75% of melodies are in a major mode; minor and modal music is scarce.", s.Warnings);
        Assert.Contains("75% of melodies are in 4/4.", s.Warnings);
        Assert.Contains(s.Warnings, w => w.StartsWith("Only 25% of melodies carry chords"));
        Assert.Contains(s.Warnings, w => w.StartsWith("1 key covers 75% of melodies (C major)"));
    }

    [Fact]
    public void JsonHasTheDocumentedTopLevelKeys()
    {
        var json = CorpusStatistics.Compute(HandMade()).ToJson();
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        foreach (var key in new[] { "melodies", "discarded", "byStyle", "byCollection", "keys", "modes", "meters", "tempo", "lengthBars", "pitchRange", "noteDensity", "intervals", "pitchClasses", "rhythms", "imbalance", "warnings" })
            Assert.True(doc.RootElement.TryGetProperty(key, out _), $"missing {key}");
    }
}
