using Melos.Data.Transcription;
using Melos.Music;

namespace Melos.Data.Tests.Transcription;

/// <summary>The meter estimated from transcribed notes: simple or compound, then beats per bar.</summary>
public sealed class MeterEstimatorTests
{
    /// <summary>
    /// A tune as transcribed notes: two 8-bar parts, each played twice (AABB), each bar one of the rhythms (lengths in
    /// eighths) in turn, pitches a seeded walk that differs from bar to bar, after a pickup of
    /// <paramref name="pickupEighths"/> eighths; each note sounds 90% of its time, confidence 0.9.
    /// </summary>
    private static (List<TranscribedNote> Notes, double Seconds) Tune(int[][] rhythms, double eighthSeconds, int pickupEighths, int seed)
    {
        var random = new Random(seed);
        var parts = new List<(int Length, int Pitch)>[2];
        for (int p = 0; p < 2; p++)
        {
            parts[p] = [];
            int pitch = 67 + 2 * p;
            for (int bar = 0; bar < 8; bar++)
                foreach (int length in rhythms[(bar + 3 * p) % rhythms.Length])
                {
                    pitch = Math.Clamp(pitch + random.Next(-4, 5), 60, 84);
                    parts[p].Add((length, pitch));
                }
        }
        var notes = new List<TranscribedNote>();
        double t = 0.3;
        void Add(int length, int pitch)
        {
            notes.Add(new TranscribedNote(t, t + 0.9 * length * eighthSeconds, pitch, pitch, 0.9));
            t += length * eighthSeconds;
        }
        for (int i = 0; i < pickupEighths; i++) Add(1, 62 + 2 * i);
        foreach (var part in (List<(int, int)>[])[parts[0], parts[0], parts[1], parts[1]])
            foreach (var (length, pitch) in part) Add(length, pitch);
        Add(4, 67);
        return (notes, t + 0.5);
    }

    private static TimeSignature Estimate((List<TranscribedNote> Notes, double Seconds) tune) =>
        MeterEstimator.Estimate(tune.Notes, BeatTracker.Envelope(tune.Notes, tune.Seconds), tune.Seconds);

    // Bar rhythms in eighths. Reels: even eighths with quarters and halves on the beats. Jigs: quarter-eighth pairs and
    // runs of three eighths. Waltzes: halves, dotted quarters and quarters starting on the beats.
    private static readonly int[][] Reel = [[1, 1, 1, 1, 1, 1, 1, 1], [2, 1, 1, 2, 1, 1], [1, 1, 1, 1, 2, 2], [1, 1, 1, 1, 1, 1, 2], [4, 2, 2]];
    private static readonly int[][] Jig = [[2, 1, 2, 1], [1, 1, 1, 2, 1], [1, 1, 1, 1, 1, 1], [3, 2, 1], [2, 1, 3]];
    private static readonly int[][] Waltz = [[4, 2], [2, 2, 2], [3, 1, 2], [2, 1, 1, 2], [6]];
    private static readonly int[][] SlipJig = [[2, 1, 2, 1, 2, 1], [1, 1, 1, 2, 1, 1, 1, 1], [3, 2, 1, 2, 1], [1, 1, 1, 1, 1, 1, 3]];

    [Theory]
    [InlineData(0.25, 2, 1)]
    [InlineData(0.21, 0, 2)]
    [InlineData(0.28, 1, 3)]
    public void A_reel_is_in_4_4(double eighth, int pickup, int seed) =>
        Assert.Equal(new TimeSignature(4, 4), Estimate(Tune(Reel, eighth, pickup, seed)));

    [Theory]
    [InlineData(0.25, 1, 1)]
    [InlineData(0.21, 0, 2)]
    [InlineData(0.28, 2, 3)]
    public void A_jig_is_in_6_8(double eighth, int pickup, int seed) =>
        Assert.Equal(new TimeSignature(6, 8), Estimate(Tune(Jig, eighth, pickup, seed)));

    [Theory]
    [InlineData(0.25, 0, 1)]
    [InlineData(0.21, 2, 2)]
    [InlineData(0.28, 0, 3)]
    public void A_waltz_is_in_3_4(double eighth, int pickup, int seed) =>
        Assert.Equal(new TimeSignature(3, 4), Estimate(Tune(Waltz, eighth, pickup, seed)));

    [Fact]
    public void A_slip_jig_is_in_9_8() =>
        Assert.Equal(new TimeSignature(9, 8), Estimate(Tune(SlipJig, 0.25, 1, 4)));

    [Fact]
    public void Long_notes_every_third_eighth_are_compound_and_every_second_simple()
    {
        // Quarter-eighth pairs (a jig), onsets in eighths: the quarters start on eighths 0, 3, 6...
        double[] jig = [.. Enumerable.Range(0, 24).Select(i => (double)(i / 2 * 3 + (i % 2) * 2))];
        // Quarter-eighth-eighth (a reel's beat pairs): the quarters start on eighths 0, 4, 8...
        double[] reel = [.. Enumerable.Range(0, 24).Select(i => (double)(i / 3 * 4 + new[] { 0, 2, 3 }[i % 3]))];
        Assert.True(MeterEstimator.IsCompound(jig));
        Assert.False(MeterEstimator.IsCompound(reel));
        Assert.Equal(2 / 3.0, MeterEstimator.GroupingExcess(jig, 3), 6);
        Assert.Equal(0.5, MeterEstimator.GroupingExcess(reel, 2), 6);
    }

    [Fact]
    public void Even_notes_alone_are_simple()
    {
        double[] even = [.. Enumerable.Range(0, 16).Select(i => (double)i)];
        Assert.Equal(0, MeterEstimator.GroupingExcess(even, 2));
        Assert.False(MeterEstimator.IsCompound(even));
    }

    [Fact]
    public void Eighths_fit_the_grid_that_divides_the_beat_into_them()
    {
        // A jig's eighths on a grid of dotted quarters fall on thirds of the beat, not on halves.
        double[] onsets = [.. Enumerable.Range(0, 12).Select(i => i / 3.0)];
        Assert.Equal(1.0, MeterEstimator.GridFit(onsets, 3), 6);
        Assert.Equal(1 / 3.0, MeterEstimator.GridFit(onsets, 2), 6);
    }

    [Fact]
    public void Bars_that_repeat_with_accents_on_one_beat_score_higher_at_their_own_length()
    {
        // Three-beat bars: a half note then a quarter, the pitches of four bars repeated.
        var beats = new List<double>();
        var pitches = new List<int>();
        var weights = new List<double>();
        int[] tune = [60, 64, 67, 65, 62, 59, 64, 60];
        for (int repeat = 0; repeat < 3; repeat++)
            for (int bar = 0; bar < 4; bar++)
            {
                beats.AddRange([12 * repeat + 3 * bar, 12 * repeat + 3 * bar + 2]);
                pitches.AddRange([tune[2 * bar], tune[2 * bar + 1]]);
                weights.AddRange([1.0, 0.5]);
            }
        double three = MeterEstimator.BarScore(beats, pitches, weights, 3, 4), four = MeterEstimator.BarScore(beats, pitches, weights, 4, 4);
        Assert.True(three > four, $"3 beats {three}, 4 beats {four}");
    }

    [Fact]
    public void Fewer_than_two_notes_are_in_4_4()
    {
        var (notes, seconds) = Tune(Waltz, 0.25, 0, 1);
        Assert.Equal(TimeSignature.CommonTime, MeterEstimator.Estimate([notes[0]], BeatTracker.Envelope([notes[0]], seconds), seconds));
    }
}
