using System.Collections.Immutable;

namespace Melos.Music;

/// <summary>The seven diatonic modes; <see cref="Major"/> is Ionian and <see cref="Minor"/> is Aeolian (natural minor).</summary>
public enum Mode
{
    /// <summary>Major (Ionian).</summary>
    Major,
    /// <summary>Natural minor (Aeolian).</summary>
    Minor,
    /// <summary>Dorian.</summary>
    Dorian,
    /// <summary>Phrygian.</summary>
    Phrygian,
    /// <summary>Lydian.</summary>
    Lydian,
    /// <summary>Mixolydian.</summary>
    Mixolydian,
    /// <summary>Locrian.</summary>
    Locrian,
}

/// <summary>A key: a spelled tonic and a mode (<c>G major</c>, <c>A minor</c>, <c>D dorian</c>).</summary>
public sealed record Key
{
    private static readonly Dictionary<Mode, int[]> Intervals = new()
    {
        [Mode.Major] = [0, 2, 4, 5, 7, 9, 11],
        [Mode.Dorian] = [0, 2, 3, 5, 7, 9, 10],
        [Mode.Phrygian] = [0, 1, 3, 5, 7, 8, 10],
        [Mode.Lydian] = [0, 2, 4, 6, 7, 9, 11],
        [Mode.Mixolydian] = [0, 2, 4, 5, 7, 9, 10],
        [Mode.Minor] = [0, 2, 3, 5, 7, 8, 10],
        [Mode.Locrian] = [0, 1, 3, 5, 6, 8, 10],
    };

    // Fifths from the tonic to the key signature's major tonic.
    private static readonly Dictionary<Mode, int> ModeFifths = new()
    {
        [Mode.Major] = 0, [Mode.Lydian] = 1, [Mode.Mixolydian] = -1, [Mode.Dorian] = -2,
        [Mode.Minor] = -3, [Mode.Phrygian] = -4, [Mode.Locrian] = -5,
    };

    /// <summary>Creates a key.</summary>
    public Key(NoteName tonic, Mode mode = Mode.Major)
    {
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "Not a mode.");
        Tonic = tonic;
        Mode = mode;
    }

    /// <summary>C major.</summary>
    public static Key CMajor { get; } = new(new NoteName(Step.C));

    /// <summary>A minor.</summary>
    public static Key AMinor { get; } = new(new NoteName(Step.A), Mode.Minor);

    /// <summary>The tonic.</summary>
    public NoteName Tonic { get; }

    /// <summary>The mode.</summary>
    public Mode Mode { get; }

    /// <summary>True for major, lydian and mixolydian (a major third above the tonic).</summary>
    public bool IsMajorLike => Mode is Mode.Major or Mode.Lydian or Mode.Mixolydian;

    /// <summary>Sharps (positive) or flats (negative) in the key signature.</summary>
    public int Fifths => Tonic.Fifths + ModeFifths[Mode];

    /// <summary>The semitone offsets of the mode's seven degrees from the tonic.</summary>
    public static IReadOnlyList<int> ModeIntervals(Mode mode) => Intervals[mode];

    /// <summary>The key's scale (computed once per key).</summary>
    public Scale Scale => field ??= new Scale(this);

    /// <summary>The key with the same signature in <paramref name="mode"/> (A minor's relative major is C major).</summary>
    public Key Relative(Mode mode) => new(NoteName.FromFifths(Fifths - ModeFifths[mode]), mode);

    /// <summary>The key <paramref name="semitones"/> away, respelled to the simplest signature.</summary>
    public Key Transpose(int semitones)
    {
        int pc = ((Tonic.PitchClass + semitones) % 12 + 12) % 12;
        // Choose the spelling whose signature has the fewest accidentals.
        NoteName best = default;
        int bestAbs = int.MaxValue;
        for (int f = -14; f <= 14; f++)
        {
            var n = NoteName.FromFifths(f);
            if (n.PitchClass != pc || Math.Abs(n.Alter) > 1) continue;
            int sig = Math.Abs(f + ModeFifths[Mode]);
            if (sig < bestAbs) { bestAbs = sig; best = n; }
        }
        return new Key(best, Mode);
    }

    /// <summary>The spelling of <paramref name="pitchClass"/> in this key: scale notes as the scale spells them, others with the signature's accidental direction.</summary>
    public NoteName Spell(int pitchClass)
    {
        pitchClass = ((pitchClass % 12) + 12) % 12;
        return (_spellings ??= BuildSpellings())[pitchClass];
    }

    private NoteName[]? _spellings;

    /// <summary>Same tonic spelling and mode (cached scale data does not take part).</summary>
    public bool Equals(Key? other) => other is not null && Tonic == other.Tonic && Mode == other.Mode;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Tonic, Mode);

    private NoteName[] BuildSpellings()
    {
        var table = new NoteName[12];
        for (int pc = 0; pc < 12; pc++) table[pc] = NoteName.FromPitchClass(pc, preferFlats: Fifths < 0);
        foreach (var n in Scale.Names) table[n.PitchClass] = n;
        return table;
    }

    /// <summary>The key written as <c>tonic mode</c>, e.g. <c>F# minor</c>; <see cref="Parse"/> reads it back.</summary>
    public override string ToString() => $"{Tonic} {Mode.ToString().ToLowerInvariant()}";

    /// <summary>
    /// Parses a key: <c>G</c>, <c>G major</c>, <c>Am</c>, <c>A minor</c>, <c>Amin</c>, <c>Ador</c>, <c>D dorian</c>,
    /// <c>D mix</c>, <c>Bb</c>, <c>F#m</c>, <c>Ephr</c>, <c>Flyd</c>, <c>Bloc</c>, <c>A aeolian</c>, <c>C ionian</c>.
    /// </summary>
    /// <exception cref="InvalidKeyException">The text is not a key.</exception>
    public static Key Parse(string text) =>
        TryParse(text, out var k) ? k! : throw new InvalidKeyException(text, "a tonic A-G with optional # or b, then an optional mode (major, minor, m, dorian, phrygian, lydian, mixolydian, locrian, or their first three letters)");

    /// <summary>Parses a key; false when the text is not one.</summary>
    public static bool TryParse(string? text, out Key? key)
    {
        key = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        int used = NoteName.TryReadPrefix(s, out var tonic);
        if (used == 0) return false;
        var rest = s[used..].Trim();
        if (!TryParseMode(rest, out var mode)) return false;
        key = new Key(tonic, mode);
        return true;
    }

    /// <summary>Reads a mode name (full or three-letter, any case); the empty string is major and <c>m</c> is minor.</summary>
    public static bool TryParseMode(string text, out Mode mode)
    {
        mode = Mode.Major;
        var t = text.Trim();
        if (t.Length == 0) return true;
        if (t == "m") { mode = Mode.Minor; return true; }
        if (t == "M") { mode = Mode.Major; return true; }
        var lower = t.ToLowerInvariant();
        (string Prefix, Mode Mode)[] table =
        [
            ("major", Mode.Major), ("maj", Mode.Major), ("ionian", Mode.Major), ("ion", Mode.Major),
            ("minor", Mode.Minor), ("min", Mode.Minor), ("aeolian", Mode.Minor), ("aeo", Mode.Minor),
            ("dorian", Mode.Dorian), ("dor", Mode.Dorian), ("phrygian", Mode.Phrygian), ("phr", Mode.Phrygian),
            ("lydian", Mode.Lydian), ("lyd", Mode.Lydian), ("mixolydian", Mode.Mixolydian), ("mix", Mode.Mixolydian),
            ("locrian", Mode.Locrian), ("loc", Mode.Locrian),
        ];
        foreach (var (prefix, m) in table)
        {
            if (lower == prefix) { mode = m; return true; }
        }
        return false;
    }
}

