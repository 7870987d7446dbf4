using System.Collections.Immutable;

namespace Melos.Music;

/// <summary>Descriptive metadata of a melody: where it came from and how it is labelled.</summary>
public sealed record MelodyInfo
{
    /// <summary>The title, if any.</summary>
    public string? Title { get; init; }

    /// <summary>Where the melody was read from (file path, with tune number where a file holds many).</summary>
    public string? Source { get; init; }

    /// <summary>The collection it belongs to (e.g. <c>nottingham</c>, <c>pop909</c>).</summary>
    public string? Collection { get; init; }

    /// <summary>Style labels (e.g. <c>jig</c>, <c>folk</c>, <c>pop</c>).</summary>
    public ImmutableArray<string> Styles { get; init; } = [];

    /// <summary>Other header fields by name (ABC fields such as <c>C</c> composer or <c>O</c> origin).</summary>
    public ImmutableDictionary<string, string> Fields { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <inheritdoc/>
    public bool Equals(MelodyInfo? other) =>
        other is not null && Title == other.Title && Source == other.Source && Collection == other.Collection &&
        Styles.SequenceEqual(other.Styles) &&
        Fields.Count == other.Fields.Count && Fields.All(kv => other.Fields.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Title, Source, Collection, Styles.Length, Fields.Count);
}

/// <summary>
/// A monophonic line: notes in onset order that never overlap, with its key, meters, tempi and chord track.
/// Time zero is the downbeat of bar 1; a pickup is a leading rest. Immutable: every change returns a new melody.
/// </summary>
public sealed class Melody : IEquatable<Melody>
{
    private Melody(ImmutableArray<Note> notes, Key? key, ImmutableArray<MeterChange> meters, ImmutableArray<TempoChange> tempos,
        ImmutableArray<ChordChange> chords, MelodyInfo info, Duration? length)
    {
        Notes = notes;
        Key = key;
        Meters = meters;
        Tempos = tempos;
        Chords = chords;
        Info = info;
        var last = notes.IsEmpty ? Duration.Zero : notes[^1].End;
        Length = length is { } l && l > last ? l : last;
    }

    /// <summary>
    /// Creates a melody, checking that notes are in onset order and do not overlap, and that meters, tempi and chords are
    /// in time order (a first meter, when given, must start at zero).
    /// </summary>
    /// <param name="notes">The notes, in onset order.</param>
    /// <param name="key">The key, or null when unknown.</param>
    /// <param name="meters">Time signature changes; none means 4/4 is assumed by bar arithmetic.</param>
    /// <param name="tempos">Tempo changes; none means 120 BPM.</param>
    /// <param name="chords">The chord track.</param>
    /// <param name="info">Metadata.</param>
    /// <param name="length">The total length when it runs past the last note (trailing rest), else null.</param>
    /// <exception cref="ArgumentException">The notes overlap or are out of order, or a track is out of order.</exception>
    public static Melody Create(IEnumerable<Note> notes, Key? key = null, IEnumerable<MeterChange>? meters = null,
        IEnumerable<TempoChange>? tempos = null, IEnumerable<ChordChange>? chords = null, MelodyInfo? info = null, Duration? length = null)
    {
        var n = notes.ToImmutableArray();
        for (int i = 1; i < n.Length; i++)
        {
            if (n[i].Start < n[i - 1].End)
                throw new ArgumentException($"Notes {i - 1} ({n[i - 1]}) and {i} ({n[i]}) overlap or are out of order: a melody is one line.", nameof(notes));
        }
        var m = (meters ?? []).ToImmutableArray();
        for (int i = 0; i < m.Length; i++)
        {
            if (i == 0 && !m[0].At.IsZero) throw new ArgumentException("The first meter must start at zero.", nameof(meters));
            if (i > 0 && m[i].At <= m[i - 1].At) throw new ArgumentException($"Meter change {i} is not after the previous one.", nameof(meters));
        }
        var t = (tempos ?? []).ToImmutableArray();
        for (int i = 1; i < t.Length; i++)
            if (t[i].At < t[i - 1].At) throw new ArgumentException($"Tempo change {i} comes before the previous one.", nameof(tempos));
        var c = (chords ?? []).ToImmutableArray();
        for (int i = 0; i < c.Length; i++)
        {
            if (c[i].At.IsNegative) throw new ArgumentException("A chord cannot start before the melody.", nameof(chords));
            if (i > 0 && c[i].At < c[i - 1].At) throw new ArgumentException($"Chord {i} comes before the previous one.", nameof(chords));
        }
        if (length is { IsNegative: true }) throw new ArgumentOutOfRangeException(nameof(length), length, "Length cannot be negative.");
        return new Melody(n, key, m, t, c, info ?? new MelodyInfo(), length);
    }

