using System.Globalization;
using Melos.Data.Tokenizers;
using Melos.Formats.Abc;
using Melos.Music;

namespace Melos.Studio;

/// <summary>A request the studio refuses: the field (a JSON path such as <c>melody.notes[3].start</c>) and why.</summary>
public sealed class StudioRequestException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StudioRequestException(string field, string reason)
        : base($"{field}: {reason}")
    {
        Field = field;
        Reason = reason;
    }

    /// <summary>The offending field, as a JSON path from the request body.</summary>
    public string Field { get; }

    /// <summary>What is wrong with it.</summary>
    public string Reason { get; }
}

/// <summary>
/// Converts <see cref="StudioMelody"/> to <see cref="Melody"/> and back, checking every field against the studio's
/// limits and the model: times are snapped to the model's grid (off by more than 1/96 quarter: refused).
/// </summary>
public sealed class StudioMelodies
{
    /// <summary>The largest distance from the grid, in quarters, that is snapped rather than refused.</summary>
    public const double GridTolerance = 1.0 / 96;

    /// <summary>The slowest tempo, in quarter notes per minute.</summary>
    public const double MinTempo = 20;

    /// <summary>The fastest tempo.</summary>
    public const double MaxTempo = 400;

    private readonly ConditioningVocabulary _vocabulary;

