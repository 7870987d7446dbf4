using System.Collections.Immutable;
using System.Text;
using System.Text.RegularExpressions;

namespace Melos.Music;

/// <summary>The basic quality of a chord symbol.</summary>
public enum ChordQuality
{
    /// <summary>Major triad (<c>C</c>).</summary>
    Major,
    /// <summary>Minor triad (<c>Cm</c>).</summary>
    Minor,
    /// <summary>Diminished triad (<c>Cdim</c>; Nottingham <c>Cd</c>).</summary>
    Diminished,
    /// <summary>Augmented triad (<c>Caug</c>; Nottingham <c>Ca</c>).</summary>
    Augmented,
    /// <summary>Dominant seventh (<c>C7</c>).</summary>
    Dominant7,
    /// <summary>Major seventh (<c>Cmaj7</c>).</summary>
    Major7,
    /// <summary>Minor seventh (<c>Cm7</c>).</summary>
    Minor7,
    /// <summary>Half-diminished seventh (<c>Cm7b5</c>).</summary>
    HalfDiminished7,
    /// <summary>Diminished seventh (<c>Cdim7</c>).</summary>
    Diminished7,
    /// <summary>Minor-major seventh (<c>CmMaj7</c>).</summary>
    MinorMajor7,
    /// <summary>Augmented seventh (<c>Caug7</c>).</summary>
    Augmented7,
    /// <summary>Major sixth (<c>C6</c>).</summary>
    Major6,
    /// <summary>Minor sixth (<c>Cm6</c>).</summary>
    Minor6,
    /// <summary>Suspended second (<c>Csus2</c>).</summary>
    Suspended2,
    /// <summary>Suspended fourth (<c>Csus4</c>).</summary>
    Suspended4,
    /// <summary>Dominant seventh with suspended fourth (<c>C7sus4</c>).</summary>
    Dominant7Suspended4,
    /// <summary>Root and fifth only (<c>C5</c>).</summary>
    Power,
}

/// <summary>
/// A chord symbol: root, quality, extensions and an optional bass (<c>Am</c>, <c>G7</c>, <c>D/F#</c>, <c>Cmaj7</c>,
/// <c>Bdim</c>, <c>Eaug</c>, <c>Fsus4</c>, <c>G9</c>, <c>D7b9</c>). Also reads the Nottingham forms <c>Cd</c>
/// (diminished), <c>Ca</c> (augmented), lower-case slash basses with <c>+</c> for sharp (<c>D/f+</c>) and
/// parenthesised optional chords (<c>(E7)</c>).
/// </summary>
public sealed class ChordSymbol : IEquatable<ChordSymbol>
{
    private static readonly Dictionary<ChordQuality, (string Suffix, int[] Intervals)> Qualities = new()
    {
        [ChordQuality.Major] = ("", [0, 4, 7]),
        [ChordQuality.Minor] = ("m", [0, 3, 7]),
        [ChordQuality.Diminished] = ("dim", [0, 3, 6]),
        [ChordQuality.Augmented] = ("aug", [0, 4, 8]),
        [ChordQuality.Dominant7] = ("7", [0, 4, 7, 10]),
        [ChordQuality.Major7] = ("maj7", [0, 4, 7, 11]),
        [ChordQuality.Minor7] = ("m7", [0, 3, 7, 10]),
        [ChordQuality.HalfDiminished7] = ("m7b5", [0, 3, 6, 10]),
        [ChordQuality.Diminished7] = ("dim7", [0, 3, 6, 9]),
        [ChordQuality.MinorMajor7] = ("mMaj7", [0, 3, 7, 11]),
        [ChordQuality.Augmented7] = ("aug7", [0, 4, 8, 10]),
        [ChordQuality.Major6] = ("6", [0, 4, 7, 9]),
        [ChordQuality.Minor6] = ("m6", [0, 3, 7, 9]),
        [ChordQuality.Suspended2] = ("sus2", [0, 2, 7]),
        [ChordQuality.Suspended4] = ("sus4", [0, 5, 7]),
        [ChordQuality.Dominant7Suspended4] = ("7sus4", [0, 5, 7, 10]),
        [ChordQuality.Power] = ("5", [0, 7]),
    };

    // Quality spellings accepted by the parser, longest first so that "maj7" wins over "m".
    private static readonly (string Text, ChordQuality Quality)[] QualityAliases = BuildAliases();

