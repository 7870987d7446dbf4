namespace Melos.Music;

/// <summary>Raised when text does not name a musical value. Carries the input and what was expected.</summary>
public abstract class MusicParseException : FormatException
{
    /// <summary>Creates the exception.</summary>
    protected MusicParseException(string kind, string? input, string expected)
        : base($"Invalid {kind} '{input}': expected {expected}.")
    {
        Input = input ?? string.Empty;
        Expected = expected;
    }

    /// <summary>The text that failed to parse.</summary>
    public string Input { get; }

    /// <summary>What the parser expected instead.</summary>
    public string Expected { get; }
}

/// <summary>The text is not a pitch name such as <c>C4</c>, <c>F#5</c> or <c>Bb3</c>, or it lies outside MIDI 0..127.</summary>
public sealed class InvalidPitchException(string? input, string expected) : MusicParseException("pitch", input, expected);

/// <summary>The text is not a chord symbol such as <c>Am</c>, <c>G7</c> or <c>D/F#</c>.</summary>
public sealed class InvalidChordSymbolException(string? input, string expected) : MusicParseException("chord symbol", input, expected);

/// <summary>The text is not a key such as <c>G</c>, <c>A minor</c> or <c>D dorian</c>.</summary>
public sealed class InvalidKeyException(string? input, string expected) : MusicParseException("key", input, expected);

/// <summary>The text is not a time signature such as <c>6/8</c> or <c>C</c>.</summary>
public sealed class InvalidTimeSignatureException(string? input, string expected) : MusicParseException("time signature", input, expected);

/// <summary>The text is not a duration or fraction.</summary>
public sealed class InvalidDurationException(string? input, string expected) : MusicParseException("duration", input, expected);

/// <summary>The text is not a sequence of notes such as <c>G4 A4 B4/2 D5</c>.</summary>
public sealed class InvalidNoteSequenceException(string? input, string expected) : MusicParseException("note sequence", input, expected);