    /// <summary>Creates the converter for a model's grid and vocabulary under <paramref name="limits"/>.</summary>
    public StudioMelodies(int stepsPerQuarter, ConditioningVocabulary vocabulary, StudioLimits limits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerQuarter, 1);
        StepsPerQuarter = stepsPerQuarter;
        _vocabulary = vocabulary ?? throw new ArgumentNullException(nameof(vocabulary));
        Limits = limits ?? throw new ArgumentNullException(nameof(limits));
    }

    /// <summary>The grid: steps per quarter note.</summary>
    public int StepsPerQuarter { get; }

    /// <summary>The limits.</summary>
    public StudioLimits Limits { get; }

    /// <summary>
    /// Reads a melody. <paramref name="chordBars"/> is how many bars chord changes may start in (the melody's bars when
    /// null; <c>/api/continue</c> allows the answer's bars too). The result is <see cref="StudioMelody.Bars"/> bars long.
    /// </summary>
    /// <exception cref="StudioRequestException">A field is missing, out of range, unknown to the model or off the grid.</exception>
    public Melody Read(StudioMelody? dto, string field = "melody", int? chordBars = null)
    {
        if (dto is null) throw new StudioRequestException(field, "is required");
        if (string.IsNullOrWhiteSpace(dto.Key)) throw new StudioRequestException($"{field}.key", "is required (e.g. \"G\" or \"Em\")");
        if (!Key.TryParse(dto.Key, out var key)) throw new StudioRequestException($"{field}.key", $"unknown key '{dto.Key}' (e.g. G, Em, D dorian, Bb, F#m)");
        if (string.IsNullOrWhiteSpace(dto.Meter)) throw new StudioRequestException($"{field}.meter", "is required (e.g. \"4/4\")");
        if (!TimeSignature.TryParse(dto.Meter, out var meter)) throw new StudioRequestException($"{field}.meter", $"unknown meter '{dto.Meter}' (e.g. 4/4, 3/4, 6/8)");
        if (_vocabulary.MeterId(meter!) == 0)
            throw new StudioRequestException($"{field}.meter", $"the model does not know the meter {meter}; it knows {string.Join(", ", _vocabulary.Meters)}");
        if (!(dto.Tempo >= MinTempo && dto.Tempo <= MaxTempo))
            throw new StudioRequestException($"{field}.tempo", string.Create(CultureInfo.InvariantCulture, $"must be {MinTempo}..{MaxTempo} quarter notes per minute, not {dto.Tempo}"));
        if (dto.Bars < 1 || dto.Bars > Limits.MaxBars) throw new StudioRequestException($"{field}.bars", $"must be 1..{Limits.MaxBars}, not {dto.Bars}");
        var style = string.IsNullOrWhiteSpace(dto.Style) ? null : dto.Style; // "" from a cleared select is no style
        if (style is not null && !_vocabulary.Styles.Contains(style))
            throw new StudioRequestException($"{field}.style", $"unknown style '{style}'; the model knows {(_vocabulary.Styles.IsEmpty ? "none" : string.Join(", ", _vocabulary.Styles))}");
        if (dto.Notes is null) throw new StudioRequestException($"{field}.notes", "is required (an empty list for no notes)");
        if (dto.Notes.Count > Limits.MaxNotes) throw new StudioRequestException($"{field}.notes", $"has {dto.Notes.Count} notes; at most {Limits.MaxNotes} are allowed");

        var barLength = meter!.BarLength;
        var length = barLength * new Rational(dto.Bars, 1);
        double lengthQuarters = length.ToQuarterDouble();

        var notes = new List<(Note Note, int Index)>(dto.Notes.Count);
        for (int i = 0; i < dto.Notes.Count; i++)
        {
            var n = dto.Notes[i];
            string at = $"{field}.notes[{i}]";
            if (n is null) throw new StudioRequestException(at, "is null");
            if (n.Pitch is < 0 or > 127) throw new StudioRequestException($"{at}.pitch", $"must be a MIDI pitch 0..127, not {n.Pitch}");
            if (n.Start < 0) throw new StudioRequestException($"{at}.start", Invariant($"cannot be negative ({n.Start})"));
            if (!(n.Duration > 0)) throw new StudioRequestException($"{at}.duration", Invariant($"must be greater than 0, not {n.Duration}"));
            if (n.Start + n.Duration > lengthQuarters + GridTolerance)
                throw new StudioRequestException(at, Invariant($"ends at {n.Start + n.Duration} quarters, after the last bar ({dto.Bars} bars of {meter} end at {lengthQuarters})"));
            var start = Snap(n.Start, $"{at}.start");
            var end = Snap(n.Start + n.Duration, $"{at}.duration");
            if (end <= start) throw new StudioRequestException($"{at}.duration", Invariant($"{n.Duration} is shorter than one grid step (1/{StepsPerQuarter} quarter)"));
            if (end > length) throw new StudioRequestException(at, Invariant($"ends after the last bar ({dto.Bars} bars of {meter})"));
            notes.Add((new Note(Pitch.FromMidi(n.Pitch).SpelledIn(key!), start, end - start), i));
        }
        notes.Sort((a, b) => a.Note.Start.CompareTo(b.Note.Start) is var c && c != 0 ? c : a.Index.CompareTo(b.Index));
        for (int i = 1; i < notes.Count; i++)
            if (notes[i].Note.Start < notes[i - 1].Note.End)
                throw new StudioRequestException($"{field}.notes[{notes[i].Index}]",
                    Invariant($"overlaps notes[{notes[i - 1].Index}] (a melody is one line: a note must start when or after the one before it ends)"));

        var chords = new List<ChordChange>();
        if (dto.Chords is { } chordDtos)
        {
            if (chordDtos.Count > Limits.MaxNotes) throw new StudioRequestException($"{field}.chords", $"has {chordDtos.Count} chords; at most {Limits.MaxNotes} are allowed");
            int bars = chordBars ?? dto.Bars;
            var chordEnd = barLength * new Rational(bars, 1);
            for (int i = 0; i < chordDtos.Count; i++)
            {
                var c = chordDtos[i];
                string at = $"{field}.chords[{i}]";
                if (c is null) throw new StudioRequestException(at, "is null");
                if (string.IsNullOrWhiteSpace(c.Symbol)) throw new StudioRequestException($"{at}.symbol", "is required (e.g. \"G\" or \"D/F#\")");
                if (!ChordSymbol.TryParse(c.Symbol, out var symbol)) throw new StudioRequestException($"{at}.symbol", $"unknown chord symbol '{c.Symbol}' (e.g. G, Em7, D/F#, Bbmaj7)");
                if (c.Start < 0) throw new StudioRequestException($"{at}.start", Invariant($"cannot be negative ({c.Start})"));
                if (c.Start >= chordEnd.ToQuarterDouble()) throw new StudioRequestException($"{at}.start", Invariant($"{c.Start} is after the last bar ({bars} bars of {meter})"));
                var start = Snap(c.Start, $"{at}.start");
                if (start >= chordEnd) throw new StudioRequestException($"{at}.start", Invariant($"{c.Start} is after the last bar ({bars} bars of {meter})"));
                chords.Add(new ChordChange(start, symbol!));
            }
            chords = [.. chords.OrderBy(c => c.At)];
        }

        var info = new MelodyInfo { Title = "Melos studio", Styles = style is null ? [] : [style] };
        return Melody.Create(notes.Select(n => n.Note), key, [new MeterChange(Duration.Zero, meter)], [TempoChange.FromBpm(Duration.Zero, dto.Tempo)],
            chords, info, length);
    }

    /// <summary>A time in quarters on the grid, or a <see cref="StudioRequestException"/> when it is further than <see cref="GridTolerance"/> from it.</summary>
    public Duration Snap(double quarters, string field)
    {
        double steps = Math.Round(quarters * StepsPerQuarter, MidpointRounding.AwayFromZero);
        if (Math.Abs(quarters - steps / StepsPerQuarter) > GridTolerance + 1e-9)
            throw new StudioRequestException(field, Invariant($"{quarters} quarters is off the model's grid of 1/{StepsPerQuarter} quarter by more than 1/96 quarter"));
        return Duration.FromQuarters((long)steps, StepsPerQuarter);
    }

    /// <summary>Writes a melody for a response; <paramref name="probabilities"/> (one per note) fill <see cref="StudioNote.Probability"/>.</summary>
    public static StudioMelody Write(Melody melody, IReadOnlyList<double>? probabilities = null)
    {
        ArgumentNullException.ThrowIfNull(melody);
        if (probabilities is not null && probabilities.Count != melody.Notes.Length)
            throw new ArgumentException($"{probabilities.Count} probabilities for {melody.Notes.Length} notes.", nameof(probabilities));
        var notes = melody.Notes.Select((n, i) => new StudioNote(n.Pitch.Number, n.Start.ToQuarterDouble(), n.Length.ToQuarterDouble(), probabilities?[i])).ToList();
        var chords = melody.Chords.Select(c => new StudioChord(c.At.ToQuarterDouble(), c.Chord.ToString())).ToList();
        double tempo = melody.Tempos.IsEmpty ? 120 : Math.Round(melody.Tempos[0].Bpm, 6);
        string? style = melody.Info.Styles.IsEmpty ? null : melody.Info.Styles[0];
        return new StudioMelody(AbcWriter.KeyText(melody.Key), melody.Meter.ToString(), tempo, melody.BarCount, style, chords, notes);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