    /// <summary>An empty melody.</summary>
    public static Melody Empty { get; } = Create([]);

    /// <summary>The notes in onset order.</summary>
    public ImmutableArray<Note> Notes { get; }

    /// <summary>The key, or null when unknown.</summary>
    public Key? Key { get; }

    /// <summary>Time signature changes in time order (empty: 4/4 assumed).</summary>
    public ImmutableArray<MeterChange> Meters { get; }

    /// <summary>Tempo changes in time order (empty: 120 BPM).</summary>
    public ImmutableArray<TempoChange> Tempos { get; }

    /// <summary>The chord track in time order; each chord lasts until the next.</summary>
    public ImmutableArray<ChordChange> Chords { get; }

    /// <summary>Metadata.</summary>
    public MelodyInfo Info { get; }

    /// <summary>The total length: the end of the last note, or more when a trailing rest was given.</summary>
    public Duration Length { get; }

    /// <summary>The meter in force at the start (4/4 when none is given).</summary>
    public TimeSignature Meter => Meters.IsEmpty ? TimeSignature.CommonTime : Meters[0].Meter;

    /// <summary>The notes and the rests between them, in time order (a leading rest is a pickup's silence).</summary>
    public IEnumerable<object> Events
    {
        get
        {
            var t = Duration.Zero;
            foreach (var note in Notes)
            {
                if (note.Start > t) yield return new Rest(t, note.Start - t);
                yield return note;
                t = note.End;
            }
            if (Length > t) yield return new Rest(t, Length - t);
        }
    }

    /// <summary>A copy with other notes (checked like <see cref="Create"/>).</summary>
    public Melody WithNotes(IEnumerable<Note> notes) => Create(notes, Key, Meters, Tempos, Chords, Info, null);

    /// <summary>A copy with another key.</summary>
    public Melody WithKey(Key? key) => new(Notes, key, Meters, Tempos, Chords, Info, Length);

    /// <summary>A copy with other metadata.</summary>
    public Melody WithInfo(MelodyInfo info) => new(Notes, Key, Meters, Tempos, Chords, info, Length);

    /// <summary>A copy with another chord track.</summary>
    public Melody WithChords(IEnumerable<ChordChange> chords) => Create(Notes, Key, Meters, Tempos, chords, Info, Length);

    /// <summary>A copy with other meters.</summary>
    public Melody WithMeters(IEnumerable<MeterChange> meters) => Create(Notes, Key, meters, Tempos, Chords, Info, Length);

    /// <summary>A copy with other tempi.</summary>
    public Melody WithTempos(IEnumerable<TempoChange> tempos) => Create(Notes, Key, Meters, tempos, Chords, Info, Length);

    /// <summary>The meter in force at <paramref name="at"/>.</summary>
    public TimeSignature MeterAt(Duration at)
    {
        var meter = TimeSignature.CommonTime;
        foreach (var m in Meters)
        {
            if (m.At > at) break;
            meter = m.Meter;
        }
        return meter;
    }

    /// <summary>The chord sounding at <paramref name="at"/>, or null.</summary>
    public ChordSymbol? ChordAt(Duration at)
    {
        ChordSymbol? chord = null;
        foreach (var c in Chords)
        {
            if (c.At > at) break;
            chord = c.Chord;
        }
        return chord;
    }

    /// <summary>The meter segments: each meter with where it starts and where the next one starts (null for the last).</summary>
    private IEnumerable<(Duration Start, Duration? End, TimeSignature Meter)> Segments()
    {
        if (Meters.IsEmpty)
        {
            yield return (Duration.Zero, null, TimeSignature.CommonTime);
            yield break;
        }
        for (int i = 0; i < Meters.Length; i++)
            yield return (Meters[i].At, i + 1 < Meters.Length ? Meters[i + 1].At : null, Meters[i].Meter);
    }

    private static long CeilDiv(Rational r) => r.Denominator == 1 ? r.Numerator : r.Floor() + 1;

