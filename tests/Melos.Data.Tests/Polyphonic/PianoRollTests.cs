using Melos.Data.Polyphonic;
using Melos.Tests;

namespace Melos.Data.Tests.Polyphonic;

public sealed class PianoRollTests
{
    private static PianoRollSequence Seq(params int[][] frames) => PianoRollSequence.FromPitches(frames);

    [Fact]
    public void MarginalBaselineMatchesAHandComputation()
    {
        // Training frames {60}, {60, 64}: key 60 sounds in 2 of 2 frames, 64 in 1, the rest in 0; add-one smoothing.
        var b = FrameBaselines.Fit([Seq([60], [60, 64])]);
        Assert.Equal(3.0 / 4, b.Marginal[60 - 21], 12);
        Assert.Equal(2.0 / 4, b.Marginal[64 - 21], 12);
        Assert.Equal(1.0 / 4, b.Marginal[0], 12);
        // Test {60}, {64}: only the second frame is scored: 60 off, 64 on, 86 others off.
        var score = b.ScoreMarginal([Seq([60], [64])]);
        double expected = -Math.Log(1 - 0.75) - Math.Log(0.5) - 86 * Math.Log(0.75);
        Assert.Equal(1, score.Frames);
        Assert.Equal(expected, score.TotalNll, 9);
        Assert.Equal(expected, score.NllPerFrame, 9);
    }

    [Fact]
    public void MarkovBaselineMatchesAHandComputation()
    {
        // Pairs: ({60} -> {60}), ({60} -> {}) : key 60 after on: 1 of 2 on -> (1+1)/(2+2); key 60 after off: none -> 1/2.
        // Every other key: after off 0 of 2 -> 1/4.
        var b = FrameBaselines.Fit([Seq([60], [60], [])]);
        Assert.Equal(0.5, b.AfterOn[60 - 21], 12);
        Assert.Equal(0.5, b.AfterOff[60 - 21], 12);
        Assert.Equal(0.25, b.AfterOff[0], 12);
        Assert.Equal(0.5, b.AfterOn[0], 12); // never seen on: (0+1)/(0+2)
        // Test {60}, {61}: key 60 was on and is off (p on 0.5); key 61 was off and is on (p 0.25); 86 others off after off.
        var score = b.ScoreMarkov([Seq([60], [61])]);
        double expected = -Math.Log(0.5) - Math.Log(0.25) - 86 * Math.Log(0.75);
        Assert.Equal(expected, score.TotalNll, 9);
    }

    [Fact]
    public void HalfEverywhereCostsEightyEightLnTwoPerFrame()
    {
        var half = Enumerable.Repeat(0.5, 88).ToArray();
        var frame = new byte[88];
        frame[3] = 1;
        Assert.Equal(88 * Math.Log(2), FrameNll.OfFrame(half, frame), 9);
        Assert.Equal(61.00, Math.Round(88 * Math.Log(2), 2));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(2.5)]
    [InlineData(-7.0)]
    public void LogitFormEqualsProbabilityForm(double logit)
    {
        double p = 1 / (1 + Math.Exp(-logit));
        Assert.Equal(-Math.Log(p), FrameNll.OfLogit(logit, on: true), 6);
        Assert.Equal(-Math.Log(1 - p), FrameNll.OfLogit(logit, on: false), 6);
    }

    [Fact]
    public void LogitFormStaysFiniteWhereProbabilitiesRoundToOne()
    {
        Assert.Equal(40.0, FrameNll.OfLogit(40, on: false), 9); // -ln(1 - sigmoid(40)) = ln(1 + e^40) ~ 40
        Assert.Equal(40.0, FrameNll.OfLogit(-40, on: true), 9);
        Assert.True(FrameNll.OfLogit(40, on: true) < 1e-15);
    }

    [Fact]
    public void FirstFrameIsNeverScored()
    {
        var b = FrameBaselines.Fit([Seq([60], [62])]);
        Assert.Equal(0, b.ScoreMarginal([Seq([60])]).Frames);
        Assert.Equal(3, b.ScoreMarkov([Seq([60], [62], [64], [65]), Seq([1 + 59])]).Frames);
    }

    [Fact]
    public void OffPianoPitchIsAFormatErrorThatSaysWhere()
    {
        var path = Path.Combine(Path.GetTempPath(), $"melos-pr-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"train": [[[60], [20]]], "valid": [], "test": []}""");
        try
        {
            var e = Assert.Throws<PianoRollFormatException>(() => PianoRollSet.Load(path));
            Assert.Contains("train[0][1]", e.Message, StringComparison.Ordinal);
            Assert.Contains("20", e.Message, StringComparison.Ordinal);
            File.WriteAllText(path, """{"train": [], "valid": []}""");
            Assert.Contains("'test'", Assert.Throws<PianoRollFormatException>(() => PianoRollSet.Load(path)).Message, StringComparison.Ordinal);
            File.WriteAllText(path, "{not json");
            Assert.Throws<PianoRollFormatException>(() => PianoRollSet.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SetNamesParseAsTheCommandLineSpellsThem()
    {
        Assert.Equal(PianoRollSetName.PianoMidi, PianoRollSet.ParseName("piano-midi"));
        Assert.Equal(PianoRollSetName.Jsb, PianoRollSet.ParseName("JSB"));
        Assert.Throws<ArgumentException>(() => PianoRollSet.ParseName("bach"));
    }

    [DatasetTheory]
    [InlineData("jsb", 229, 76, 77, 13807, 11.09, 10.49)]
    [InlineData("nottingham", 694, 173, 170, 176561, 10.26, 5.15)]
    public void FloorBaselinesReproduceThePublishedFigures(string set, int train, int valid, int test, int trainFrames, double marginal, double markov)
    {
        var data = PianoRollSet.Load(Datasets.PathOf("piano-roll-benchmark"), PianoRollSet.ParseName(set));
        Assert.Equal([train, valid, test], new[] { data.Train.Length, data.Valid.Length, data.Test.Length });
        Assert.Equal(trainFrames, data.Train.Sum(s => s.FrameCount));
        var b = FrameBaselines.Fit(data.Train);
        Assert.Equal(marginal, Math.Round(b.ScoreMarginal(data.Test).NllPerFrame, 2));
        Assert.Equal(markov, Math.Round(b.ScoreMarkov(data.Test).NllPerFrame, 2));
    }
}
