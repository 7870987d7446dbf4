using Melos.Data.Transcription;

namespace Melos.Data.Tests.Transcription;

/// <summary>The bar phase chosen from repetition, long notes and the first note.</summary>
public sealed class DownbeatTests
{
    /// <summary>
    /// A reel-like 4/4 tune: four different bars played twice after a pickup of two eighths, each bar four eighths, a
    /// quarter on its third beat and two eighths, then a final long note on the downbeat. The quarters fall on beat 3, so
    /// long notes alone point there.
    /// </summary>
    private static (double[] Beats, int[] Pitches, double[] Weights) Reel(int downbeat)
    {
        int[][] bars = [[60, 62, 64, 65, 67, 65, 64], [62, 64, 65, 67, 69, 67, 65], [64, 62, 60, 62, 64, 60, 62], [67, 65, 64, 62, 60, 62, 64]];
        double[] offsets = [0, 0.5, 1, 1.5, 2, 3, 3.5];
        double[] lengths = [0.5, 0.5, 0.5, 0.5, 1, 0.5, 0.5];
        var beats = new List<double> { downbeat - 1.0, downbeat - 0.5 };
        var pitches = new List<int> { 67, 69 };
        var weights = new List<double> { 0.25, 0.25 };
        for (int repeat = 0; repeat < 2; repeat++)
            for (int b = 0; b < bars.Length; b++)
                for (int i = 0; i < offsets.Length; i++)
                {
                    beats.Add(downbeat + 4 * (repeat * bars.Length + b) + offsets[i]);
                    pitches.Add(bars[b][i]);
                    weights.Add(lengths[i] * 0.5);
                }
        beats.Add(downbeat + 4 * 2 * bars.Length);
        pitches.Add(60);
        weights.Add(1);
        return ([.. beats], [.. pitches], [.. weights]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Repeated_bars_find_the_downbeat_where_long_notes_fall_on_beat_three(int downbeat)
    {
        var (beats, pitches, weights) = Reel(downbeat);
        Assert.Equal(downbeat % 4, DownbeatFinder.Choose(beats, pitches, weights, 4, 4));
        var repetition = DownbeatFinder.Repetition(beats, pitches, 4, 4);
        Assert.Equal(1.0, repetition[downbeat % 4], 6);
        Assert.True(repetition[(downbeat + 2) % 4] < 0.9, $"half-bar phase repeats {repetition[(downbeat + 2) % 4]:0.00}");
    }

    [Fact]
    public void Without_repeats_the_long_notes_and_the_first_note_decide()
    {
        // Each bar a dotted quarter then three eighths... no two bars alike: the long notes' beat wins.
        var beats = new List<double>();
        var pitches = new List<int>();
        var weights = new List<double>();
        for (int bar = 0; bar < 6; bar++)
        {
            beats.AddRange([2 + 4 * bar, 3.5 + 4 * bar, 4 + 4 * bar, 4.5 + 4 * bar, 5 + 4 * bar]);
            pitches.AddRange([60 + bar, 61 + bar, 62 + bar, 63 + bar, 64 + bar]);
            weights.AddRange([1.5, 0.5, 0.5, 0.5, 1]);
        }
        Assert.Equal(2, DownbeatFinder.Choose(beats, pitches, weights, 4, 4));
    }

    [Fact]
    public void Nothing_to_go_on_gives_phase_zero()
    {
        Assert.Equal(0, DownbeatFinder.Choose([], [], [], 4, 4));
        Assert.Equal(0, DownbeatFinder.Choose([0.5], [60], [1], 1, 4));
    }
}
