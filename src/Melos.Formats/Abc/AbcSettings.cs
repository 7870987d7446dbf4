namespace Melos.Formats.Abc;

/// <summary>What the reader does with one kind of malformed input.</summary>
public enum AbcPolicy
{
    /// <summary>Raise the matching <see cref="AbcFormatException"/>: the tune fails (a load lists it as skipped).</summary>
    Throw,

    /// <summary>Repair the input as described on the setting and report it as an <see cref="AbcIssue"/> of the tune.</summary>
    Repair,
}

/// <summary>
/// How the ABC reader treats malformed input: one policy per kind of problem. <see cref="Strict"/> throws on all of
/// them; <see cref="Lenient"/> repairs all of them and reports each repair.
/// </summary>
public sealed record AbcReadSettings
{
    /// <summary>A character that has no meaning in a tune body (repair: skip it).</summary>
    public AbcPolicy UnexpectedSymbol { get; init; } = AbcPolicy.Repair;

    /// <summary>A <c>K:</c>, <c>M:</c>, <c>L:</c> or <c>Q:</c> value that cannot be read, such as an unknown mode
    /// in <c>K:Bn</c> (repair: an unknown mode is read as major; other values are ignored and the previous one kept).</summary>
    public AbcPolicy BadFieldValue { get; init; } = AbcPolicy.Repair;

    /// <summary>A chord <c>[..]</c>, grace group <c>{..}</c>, quoted string, inline field or decoration <c>+..+</c> left
    /// open at the end of a line, or a chord with no notes (repair: close it at the end of the line; an empty chord is
    /// dropped). A lone <c>!</c> is ABC 2.0's line break and no error.</summary>
    public AbcPolicy UnclosedGroup { get; init; } = AbcPolicy.Repair;

    /// <summary>A tie <c>-</c> that is not followed by a note of the same pitch (repair: drop the tie).</summary>
    public AbcPolicy BrokenTie { get; init; } = AbcPolicy.Repair;

    /// <summary>A note outside MIDI 0..127 (repair: drop the note, keeping its time as a rest).</summary>
    public AbcPolicy PitchOutOfRange { get; init; } = AbcPolicy.Repair;

    /// <summary>A tune whose header has no <c>K:</c> field before the music starts (repair: read the music in C major).</summary>
    public AbcPolicy MissingKey { get; init; } = AbcPolicy.Repair;

    /// <summary>A part named in the play order (<c>P:</c> or Nottingham's <c>Y:</c>) that the tune does not contain
    /// (repair: leave it out of the performance).</summary>
    public AbcPolicy MissingPart { get; init; } = AbcPolicy.Repair;

    /// <summary>
    /// True (the default, as abc2midi plays and as the Nottingham, O'Neill's and Ryan's transcribers relied on): an
    /// accidental on a note holds to the end of the bar for that letter in every octave (<c>=c ... C</c> naturalizes both).
    /// False: only for the same letter in the same octave.
    /// </summary>
    public bool AccidentalsInAllOctaves { get; init; } = true;

    /// <summary>The largest file (bytes) or text (characters) read, default 16 MiB; a larger one throws <see cref="AbcLimitException"/>
    /// before it is read, whatever the policies.</summary>
    public long MaxFileBytes
    {
        get;
        init => field = value < 1 ? throw new ArgumentOutOfRangeException(nameof(MaxFileBytes), value, "MaxFileBytes is at least 1.") : value;
    } = 16L * 1024 * 1024;

    /// <summary>The most notes and rests one tune may hold as performed (repeats and parts expanded), default 100,000; a tune with
    /// more is skipped with <see cref="AbcLimitException"/> whatever the policies, never cut short.</summary>
    public int MaxNotesPerTune
    {
        get;
        init => field = value < 1 ? throw new ArgumentOutOfRangeException(nameof(MaxNotesPerTune), value, "MaxNotesPerTune is at least 1.") : value;
    } = 100_000;

    /// <summary>The most notes and rests all the tunes of one file may hold as performed, default 1,000,000 (many tunes each under
    /// <see cref="MaxNotesPerTune"/> could otherwise add up without bound). The tune that crosses it and every later one are
    /// skipped with <see cref="AbcLimitException"/> (<see cref="AbcLimit.NotesPerFile"/>); the tunes before it load.</summary>
    public long MaxNotesPerFile
    {
        get;
        init => field = value < 1 ? throw new ArgumentOutOfRangeException(nameof(MaxNotesPerFile), value, "MaxNotesPerFile is at least 1.") : value;
    } = 1_000_000;

    /// <summary>The deepest nesting of groups read, default 8: parentheses in a play order (<c>P:((AB)2C)3</c>). Tuplets and chords do
    /// not nest in ABC (a tuplet inside a tuplet restarts it; a <c>[</c> inside a chord is an unexpected symbol), so their depth is
    /// always 1. A tune nested deeper is skipped with <see cref="AbcLimitException"/> whatever the policies.</summary>
    public int MaxNesting
    {
        get;
        init => field = value < 1 ? throw new ArgumentOutOfRangeException(nameof(MaxNesting), value, "MaxNesting is at least 1.") : value;
    } = 8;

    /// <summary>The most parts a play order may expand to (<c>P:A100B100</c> is 200), default 4096; more is skipped with
    /// <see cref="AbcLimitException"/> whatever the policies.</summary>
    public int MaxPlayOrderParts
    {
        get;
        init => field = value < 1 ? throw new ArgumentOutOfRangeException(nameof(MaxPlayOrderParts), value, "MaxPlayOrderParts is at least 1.") : value;
    } = 4096;

    /// <summary>The collection name given to every melody read (<see cref="Melos.Music.MelodyInfo.Collection"/>), or null.</summary>
    public string? Collection { get; init; }

    /// <summary>Every problem throws.</summary>
    public static AbcReadSettings Strict { get; } = new()
    {
        UnexpectedSymbol = AbcPolicy.Throw,
        BadFieldValue = AbcPolicy.Throw,
        UnclosedGroup = AbcPolicy.Throw,
        BrokenTie = AbcPolicy.Throw,
        PitchOutOfRange = AbcPolicy.Throw,
        MissingKey = AbcPolicy.Throw,
        MissingPart = AbcPolicy.Throw,
    };

    /// <summary>Every problem is repaired and reported (the default).</summary>
    public static AbcReadSettings Lenient { get; } = new();
}
