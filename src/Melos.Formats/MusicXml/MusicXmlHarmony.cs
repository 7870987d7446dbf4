using System.Globalization;
using Melos.Music;

namespace Melos.Formats.MusicXml;

/// <summary>A chord tone added to, or altered in, a MusicXML <c>&lt;harmony&gt;</c> (<c>&lt;degree&gt;</c>).</summary>
/// <param name="Value">The degree: 5, 7, 9, 11, 13, ...</param>
/// <param name="Alter">Semitones of alteration.</param>
/// <param name="Type"><c>add</c>, <c>alter</c> or <c>subtract</c>.</param>
public sealed record HarmonyDegree(int Value, int Alter, string Type);

/// <summary>
/// The structured form of a chord symbol in MusicXML: root, <c>&lt;kind&gt;</c> value and display text, degrees and bass.
/// <see cref="From"/> and <see cref="ToChord"/> convert both ways; every <see cref="ChordSymbol"/> comes back equal.
/// </summary>
/// <param name="Root">The root.</param>
/// <param name="Kind">The MusicXML kind value (<c>major</c>, <c>minor-seventh</c>, <c>dominant-ninth</c>, ...).</param>
/// <param name="Text">The kind's display text: the symbol's suffix as Melos writes it (<c>m7</c>, <c>7sus4</c>).</param>
/// <param name="Degrees">Added and altered tones.</param>
/// <param name="Bass">The bass of a slash chord, or null.</param>
public sealed record MusicXmlHarmony(NoteName Root, string Kind, string? Text, IReadOnlyList<HarmonyDegree> Degrees, NoteName? Bass)
{
    private static readonly Dictionary<ChordQuality, string> Kinds = new()
    {
        [ChordQuality.Major] = "major", [ChordQuality.Minor] = "minor", [ChordQuality.Diminished] = "diminished",
        [ChordQuality.Augmented] = "augmented", [ChordQuality.Dominant7] = "dominant", [ChordQuality.Major7] = "major-seventh",
        [ChordQuality.Minor7] = "minor-seventh", [ChordQuality.HalfDiminished7] = "half-diminished",
        [ChordQuality.Diminished7] = "diminished-seventh", [ChordQuality.MinorMajor7] = "major-minor",
        [ChordQuality.Augmented7] = "augmented-seventh", [ChordQuality.Major6] = "major-sixth", [ChordQuality.Minor6] = "minor-sixth",
        [ChordQuality.Suspended2] = "suspended-second", [ChordQuality.Suspended4] = "suspended-fourth",
        [ChordQuality.Power] = "power",
    };

    // Kinds that name a seventh chord with a ninth, eleventh or thirteenth.
    private static readonly Dictionary<string, (ChordQuality Quality, string Extension)> Extended = new()
    {
        ["dominant-ninth"] = (ChordQuality.Dominant7, "9"), ["major-ninth"] = (ChordQuality.Major7, "9"), ["minor-ninth"] = (ChordQuality.Minor7, "9"),
        ["dominant-11th"] = (ChordQuality.Dominant7, "11"), ["major-11th"] = (ChordQuality.Major7, "11"), ["minor-11th"] = (ChordQuality.Minor7, "11"),
        ["dominant-13th"] = (ChordQuality.Dominant7, "13"), ["major-13th"] = (ChordQuality.Major7, "13"), ["minor-13th"] = (ChordQuality.Minor7, "13"),
    };

    /// <summary>The MusicXML form of a chord symbol.</summary>
    public static MusicXmlHarmony From(ChordSymbol chord)
    {
        ArgumentNullException.ThrowIfNull(chord);
        var degrees = new List<HarmonyDegree>();
        string kind;
        int skip = 0;
        if (chord.Quality == ChordQuality.Dominant7Suspended4)
        {
            kind = "suspended-fourth";
            degrees.Add(new HarmonyDegree(7, -1, "add"));
        }
        else if (chord.Extensions.Length > 0 && chord.Extensions[0] is "9" or "11" or "13" && chord.Quality is ChordQuality.Dominant7 or ChordQuality.Major7 or ChordQuality.Minor7)
        {
            kind = Extended.First(e => e.Value == (chord.Quality, chord.Extensions[0])).Key;
            skip = 1;
        }
        else
        {
            kind = Kinds[chord.Quality];
        }
        foreach (var e in chord.Extensions.Skip(skip)) degrees.Add(DegreeOf(e));
        var text = chord.ToString();
        text = text[chord.Root.ToString().Length..];
        if (chord.Bass is { } b) text = text[..^(b.ToString().Length + 1)];
        return new MusicXmlHarmony(chord.Root, kind, text, degrees, chord.Bass);
    }