    private static (string, ChordQuality)[] BuildAliases()
    {
        var list = new List<(string, ChordQuality)>
        {
            ("maj7", ChordQuality.Major7), ("Maj7", ChordQuality.Major7), ("ma7", ChordQuality.Major7), ("M7", ChordQuality.Major7), ("Δ7", ChordQuality.Major7), ("Δ", ChordQuality.Major7),
            ("mMaj7", ChordQuality.MinorMajor7), ("mmaj7", ChordQuality.MinorMajor7), ("mM7", ChordQuality.MinorMajor7), ("minmaj7", ChordQuality.MinorMajor7),
            ("m7b5", ChordQuality.HalfDiminished7), ("m7-5", ChordQuality.HalfDiminished7), ("ø7", ChordQuality.HalfDiminished7), ("ø", ChordQuality.HalfDiminished7),
            ("dim7", ChordQuality.Diminished7), ("°7", ChordQuality.Diminished7), ("o7", ChordQuality.Diminished7), ("d7", ChordQuality.Diminished7),
            ("aug7", ChordQuality.Augmented7), ("+7", ChordQuality.Augmented7), ("a7", ChordQuality.Augmented7),
            ("7sus4", ChordQuality.Dominant7Suspended4), ("7sus", ChordQuality.Dominant7Suspended4),
            ("min7", ChordQuality.Minor7), ("m7", ChordQuality.Minor7), ("-7", ChordQuality.Minor7),
            ("min6", ChordQuality.Minor6), ("m6", ChordQuality.Minor6),
            ("sus2", ChordQuality.Suspended2), ("sus4", ChordQuality.Suspended4), ("sus", ChordQuality.Suspended4),
            ("dim", ChordQuality.Diminished), ("°", ChordQuality.Diminished), ("o", ChordQuality.Diminished), ("d", ChordQuality.Diminished),
            ("aug", ChordQuality.Augmented), ("+", ChordQuality.Augmented), ("a", ChordQuality.Augmented),
            ("min", ChordQuality.Minor), ("m", ChordQuality.Minor), ("-", ChordQuality.Minor),
            ("maj", ChordQuality.Major), ("M", ChordQuality.Major),
            ("7", ChordQuality.Dominant7), ("6", ChordQuality.Major6), ("5", ChordQuality.Power),
        };
        return [.. list.OrderByDescending(a => a.Item1.Length)];
    }

    private static readonly Regex ExtensionToken = new(@"^(add[#b]?(?:2|4|6|9|11|13)|[#b](?:5|9|11|13)|(?:9|11|13))", RegexOptions.CultureInvariant);

    private static readonly Dictionary<string, int> ExtensionIntervals = new()
    {
        ["9"] = 14, ["11"] = 17, ["13"] = 21, ["b9"] = 13, ["#9"] = 15, ["#11"] = 18, ["b13"] = 20, ["b5"] = 6, ["#5"] = 8,
        ["add2"] = 2, ["add4"] = 5, ["add6"] = 9, ["add9"] = 14, ["add11"] = 17, ["add13"] = 21, ["addb9"] = 13, ["add#11"] = 18,
    };

    /// <summary>Creates a chord symbol.</summary>
    /// <exception cref="ArgumentException">An extension is not one of the known forms (9, b9, #11, add9, ...).</exception>
    public ChordSymbol(NoteName root, ChordQuality quality = ChordQuality.Major, IEnumerable<string>? extensions = null, NoteName? bass = null)
    {
        if (!Enum.IsDefined(quality)) throw new ArgumentOutOfRangeException(nameof(quality), quality, "Not a chord quality.");
        Root = root;
        Quality = quality;
        Extensions = extensions is null ? [] : [.. extensions];
        foreach (var e in Extensions)
        {
            if (!ExtensionIntervals.ContainsKey(e)) throw new ArgumentException($"Unknown chord extension '{e}'.", nameof(extensions));
            if (e is "9" or "11" or "13" && !HasSeventhOrSixth(quality))
                throw new ArgumentException($"Extension '{e}' needs a seventh or sixth chord; use 'add{e}' on a {quality} chord.", nameof(extensions));
            if (e[0] is '#' or 'b' && quality == ChordQuality.Major)
                throw new ArgumentException($"Alteration '{e}' needs a chord quality (write C7{e}, not C{e}).", nameof(extensions));
        }
        Bass = bass;
    }

