using System.Globalization;
using System.Text;
using Melos.Music;

namespace Melos.Evaluation;

/// <summary>A window of whole bars of a melody, written as text keys that are equal exactly when the windows are the same music.</summary>
/// <param name="Bar">The first bar (0-based; time zero starts bar 0).</param>
/// <param name="Bars">How many bars it spans.</param>
/// <param name="Verbatim">The window's length, then every note starting in it as onset (from the window start), MIDI pitch and length (cut at the window's end).</param>
/// <param name="Transposed">The same with pitches counted from the window's first note, so the key is the same in every transposition.</param>
public sealed record BarWindow(int Bar, int Bars, string Verbatim, string Transposed);

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

    private static string Key(IReadOnlyList<Note> notes, int first, int end, Duration ws, Duration we, int? reference)
    {
        var sb = new StringBuilder();
        sb.Append((we - ws).Quarters.ToString());
        for (int i = first; i < end; i++)
        {
            var n = notes[i];
            var length = n.End > we ? we - n.Start : n.Length;
            sb.Append('|').Append((n.Start - ws).Quarters.ToString()).Append(',')
              .Append((n.Pitch.Number - (reference ?? 0)).ToString(CultureInfo.InvariantCulture)).Append(',').Append(length.Quarters.ToString());
        }
        return sb.ToString();
    }
}
