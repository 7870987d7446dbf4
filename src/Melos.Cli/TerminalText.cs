using System.Globalization;
using System.Text;

namespace Melos.Cli;

/// <summary>
/// Text from files (titles, track names, style labels, file names inside corpora, parse errors that quote their input)
/// made safe to print: a file cannot move the cursor, change colours or reorder the line on the user's terminal.
/// </summary>
public static class TerminalText
{
    /// <summary>
    /// The text with every control character (C0 such as ESC, DEL and C1, line breaks and tabs included) and every
    /// bidirectional override written as a visible <c>\u001b</c>-style escape; other text is unchanged.
    /// </summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        if (!text.Any(NeedsEscape)) return text;
        var sb = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            if (NeedsEscape(c)) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>Control characters, and the bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069).</summary>
    private static bool NeedsEscape(char c) => char.IsControl(c) || c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069';
}
