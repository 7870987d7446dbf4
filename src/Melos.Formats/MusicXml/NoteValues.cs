using System.Globalization;
using Melos.Music;

namespace Melos.Formats.MusicXml;

/// <summary>
/// One written note value: a MusicXML <c>type</c> (<c>quarter</c>, <c>eighth</c>, ...), dots and a tuplet ratio
/// (<see cref="ActualNotes"/> in the time of <see cref="NormalNotes"/>; 1:1 outside tuplets).
/// </summary>
/// <param name="Type">The MusicXML note type name.</param>
/// <param name="Dots">Augmentation dots (0 or 1).</param>
/// <param name="ActualNotes">Notes of this type played in the time of <paramref name="NormalNotes"/> (3 for a triplet).</param>
/// <param name="NormalNotes">The time those notes take, in notes of this type (2 for a triplet).</param>
/// <param name="Length">The sounding length: type, times 3/2 per dot, times normal/actual.</param>
public readonly record struct NoteValue(string Type, int Dots, int ActualNotes, int NormalNotes, Duration Length)
{
    /// <summary>True inside a tuplet.</summary>
    public bool IsTuplet => ActualNotes != NormalNotes;
}

/// <summary>Splits exact rational lengths into written note values (tied together) and names note types.</summary>
public static class NoteValues
{
    // MusicXML note types, longest first, with their length in quarter notes.
    private static readonly (string Type, Rational Quarters)[] Types =
    [
        ("long", 16), ("breve", 8), ("whole", 4), ("half", 2), ("quarter", 1), ("eighth", new Rational(1, 2)),
        ("16th", new Rational(1, 4)), ("32nd", new Rational(1, 8)), ("64th", new Rational(1, 16)), ("128th", new Rational(1, 32)),
        ("256th", new Rational(1, 64)), ("512th", new Rational(1, 128)), ("1024th", new Rational(1, 256)),
    ];

    /// <summary>The shortest note type written (a 1024th note) in quarter notes.</summary>
    public static Rational Shortest => Types[^1].Quarters;

    /// <summary>The largest tuplet numerator written (the odd part of a length's denominator).</summary>
    public const int MaxTuplet = 255;

    /// <summary>The length in quarter notes of a MusicXML note type (also <c>maxima</c>), or false for an unknown name.</summary>
    public static bool TryQuartersOf(string type, out Rational quarters)
    {
        quarters = default;
        if (type == "maxima") { quarters = 32; return true; }
        foreach (var (t, q) in Types)
        {
            if (t != type) continue;
            quarters = q;
            return true;
        }
        return false;
    }

    /// <summary>
    /// The note values that together last exactly <paramref name="length"/>, longest first (to be tied when they are a
    /// note). A length whose denominator has an odd part <c>m</c> is written in <c>m</c>:<c>n</c> tuplets (<c>n</c> the
    /// largest power of two below <c>m</c>: triplets 3:2, quintuplets 5:4); every piece of one length shares that ratio.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The length is not positive.</exception>
    /// <exception cref="MusicXmlNotationException">The length needs notes shorter than a 1024th, or a tuplet beyond 255.</exception>
    public static IReadOnlyList<NoteValue> Split(Duration length)
    {
        var r = length.Quarters;
        if (r.Sign <= 0) throw new ArgumentOutOfRangeException(nameof(length), length, "A note value's length must be positive.");
        long odd = r.Denominator;
        while (odd % 2 == 0) odd /= 2;
        if (odd > MaxTuplet)
            throw new MusicXmlNotationException(string.Create(CultureInfo.InvariantCulture, $"{length} quarters needs a {odd}-tuplet; the writer handles tuplets up to {MaxTuplet} (quantize the melody first)."));
        int actual = (int)odd, normal = 1;
        while (normal * 2 < actual) normal *= 2;
        var scaled = r * new Rational(actual, normal); // a binary fraction: written as plain note values
        if (scaled.Denominator > Shortest.Denominator)
            throw new MusicXmlNotationException($"{length} quarters needs notes shorter than a 1024th (quantize the melody first).");
        var pieces = new List<NoteValue>();
        var ratio = new Rational(normal, actual);
        while (scaled.Sign > 0)
        {
            var (type, q) = Types.First(t => t.Quarters <= scaled);
            var dotted = q * new Rational(3, 2);
            bool dot = dotted <= scaled && q > Shortest;
            var value = dot ? dotted : q;
            pieces.Add(new NoteValue(type, dot ? 1 : 0, actual, normal, Duration.FromQuarters(value * ratio)));
            scaled -= value;
        }
        return pieces;
    }
}
