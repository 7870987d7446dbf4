using System.Collections.Immutable;
using Melos.Music;

namespace Melos.Evaluation;

/// <summary>Structure figures of one melody; a figure undefined for it (too few bars, no notes) is NaN.</summary>
/// <param name="RepeatedBars">Share of bars (with notes, after the first) that repeat an earlier bar note for note.</param>
/// <param name="RepeatedTwoBars">Share of 2-bar windows that repeat an earlier, non-overlapping 2-bar window.</param>
/// <param name="RepeatedPhrases">Share of 4-bar phrases after the first that repeat an earlier phrase (see <see cref="StructureMetrics.PhraseOffset"/>).</param>
/// <param name="TonalStability">Krumhansl-Schmuckler correlation of the duration-weighted pitch classes with the best of the 24 key profiles.</param>
/// <param name="TonicTriadShare">Share of sounding time on the tonic triad (scale degrees 1, 3, 5) of the melody's key.</param>
/// <param name="EndsOnTonic">1 when the last note is the key's tonic, else 0.</param>
/// <param name="PhraseEndsOnTriad">Share of 4-bar phrases whose last note (the last starting in the phrase) is in the tonic triad.</param>
public sealed record StructureValues(double RepeatedBars, double RepeatedTwoBars, double RepeatedPhrases, double TonalStability, double TonicTriadShare,
    double EndsOnTonic, double PhraseEndsOnTriad)
{
    /// <summary>The figures by their JSON names, in report order.</summary>
    public ImmutableArray<KeyValuePair<string, double>> Named =>
    [
        new("repeatedBars", RepeatedBars), new("repeatedTwoBars", RepeatedTwoBars), new("repeatedPhrases", RepeatedPhrases),
        new("tonalStability", TonalStability), new("tonicTriadShare", TonicTriadShare), new("endsOnTonic", EndsOnTonic),
        new("phraseEndsOnTriad", PhraseEndsOnTriad),
    ];
}

/// <summary>
/// Structure of a melody: self-similarity (bars and phrases that repeat earlier ones exactly, by
/// <see cref="BarWindows"/> keys), tonal stability (key-profile correlation, time on the tonic triad) and cadences
/// (ending on the tonic; phrase ends on the tonic triad). The key is the melody's own, or the estimate when it has none.
/// </summary>
public static class StructureMetrics
{
    /// <summary>Every figure of a melody.</summary>
    public static StructureValues Of(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        var key = MusPyMetrics.KeyOf(melody);
        return new StructureValues(RepeatedWindows(melody, 1, 1), RepeatedWindows(melody, 2, 1), RepeatedWindows(melody, 4, 4, PhraseOffset(melody)),
            TonalStability(melody), TonicTriadShare(melody, key), EndsOnTonic(melody, key), PhraseEndsOnTriad(melody, key));
    }

    /// <summary>1 when the melody opens with a pickup (<see cref="MelodySet.HasPickup"/>), so phrases start at bar 1; else 0.</summary>
    public static int PhraseOffset(Melody melody) => MelodySet.HasPickup(melody) ? 1 : 0;

    /// <summary>
    /// Among windows of <paramref name="bars"/> bars starting at bars <c>offset + k * stride</c> (with notes), the share,
    /// after the first, equal to an earlier window that ends before it starts. NaN with fewer than two windows.
    /// </summary>
    public static double RepeatedWindows(Melody melody, int bars, int stride, int offset = 0)
    {
        ArgumentNullException.ThrowIfNull(melody);
        var windows = BarWindows.Of(melody, bars).Where(w => w.Bar >= offset && (w.Bar - offset) % stride == 0).ToList();
        if (windows.Count < 2) return double.NaN;
        int repeated = 0;
        for (int i = 1; i < windows.Count; i++)
            if (windows.Take(i).Any(w => w.Bar + bars <= windows[i].Bar && w.Verbatim == windows[i].Verbatim)) repeated++;
        return (double)repeated / (windows.Count - 1);
    }

    /// <summary>The best Krumhansl-Schmuckler key correlation (NaN without notes).</summary>
    public static double TonalStability(Melody melody) =>
        melody.Notes.IsEmpty ? double.NaN : KeyEstimator.Estimate(melody.Notes).Correlation;

    /// <summary>The pitch classes of scale degrees 1, 3 and 5 of <paramref name="key"/>.</summary>
    public static ImmutableArray<int> TonicTriad(Key key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var pcs = key.Scale.PitchClasses.ToList();
        return [pcs[0], pcs[2], pcs[4]];
    }

    /// <summary>Share of the notes' total length on the tonic triad (NaN without notes or key).</summary>
    public static double TonicTriadShare(Melody melody, Key? key)
    {
        ArgumentNullException.ThrowIfNull(melody);
        if (melody.Notes.IsEmpty || key is null) return double.NaN;
        var triad = TonicTriad(key);
        double on = 0, all = 0;
        foreach (var n in melody.Notes)
        {
            double d = n.Length.ToQuarterDouble();
            all += d;
            if (triad.Contains(n.Pitch.PitchClass)) on += d;
        }
        return on / all;
    }

    /// <summary>1 when the last note's pitch class is the tonic, else 0 (NaN without notes or key).</summary>
    public static double EndsOnTonic(Melody melody, Key? key)
    {
        ArgumentNullException.ThrowIfNull(melody);
        if (melody.Notes.IsEmpty || key is null) return double.NaN;
        return melody.Notes[^1].Pitch.PitchClass == key.Tonic.PitchClass ? 1 : 0;
    }

    /// <summary>
    /// Share of 4-bar phrases (whole phrases with notes, counted from bar 0, or from bar 1 after a pickup) whose last note
    /// is in the tonic triad (NaN for none).
    /// </summary>
    public static double PhraseEndsOnTriad(Melody melody, Key? key)
    {
        ArgumentNullException.ThrowIfNull(melody);
        if (key is null) return double.NaN;
        var triad = TonicTriad(key);
        int phrases = 0, stable = 0;
        for (int b = PhraseOffset(melody); b + 4 <= melody.BarCount; b += 4)
        {
            Duration start = melody.BarStart(b), end = melody.BarStart(b + 4);
            if (end > melody.Length) break;
            var last = melody.Notes.LastOrDefault(n => n.Start >= start && n.Start < end);
            if (last is null) continue;
            phrases++;
            if (triad.Contains(last.Pitch.PitchClass)) stable++;
        }
        return phrases == 0 ? double.NaN : (double)stable / phrases;
    }
}
