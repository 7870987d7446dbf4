using Melos.Music;

namespace Melos.Data.Corpus;

/// <summary>Data augmentation and normalization over melodies.</summary>
public static class Augmentation
{
    /// <summary>
    /// Every transposition of <paramref name="melody"/> by <paramref name="minSemitones"/>..<paramref name="maxSemitones"/>
    /// (the original included, as 0) that keeps all notes within <paramref name="low"/>..<paramref name="high"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is reversed.</exception>
    public static IEnumerable<(int Semitones, Melody Melody)> Transpositions(Melody melody, int minSemitones, int maxSemitones, int low = 0, int high = 127)
    {
        if (minSemitones > maxSemitones) throw new ArgumentOutOfRangeException(nameof(minSemitones), $"{minSemitones} > {maxSemitones}");
        if (low > high) throw new ArgumentOutOfRangeException(nameof(low), $"{low} > {high}");
        if (melody.Notes.IsEmpty) yield break;
        int lo = melody.Notes.Min(n => n.Pitch.Number), hi = melody.Notes.Max(n => n.Pitch.Number);
        for (int s = minSemitones; s <= maxSemitones; s++)
        {
            if (lo + s < low || hi + s > high) continue;
            yield return (s, melody.Transpose(s));
        }
    }

    /// <summary>
    /// The shift (-6..+5 semitones) that moves the key's tonic to C for major-like modes (major, lydian, mixolydian) or to
    /// A for the others (minor, dorian, phrygian, locrian).
    /// </summary>
    public static int NormalizingShift(Key key)
    {
        int target = key.IsMajorLike ? 0 : 9;
        int shift = ((target - key.Tonic.PitchClass) % 12 + 12) % 12;
        return shift > 5 ? shift - 12 : shift;
    }

    /// <summary>The melody moved to C (major-like modes) or A (the others); unchanged when it has no key.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The shift takes a note outside MIDI 0..127.</exception>
    public static Melody NormalizeKey(Melody melody) => melody.Key is { } k ? melody.Transpose(NormalizingShift(k)) : melody;

    /// <summary>
    /// Chord dropout: each melody that has chords loses them with probability <paramref name="share"/> (one draw per
    /// melody from <c>new Random(seed)</c>), so that a model trained on the result writes with and without chords.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The share is outside 0..1.</exception>
    public static IReadOnlyList<Melody> DropChords(IEnumerable<Melody> melodies, double share, int seed)
    {
        ArgumentNullException.ThrowIfNull(melodies);
        if (share is < 0 or > 1 || double.IsNaN(share)) throw new ArgumentOutOfRangeException(nameof(share), share, "The share of melodies to drop chords from must be 0..1.");
        var rng = new Random(seed);
        return [.. melodies.Select(m => !m.Chords.IsEmpty && rng.NextDouble() < share ? m.WithChords([]) : m)];
    }
}

/// <summary>An attribute to balance a corpus by.</summary>
public enum BalanceBy
{
    /// <summary>Style label.</summary>
    Style,
    /// <summary>Collection.</summary>
    Collection,
    /// <summary>Key (tonic and mode).</summary>
    Key,
    /// <summary>Mode only.</summary>
    Mode,
    /// <summary>Opening time signature.</summary>
    Meter,
}

/// <summary>Per-melody sampling weights that make every group of an attribute equally likely to be drawn.</summary>
public static class Balancing
{
    /// <summary>The group label of an entry for an attribute.</summary>
    public static string GroupOf(CorpusEntry e, BalanceBy by) => by switch
    {
        BalanceBy.Style => e.Style,
        BalanceBy.Collection => e.Collection,
        BalanceBy.Key => e.Melody.Key?.ToString() ?? "unknown",
        BalanceBy.Mode => e.Melody.Key?.Mode.ToString().ToLowerInvariant() ?? "unknown",
        BalanceBy.Meter => e.Melody.Meter.ToString(),
        _ => throw new ArgumentOutOfRangeException(nameof(by), by, null),
    };

    /// <summary>
    /// Weights proportional to 1 / (size of the entry's group), normalized to sum to the number of entries, so that each
    /// group's total weight is equal. A uniform corpus gets weight 1 everywhere.
    /// </summary>
    public static double[] Weights(IReadOnlyList<CorpusEntry> entries, BalanceBy by)
    {
        var groups = entries.Select(e => GroupOf(e, by)).ToArray();
        var sizes = groups.GroupBy(g => g).ToDictionary(g => g.Key, g => g.Count());
        int groupCount = sizes.Count;
        var w = new double[entries.Count];
        for (int i = 0; i < w.Length; i++) w[i] = (double)entries.Count / (groupCount * sizes[groups[i]]);
        return w;
    }

    /// <summary>Draws <paramref name="count"/> entry indices with replacement according to <paramref name="weights"/>.</summary>
    public static int[] Sample(double[] weights, int count, Random random)
    {
        var cumulative = new double[weights.Length];
        double total = 0;
        for (int i = 0; i < weights.Length; i++) cumulative[i] = total += weights[i];
        var picks = new int[count];
        for (int k = 0; k < count; k++)
        {
            double u = random.NextDouble() * total;
            int idx = Array.BinarySearch(cumulative, u);
            picks[k] = idx >= 0 ? idx : Math.Min(~idx, weights.Length - 1);
        }
        return picks;
    }
}
