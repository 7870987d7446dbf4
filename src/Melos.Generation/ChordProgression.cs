using System.Collections.Immutable;
using System.Globalization;
using Melos.Music;

namespace Melos.Generation;

/// <summary>The text is not a chord progression such as <c>G D/F# Em C</c> or <c>G:2 D:2 Em C</c>.</summary>
public sealed class InvalidChordProgressionException(string? input, string expected) : MusicParseException("chord progression", input, expected);

/// <summary>
/// One chord of a progression and how long it lasts: <see cref="Beats"/> beats of the meter
/// (<see cref="TimeSignature.BeatLength"/>: a quarter in 4/4 and 3/4, a dotted quarter in 6/8), or one bar when null.
/// A <see cref="ChordSymbol"/> converts implicitly to a one-bar chord.
/// </summary>
/// <param name="Chord">The chord.</param>
/// <param name="Beats">Its length in beats (at least 1), or null for one bar.</param>
public readonly record struct ProgressionChord(ChordSymbol Chord, int? Beats = null)
{
    /// <summary>The most beats one chord may last.</summary>
    public const int MaxBeats = 1024;

    /// <summary>A one-bar chord.</summary>
    public static implicit operator ProgressionChord(ChordSymbol chord) => new(chord);

    /// <summary>A one-bar chord (the named alternative of the implicit conversion).</summary>
    public static ProgressionChord FromChordSymbol(ChordSymbol chord) => new(chord);

    /// <summary>How long the chord lasts in <paramref name="meter"/>.</summary>
    public Duration Length(TimeSignature meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        return Beats is { } b ? meter.BeatLength * new Rational(b, 1) : meter.BarLength;
    }

    /// <summary>The chord as progression text: <c>G</c> or <c>G:2</c>.</summary>
    public override string ToString() =>
        Beats is { } b ? string.Create(CultureInfo.InvariantCulture, $"{Chord}:{b}") : Chord?.ToString() ?? "";
}

/// <summary>Parses and lays out chord progressions.</summary>
public static class ChordProgression
{
    private const string Expected = "chord symbols separated by spaces, each optionally followed by :BEATS (a whole number of beats, at least 1), e.g. \"G D/F# Em C\" or \"G:2 D:2 Em C\"";

    /// <summary>
    /// Parses a progression: chord symbols separated by spaces, each lasting one bar, or <c>SYMBOL:N</c> for N beats
    /// (<c>"G:2 D:2 Em C"</c> in 4/4: G and D for two beats each, then Em and C for a bar each).
    /// </summary>
    /// <exception cref="InvalidChordSymbolException">A chord symbol does not parse.</exception>
    /// <exception cref="InvalidChordProgressionException">A length is not a whole number of beats from 1 to <see cref="ProgressionChord.MaxBeats"/>.</exception>
    public static ImmutableArray<ProgressionChord> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = ImmutableArray.CreateBuilder<ProgressionChord>();
        foreach (var item in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = item.LastIndexOf(':');
            if (colon < 0)
            {
                result.Add(ChordSymbol.Parse(item));
                continue;
            }
            var beatsText = item[(colon + 1)..];
            if (!int.TryParse(beatsText, NumberStyles.None, CultureInfo.InvariantCulture, out int beats) || beats < 1 || beats > ProgressionChord.MaxBeats)
                throw new InvalidChordProgressionException(item, $"{Expected}; '{beatsText}' is not a number of beats from 1 to {ProgressionChord.MaxBeats}");
            result.Add(new ProgressionChord(ChordSymbol.Parse(item[..colon]), beats));
        }
        if (result.Count == 0) throw new InvalidChordProgressionException(text, Expected);
        return result.ToImmutable();
    }

    /// <summary>
    /// The chord track of a progression over <paramref name="length"/> in <paramref name="meter"/>: each chord starts
    /// where the previous one ends, and the progression repeats from its first chord until the length is filled.
    /// </summary>
    public static IReadOnlyList<ChordChange> Layout(IReadOnlyList<ProgressionChord> progression, TimeSignature meter, Duration length)
    {
        ArgumentNullException.ThrowIfNull(progression);
        ArgumentNullException.ThrowIfNull(meter);
        var changes = new List<ChordChange>();
        if (progression.Count == 0) return changes;
        var at = Duration.Zero;
        for (int i = 0; at < length; i = (i + 1) % progression.Count)
        {
            changes.Add(new ChordChange(at, progression[i].Chord));
            at += progression[i].Length(meter);
        }
        return changes;
    }
}
