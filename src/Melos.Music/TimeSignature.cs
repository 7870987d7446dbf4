using System.Globalization;

namespace Melos.Music;

/// <summary>A meter such as 4/4, 3/4, 6/8 or 3/2. Compound meters (6/8, 9/8, 12/8) group beats in threes.</summary>
public sealed record TimeSignature
{
    /// <summary>Creates a time signature.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The numerator is not 1..64 or the denominator not a power of two up to 64.</exception>
    public TimeSignature(int numerator, int denominator)
    {
        if (numerator is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(numerator), numerator, "A time signature's numerator is 1..64.");
        if (denominator is < 1 or > 64 || (denominator & (denominator - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(denominator), denominator, "A time signature's denominator is a power of two, 1..64.");
        Numerator = numerator;
        Denominator = denominator;
    }

    /// <summary>4/4.</summary>
    public static TimeSignature CommonTime { get; } = new(4, 4);

    /// <summary>Beats (of the denominator's value) per bar.</summary>
    public int Numerator { get; }

    /// <summary>The note value counted: 4 = quarter, 8 = eighth.</summary>
    public int Denominator { get; }

    /// <summary>True for compound meters such as 6/8, 9/8, 12/8 and 6/4.</summary>
    public bool IsCompound => Numerator >= 6 && Numerator % 3 == 0;

    /// <summary>The length of one bar.</summary>
    public Duration BarLength => Duration.FromWholeNotes(Numerator, Denominator);

    /// <summary>The felt beat: a dotted value in compound meters, the denominator's value otherwise.</summary>
    public Duration BeatLength => IsCompound ? Duration.FromWholeNotes(3, Denominator) : Duration.FromWholeNotes(1, Denominator);

    /// <summary>Felt beats per bar (2 in 6/8, 4 in 4/4).</summary>
    public int BeatsPerBar => IsCompound ? Numerator / 3 : Numerator;

    /// <summary>Written as <c>n/d</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Numerator}/{Denominator}");

    /// <summary>Parses <c>n/d</c>, <c>C</c> (4/4) or <c>C|</c> (2/2).</summary>
    /// <exception cref="InvalidTimeSignatureException">The text is not a time signature.</exception>
    public static TimeSignature Parse(string text) =>
        TryParse(text, out var t) ? t! : throw new InvalidTimeSignatureException(text, "n/d with n 1..64 and d a power of two up to 64 (e.g. 6/8), C or C|");

    /// <summary>Parses a time signature; false when the text is not one.</summary>
    public static bool TryParse(string? text, out TimeSignature? signature)
    {
        signature = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        if (s == "C") { signature = CommonTime; return true; }
        if (s == "C|") { signature = new TimeSignature(2, 2); return true; }
        int slash = s.IndexOf('/');
        if (slash <= 0) return false;
        if (!int.TryParse(s.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out int n)) return false;
        if (!int.TryParse(s.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int d)) return false;
        if (n is < 1 or > 64 || d is < 1 or > 64 || (d & (d - 1)) != 0) return false;
        signature = new TimeSignature(n, d);
        return true;
    }
}
