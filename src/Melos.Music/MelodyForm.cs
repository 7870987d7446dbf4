using System.Collections.Immutable;
using System.Text;

namespace Melos.Music;

/// <summary>The text is not a melody form such as <c>AB.. AB.C</c>.</summary>
public sealed class InvalidMelodyFormException(string? input, string expected) : MusicParseException("melody form", input, expected);

/// <summary>
/// Which bars of a melody repeat which, one symbol per bar: a letter or digit names a bar's music, so every later bar
/// with the same symbol is a copy of the first one, and <c>.</c> is a bar that repeats nothing. <c>AB.. AB.C</c> is
/// eight bars whose fifth and sixth repeat the first two. Spaces and bar lines (<c>|</c>) are ignored, so a form can be
/// written in phrases. <see cref="Of"/> reads the form of a melody; generation can follow one
/// (<c>melos generate --form</c>). Immutable; <see cref="Parse"/> and <see cref="ToString"/> round-trip.
/// </summary>
public sealed class MelodyForm : IEquatable<MelodyForm>
{
    /// <summary>The longest form, in bars.</summary>
    public const int MaxBars = 1024;

    /// <summary>The symbol of a bar that repeats nothing.</summary>
    public const char Free = '.';

    private const string Symbols = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private readonly ImmutableArray<int?> _sources;

    private MelodyForm(string bars)
    {
        Bars = bars;
        var first = new Dictionary<char, int>();
        var sources = ImmutableArray.CreateBuilder<int?>(bars.Length);
        for (int i = 0; i < bars.Length; i++)
        {
            char c = bars[i];
            if (c == Free) { sources.Add(null); continue; }
            if (first.TryGetValue(c, out int source)) sources.Add(source);
            else
            {
                first[c] = i;
                sources.Add(null);
            }
        }
        _sources = sources.MoveToImmutable();
    }

    /// <summary>One symbol per bar, without spaces.</summary>
    public string Bars { get; }

    /// <summary>The number of bars.</summary>
    public int Length => Bars.Length;

    /// <summary>The bars that copy an earlier bar.</summary>
    public int RepeatedBars => _sources.Count(s => s is not null);

    /// <summary>The earlier bar (0-based) whose music bar <paramref name="bar"/> repeats, or null (a new bar, or past the end).</summary>
    public int? SourceOf(int bar)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bar);
        return bar < _sources.Length ? _sources[bar] : null;
    }

    /// <summary>Parses a form: symbols A-Z, a-z, 0-9 and <c>.</c>; spaces and <c>|</c> ignored.</summary>
    /// <exception cref="InvalidMelodyFormException">Another character, no bar at all, or more than <see cref="MaxBars"/> bars.</exception>
    public static MelodyForm Parse(string text) =>
        TryParse(text, out var form, out var error) ? form! : throw new InvalidMelodyFormException(text, error!);

    /// <summary>Parses a form; false when <paramref name="text"/> is not one.</summary>
    public static bool TryParse(string? text, out MelodyForm? form) => TryParse(text, out form, out _);

    private static bool TryParse(string? text, out MelodyForm? form, out string? error)
    {
        form = null;
        error = "one symbol per bar: a letter or digit for music that repeats, '.' for a bar that does not (e.g. \"AB.. AB.C\")";
        if (string.IsNullOrWhiteSpace(text)) return false;
        var bars = new StringBuilder();
        foreach (char c in text)
        {
            if (c is ' ' or '|' or '\t') continue;
            if (c != Free && !Symbols.Contains(c, StringComparison.Ordinal)) return false;
            bars.Append(c);
        }
        if (bars.Length == 0) return false;
        if (bars.Length > MaxBars)
        {
            error = $"at most {MaxBars} bars";
            return false;
        }
        form = new MelodyForm(bars.ToString());
        return true;
    }

    /// <summary>
    /// The form of a melody's first <paramref name="bars"/> bars (all when null): bars are the same music when the notes
    /// starting in them have the same onsets (from the bar start), pitches and lengths (cut at the bar's end), and the
    /// note sounding across the bar line (if any) is the same. Music that occurs once is <c>.</c>; music that recurs gets
    /// the next symbol in order of first appearance (after 62 such, further repeats are written as <c>.</c>).
    /// </summary>
    public static MelodyForm Of(Melody melody, int? bars = null)
    {
        ArgumentNullException.ThrowIfNull(melody);
        int count = Math.Min(bars ?? melody.BarCount, melody.BarCount);
        if (count < 1) throw new ArgumentException("The melody has no bar.", nameof(melody));
        var keys = new string[count];
        var notes = melody.Notes;
        for (int b = 0; b < count; b++)
        {
            Duration start = melody.BarStart(b), end = melody.BarStart(b + 1);
            var key = new StringBuilder();
            foreach (var n in notes)
            {
                if (n.Start < start && n.End > start) key.Append("tie:").Append(n.Pitch.Number).Append(';');
                else if (n.Start >= start && n.Start < end)
                    key.Append(n.Start - start).Append(',').Append(n.Pitch.Number).Append(',').Append(n.End > end ? end - n.Start : n.Length).Append(';');
            }
            keys[b] = key.ToString();
        }
        var occurrences = keys.GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count());
        var symbolOf = new Dictionary<string, char>();
        var text = new StringBuilder(count);
        foreach (var key in keys)
        {
            if (occurrences[key] < 2) { text.Append(Free); continue; }
            if (!symbolOf.TryGetValue(key, out char symbol))
            {
                symbol = symbolOf.Count < Symbols.Length ? Symbols[symbolOf.Count] : Free;
                if (symbol != Free) symbolOf[key] = symbol;
            }
            text.Append(symbol);
        }
        return new MelodyForm(text.ToString());
    }

    /// <summary>The symbols in groups of four bars separated by spaces (what <see cref="Parse"/> reads back).</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        for (int i = 0; i < Bars.Length; i++)
        {
            if (i > 0 && i % 4 == 0) text.Append(' ');
            text.Append(Bars[i]);
        }
        return text.ToString();
    }

    /// <inheritdoc/>
    public bool Equals(MelodyForm? other) => other is not null && Bars == other.Bars;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as MelodyForm);

    /// <inheritdoc/>
    public override int GetHashCode() => Bars.GetHashCode(StringComparison.Ordinal);
}
