using System.Collections.Immutable;
using Melos.Music;

namespace Melos.Evaluation;

/// <summary>The MusPy melody metrics of one melody; a metric that is undefined for it (no notes, one bar) is NaN.</summary>
/// <param name="PitchRange">Highest minus lowest MIDI pitch.</param>
/// <param name="PitchesUsed">Distinct MIDI pitches.</param>
/// <param name="PitchClassesUsed">Distinct pitch classes.</param>
/// <param name="PitchInScaleRate">Share of notes whose pitch class is in the scale of the melody's key.</param>
/// <param name="ScaleConsistency">The largest share of notes in one major or natural-minor scale, over all 24.</param>
/// <param name="PitchEntropy">Shannon entropy (bits) of the notes' MIDI pitches.</param>
/// <param name="PitchClassEntropy">Shannon entropy (bits) of the notes' pitch classes.</param>
/// <param name="EmptyBeatRate">Share of quarter-note beats during which no note sounds.</param>
/// <param name="GrooveConsistency">1 minus the mean Hamming distance between the onset patterns of consecutive bars, per grid position.</param>
public sealed record MusPyValues(double PitchRange, double PitchesUsed, double PitchClassesUsed, double PitchInScaleRate, double ScaleConsistency,
    double PitchEntropy, double PitchClassEntropy, double EmptyBeatRate, double GrooveConsistency)
{
    /// <summary>The metrics by their JSON names, in report order.</summary>
    public ImmutableArray<KeyValuePair<string, double>> Named =>
    [
        new("pitchRange", PitchRange), new("pitchesUsed", PitchesUsed), new("pitchClassesUsed", PitchClassesUsed),
        new("pitchInScaleRate", PitchInScaleRate), new("scaleConsistency", ScaleConsistency), new("pitchEntropy", PitchEntropy),
        new("pitchClassEntropy", PitchClassEntropy), new("emptyBeatRate", EmptyBeatRate), new("grooveConsistency", GrooveConsistency),
    ];
}

/// <summary>
/// The melody metrics of MusPy (Dong et al., 2020), computed as its <c>muspy.metrics</c> module does for one track,
/// with these choices: the pitch-in-scale rate uses the melody's own key (its mode's scale; estimated when the melody has
/// none) instead of a scale passed in; beats are quarter notes and a melody of length L has ceil(L) of them; grooves are
/// onset positions on a grid of <see cref="GrooveStepsPerQuarter"/> steps per quarter within each bar of the melody's meter.
/// </summary>
public static class MusPyMetrics
{
    /// <summary>The grid of onset positions compared by groove consistency.</summary>
    public const int GrooveStepsPerQuarter = 12;

    private static readonly int[] MajorScale = [0, 2, 4, 5, 7, 9, 11];
    private static readonly int[] MinorScale = [0, 2, 3, 5, 7, 8, 10];
    private static readonly int[][] Scales = [MajorScale, MinorScale];

    /// <summary>Every metric of a melody.</summary>
    public static MusPyValues Of(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        return new MusPyValues(PitchRange(melody), PitchesUsed(melody), PitchClassesUsed(melody), PitchInScaleRate(melody, KeyOf(melody)),
            ScaleConsistency(melody), PitchEntropy(melody), PitchClassEntropy(melody), EmptyBeatRate(melody), GrooveConsistency(melody));
    }

    /// <summary>The melody's key, or the Krumhansl-Schmuckler estimate; null without notes.</summary>
    public static Key? KeyOf(Melody melody) => melody.Key ?? (melody.Notes.IsEmpty ? null : KeyEstimator.Estimate(melody.Notes).Key);

    /// <summary>Highest minus lowest MIDI pitch (NaN without notes).</summary>
    public static double PitchRange(Melody melody) =>
        melody.Notes.IsEmpty ? double.NaN : melody.Notes.Max(n => n.Pitch.Number) - melody.Notes.Min(n => n.Pitch.Number);

    /// <summary>Distinct MIDI pitches.</summary>
    public static double PitchesUsed(Melody melody) => melody.Notes.Select(n => n.Pitch.Number).Distinct().Count();

    /// <summary>Distinct pitch classes.</summary>
    public static double PitchClassesUsed(Melody melody) => melody.Notes.Select(n => n.Pitch.PitchClass).Distinct().Count();

