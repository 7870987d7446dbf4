namespace Melos.Music;

/// <summary>
/// A span or position of musical time, held exactly as a rational number of quarter notes.
/// Positions inside a melody are durations measured from its start (the downbeat of bar 1).
/// </summary>
public readonly struct Duration : IEquatable<Duration>, IComparable<Duration>, IComparable
{
    /// <summary>The length in quarter notes, exact.</summary>
    public Rational Quarters { get; }

    private Duration(Rational quarters) => Quarters = quarters;

    /// <summary>No time.</summary>
    public static Duration Zero => default;
    /// <summary>A whole note (four quarters).</summary>
    public static Duration Whole => new(4);
    /// <summary>A half note.</summary>
    public static Duration Half => new(2);
    /// <summary>A quarter note.</summary>
    public static Duration Quarter => new(1);
    /// <summary>An eighth note.</summary>
    public static Duration Eighth => new(new Rational(1, 2));
    /// <summary>A sixteenth note.</summary>
    public static Duration Sixteenth => new(new Rational(1, 4));

    /// <summary>A duration of <paramref name="numerator"/>/<paramref name="denominator"/> quarter notes.</summary>
    public static Duration FromQuarters(long numerator, long denominator = 1) => new(new Rational(numerator, denominator));

    /// <summary>A duration of the given exact number of quarter notes.</summary>
    public static Duration FromQuarters(Rational quarters) => new(quarters);

    /// <summary>A duration of <paramref name="numerator"/>/<paramref name="denominator"/> whole notes (<c>FromWholeNotes(1, 8)</c> is an eighth).</summary>
    public static Duration FromWholeNotes(long numerator, long denominator = 1) => new(new Rational(numerator, denominator) * 4);

    /// <summary>A duration of <paramref name="ticks"/> MIDI ticks at <paramref name="ticksPerQuarter"/>.</summary>
    public static Duration FromTicks(long ticks, int ticksPerQuarter)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ticksPerQuarter);
        return new(new Rational(ticks, ticksPerQuarter));
    }

    /// <summary>The length in whole notes, exact.</summary>
    public Rational WholeNotes => Quarters / 4;

    /// <summary>True for zero time.</summary>
    public bool IsZero => Quarters.IsZero;

    /// <summary>True for a negative span (only differences of positions can be negative).</summary>
    public bool IsNegative => Quarters.Sign < 0;

    /// <summary>This duration dotted once (times 3/2).</summary>
    public Duration Dotted() => new(Quarters * new Rational(3, 2));

    /// <summary>This duration in a triplet (times 2/3).</summary>
    public Duration Triplet() => new(Quarters * new Rational(2, 3));

    /// <summary>The length in quarter notes as a double (for display and models, never for arithmetic).</summary>
    public double ToQuarterDouble() => Quarters.ToDouble();

    /// <summary>The length in ticks at <paramref name="ticksPerQuarter"/>; throws when it is not a whole number of ticks.</summary>
    /// <exception cref="InvalidOperationException">The duration falls between ticks.</exception>
    public long ToTicks(int ticksPerQuarter)
    {
        var t = Quarters * ticksPerQuarter;
        if (t.Denominator != 1) throw new InvalidOperationException($"{this} quarters is not a whole number of ticks at {ticksPerQuarter} ticks per quarter.");
        return t.Numerator;
    }

    /// <summary>True when the duration is a whole number of ticks at <paramref name="ticksPerQuarter"/>.</summary>
    public bool IsWholeTicks(int ticksPerQuarter) => (Quarters * ticksPerQuarter).Denominator == 1;

    /// <summary>Sum.</summary>
    public static Duration operator +(Duration a, Duration b) => new(a.Quarters + b.Quarters);
    /// <summary>Difference.</summary>
    public static Duration operator -(Duration a, Duration b) => new(a.Quarters - b.Quarters);
    /// <summary>Scaling by an exact factor.</summary>
    public static Duration operator *(Duration a, Rational k) => new(a.Quarters * k);
    /// <summary>Scaling by an exact factor.</summary>
    public static Duration operator *(Rational k, Duration a) => new(a.Quarters * k);
    /// <summary>Division by an exact factor.</summary>
    public static Duration operator /(Duration a, Rational k) => new(a.Quarters / k);
    /// <summary>How many times <paramref name="b"/> fits in <paramref name="a"/>, exactly.</summary>
    public static Rational operator /(Duration a, Duration b) => a.Quarters / b.Quarters;

    /// <inheritdoc/>
    public int CompareTo(Duration other) => Quarters.CompareTo(other.Quarters);
    /// <inheritdoc/>
    public int CompareTo(object? obj) => obj is Duration d ? CompareTo(d) : throw new ArgumentException("Not a Duration.", nameof(obj));
    /// <inheritdoc/>
    public bool Equals(Duration other) => Quarters == other.Quarters;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Duration d && Equals(d);
    /// <inheritdoc/>
    public override int GetHashCode() => Quarters.GetHashCode();
    /// <summary>Equality.</summary>
    public static bool operator ==(Duration a, Duration b) => a.Equals(b);
    /// <summary>Inequality.</summary>
    public static bool operator !=(Duration a, Duration b) => !a.Equals(b);
    /// <summary>Less than.</summary>
    public static bool operator <(Duration a, Duration b) => a.Quarters < b.Quarters;
    /// <summary>Greater than.</summary>
    public static bool operator >(Duration a, Duration b) => a.Quarters > b.Quarters;
    /// <summary>Less than or equal.</summary>
    public static bool operator <=(Duration a, Duration b) => a.Quarters <= b.Quarters;
    /// <summary>Greater than or equal.</summary>
    public static bool operator >=(Duration a, Duration b) => a.Quarters >= b.Quarters;

    /// <summary>The smaller of two durations.</summary>
    public static Duration Min(Duration a, Duration b) => a <= b ? a : b;
    /// <summary>The larger of two durations.</summary>
    public static Duration Max(Duration a, Duration b) => a >= b ? a : b;

    /// <summary>Quarter notes as <c>n</c> or <c>n/d</c> (e.g. <c>1/3</c> for a triplet eighth).</summary>
    public override string ToString() => Quarters.ToString();

    /// <summary>Parses a number of quarter notes written <c>n</c> or <c>n/d</c>.</summary>
    /// <exception cref="InvalidDurationException">The text is not a fraction.</exception>
    public static Duration Parse(string text) =>
        TryParse(text, out var d) ? d : throw new InvalidDurationException(text, "quarter notes written n or n/d, e.g. 3/2");

    /// <summary>Parses a number of quarter notes written <c>n</c> or <c>n/d</c>.</summary>
    public static bool TryParse(string? text, out Duration value)
    {
        bool ok = Rational.TryParse(text, out var r);
        value = new Duration(r);
        return ok;
    }
}
