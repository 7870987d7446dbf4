using Melos.Music;

namespace Melos.Data.Tokenizers;

/// <summary>A melody cannot be written with a tokenizer: a note off its grid, outside its pitch range, or similar.</summary>
public sealed class TokenizationException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="note">The note at fault, when one is.</param>
    /// <param name="reason">Why the melody cannot be encoded.</param>
    /// <param name="kind">The kind of failure, for counting by reason.</param>
    public TokenizationException(Note? note, string reason, TokenizationFailure kind = TokenizationFailure.Other)
        : base(note is null ? $"Cannot tokenize melody: {reason}" : $"Cannot tokenize note {note}: {reason}")
    {
        Note = note;
        Reason = reason;
        Kind = kind;
    }

    /// <summary>The kind of failure.</summary>
    public TokenizationFailure Kind { get; }

    /// <summary>The note at fault, or null when the problem is not one note (e.g. a meter).</summary>
    public Note? Note { get; }

    /// <summary>Why the melody cannot be encoded.</summary>
    public string Reason { get; }

    /// <summary>The reason a melody that failed with <paramref name="kind"/> is counted under (for example "off the tokenizer's grid").</summary>
    public static string Describe(TokenizationFailure? kind) => kind switch
    {
        TokenizationFailure.PitchRange => "with a pitch outside the tokenizer's range",
        TokenizationFailure.OffGrid => "off the tokenizer's grid",
        TokenizationFailure.Meter => "with a meter the tokenizer cannot write",
        TokenizationFailure.TooLong => "longer than the tokenizer can write",
        TokenizationFailure.Duration => "with a length the duration vocabulary cannot write",
        _ => "not writable with the tokenizer",
    };
}

/// <summary>Why a melody does not fit a tokenizer.</summary>
public enum TokenizationFailure
{
    /// <summary>Another reason.</summary>
    Other,
    /// <summary>A pitch outside the tokenizer's range.</summary>
    PitchRange,
    /// <summary>An onset or a length off the tokenizer's grid.</summary>
    OffGrid,
    /// <summary>A meter the tokenizer cannot write (unknown, off the grid, or changing off a bar line).</summary>
    Meter,
    /// <summary>Longer than the tokenizer can write (more bars than it numbers, or too many grid steps).</summary>
    TooLong,
    /// <summary>A length the duration vocabulary cannot add up to.</summary>
    Duration,
}

/// <summary>A configuration value is impossible (zero layers, a negative dropout, a width not divisible by heads ...).</summary>
public sealed class InvalidConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="field">The name of the offending field.</param>
    /// <param name="message">What is wrong with it.</param>
    public InvalidConfigurationException(string field, string message)
        : base($"Invalid configuration field '{field}': {message}")
    {
        Field = field;
    }

    /// <summary>The name of the offending field.</summary>
    public string Field { get; }

    /// <summary>Throws when <paramref name="condition"/> is false.</summary>
    public static void Require(bool condition, string field, string message)
    {
        if (!condition) throw new InvalidConfigurationException(field, message);
    }
}

/// <summary>A saved file was written by another format version or describes another kind of object than expected.</summary>
public sealed class IncompatibleFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="field">The field that does not match (e.g. <c>formatVersion</c>, <c>architecture</c>).</param>
    /// <param name="expected">What this code reads.</param>
    /// <param name="found">What the file says.</param>
    public IncompatibleFormatException(string field, string expected, string? found)
        : base($"Incompatible saved file: field '{field}' is '{found ?? "(missing)"}', expected '{expected}'.")
    {
        Field = field;
        Expected = expected;
        Found = found;
    }

    /// <summary>The field that does not match.</summary>
    public string Field { get; }

    /// <summary>What this code reads.</summary>
    public string Expected { get; }

    /// <summary>What the file says.</summary>
    public string? Found { get; }
}
