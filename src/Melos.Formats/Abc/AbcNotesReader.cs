using Melos.Music;

namespace Melos.Formats.Abc;

/// <summary>
/// <c>melos notes FILE.abc</c>: one tune (its <c>X:</c> number from <see cref="NotesReadOptions.Tune"/>, else the first)
/// as performed, at <see cref="Division"/> ticks per quarter, shifted so that the first note starts at tick 0.
/// </summary>
public sealed class AbcNotesReader : INotesReader
{
    /// <summary>Ticks per quarter note of the reading.</summary>
    public const int Division = 480;

    /// <inheritdoc/>
    public MelodyFormat Format => MelodyFormat.Abc;

    /// <inheritdoc/>
    /// <exception cref="AbcFormatException">The tune is absent or malformed, or its times cannot be converted exactly (<see cref="AbcTimeOverflowException"/>).</exception>
    public NotesDocument Read(string path, NotesReadOptions options)
    {
        var tune = AbcReader.LoadTune(path, options.Tune, AbcReadSettings.Lenient);
        try
        {
            return ToDocument(tune.Melody);
        }
        catch (OverflowException)
        {
            throw new AbcTimeOverflowException(path, tune.Number, tune.Line, 1,
                "note times too fine to convert to ticks exactly", "note lengths with smaller denominators (halves, thirds, ... of the unit)");
        }
    }

    /// <summary>The notes document of a melody: one track on channel 0, times shifted so that the first note is at tick 0.</summary>
    public static NotesDocument ToDocument(Melody melody)
    {
        var shift = melody.Notes.IsEmpty ? Duration.Zero : melody.Notes[0].Start;
        var tempos = new List<(Rational At, double Bpm, int Micros)>();
        foreach (var t in melody.Tempos)
        {
            var at = t.At < shift ? Rational.Zero : (t.At - shift).Quarters;
            if (tempos.Count > 0 && tempos[^1].At == at) tempos[^1] = (at, t.Bpm, t.MicrosecondsPerQuarter);
            else tempos.Add((at, t.Bpm, t.MicrosecondsPerQuarter));
        }
        if (tempos.Count == 0 || tempos[0].At.Sign > 0) tempos.Insert(0, (Rational.Zero, 120.0, 500_000));

        long Ticks(Rational q)
        {
            try
            {
                return (long)Math.Round((q * Division).ToDouble(), MidpointRounding.AwayFromZero);
            }
            catch (OverflowException)
            {
                return (long)Math.Round(q.ToDouble() * Division, MidpointRounding.AwayFromZero); // a time too fine for exact ticks
            }
        }
        double Seconds(Rational q)
        {
            double s = 0;
            for (int i = 0; i < tempos.Count; i++)
            {
                var from = tempos[i].At;
                if (q <= from) break;
                var to = i + 1 < tempos.Count && tempos[i + 1].At < q ? tempos[i + 1].At : q;
                s += (to - from).ToDouble() * tempos[i].Micros / 1e6;
            }
            return s;
        }

        var notes = melody.Notes.Select(n =>
        {
            var a = (n.Start - shift).Quarters;
            var b = (n.End - shift).Quarters;
            return new NotesNote(0, n.Pitch.Number, n.Velocity, Ticks(a), Ticks(b), Seconds(a), Seconds(b));
        }).ToList();
        return new NotesDocument(1, Division,
            [.. tempos.Select(t => new NotesTempo(Ticks(t.At), t.Bpm))],
            [new NotesTrack(0, melody.Info.Title, notes)]);
    }
}
