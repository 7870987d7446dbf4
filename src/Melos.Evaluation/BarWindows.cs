using Melos.Music;

namespace Melos.Evaluation;

/// <summary>
/// A 128-bit fingerprint of a window's content: two independent 64-bit hashes of the window's length, then every note
/// starting in it as onset (from the window start), MIDI pitch and length (cut at the window's end), all exact
/// rationals. Equal content gives equal keys; different content collides with probability about 2^-128 per pair.
/// </summary>
/// <param name="A">The first hash.</param>
/// <param name="B">The second hash.</param>
public readonly record struct WindowKey(ulong A, ulong B);

/// <summary>A window of whole bars of a melody, with keys that are equal exactly when the windows are the same music.</summary>
/// <param name="Bar">The first bar (0-based; time zero starts bar 0).</param>
/// <param name="Bars">How many bars it spans.</param>
/// <param name="Verbatim">The window's key (see <see cref="WindowKey"/>).</param>
/// <param name="Transposed">The key with pitches counted from the window's first note, so it is the same in every transposition.</param>
public sealed record BarWindow(int Bar, int Bars, WindowKey Verbatim, WindowKey Transposed);

/// <summary>Cuts melodies into windows of whole bars.</summary>
public static class BarWindows
{
    /// <summary>
    /// Every window of <paramref name="bars"/> consecutive bars that lies wholly inside the melody and has a note starting
    /// in it, in bar order. A note that starts before the window and sounds into it is not part of it.
    /// </summary>
    public static IEnumerable<BarWindow> Of(Melody melody, int bars)
    {
        ArgumentNullException.ThrowIfNull(melody);
        ArgumentOutOfRangeException.ThrowIfLessThan(bars, 1);
        int count = melody.BarCount;
        if (count < bars) yield break;
        var starts = new Duration[count + 1];
        for (int b = 0; b <= count; b++) starts[b] = melody.BarStart(b);
        var notes = melody.Notes;
        int first = 0;
        for (int b = 0; b + bars <= count; b++)
        {
            Duration ws = starts[b], we = starts[b + bars];
            if (we > melody.Length) yield break;
            while (first < notes.Length && notes[first].Start < ws) first++;
            int end = first;
            while (end < notes.Length && notes[end].Start < we) end++;
            if (end == first) continue;
            yield return new BarWindow(b, bars, Key(notes, first, end, ws, we, null), Key(notes, first, end, ws, we, notes[first].Pitch.Number));
        }
    }

    private static WindowKey Key(IReadOnlyList<Note> notes, int first, int end, Duration ws, Duration we, int? reference)
    {
        var h = new Hasher();
        h.Add(we - ws);
        for (int i = first; i < end; i++)
        {
            var n = notes[i];
            h.Add(n.Start - ws);
            h.Add(n.Pitch.Number - (reference ?? 0));
            h.Add(n.End > we ? we - n.Start : n.Length);
        }
        return new WindowKey(h.A, h.B);
    }

    /// <summary>Two 64-bit hash chains (SplitMix64 finalizers with different inputs) over a sequence of integers.</summary>
    private struct Hasher()
    {
        public ulong A = 0x9E3779B97F4A7C15UL, B = 0xD1B54A32D192ED03UL;

        public void Add(long value)
        {
            A = Mix(A ^ (ulong)value);
            B = Mix(unchecked((B + (ulong)value) * 0xC2B2AE3D27D4EB4FUL) ^ 0x165667B19E3779F9UL);
        }

        public void Add(Duration d)
        {
            Add(d.Quarters.Numerator);
            Add(d.Quarters.Denominator);
        }

        private static ulong Mix(ulong z)
        {
            unchecked
            {
                z += 0x9E3779B97F4A7C15UL;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                return z ^ (z >> 31);
            }
        }
    }
}
