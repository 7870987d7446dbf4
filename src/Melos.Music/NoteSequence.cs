using System.Globalization;
using System.Text;

namespace Melos.Music;

/// <summary>
/// A compact text form of a monophonic line: pitches with optional lengths in quarter notes, and rests.
/// <c>"G4 A4 B4/2 D5"</c> is three quarters and an eighth; <c>"C4 r D4:3/2"</c> has a quarter rest and a dotted quarter.
/// Lengths follow a pitch or rest as <c>/2</c>, <c>2</c>, <c>3/2</c> (multiples of a quarter, ABC-style) or after <c>:</c>.
/// </summary>
public static class NoteSequence
{
    /// <summary>Parses a note sequence into notes starting at zero.</summary>
    /// <exception cref="InvalidNoteSequenceException">A token is not a pitch or rest with a valid length; the message names it.</exception>
    public static IReadOnlyList<Note> Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new InvalidNoteSequenceException(text, "at least one pitch, e.g. \"G4 A4 B4/2 D5\"");
        var notes = new List<Note>();
        var t = Duration.Zero;
        int index = 0;
        foreach (var token in text.Split([' ', '\t', '\n', '\r', ','], StringSplitOptions.RemoveEmptyEntries))
        {
            index++;
            if (!TryParseToken(token, out var pitch, out var length))
                throw new InvalidNoteSequenceException(text, $"token {index} '{token}' to be a pitch (C4, F#5, Bb3) or rest (r), optionally followed by a length such as /2, 2, 3/2 or :1/3");
            if (pitch is { } p) notes.Add(new Note(p, t, length));
            t += length;
        }
        if (notes.Count == 0) throw new InvalidNoteSequenceException(text, "at least one pitch, not only rests");
        return notes;
    }

    /// <summary>Writes notes in the same form (gaps become rests); <see cref="Parse"/> reads it back.</summary>
    public static string Format(IEnumerable<Note> notes)
    {
        var sb = new StringBuilder();
        var t = Duration.Zero;
        foreach (var n in notes)
        {
            if (n.Start > t) Append(sb, "r", n.Start - t);
            Append(sb, n.Pitch.ToString(), n.Length);
            t = n.End;
        }
        return sb.ToString();

        static void Append(StringBuilder sb, string head, Duration d)
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(head);
            if (d != Duration.Quarter) sb.Append(':').Append(d.ToString());
        }
    }

    private static bool TryParseToken(string token, out Pitch? pitch, out Duration length)
    {
        pitch = null;
        length = Duration.Quarter;
        int split = token.IndexOf(':');
        string head, tail;
        if (split >= 0)
        {
            head = token[..split];
            tail = token[(split + 1)..];
            if (!Rational.TryParse(tail, out var q) || q.Sign <= 0) return false;
            length = Duration.FromQuarters(q);
        }
        else
        {
            // Pitch then optional ABC-style length: "B4/2", "D52"? digits belong to the octave, so a multiplier needs '/' or ':'.
            int slash = token.IndexOf('/');
            head = slash >= 0 ? token[..slash] : token;
            if (slash >= 0)
            {
                var frac = token[slash..]; // "/2", "/"
                var den = frac.Length == 1 ? "2" : frac[1..];
                if (!long.TryParse(den, NumberStyles.None, CultureInfo.InvariantCulture, out var d) || d <= 0) return false;
                length = Duration.FromQuarters(1, d);
            }
        }
        if (head is "r" or "R" or "z" or "rest") return true;
        if (!Pitch.TryParse(head, out var p)) return false;
        pitch = p;
        return true;
    }
}
