using System.Globalization;
using System.Text;
using Melos.Music;

namespace Melos.Formats.Abc;

/// <summary>
/// Writes a <see cref="Melody"/> as one ABC tune: header fields (<c>X T</c>, the melody's other fields, <c>M L Q K</c>),
/// notes at <c>L:1/8</c> with accidentals spelled against the key signature and the bar, bar lines by the meter
/// (notes crossing a bar line are tied), a pickup written as a short first bar, and chord symbols in quotes.
/// <see cref="AbcReader"/> reads the text back to the same notes, key, meters, tempi and chords.
/// Lengths that are not binary fractions (triplets) are written as plain fractions of the unit (<c>A2/3</c>).
/// </summary>
public static class AbcWriter
{
    private static readonly Rational Unit = new(1, 2); // L:1/8 in quarter notes

    // Fields written from the melody itself, never copied from Info.Fields.
    private const string OwnFields = "XTMLQKPYVWw";

    /// <summary>The melody as an ABC tune numbered <paramref name="number"/>.</summary>
    public static string Write(Melody melody, int number = 1)
    {
        ArgumentNullException.ThrowIfNull(melody);
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(ci, $"X:{number}\n");
        if (melody.Info.Title is { } title) sb.Append("T:").Append(OneLine(title)).Append('\n');
        foreach (var (name, value) in melody.Info.Fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (name.Length != 1 || !char.IsAsciiLetter(name[0]) || OwnFields.Contains(name[0], StringComparison.Ordinal)) continue;
            foreach (var line in value.Split('\n')) sb.Append(name).Append(':').Append(OneLine(line)).Append('\n');
        }
        sb.Append("M:").Append(melody.Meters.IsEmpty ? "none" : melody.Meters[0].Meter.ToString()).Append('\n');
        sb.Append("L:1/8\n");
        if (!melody.Tempos.IsEmpty && melody.Tempos[0].At.IsZero) sb.Append("Q:1/4=").Append(Bpm(melody.Tempos[0])).Append('\n');
        sb.Append("K:").Append(KeyText(melody.Key)).Append('\n');
        WriteBody(sb, melody);
        return sb.ToString();
    }

    /// <summary>Writes several melodies as one file, numbered from 1.</summary>
    public static string WriteAll(IEnumerable<Melody> melodies) =>
        string.Join("\n", melodies.Select((m, i) => Write(m, i + 1)));

    private static string OneLine(string s) => s.Replace('\n', ' ').Replace('\r', ' ');

