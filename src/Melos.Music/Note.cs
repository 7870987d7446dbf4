namespace Melos.Music;

/// <summary>A sounding note of a melody: pitch, onset, length and MIDI velocity.</summary>
public sealed record Note
{
    /// <summary>Creates a note.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The onset is negative, the length not positive or the velocity outside 1..127.</exception>
    public Note(Pitch pitch, Duration start, Duration length, int velocity = DefaultVelocity)
    {
        Pitch = pitch;
        Start = start;
        Length = length;
        Velocity = velocity;
    }

    /// <summary>The velocity given to notes that carry none (as in ABC).</summary>
    public const int DefaultVelocity = 80;

    /// <summary>The pitch.</summary>
    public Pitch Pitch { get; init; }

    /// <summary>The onset, from the start of the melody (the downbeat of bar 1).</summary>
    public Duration Start
    {
        get;
        init => field = value.IsNegative ? throw new ArgumentOutOfRangeException(nameof(Start), value, "A note cannot start before the melody.") : value;
    }

    /// <summary>The sounding length; always positive.</summary>
    public Duration Length
    {
        get;
        init => field = value <= Duration.Zero ? throw new ArgumentOutOfRangeException(nameof(Length), value, "A note's length must be positive.") : value;
    }

    /// <summary>MIDI velocity 1..127.</summary>
    public int Velocity
    {
        get;
        init => field = value is < 1 or > 127 ? throw new ArgumentOutOfRangeException(nameof(Velocity), value, "Velocity is 1..127.") : value;
    }

    /// <summary>The moment the note stops sounding.</summary>
    public Duration End => Start + Length;

    /// <summary>The note as <c>pitch@start+length</c>, e.g. <c>C4@0+1/2</c>.</summary>
    public override string ToString() => $"{Pitch}@{Start}+{Length}";
}

/// <summary>A silence between notes of a melody (rests are the gaps; <see cref="Melody.Events"/> lists them).</summary>
/// <param name="Start">Where the silence begins.</param>
/// <param name="Length">How long it lasts.</param>
public sealed record Rest(Duration Start, Duration Length)
{
    /// <summary>The end of the silence.</summary>
    public Duration End => Start + Length;
}

/// <summary>A time signature taking effect at a position.</summary>
/// <param name="At">Where it takes effect (a bar line).</param>
/// <param name="Meter">The time signature.</param>
public sealed record MeterChange(Duration At, TimeSignature Meter);

/// <summary>A tempo taking effect at a position, held exactly as MIDI does: microseconds per quarter note.</summary>
public sealed record TempoChange
{
    /// <summary>Creates a tempo change.</summary>
    public TempoChange(Duration at, int microsecondsPerQuarter)
    {
        if (at.IsNegative) throw new ArgumentOutOfRangeException(nameof(at), at, "A tempo change cannot come before the start.");
        if (microsecondsPerQuarter is < 1 or > 0xFFFFFF) throw new ArgumentOutOfRangeException(nameof(microsecondsPerQuarter), microsecondsPerQuarter, "Microseconds per quarter is 1..16777215 (a 24-bit MIDI value).");
        At = at;
        MicrosecondsPerQuarter = microsecondsPerQuarter;
    }

    /// <summary>A tempo change from beats (quarter notes) per minute, rounded to whole microseconds.</summary>
    public static TempoChange FromBpm(Duration at, double bpm)
    {
        if (!(bpm > 0) || double.IsInfinity(bpm)) throw new ArgumentOutOfRangeException(nameof(bpm), bpm, "Tempo must be a positive number of beats per minute.");
        return new TempoChange(at, (int)Math.Round(60_000_000.0 / bpm));
    }

    /// <summary>Where it takes effect.</summary>
    public Duration At { get; }

    /// <summary>Microseconds per quarter note (500000 = 120 BPM).</summary>
    public int MicrosecondsPerQuarter { get; }

    /// <summary>Quarter notes per minute.</summary>
    public double Bpm => 60_000_000.0 / MicrosecondsPerQuarter;
}

/// <summary>A chord symbol taking effect at a position and lasting until the next one (or the end of the melody).</summary>
/// <param name="At">Where the chord starts.</param>
/// <param name="Chord">The chord.</param>
public sealed record ChordChange(Duration At, ChordSymbol Chord);