    private static bool HasSeventhOrSixth(ChordQuality q) => q is ChordQuality.Dominant7 or ChordQuality.Major7 or ChordQuality.Minor7
        or ChordQuality.MinorMajor7 or ChordQuality.HalfDiminished7 or ChordQuality.Diminished7 or ChordQuality.Augmented7
        or ChordQuality.Dominant7Suspended4 or ChordQuality.Major6 or ChordQuality.Minor6;

    /// <summary>The root.</summary>
    public NoteName Root { get; }

    /// <summary>The quality.</summary>
    public ChordQuality Quality { get; }

    /// <summary>Extensions and alterations in written order (<c>9</c>, <c>b9</c>, <c>#11</c>, <c>add9</c>).</summary>
    public ImmutableArray<string> Extensions { get; }

    /// <summary>The bass note of a slash chord, or null.</summary>
    public NoteName? Bass { get; }

    /// <summary>The chord's pitch classes: root first, then the other chord tones, then the bass if it is not a chord tone.</summary>
    public IReadOnlyList<int> PitchClasses
    {
        get
        {
            var pcs = new List<int>();
            foreach (var i in Qualities[Quality].Intervals) Add(pcs, Root.PitchClass + i);
            foreach (var e in Extensions) Add(pcs, Root.PitchClass + ExtensionIntervals[e]);
            if (Bass is { } b) Add(pcs, b.PitchClass);
            return pcs;

            static void Add(List<int> list, int pc)
            {
                pc = ((pc % 12) + 12) % 12;
                if (!list.Contains(pc)) list.Add(pc);
            }
        }
    }

    /// <summary>
    /// The chord as a block of MIDI note numbers, lowest first: the root from C3 (48..59), the other tones above it within
    /// the octave, a slash bass an octave below (from C2). The MIDI chord track and the synthesizer's pad both voice chords so.
    /// </summary>
    public IReadOnlyList<int> Voicing()
    {
        int root = 48 + Root.PitchClass;
        var pitches = new SortedSet<int>();
        foreach (var pc in PitchClasses)
            pitches.Add(root + (((pc - Root.PitchClass) % 12) + 12) % 12);
        if (Bass is { } bass)
        {
            pitches.Remove(root + (((bass.PitchClass - Root.PitchClass) % 12) + 12) % 12);
            pitches.Add(36 + bass.PitchClass);
        }
        return [.. pitches];
    }

    /// <summary>True when <paramref name="pitchClass"/> is one of the chord's tones.</summary>
    public bool Contains(int pitchClass) => PitchClasses.Contains(((pitchClass % 12) + 12) % 12);

    /// <summary>
    /// The chord <paramref name="semitones"/> away. Root and bass are spelled as <paramref name="key"/> spells them when a key
    /// is given, else with the simplest spelling (fewest sharps or flats: Bb rather than A#).
    /// </summary>
    public ChordSymbol Transpose(int semitones, Key? key = null)
    {
        NoteName Spell(int pc) => key is null ? NoteName.Simplest(pc) : key.Spell(pc);
        var root = Spell(Root.PitchClass + semitones);
        NoteName? bass = null;
        if (Bass is { } b)
        {
            // Keep the bass's interval to the root: same letter distance, new alteration (D/F# up a tone is E/G#).
            int letterShift = ((int)root.Step - (int)Root.Step + 7) % 7;
            var step = (Step)(((int)b.Step + letterShift) % 7);
            int pc = ((b.PitchClass + semitones) % 12 + 12) % 12;
            int alter = ((pc - NoteName.SemitonesOf(step)) % 12 + 12) % 12;
            if (alter > 6) alter -= 12;
            bass = alter is >= -2 and <= 2 ? new NoteName(step, alter) : Spell(pc);
        }
        return new ChordSymbol(root, Quality, Extensions, bass);
    }