    private static string Bpm(TempoChange t) => t.Bpm.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The <c>K:</c> value of a key: tonic and a three-letter mode (<c>Ador</c>, <c>F#m</c>), <c>none</c> for no key.</summary>
    public static string KeyText(Key? key)
    {
        if (key is null) return "none";
        string mode = key.Mode switch
        {
            Mode.Major => "",
            Mode.Minor => "m",
            Mode.Dorian => "dor",
            Mode.Phrygian => "phr",
            Mode.Lydian => "lyd",
            Mode.Mixolydian => "mix",
            _ => "loc",
        };
        return key.Tonic.ToString() + mode;
    }

    private static void WriteBody(StringBuilder sb, Melody melody)
    {
        var signature = melody.Key is { } k ? AbcKeySignature.Of(k) : AbcKeySignature.None;
        bool metered = !melody.Meters.IsEmpty;

        // Cut points: bar lines, chord, meter and tempo changes, note starts and ends.
        var end = melody.Length;
        var cuts = new SortedSet<Duration> { Duration.Zero, end };
        foreach (var n in melody.Notes) { cuts.Add(n.Start); cuts.Add(n.End); }
        foreach (var c in melody.Chords) if (c.At < end) cuts.Add(c.At);
        foreach (var m in melody.Meters) if (m.At < end) cuts.Add(m.At);
        foreach (var t in melody.Tempos) if (t.At < end) cuts.Add(t.At);
        var bars = new SortedSet<Duration>();
        if (metered)
        {
            // Bar lines segment by segment (a meter change starts a new bar).
            for (int i = 0; i < melody.Meters.Length; i++)
            {
                var from = melody.Meters[i].At;
                var to = i + 1 < melody.Meters.Length ? melody.Meters[i + 1].At : end;
                if (i > 0 && from < end) bars.Add(from);
                for (var at = from + melody.Meters[i].Meter.BarLength; at < to && at < end; at += melody.Meters[i].Meter.BarLength)
                    bars.Add(at);
            }
            foreach (var b in bars) cuts.Add(b);
        }

        // A pickup: the melody starts with a rest inside the first bar; the rest is left out and the first bar written short.
        var start = Duration.Zero;
        if (metered && melody.Notes.Length > 0 && melody.Notes[0].Start > Duration.Zero)
        {
            var firstBarEnd = bars.Count > 0 ? bars.Min : end;
            var first = melody.Notes[0].Start;
            if (first < firstBarEnd && bars.Count > 0 && melody.Chords.All(c => c.At >= first) && melody.Tempos.All(t => t.At.IsZero || t.At >= first))
                start = first;
        }

        var bar = new Dictionary<Step, int>();
        int noteIdx = 0, chordIdx = 0, meterIdx = 1, tempoIdx = melody.Tempos.Length > 0 && melody.Tempos[0].At.IsZero ? 1 : 0;
        var points = cuts.Where(c => c >= start).ToList();
        int barsOnLine = 0;
        for (int p = 0; p + 1 < points.Count; p++)
        {
            var at = points[p];
            var next = points[p + 1];
            if (bars.Contains(at))
            {
                sb.Append(" |");
                bar.Clear();
                if (++barsOnLine == 4) { sb.Append('\n'); barsOnLine = 0; }
            }
            while (meterIdx < melody.Meters.Length && melody.Meters[meterIdx].At <= at)
            {
                if (melody.Meters[meterIdx].At == at) sb.Append(" [M:").Append(melody.Meters[meterIdx].Meter.ToString()).Append(']');
                meterIdx++;
            }
            while (tempoIdx < melody.Tempos.Length && melody.Tempos[tempoIdx].At <= at)
            {
                if (melody.Tempos[tempoIdx].At == at) sb.Append(" [Q:1/4=").Append(Bpm(melody.Tempos[tempoIdx])).Append(']');
                tempoIdx++;
            }
            sb.Append(' ');
            while (chordIdx < melody.Chords.Length && melody.Chords[chordIdx].At <= at)
            {
                if (melody.Chords[chordIdx].At == at) sb.Append('"').Append(melody.Chords[chordIdx].Chord.ToString()).Append('"');
                chordIdx++;
            }
            while (noteIdx < melody.Notes.Length && melody.Notes[noteIdx].End <= at) noteIdx++;
            var len = (next - at).Quarters / Unit;
            if (noteIdx < melody.Notes.Length && melody.Notes[noteIdx].Start <= at)
            {
                var note = melody.Notes[noteIdx];
                sb.Append(NoteText(note.Pitch, signature, bar)).Append(LengthText(len));
                if (note.End > next) sb.Append('-');
            }
            else
            {
                sb.Append('z').Append(LengthText(len));
            }
        }
        sb.Append(" |]\n");
    }

    private static string NoteText(Pitch pitch, AbcKeySignature signature, Dictionary<Step, int> bar)
    {
        var name = pitch.Name;
        int octave = pitch.Octave;
        int current = bar.TryGetValue(name.Step, out var a) ? a : signature.AlterOf(name.Step);
        var sb = new StringBuilder(6);
        if (current != name.Alter)
        {
            sb.Append(name.Alter switch { 2 => "^^", 1 => "^", 0 => "=", -1 => "_", _ => "__" });
            bar[name.Step] = name.Alter;
        }
        char letter = name.Step.ToString()[0];
        if (octave >= 5)
        {
            sb.Append(char.ToLowerInvariant(letter));
            sb.Append('\'', octave - 5);
        }
        else
        {
            sb.Append(letter);
            sb.Append(',', 4 - octave);
        }
        return sb.ToString();
    }

    /// <summary>A length in units of <c>L:1/8</c>: <c>""</c> for 1, <c>2</c>, <c>/</c>, <c>3/2</c>, <c>2/3</c>.</summary>
    internal static string LengthText(Rational units)
    {
        var ci = CultureInfo.InvariantCulture;
        if (units == Rational.One) return "";
        if (units.Denominator == 1) return units.Numerator.ToString(ci);
        if (units.Numerator == 1 && units.Denominator == 2) return "/";
        if (units.Numerator == 1) return "/" + units.Denominator.ToString(ci);
        return units.Numerator.ToString(ci) + "/" + units.Denominator.ToString(ci);
    }
}
