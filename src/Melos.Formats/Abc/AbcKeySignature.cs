using Melos.Music;

namespace Melos.Formats.Abc;

/// <summary>
/// A <c>K:</c> field read: the key (null for <c>K:none</c>) and the accidental each letter carries in the signature,
/// including explicit accidentals (<c>K:D exp ^f _b</c>, <c>K:Dmix =c</c>).
/// </summary>
public sealed class AbcKeySignature
{
    private readonly int[] _alters;

    private AbcKeySignature(Key? key, int[] alters)
    {
        Key = key;
        _alters = alters;
    }

    /// <summary>The key, or null for <c>K:none</c> and an empty <c>K:</c>.</summary>
    public Key? Key { get; }

    /// <summary>The alteration the signature gives to <paramref name="step"/>: -1 flat, 0 natural, +1 sharp.</summary>
    public int AlterOf(Step step) => _alters[(int)step];

    /// <summary>C major's empty signature with no key.</summary>
    public static AbcKeySignature None { get; } = new(null, new int[7]);

    /// <summary>The signature of a key.</summary>
    public static AbcKeySignature Of(Key key)
    {
        var alters = new int[7];
        foreach (var n in key.Scale.Names) alters[(int)n.Step] = n.Alter;
        return new AbcKeySignature(key, alters);
    }

    /// <summary>The three-letter mode names, with <c>m</c> for minor; matching is case-insensitive.</summary>
    private static readonly (string Prefix, Mode Mode)[] Modes =
    [
        ("maj", Mode.Major), ("ion", Mode.Major), ("min", Mode.Minor), ("aeo", Mode.Minor), ("mix", Mode.Mixolydian),
        ("dor", Mode.Dorian), ("phr", Mode.Phrygian), ("lyd", Mode.Lydian), ("loc", Mode.Locrian),
    ];

    /// <summary>
    /// Reads a <c>K:</c> value (comment already removed). Mode names are case-insensitive and only their first three
    /// letters count (<c>K:AMix</c>, <c>K:Dmixm</c>, <c>K:EDorian</c>); <c>m</c> or <c>M</c> alone is minor (<c>K:EM</c>);
    /// explicit accidentals may follow (<c>K:Dmix=c</c>); <c>K:HP</c>/<c>K:Hp</c> (bagpipes) read as A mixolydian;
    /// words such as <c>clef=bass</c> are ignored. Returns null and the reason when the value is not a key; with
    /// <paramref name="unknownMode"/> set, the value was read as major because its mode word is unknown (<c>K:Bn</c>).
    /// </summary>
    public static AbcKeySignature? TryParse(string value, out string? unknownMode, out string? error)
    {
        unknownMode = null;
        error = null;
        var s = value.Trim();
        if (s.Length == 0 || s.Equals("none", StringComparison.OrdinalIgnoreCase)) return None;
        if (s.StartsWith("HP", StringComparison.OrdinalIgnoreCase) && (s.Length == 2 || !char.IsLetter(s[2])))
            return Of(new Key(new NoteName(Step.A), Mode.Mixolydian));
        int i = 0;
        Key? key = null;
        int[] alters;
        if (s[0] is >= 'A' and <= 'G')
        {
            var step = (Step)"CDEFGAB".IndexOf(s[0], StringComparison.Ordinal);
            i = 1;
            int alter = 0;
            if (i < s.Length && s[i] is '#' or 'b') { alter = s[i] == '#' ? 1 : -1; i++; }
            while (i < s.Length && s[i] == ' ') i++;
            int m0 = i;
            while (i < s.Length && char.IsAsciiLetter(s[i])) i++;
            var word = s[m0..i];
            var mode = Mode.Major;
            bool explicitOnly = false;
            if (word.Length == 0) mode = Mode.Major;
            else if (word.Equals("m", StringComparison.OrdinalIgnoreCase)) mode = Mode.Minor;
            else if (word.Equals("exp", StringComparison.OrdinalIgnoreCase)) explicitOnly = true;
            else if (word.Contains('=') || word.StartsWith("clef", StringComparison.OrdinalIgnoreCase)) { i = m0; }
            else
            {
                var lower = word.ToLowerInvariant();
                bool found = false;
                if (lower.Length >= 3)
                {
                    foreach (var (prefix, md) in Modes)
                    {
                        if (lower.StartsWith(prefix, StringComparison.Ordinal)) { mode = md; found = true; break; }
                    }
                }
                if (!found)
                {
                    // A following "=..." means the word was a keyword such as clef=; leave it to the trailing tokens.
                    if (i < s.Length && s[i] == '=') { i = m0; }
                    else unknownMode = word;
                }
            }
            key = new Key(new NoteName(step, alter), mode);
            alters = explicitOnly ? new int[7] : Of(key)._alters.ToArray();
        }
        else if (s[0] is '^' or '_' or '=')
        {
            alters = new int[7];
        }
        else
        {
            error = $"key '{s}'";
            return null;
        }
        // Explicit accidentals: ^f _b =c ^^g __e, possibly glued to the mode (K:Dmix=c).
        while (i < s.Length)
        {
            if (s[i] == ' ') { i++; continue; }
            if (s[i] is '^' or '_' or '=')
            {
                int a = 0;
                int j = i;
                if (s[j] == '=') j++;
                else
                {
                    char c = s[j];
                    while (j < s.Length && s[j] == c) { a += c == '^' ? 1 : -1; j++; }
                }
                if (j < s.Length && "abcdefgABCDEFG".Contains(s[j], StringComparison.Ordinal) && Math.Abs(a) <= 2)
                {
                    alters[(int)(Step)"CDEFGAB".IndexOf(char.ToUpperInvariant(s[j]), StringComparison.Ordinal)] = a;
                    i = j + 1;
                    continue;
                }
                error = $"explicit accidental in key '{s}'";
                return null;
            }
            // Other words (clef=, middle=, transpose=, octave=) do not change the pitches here.
            while (i < s.Length && s[i] != ' ') i++;
        }
        return new AbcKeySignature(key, alters);
    }
}
