using System.Text;

namespace Melos.Music;

/// <summary>The seven letter names of the diatonic steps.</summary>
public enum Step
{
    /// <summary>C</summary>
    C = 0,
    /// <summary>D</summary>
    D = 1,
    /// <summary>E</summary>
    E = 2,
    /// <summary>F</summary>
    F = 3,
    /// <summary>G</summary>
    G = 4,
    /// <summary>A</summary>
    A = 5,
    /// <summary>B</summary>
    B = 6,
}

/// <summary>
/// A spelled pitch class: a letter and an alteration (<c>C</c>, <c>F#</c>, <c>Bb</c>, <c>E##</c>).
/// <c>F#</c> and <c>Gb</c> are different names of the same pitch class.
/// </summary>
public readonly record struct NoteName
{
    private static readonly int[] StepSemitones = [0, 2, 4, 5, 7, 9, 11];

    /// <summary>The letter.</summary>
    public Step Step { get; }

    /// <summary>Semitones of alteration: -2 (double flat) to +2 (double sharp).</summary>
    public int Alter { get; }

    /// <summary>Creates a spelled note name.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The alteration is beyond a double sharp or flat.</exception>
    public NoteName(Step step, int alter = 0)
    {
        if (!Enum.IsDefined(step)) throw new ArgumentOutOfRangeException(nameof(step), step, "Not a step letter.");
        if (alter is < -2 or > 2) throw new ArgumentOutOfRangeException(nameof(alter), alter, "Alteration must be between -2 (double flat) and +2 (double sharp).");
        Step = step;
        Alter = alter;
    }

    /// <summary>The pitch class 0..11 (C = 0).</summary>
    public int PitchClass => ((StepSemitones[(int)Step] + Alter) % 12 + 12) % 12;

    /// <summary>Semitones of the natural letter above C (0..11).</summary>
    public static int SemitonesOf(Step step) => StepSemitones[(int)step];

    /// <summary>Position on the circle of fifths (C = 0, G = 1, F = -1, F# = 6, Bb = -2).</summary>
    public int Fifths => new[] { 0, 2, 4, -1, 1, 3, 5 }[(int)Step] + 7 * Alter;

    /// <summary>The name at the given position on the circle of fifths.</summary>
    public static NoteName FromFifths(int fifths)
    {
        // F C G D A E B at -1..5; each 7 steps adds a sharp.
        int idx = ((fifths + 1) % 7 + 7) % 7;
        int alter = (int)Math.Floor((fifths + 1) / 7.0);
        Step[] order = [Step.F, Step.C, Step.G, Step.D, Step.A, Step.E, Step.B];
        return new NoteName(order[idx], alter);
    }

    /// <summary>The default spelling of a pitch class: naturals and sharps (C, C#, D, ...).</summary>
    public static NoteName FromPitchClass(int pitchClass, bool preferFlats = false)
    {
        int pc = ((pitchClass % 12) + 12) % 12;
        return preferFlats ? FlatNames[pc] : SharpNames[pc];
    }

    /// <summary>The spelling of a pitch class nearest C on the circle of fifths (C, Db, D, Eb, E, F, F#, G, Ab, A, Bb, B).</summary>
    public static NoteName Simplest(int pitchClass) => FromFifths(SimplestFifths[((pitchClass % 12) + 12) % 12]);

    private static readonly int[] SimplestFifths = [0, -5, 2, -3, 4, -1, 6, 1, -4, 3, -2, 5];

    private static readonly NoteName[] SharpNames =
    [
        new(Step.C), new(Step.C, 1), new(Step.D), new(Step.D, 1), new(Step.E), new(Step.F),
        new(Step.F, 1), new(Step.G), new(Step.G, 1), new(Step.A), new(Step.A, 1), new(Step.B),
    ];

    private static readonly NoteName[] FlatNames =
    [
        new(Step.C), new(Step.D, -1), new(Step.D), new(Step.E, -1), new(Step.E), new(Step.F),
        new(Step.G, -1), new(Step.G), new(Step.A, -1), new(Step.A), new(Step.B, -1), new(Step.B),
    ];

    /// <summary>Letter followed by <c>#</c>, <c>##</c>, <c>b</c> or <c>bb</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(3);
        sb.Append(Step.ToString());
        if (Alter > 0) sb.Append('#', Alter);
        else if (Alter < 0) sb.Append('b', -Alter);
        return sb.ToString();
    }

    /// <summary>Parses <c>C</c>, <c>F#</c>, <c>Bb</c>, <c>E##</c>, <c>Dbb</c> (also <c>x</c> for a double sharp, ♯ and ♭).</summary>
    /// <exception cref="InvalidPitchException">The text is not a note name.</exception>
    public static NoteName Parse(string text) =>
        TryParse(text, out var n) ? n : throw new InvalidPitchException(text, "a note name: a letter A-G with optional #, ##, b or bb");

    /// <summary>Parses a note name; false when the text is not one.</summary>
    public static bool TryParse(string? text, out NoteName name)
    {
        name = default;
        if (text is null) return false;
        var s = text.Trim();
        int used = TryReadPrefix(s, out name);
        return used > 0 && used == s.Length;
    }

    /// <summary>Reads a note name at the start of <paramref name="text"/>; returns the characters used (0 when none).</summary>
    internal static int TryReadPrefix(ReadOnlySpan<char> text, out NoteName name)
    {
        name = default;
        if (text.IsEmpty) return 0;
        Step step;
        switch (char.ToUpperInvariant(text[0]))
        {
            case 'C': step = Step.C; break;
            case 'D': step = Step.D; break;
            case 'E': step = Step.E; break;
            case 'F': step = Step.F; break;
            case 'G': step = Step.G; break;
            case 'A': step = Step.A; break;
            case 'B': step = Step.B; break;
            default: return 0;
        }
        int i = 1, alter = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c is '#' or '♯') { if (alter < 0) break; alter++; }
            else if (c == 'x' && alter == 0 && i == 1) { alter = 2; i++; break; }
            else if (c is 'b' or '♭') { if (alter > 0) break; alter--; }
            else break;
            i++;
        }
        if (alter is < -2 or > 2) return 0;
        name = new NoteName(step, alter);
        return i;
    }
}
