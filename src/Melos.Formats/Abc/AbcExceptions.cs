using System.Globalization;

namespace Melos.Formats.Abc;

/// <summary>A malformed ABC tune: where (file, tune <c>X:</c> number, line and column) and what was expected.</summary>
public abstract class AbcFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    protected AbcFormatException(string file, int? tune, int line, int column, string problem, string expected)
        : base(Describe(file, tune, line, column, problem, expected))
    {
        File = file;
        Tune = tune;
        Line = line;
        Column = column;
        Problem = problem;
        Expected = expected;
    }

    /// <summary>The file (or source name) read.</summary>
    public string File { get; }

    /// <summary>The tune's <c>X:</c> number, or null when it had none.</summary>
    public int? Tune { get; }

    /// <summary>The line in the file, from 1.</summary>
    public int Line { get; }

    /// <summary>The column in the line, from 1.</summary>
    public int Column { get; }

    /// <summary>What was found.</summary>
    public string Problem { get; }

    /// <summary>What the reader expected instead.</summary>
    public string Expected { get; }

    internal static string Describe(string file, int? tune, int line, int column, string problem, string expected) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{file}:{line}:{column}: tune X:{(tune?.ToString(CultureInfo.InvariantCulture) ?? "?")}: {problem}; expected {expected}");
}

/// <summary>A character with no meaning in a tune body.</summary>
public sealed class AbcUnexpectedSymbolException(string file, int? tune, int line, int column, string problem, string expected)
    : AbcFormatException(file, tune, line, column, problem, expected);

/// <summary>A <c>K:</c>, <c>M:</c>, <c>L:</c> or <c>Q:</c> value that cannot be read.</summary>
public sealed class AbcFieldValueException(string file, int? tune, int line, int column, string problem, string expected)
    : AbcFormatException(file, tune, line, column, problem, expected);

/// <summary>A chord, grace group, quoted string or decoration left open, or an empty chord.</summary>
public sealed class AbcUnclosedGroupException(string file, int? tune, int line, int column, string problem, string expected)
    : AbcFormatException(file, tune, line, column, problem, expected);

/// <summary>A tie not followed by a note of the same pitch.</summary>
public sealed class AbcBrokenTieException(string file, int? tune, int line, int column, string problem, string expected)
    : AbcFormatException(file, tune, line, column, problem, expected);

/// <summary>A note outside MIDI 0..127.</summary>
public sealed class AbcPitchRangeException(string file, int? tune, int line, int column, string problem, string expected)
    : AbcFormatException(file, tune, line, column, problem, expected);

/// <summary>A tune header without a <c>K:</c> field, or a tune with no header at all.</summary>
public sealed class AbcMissingKeyException(string file, int? tune, int line, int column, string problem, string expected)
    : AbcFormatException(file, tune, line, column, problem, expected);

/// <summary>A part named in the play order that the tune does not contain.</summary>
public sealed class AbcMissingPartException(string file, int? tune, int line, int column, string problem, string expected)
    : AbcFormatException(file, tune, line, column, problem, expected);

/// <summary>The tune asked for (by <c>X:</c> number) is not in the file, or failed to load.</summary>
public sealed class AbcTuneNotFoundException(string file, int? tune, int line, int column, string problem, string expected)
    : AbcFormatException(file, tune, line, column, problem, expected);

/// <summary>A tune whose note lengths add up to times that exact 64-bit rational arithmetic cannot hold (for example many notes
/// with large prime divisors, <c>C/9973 D/9967 E/9949</c>); thrown under every policy, so the tune is skipped.</summary>
public sealed class AbcTimeOverflowException(string file, int? tune, int line, int column, string problem, string expected)
    : AbcFormatException(file, tune, line, column, problem, expected);

/// <summary>Which limit of <see cref="AbcReadSettings"/> a file or tune exceeds.</summary>
public enum AbcLimit
{
    /// <summary><see cref="AbcReadSettings.MaxFileBytes"/>.</summary>
    FileBytes,
    /// <summary><see cref="AbcReadSettings.MaxNotesPerTune"/>.</summary>
    NotesPerTune,
    /// <summary><see cref="AbcReadSettings.MaxNotesPerFile"/>.</summary>
    NotesPerFile,
    /// <summary><see cref="AbcReadSettings.MaxNesting"/>.</summary>
    Nesting,
    /// <summary><see cref="AbcReadSettings.MaxPlayOrderParts"/>.</summary>
    PlayOrderParts,
}

/// <summary>A file or tune over one of the reader's limits; thrown under every policy, so it is refused (a load lists the tune as
/// skipped), never cut short.</summary>
public sealed class AbcLimitException(string file, int? tune, int line, int column, AbcLimit limit, long value, long maximum)
    : AbcFormatException(file, tune, line, column,
        string.Create(CultureInfo.InvariantCulture, $"{(limit is AbcLimit.NotesPerTune or AbcLimit.NotesPerFile ? "more than " + maximum.ToString(CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture))} {Unit(limit)}"),
        string.Create(CultureInfo.InvariantCulture, $"at most {maximum} {Unit(limit)} (the reader's limit)"))
{
    /// <summary>The limit exceeded.</summary>
    public AbcLimit Limit { get; } = limit;

    /// <summary>The value found (for notes: the count reached when reading stopped, one over the maximum).</summary>
    public long Value { get; } = value;

    /// <summary>The limit in force.</summary>
    public long Maximum { get; } = maximum;

    private static string Unit(AbcLimit limit) => limit switch
    {
        AbcLimit.FileBytes => "bytes",
        AbcLimit.NotesPerTune => "notes and rests as performed",
        AbcLimit.NotesPerFile => "notes and rests as performed in the file's tunes together",
        AbcLimit.Nesting => "levels of nested parentheses in the play order",
        _ => "parts in the play order",
    };
}