    /// <summary>
    /// The canonical text: root, quality suffix, extensions, <c>/bass</c>. A seventh chord whose first extension is a plain
    /// 9, 11 or 13 writes that number in place of the 7 (<c>G9</c>, <c>Cmaj9</c>, <c>Am11</c>). <see cref="Parse"/> reads it back.
    /// </summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(Root.ToString());
        string suffix = Qualities[Quality].Suffix;
        int skip = 0;
        if (Extensions.Length > 0 && Extensions[0] is "9" or "11" or "13" && Quality is ChordQuality.Dominant7 or ChordQuality.Major7 or ChordQuality.Minor7)
        {
            suffix = suffix.Replace("7", Extensions[0], StringComparison.Ordinal);
            skip = 1;
        }
        sb.Append(suffix);
        for (int i = skip; i < Extensions.Length; i++) sb.Append(Extensions[i]);
        if (Bass is { } b) sb.Append('/').Append(b.ToString());
        return sb.ToString();
    }

    /// <summary>Parses a chord symbol.</summary>
    /// <exception cref="InvalidChordSymbolException">The text is not a chord symbol.</exception>
    public static ChordSymbol Parse(string text) =>
        TryParse(text, out var c) ? c! : throw new InvalidChordSymbolException(text, "a root A-G with optional # or b, a quality (m, dim, aug, 7, maj7, m7, m7b5, dim7, 6, sus4, ...), optional extensions (9, b9, #11, add9) and an optional /bass, e.g. Am, G7, D/F#, Cmaj7");

    /// <summary>Parses a chord symbol; false when the text is not one.</summary>
    public static bool TryParse(string? text, out ChordSymbol? chord)
    {
        chord = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        if (s.Length > 2 && s[0] == '(' && s[^1] == ')') s = s[1..^1].Trim(); // optional chord, as in "(E7)"
        if (s.Length == 0 || !char.IsAsciiLetterUpper(s[0])) return false;

        int used = NoteName.TryReadPrefix(s, out var root);
        if (used == 0) return false;
        var rest = s[used..];

        NoteName? bass = null;
        int slash = rest.LastIndexOf('/');
        if (slash >= 0)
        {
            if (!TryParseBass(rest[(slash + 1)..], out var b)) return false;
            bass = b;
            rest = rest[..slash];
        }

        var quality = ChordQuality.Major;
        bool explicitMajor = false;
        if (!rest.StartsWith("add", StringComparison.Ordinal))
        {
            foreach (var (alias, q) in QualityAliases)
            {
                if (rest.StartsWith(alias, StringComparison.Ordinal))
                {
                    quality = q;
                    explicitMajor = alias is "maj" or "M" or "Δ";
                    rest = rest[alias.Length..];
                    break;
                }
            }
        }

        var extensions = new List<string>();
        bool first = true;
        while (rest.Length > 0)
        {
            var r = rest.TrimStart('(', ',', ' ').TrimEnd(')');
            if (r.Length == 0) break;
            var m = ExtensionToken.Match(r);
            if (!m.Success) return false;
            string ext = m.Value;
            // "9", "11", "13" in place of the seventh: G9 = G7 with a ninth, Cmaj9, Am11.
            if (first && ext is "9" or "11" or "13")
            {
                quality = quality switch
                {
                    ChordQuality.Major => explicitMajor ? ChordQuality.Major7 : ChordQuality.Dominant7,
                    ChordQuality.Minor => ChordQuality.Minor7,
                    _ => quality,
                };
            }
            extensions.Add(ext);
            first = false;
            rest = r[m.Length..];
        }

        try
        {
            chord = new ChordSymbol(root, quality, extensions, bass);
        }
        catch (ArgumentException)
        {
            return false;
        }
        return true;
    }

    private static bool TryParseBass(string text, out NoteName bass)
    {
        bass = default;
        var t = text.Trim();
        if (t.Length == 0) return false;
        // Nottingham writes slash basses in lower case with '+' for sharp: "D/f+", "Gm/bb".
        var normal = new StringBuilder(t.Length);
        normal.Append(char.ToUpperInvariant(t[0]));
        for (int i = 1; i < t.Length; i++) normal.Append(t[i] == '+' ? '#' : t[i]);
        return NoteName.TryParse(normal.ToString(), out bass);
    }

    /// <inheritdoc/>
    public bool Equals(ChordSymbol? other) =>
        other is not null && Root == other.Root && Quality == other.Quality && Bass == other.Bass && Extensions.SequenceEqual(other.Extensions);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ChordSymbol);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Root);
        h.Add(Quality);
        h.Add(Bass);
        foreach (var e in Extensions) h.Add(e);
        return h.ToHashCode();
    }

    /// <summary>Equality.</summary>
    public static bool operator ==(ChordSymbol? a, ChordSymbol? b) => a is null ? b is null : a.Equals(b);

    /// <summary>Inequality.</summary>
    public static bool operator !=(ChordSymbol? a, ChordSymbol? b) => !(a == b);
}