/// <summary>The seven spelled degrees of a key.</summary>
public sealed class Scale
{
    internal Scale(Key key)
    {
        Key = key;
        var intervals = Key.ModeIntervals(key.Mode);
        var names = ImmutableArray.CreateBuilder<NoteName>(7);
        for (int d = 0; d < 7; d++)
        {
            var step = (Step)(((int)key.Tonic.Step + d) % 7);
            int pc = (key.Tonic.PitchClass + intervals[d]) % 12;
            int natural = NoteName.SemitonesOf(step);
            int alter = ((pc - natural) % 12 + 12) % 12;
            if (alter > 6) alter -= 12;
            names.Add(new NoteName(step, alter));
        }
        Names = names.MoveToImmutable();
        int mask = 0;
        foreach (var n in Names) mask |= 1 << n.PitchClass;
        PitchClassMask = mask;
    }

    /// <summary>The key.</summary>
    public Key Key { get; }

    /// <summary>The spelled degrees, tonic first.</summary>
    public ImmutableArray<NoteName> Names { get; }

    /// <summary>Bit <c>pc</c> set for each pitch class in the scale.</summary>
    public int PitchClassMask { get; }

    /// <summary>The pitch classes of the degrees, tonic first.</summary>
    public IEnumerable<int> PitchClasses => Names.Select(n => n.PitchClass);

    /// <summary>True when the pitch class is a degree of the scale.</summary>
    public bool Contains(int pitchClass) => (PitchClassMask & (1 << (((pitchClass % 12) + 12) % 12))) != 0;

    /// <summary>True when the pitch is a degree of the scale.</summary>
    public bool Contains(Pitch pitch) => Contains(pitch.PitchClass);

    /// <summary>The degree 1..7 of the pitch class, or null when it is outside the scale.</summary>
    public int? DegreeOf(int pitchClass)
    {
        pitchClass = ((pitchClass % 12) + 12) % 12;
        for (int i = 0; i < Names.Length; i++)
            if (Names[i].PitchClass == pitchClass) return i + 1;
        return null;
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join(' ', Names);
}
