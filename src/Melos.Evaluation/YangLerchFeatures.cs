using System.Collections.Immutable;
using Melos.Music;

namespace Melos.Evaluation;

/// <summary>The nine melody features of Yang and Lerch (2019), as their <c>mgeval</c> toolbox defines them for one track.</summary>
public enum YangLerchFeature
{
    /// <summary>PC: the number of distinct MIDI pitches.</summary>
    PitchCount,
    /// <summary>PCH: notes per pitch class (C first), divided by the number of notes (12 values).</summary>
    PitchClassHistogram,
    /// <summary>PCTM: pitch-class pairs of consecutive notes (from, to), divided by the number of pairs (12 x 12 values).</summary>
    PitchClassTransitionMatrix,
    /// <summary>PR: the highest minus the lowest MIDI pitch.</summary>
    PitchRange,
    /// <summary>PI: the mean absolute interval between consecutive notes, in semitones.</summary>
    AveragePitchInterval,
    /// <summary>NC: the number of notes.</summary>
    NoteCount,
    /// <summary>IOI: the mean time between consecutive onsets, in quarter notes.</summary>
    AverageInterOnsetInterval,
    /// <summary>NLH: notes per length class (<see cref="YangLerchFeatures.LengthClasses"/>), divided by the number of notes (12 values).</summary>
    NoteLengthHistogram,
    /// <summary>NLTM: length-class pairs of consecutive notes, divided by the number of pairs (12 x 12 values).</summary>
    NoteLengthTransitionMatrix,
}

/// <summary>
/// Computes the Yang and Lerch features of a melody. Histograms and transition matrices are normalized to sum to 1 (so
/// melodies of different lengths compare; <c>mgeval</c> leaves its transition matrices as counts by default), and
/// times are in quarter notes rather than seconds (so tempo does not enter).
/// </summary>
public static class YangLerchFeatures
{
    /// <summary>Every feature, in report order.</summary>
    public static ImmutableArray<YangLerchFeature> All { get; } = [.. Enum.GetValues<YangLerchFeature>()];

    /// <summary>
    /// The 12 note-length classes of <c>mgeval</c>, in quarter notes: whole, half, quarter, eighth, sixteenth; dotted
    /// half, dotted quarter, dotted eighth, dotted sixteenth; half, quarter and eighth triplets. A note is put in the
    /// class nearest to its length (the first such class on a tie).
    /// </summary>
    public static ImmutableArray<Rational> LengthClasses { get; } =
    [
        4, 2, 1, new(1, 2), new(1, 4),
        3, new(3, 2), new(3, 4), new(3, 8),
        new(4, 3), new(2, 3), new(1, 3),
    ];

    /// <summary>The JSON and report name of a feature (<c>pitchClassHistogram</c>).</summary>
    public static string Key(YangLerchFeature feature)
    {
        var s = feature.ToString();
        return char.ToLowerInvariant(s[0]) + s[1..];
    }

    /// <summary>A readable title (<c>Pitch-class histogram (PCH)</c>).</summary>
    public static string Title(YangLerchFeature feature) => feature switch
    {
        YangLerchFeature.PitchCount => "Pitch count (PC)",
        YangLerchFeature.PitchClassHistogram => "Pitch-class histogram (PCH)",
        YangLerchFeature.PitchClassTransitionMatrix => "Pitch-class transition matrix (PCTM)",
        YangLerchFeature.PitchRange => "Pitch range (PR)",
        YangLerchFeature.AveragePitchInterval => "Average pitch interval (PI)",
        YangLerchFeature.NoteCount => "Note count (NC)",
        YangLerchFeature.AverageInterOnsetInterval => "Average inter-onset interval (IOI)",
        YangLerchFeature.NoteLengthHistogram => "Note-length histogram (NLH)",
        YangLerchFeature.NoteLengthTransitionMatrix => "Note-length transition matrix (NLTM)",
        _ => throw new ArgumentOutOfRangeException(nameof(feature), feature, "Unknown feature."),
    };

    /// <summary>The number of values of a feature (1 for scalars, 12 for histograms, 144 for matrices).</summary>
    public static int Dimension(YangLerchFeature feature) => feature switch
    {
        YangLerchFeature.PitchClassHistogram or YangLerchFeature.NoteLengthHistogram => 12,
        YangLerchFeature.PitchClassTransitionMatrix or YangLerchFeature.NoteLengthTransitionMatrix => 144,
        _ => 1,
    };

    /// <summary>The index in <see cref="LengthClasses"/> of the class nearest to <paramref name="length"/>.</summary>
    public static int LengthClass(Duration length)
    {
        int best = 0;
        Rational bestDistance = default;
        for (int i = 0; i < LengthClasses.Length; i++)
        {
            var d = length.Quarters - LengthClasses[i];
            if (d.Sign < 0) d = -d;
            if (i == 0 || d < bestDistance)
            {
                best = i;
                bestDistance = d;
            }
        }
        return best;
    }

    /// <summary>The values of one feature of a melody (row-major for matrices: from-class times 12 plus to-class).</summary>
    /// <exception cref="ArgumentException">The melody has no notes.</exception>
    public static double[] Compute(Melody melody, YangLerchFeature feature)
    {
        ArgumentNullException.ThrowIfNull(melody);
        var notes = melody.Notes;
        if (notes.IsEmpty) throw new ArgumentException("The Yang and Lerch features need at least one note.", nameof(melody));
        int n = notes.Length;
        switch (feature)
        {
            case YangLerchFeature.PitchCount:
                return [notes.Select(x => x.Pitch.Number).Distinct().Count()];
            case YangLerchFeature.PitchClassHistogram:
                {
                    var h = new double[12];
                    foreach (var x in notes) h[x.Pitch.PitchClass] += 1.0 / n;
                    return h;
                }
            case YangLerchFeature.PitchClassTransitionMatrix:
                return Transitions(notes.Select(x => x.Pitch.PitchClass).ToArray());
            case YangLerchFeature.PitchRange:
                return [notes.Max(x => x.Pitch.Number) - notes.Min(x => x.Pitch.Number)];
            case YangLerchFeature.AveragePitchInterval:
                {
                    if (n < 2) return [0];
                    double sum = 0;
                    for (int i = 1; i < n; i++) sum += Math.Abs(notes[i].Pitch.Number - notes[i - 1].Pitch.Number);
                    return [sum / (n - 1)];
                }
            case YangLerchFeature.NoteCount:
                return [n];
            case YangLerchFeature.AverageInterOnsetInterval:
                return [n < 2 ? 0 : (notes[^1].Start - notes[0].Start).ToQuarterDouble() / (n - 1)];
            case YangLerchFeature.NoteLengthHistogram:
                {
                    var h = new double[12];
                    foreach (var x in notes) h[LengthClass(x.Length)] += 1.0 / n;
                    return h;
                }
            case YangLerchFeature.NoteLengthTransitionMatrix:
                return Transitions(notes.Select(x => LengthClass(x.Length)).ToArray());
            default:
                throw new ArgumentOutOfRangeException(nameof(feature), feature, "Unknown feature.");
        }
    }

    private static double[] Transitions(int[] classes)
    {
        var m = new double[144];
        if (classes.Length < 2) return m;
        double w = 1.0 / (classes.Length - 1);
        for (int i = 1; i < classes.Length; i++) m[classes[i - 1] * 12 + classes[i]] += w;
        return m;
    }
}