    private static HarmonyDegree DegreeOf(string extension)
    {
        bool add = extension.StartsWith("add", StringComparison.Ordinal);
        var e = add ? extension[3..] : extension;
        int alter = e[0] switch { '#' => 1, 'b' => -1, _ => 0 };
        int value = int.Parse(alter == 0 ? e : e[1..], CultureInfo.InvariantCulture);
        // Altered fifths change a chord tone; everything else adds one.
        return new HarmonyDegree(value, alter, value == 5 && !add ? "alter" : "add");
    }

    /// <summary>
    /// The chord symbol: when <see cref="Text"/> with the root and bass parses to a chord with the same tones as the
    /// structure (kind and degrees), that chord (so Melos's own spelling comes back exactly); else the structure's chord.
    /// Null for <c>none</c> (no chord) and kinds Melos has no quality for whose text does not parse either.
    /// </summary>
    public ChordSymbol? ToChord()
    {
        if (Kind == "none") return null;
        var structural = Structural();
        var bass = Bass is { } b ? "/" + b : "";
        if (Text is not null && ChordSymbol.TryParse(Root + Text + bass, out var fromText) && fromText is not null && fromText.Root == Root && fromText.Bass == Bass
            && (structural is null || SameTones(fromText, structural)))
            return fromText;
        return structural;
    }

    private static bool SameTones(ChordSymbol a, ChordSymbol b) =>
        a.PitchClasses.Order().SequenceEqual(b.PitchClasses.Order());

    private ChordSymbol? Structural()
    {
        var extensions = new List<string>();
        ChordQuality quality;
        if (Extended.TryGetValue(Kind, out var ext))
        {
            quality = ext.Quality;
            extensions.Add(ext.Extension);
        }
        else
        {
            var found = Kinds.Where(k => k.Value == Kind).Select(k => (ChordQuality?)k.Key).FirstOrDefault();
            if (found is null)
            {
                // Kinds outside Melos's qualities: the nearest triad.
                found = Kind switch
                {
                    "Neapolitan" or "pedal" or "Italian" or "French" or "German" or "Tristan" or "other" => ChordQuality.Major,
                    _ => null,
                };
                if (found is null) return null;
            }
            quality = found.Value;
        }
        var degrees = Degrees.ToList();
        if (quality == ChordQuality.Suspended4 && degrees.FindIndex(d => d is { Value: 7, Alter: -1, Type: "add" }) is var seventh and >= 0)
        {
            quality = ChordQuality.Dominant7Suspended4;
            degrees.RemoveAt(seventh);
        }
        foreach (var d in degrees)
        {
            if (d.Type == "subtract") continue;
            string sign = d.Alter switch { > 0 => "#", < 0 => "b", _ => "" };
            string? name = d.Value switch
            {
                5 when d.Alter != 0 => sign + "5",
                9 or 11 or 13 when d.Type == "add" && d.Alter == 0 && extensions.Count == 0 && HasSeventh(quality) => d.Value.ToString(CultureInfo.InvariantCulture),
                9 or 11 or 13 when d.Alter == 0 => "add" + d.Value.ToString(CultureInfo.InvariantCulture),
                9 or 11 or 13 => quality == ChordQuality.Major ? "add" + sign + d.Value.ToString(CultureInfo.InvariantCulture) : sign + d.Value.ToString(CultureInfo.InvariantCulture),
                2 or 4 or 6 when d.Alter == 0 => "add" + d.Value.ToString(CultureInfo.InvariantCulture),
                _ => null,
            };
            if (name is not null) extensions.Add(name);
        }
        // Drop the extensions the constructor refuses, one at a time, rather than losing the chord.
        while (true)
        {
            try
            {
                return new ChordSymbol(Root, quality, extensions, Bass);
            }
            catch (ArgumentException) when (extensions.Count > 0)
            {
                extensions.RemoveAt(extensions.Count - 1);
            }
        }
    }

    private static bool HasSeventh(ChordQuality q) => q is ChordQuality.Dominant7 or ChordQuality.Major7 or ChordQuality.Minor7
        or ChordQuality.MinorMajor7 or ChordQuality.HalfDiminished7 or ChordQuality.Diminished7 or ChordQuality.Augmented7
        or ChordQuality.Dominant7Suspended4 or ChordQuality.Major6 or ChordQuality.Minor6;
}