    /// <summary>Share of notes whose pitch class is in <paramref name="key"/>'s scale (NaN without notes or key).</summary>
    public static double PitchInScaleRate(Melody melody, Key? key)
    {
        ArgumentNullException.ThrowIfNull(melody);
        if (melody.Notes.IsEmpty || key is null) return double.NaN;
        return (double)melody.Notes.Count(n => key.Scale.Contains(n.Pitch.PitchClass)) / melody.Notes.Length;
    }

    /// <summary>The largest share of notes inside one of the 12 major or 12 natural-minor scales (NaN without notes).</summary>
    public static double ScaleConsistency(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        if (melody.Notes.IsEmpty) return double.NaN;
        var counts = new int[12];
        foreach (var n in melody.Notes) counts[n.Pitch.PitchClass]++;
        int best = 0;
        for (int root = 0; root < 12; root++)
            foreach (var scale in Scales)
                best = Math.Max(best, scale.Sum(s => counts[(root + s) % 12]));
        return (double)best / melody.Notes.Length;
    }

    /// <summary>Shannon entropy in bits of the distribution of notes over MIDI pitches (NaN without notes).</summary>
    public static double PitchEntropy(Melody melody) => Entropy(melody.Notes.Select(n => n.Pitch.Number));

    /// <summary>Shannon entropy in bits of the distribution of notes over pitch classes (NaN without notes).</summary>
    public static double PitchClassEntropy(Melody melody) => Entropy(melody.Notes.Select(n => n.Pitch.PitchClass));

    /// <summary>Shannon entropy in bits of how often each value occurs (NaN for no values).</summary>
    public static double Entropy(IEnumerable<int> values)
    {
        var counts = values.GroupBy(v => v).Select(g => g.Count()).ToArray();
        int total = counts.Sum();
        if (total == 0) return double.NaN;
        double h = 0;
        foreach (var c in counts)
        {
            double p = (double)c / total;
            h -= p * Math.Log2(p);
        }
        return h;
    }

    /// <summary>
    /// Share of quarter-note beats [b, b+1) of the melody's length during which no note sounds (NaN for a melody of zero
    /// length). A beat is not empty when any note overlaps it for some time.
    /// </summary>
    public static double EmptyBeatRate(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        var length = melody.Length.Quarters;
        if (length.IsZero) return double.NaN;
        long beats = length.Denominator == 1 ? length.Numerator : length.Floor() + 1;
        var filled = new bool[beats];
        foreach (var n in melody.Notes)
        {
            long first = n.Start.Quarters.Floor();
            var end = n.End.Quarters;
            long last = end.Denominator == 1 ? end.Numerator - 1 : end.Floor();
            for (long b = first; b <= last && b < beats; b++) filled[b] = true;
        }
        return (double)filled.Count(f => !f) / beats;
    }

    /// <summary>
    /// 1 minus the mean, over pairs of consecutive bars, of the number of grid positions at which exactly one of the two
    /// bars has an onset, divided by the positions in a bar (NaN for fewer than two bars). Onsets are rounded to the
    /// nearest of <see cref="GrooveStepsPerQuarter"/> steps per quarter note.
    /// </summary>
    public static double GrooveConsistency(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        int bars = melody.BarCount;
        if (bars < 2) return double.NaN;
        var patterns = new HashSet<long>[bars];
        var sizes = new long[bars];
        for (int b = 0; b < bars; b++)
        {
            patterns[b] = [];
            var start = melody.BarStart(b);
            var next = melody.BarStart(b + 1);
            sizes[b] = (long)Math.Round((next - start).ToQuarterDouble() * GrooveStepsPerQuarter);
        }
        foreach (var n in melody.Notes)
        {
            var (bar, offset) = melody.BarOf(n.Start);
            if (bar < bars) patterns[bar].Add((long)Math.Round(offset.ToQuarterDouble() * GrooveStepsPerQuarter));
        }
        double sum = 0;
        for (int b = 1; b < bars; b++)
        {
            int differing = patterns[b].Count(p => !patterns[b - 1].Contains(p)) + patterns[b - 1].Count(p => !patterns[b].Contains(p));
            sum += (double)differing / Math.Max(1, Math.Max(sizes[b], sizes[b - 1]));
        }
        return 1 - sum / (bars - 1);
    }
}
