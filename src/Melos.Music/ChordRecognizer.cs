namespace Melos.Music;

/// <summary>
/// Names the chord sounding in a set of pitches by template matching: every root and quality is scored by the chord tones
/// present minus the tones missing and the extra tones, preferring simpler chords on a tie; the lowest pitch becomes a
/// slash bass when it is not the root.
/// </summary>
public static class ChordRecognizer
{
    private static readonly (ChordQuality Quality, int[] Intervals)[] Templates =
    [
        (ChordQuality.Major, [0, 4, 7]), (ChordQuality.Minor, [0, 3, 7]), (ChordQuality.Dominant7, [0, 4, 7, 10]),
        (ChordQuality.Minor7, [0, 3, 7, 10]), (ChordQuality.Major7, [0, 4, 7, 11]), (ChordQuality.Diminished, [0, 3, 6]),
        (ChordQuality.Augmented, [0, 4, 8]), (ChordQuality.HalfDiminished7, [0, 3, 6, 10]), (ChordQuality.Diminished7, [0, 3, 6, 9]),
        (ChordQuality.Major6, [0, 4, 7, 9]), (ChordQuality.Minor6, [0, 3, 7, 9]), (ChordQuality.Suspended4, [0, 5, 7]),
        (ChordQuality.Suspended2, [0, 2, 7]), (ChordQuality.Dominant7Suspended4, [0, 5, 7, 10]), (ChordQuality.Power, [0, 7]),
    ];

    /// <summary>The chord of the given MIDI pitches, or null for fewer than two distinct pitch classes.</summary>
    public static ChordSymbol? Recognize(IEnumerable<int> pitches)
    {
        var list = pitches.ToList();
        if (list.Count == 0) return null;
        int mask = 0;
        foreach (var p in list) mask |= 1 << (((p % 12) + 12) % 12);
        if (System.Numerics.BitOperations.PopCount((uint)mask) < 2) return null;
        int bassPc = ((list.Min() % 12) + 12) % 12;

        double best = double.MinValue;
        (int Root, ChordQuality Quality) choice = default;
        for (int root = 0; root < 12; root++)
        {
            for (int t = 0; t < Templates.Length; t++)
            {
                var (quality, intervals) = Templates[t];
                int chordMask = 0;
                foreach (var i in intervals) chordMask |= 1 << ((root + i) % 12);
                int present = System.Numerics.BitOperations.PopCount((uint)(chordMask & mask));
                int missing = intervals.Length - present;
                int extra = System.Numerics.BitOperations.PopCount((uint)(mask & ~chordMask));
                if ((mask & (1 << root)) == 0) continue; // the root must sound
                double score = present - 1.0 * missing - 1.0 * extra - 0.01 * t + (root == bassPc ? 0.1 : 0);
                if (score > best) { best = score; choice = (root, quality); }
            }
        }
        var rootName = NoteName.Simplest(choice.Root);
        NoteName? bass = bassPc == choice.Root ? null : NoteName.Simplest(bassPc);
        return new ChordSymbol(rootName, choice.Quality, null, bass);
    }
}