    /// <summary>
    /// The bar (0-based) containing <paramref name="at"/> and the offset into it. A meter change that falls inside a bar
    /// ends that bar early (the partial bar counts as one).
    /// </summary>
    public (int Bar, Duration Offset) BarOf(Duration at)
    {
        if (at.IsNegative) throw new ArgumentOutOfRangeException(nameof(at), at, "Position cannot be negative.");
        long bar = 0;
        foreach (var (start, end, meter) in Segments())
        {
            if (end is { } e && at >= e)
            {
                bar += CeilDiv((e - start) / meter.BarLength);
                continue;
            }
            long whole = ((at - start) / meter.BarLength).Floor();
            return ((int)(bar + whole), at - start - meter.BarLength * whole);
        }
        throw new InvalidOperationException("Unreachable: the last meter segment is open-ended.");
    }

    /// <summary>The start of bar <paramref name="bar"/> (0-based).</summary>
    public Duration BarStart(int bar)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bar);
        long first = 0;
        foreach (var (start, end, meter) in Segments())
        {
            if (end is not { } e) return start + meter.BarLength * (bar - first);
            long count = CeilDiv((e - start) / meter.BarLength);
            if (bar < first + count) return start + meter.BarLength * (bar - first);
            first += count;
        }
        throw new InvalidOperationException("Unreachable: the last meter segment is open-ended.");
    }

    /// <summary>
    /// Every position the melody names: each note's start and end, each meter, tempo and chord change, and its length.
    /// A file format's time grid must put all of them on whole units.
    /// </summary>
    public IEnumerable<Duration> TimePoints()
    {
        foreach (var n in Notes) { yield return n.Start; yield return n.End; }
        foreach (var x in Meters) yield return x.At;
        foreach (var x in Tempos) yield return x.At;
        foreach (var x in Chords) yield return x.At;
        yield return Length;
    }

    /// <summary>The number of bars the melody occupies (a partial last bar counts).</summary>
    public int BarCount
    {
        get
        {
            if (Length.IsZero) return 0;
            var (bar, offset) = BarOf(Length);
            return offset.IsZero ? bar : bar + 1;
        }
    }

    /// <summary>The melody moved by <paramref name="semitones"/>; key and chords move with it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A note would leave MIDI 0..127.</exception>
    public Melody Transpose(int semitones)
    {
        if (semitones == 0) return this;
        if (!CanTranspose(semitones))
            throw new ArgumentOutOfRangeException(nameof(semitones), semitones, $"Transposing by {semitones} semitones takes a note outside MIDI 0..127.");
        var key = Key?.Transpose(semitones);
        var notes = Notes.Select(n => n with { Pitch = key is null ? n.Pitch.Transpose(semitones) : Pitch.FromMidi(n.Pitch.Number + semitones, key.Spell(n.Pitch.PitchClass + semitones)) });
        var chords = Chords.Select(c => c with { Chord = c.Chord.Transpose(semitones, key) });
        return new Melody([.. notes], key, Meters, Tempos, [.. chords], Info, Length);
    }

    /// <summary>True when every note stays in MIDI 0..127 after moving <paramref name="semitones"/>.</summary>
    public bool CanTranspose(int semitones) =>
        Notes.IsEmpty || (Notes.Min(n => n.Pitch.Number) + semitones >= Pitch.MinNumber && Notes.Max(n => n.Pitch.Number) + semitones <= Pitch.MaxNumber);

    /// <summary>The lowest and highest pitch, or null for an empty melody.</summary>
    public (Pitch Low, Pitch High)? Range => Notes.IsEmpty ? null : (Notes.MinBy(n => n.Pitch.Number)!.Pitch, Notes.MaxBy(n => n.Pitch.Number)!.Pitch);

    /// <summary>Same notes, key, meters, tempi, chords, length and metadata.</summary>
    public bool Equals(Melody? other) =>
        other is not null && Notes.SequenceEqual(other.Notes) && Key == other.Key && Meters.SequenceEqual(other.Meters) &&
        Tempos.SequenceEqual(other.Tempos) && Chords.SequenceEqual(other.Chords) && Length == other.Length && Info.Equals(other.Info);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Melody);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Notes.Length, Key, Length);

    /// <summary>A short summary: title, key, meter and note count.</summary>
    public override string ToString() => $"{Info.Title ?? "(untitled)"}: {Key?.ToString() ?? "key unknown"}, {Meter}, {Notes.Length} notes";
}
