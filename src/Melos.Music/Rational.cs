using System.Globalization;

namespace Melos.Music;

/// <summary>
/// An exact fraction <c>Numerator/Denominator</c>, always in lowest terms with a positive denominator.
/// Musical time in Melos is rational so that triplets and dotted values never drift.
/// </summary>
public readonly struct Rational : IEquatable<Rational>, IComparable<Rational>, IComparable
{
    private readonly long _den; // 0 in default(Rational), read as 1

    /// <summary>The numerator (carries the sign).</summary>
    public long Numerator { get; }

    /// <summary>The denominator, always positive.</summary>
    public long Denominator => _den == 0 ? 1 : _den;

    /// <summary>Zero.</summary>
    public static Rational Zero => default;

    /// <summary>One.</summary>
    public static Rational One => new(1, 1);

    /// <summary>Creates the fraction <paramref name="numerator"/>/<paramref name="denominator"/>, reduced.</summary>
    /// <exception cref="DivideByZeroException">The denominator is zero.</exception>
    public Rational(long numerator, long denominator)
    {
        if (denominator == 0) throw new DivideByZeroException("A rational number cannot have a zero denominator.");
        if (denominator < 0)
        {
            numerator = checked(-numerator);
            denominator = checked(-denominator);
        }
        long g = Gcd(Math.Abs(numerator), denominator);
        if (g > 1)
        {
            numerator /= g;
            denominator /= g;
        }
        Numerator = numerator;
        _den = denominator;
    }

    /// <summary>A whole number as a rational.</summary>
    public static implicit operator Rational(long value) => new(value, 1);

    /// <summary>True when the value is zero.</summary>
    public bool IsZero => Numerator == 0;

    /// <summary>-1, 0 or 1.</summary>
    public int Sign => Math.Sign(Numerator);

    /// <summary>The nearest double.</summary>
    public double ToDouble() => (double)Numerator / Denominator;

    /// <summary>The largest whole number not above the value.</summary>
    public long Floor() => Numerator >= 0 ? Numerator / Denominator : -((-Numerator + Denominator - 1) / Denominator);

    /// <summary>The absolute value.</summary>
    public Rational Abs() => Numerator < 0 ? new Rational(-Numerator, Denominator) : this;

    /// <summary>The greatest common divisor of two non-negative numbers (1 when both are zero).</summary>
    public static long Gcd(long a, long b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a == 0 ? 1 : a;
    }

    /// <summary>Sum.</summary>
    public static Rational operator +(Rational a, Rational b)
    {
        long g = Gcd(a.Denominator, b.Denominator);
        long da = a.Denominator / g;
        return new Rational(checked(a.Numerator * (b.Denominator / g) + b.Numerator * da), checked(da * b.Denominator));
    }

    /// <summary>Difference.</summary>
    public static Rational operator -(Rational a, Rational b) => a + (-b);

    /// <summary>Negation.</summary>
    public static Rational operator -(Rational a) => new(checked(-a.Numerator), a.Denominator);

    /// <summary>Product.</summary>
    public static Rational operator *(Rational a, Rational b)
    {
        long g1 = Gcd(Math.Abs(a.Numerator), b.Denominator);
        long g2 = Gcd(Math.Abs(b.Numerator), a.Denominator);
        return new Rational(checked((a.Numerator / g1) * (b.Numerator / g2)), checked((a.Denominator / g2) * (b.Denominator / g1)));
    }

    /// <summary>Quotient.</summary>
    /// <exception cref="DivideByZeroException"><paramref name="b"/> is zero.</exception>
    public static Rational operator /(Rational a, Rational b)
    {
        if (b.IsZero) throw new DivideByZeroException();
        return a * new Rational(b.Denominator, b.Numerator);
    }

    /// <inheritdoc/>
    public int CompareTo(Rational other)
    {
        // Cross-multiplication in 128 bits never overflows for 64-bit parts.
        Int128 l = (Int128)Numerator * other.Denominator;
        Int128 r = (Int128)other.Numerator * Denominator;
        return l.CompareTo(r);
    }

    /// <inheritdoc/>
    public int CompareTo(object? obj) => obj is Rational r ? CompareTo(r) : throw new ArgumentException("Not a Rational.", nameof(obj));

    /// <inheritdoc/>
    public bool Equals(Rational other) => Numerator == other.Numerator && Denominator == other.Denominator;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Rational r && Equals(r);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Numerator, Denominator);

    /// <summary>Equality.</summary>
    public static bool operator ==(Rational a, Rational b) => a.Equals(b);
    /// <summary>Inequality.</summary>
    public static bool operator !=(Rational a, Rational b) => !a.Equals(b);
    /// <summary>Less than.</summary>
    public static bool operator <(Rational a, Rational b) => a.CompareTo(b) < 0;
    /// <summary>Greater than.</summary>
    public static bool operator >(Rational a, Rational b) => a.CompareTo(b) > 0;
    /// <summary>Less than or equal.</summary>
    public static bool operator <=(Rational a, Rational b) => a.CompareTo(b) <= 0;
    /// <summary>Greater than or equal.</summary>
    public static bool operator >=(Rational a, Rational b) => a.CompareTo(b) >= 0;

    /// <summary>The smaller of two values.</summary>
    public static Rational Min(Rational a, Rational b) => a <= b ? a : b;

    /// <summary>The larger of two values.</summary>
    public static Rational Max(Rational a, Rational b) => a >= b ? a : b;

    /// <summary>Formats as <c>n</c> or <c>n/d</c>; <see cref="Parse"/> reads it back.</summary>
    public override string ToString() =>
        Denominator == 1
            ? Numerator.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{Numerator}/{Denominator}");

    /// <summary>Parses <c>n</c> or <c>n/d</c>.</summary>
    /// <exception cref="InvalidDurationException">The text is not a fraction.</exception>
    public static Rational Parse(string text) =>
        TryParse(text, out var r) ? r : throw new InvalidDurationException(text, "a fraction such as 3, 1/3 or -5/2");

    /// <summary>Parses <c>n</c> or <c>n/d</c>; false when the text is not a fraction.</summary>
    public static bool TryParse(string? text, out Rational value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        int slash = s.IndexOf('/');
        if (slash < 0)
        {
            if (!long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return false;
            value = n;
            return true;
        }
        if (!long.TryParse(s.AsSpan(0, slash), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var num)) return false;
        if (!long.TryParse(s.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var den) || den == 0) return false;
        value = new Rational(num, den);
        return true;
    }
}
