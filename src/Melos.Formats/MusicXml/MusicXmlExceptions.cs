using System.Globalization;

namespace Melos.Formats.MusicXml;

/// <summary>A MusicXML document that cannot be read under the settings in force: where (file, line, column) and what was expected.</summary>
public abstract class MusicXmlFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    protected MusicXmlFormatException(string file, int line, int column, string problem, string expected, Exception? inner = null)
        : base(Describe(file, line, column, problem, expected), inner)
    {
        File = file;
        Line = line;
        Column = column;
        Problem = problem;
        Expected = expected;
    }

    /// <summary>The file (or source name) read.</summary>
    public string File { get; }

    /// <summary>The line in the file, from 1 (0 when unknown).</summary>
    public int Line { get; }

    /// <summary>The column in the line, from 1 (0 when unknown).</summary>
    public int Column { get; }

    /// <summary>What was found.</summary>
    public string Problem { get; }

    /// <summary>What the reader expected instead.</summary>
    public string Expected { get; }

    internal static string Describe(string file, int line, int column, string problem, string expected) =>
        string.Create(CultureInfo.InvariantCulture, $"{file}:{line}:{column}: {problem}; expected {expected}");
}

/// <summary>Not a MusicXML score: XML that is not well formed, another root element, no part, or an unreadable <c>.mxl</c> archive. Thrown under every setting.</summary>
public sealed class MusicXmlSyntaxException(string file, int line, int column, string problem, string expected, Exception? inner = null)
    : MusicXmlFormatException(file, line, column, problem, expected, inner);

/// <summary>The part asked for is not in the score.</summary>
public sealed class MusicXmlPartNotFoundException(string file, int line, int column, string problem, string expected)
    : MusicXmlFormatException(file, line, column, problem, expected);

/// <summary>A note, backup or forward comes before any <c>&lt;divisions&gt;</c>, or a divisions value is not a positive number.</summary>
public sealed class MusicXmlDivisionsException(string file, int line, int column, string problem, string expected)
    : MusicXmlFormatException(file, line, column, problem, expected);

/// <summary>A <c>&lt;duration&gt;</c> that is missing, negative or not a number, or a backup before the start of its measure.</summary>
public sealed class MusicXmlDurationException(string file, int line, int column, string problem, string expected)
    : MusicXmlFormatException(file, line, column, problem, expected);

/// <summary>A pitch with an unknown step, an alteration beyond a double sharp or flat, or outside MIDI 0..127.</summary>
public sealed class MusicXmlPitchException(string file, int line, int column, string problem, string expected)
    : MusicXmlFormatException(file, line, column, problem, expected);

/// <summary>A tie that stops with no tie started on the same pitch, or a tie started and never stopped.</summary>
public sealed class MusicXmlTieException(string file, int line, int column, string problem, string expected)
    : MusicXmlFormatException(file, line, column, problem, expected);

/// <summary>A key, time signature, tempo or chord symbol that cannot be read.</summary>
public sealed class MusicXmlValueException(string file, int line, int column, string problem, string expected)
    : MusicXmlFormatException(file, line, column, problem, expected);

/// <summary>Notes that overlap (chords or several voices) where one line was asked for.</summary>
public sealed class MusicXmlPolyphonyException(string file, int line, int column, string problem, string expected)
    : MusicXmlFormatException(file, line, column, problem, expected);

/// <summary>
/// A melody that MusicXML cannot notate as it is: a length that needs a tuplet beyond 255 or notes shorter than a
/// 1024th, or positions that need more divisions per quarter than MusicXML holds. Quantizing the melody first fixes it.
/// </summary>
public sealed class MusicXmlNotationException(string message) : Exception(message);
