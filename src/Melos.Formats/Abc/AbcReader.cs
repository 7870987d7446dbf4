using System.Collections.Immutable;
using System.Globalization;
using Melos.Music;

namespace Melos.Formats.Abc;

/// <summary>
/// Reads ABC 2.1 files (many tunes each) into melodies as performed: repeats, endings and parts expanded, ties merged,
/// chords reduced to their top note, grace notes, decorations and lyrics skipped, chord symbols kept as the chord track.
/// </summary>
public static class AbcReader
{
    /// <summary>Loads every tune of a file; a tune that fails is listed in <see cref="AbcLoadResult.Skipped"/> and the others still load.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="AbcLimitException">The file is larger than <see cref="AbcReadSettings.MaxFileBytes"/> (checked before reading it).</exception>
    public static AbcLoadResult Load(string path, AbcReadSettings? settings = null) =>
        Parse(ReadText(path, settings ?? AbcReadSettings.Lenient), path, settings);

    private static string ReadText(string path, AbcReadSettings settings)
    {
        long length = new FileInfo(path).Length;
        if (length > settings.MaxFileBytes) throw new AbcLimitException(path, null, 1, 1, AbcLimit.FileBytes, length, settings.MaxFileBytes);
        return File.ReadAllText(path);
    }

    private static void CheckLength(string text, string source, AbcReadSettings settings)
    {
        if (text.Length > settings.MaxFileBytes) throw new AbcLimitException(source, null, 1, 1, AbcLimit.FileBytes, text.Length, settings.MaxFileBytes);
    }

    /// <summary>Reads every tune of an ABC text; <paramref name="source"/> names it in messages and in each melody's source.</summary>
    /// <exception cref="AbcLimitException">The text is longer than <see cref="AbcReadSettings.MaxFileBytes"/> characters.</exception>
    public static AbcLoadResult Parse(string text, string source = "<abc>", AbcReadSettings? settings = null)
    {
        settings ??= AbcReadSettings.Lenient;
        CheckLength(text, source, settings);
        var tunes = ImmutableArray.CreateBuilder<AbcTune>();
        var skipped = ImmutableArray.CreateBuilder<AbcSkippedTune>();
        var lines = SplitLines(text);
        var fileHeader = new List<string>();
        long performed = 0; // notes and rests of the tunes read so far, against MaxNotesPerFile
        foreach (var (start, end) in TuneSpans(lines, fileHeader))
        {
            var parser = new TuneParser(lines, start, end, fileHeader, source, settings) { FileBudget = settings.MaxNotesPerFile - performed };
            try
            {
                tunes.Add(parser.Parse());
                performed += parser.Performed;
            }
            catch (AbcFormatException e)
            {
                skipped.Add(new AbcSkippedTune(parser.Number, start + 1, parser.Title, e));
            }
        }
        return new AbcLoadResult(source, tunes.ToImmutable(), skipped.ToImmutable());
    }

    /// <summary>Reads one tune: the one numbered <paramref name="number"/>, or the first when null. Raises the tune's error.</summary>
    /// <exception cref="AbcFormatException">The tune is malformed (under <paramref name="settings"/>) or absent.</exception>
    public static AbcTune ReadTune(string text, int? number = null, string source = "<abc>", AbcReadSettings? settings = null)
    {
        settings ??= AbcReadSettings.Lenient;
        CheckLength(text, source, settings);
        var lines = SplitLines(text);
        var fileHeader = new List<string>();
        foreach (var (start, end) in TuneSpans(lines, fileHeader))
        {
            if (number is { } n && TuneParser.ReadNumber(lines[start]) != n) continue;
            return new TuneParser(lines, start, end, fileHeader, source, settings).Parse();
        }
        throw new AbcTuneNotFoundException(source, number, 1, 1,
            number is null ? "no tune in the text" : $"no tune X:{number.Value.ToString(CultureInfo.InvariantCulture)}",
            "a tune starting with an X: line");
    }

    /// <summary>Reads one tune of a file (see <see cref="ReadTune"/>).</summary>
    /// <exception cref="AbcFormatException">The tune is malformed (under <paramref name="settings"/>) or absent.</exception>
    public static AbcTune LoadTune(string path, int? number = null, AbcReadSettings? settings = null) =>
        ReadTune(ReadText(path, settings ?? AbcReadSettings.Lenient), number, path, settings);

    /// <summary>
    /// The tunes of a file as line spans (from the <c>X:</c> line to the blank line or next tune), collecting the fields that
    /// stand before the first tune into <paramref name="fileHeader"/> (defaults for every tune).
    /// </summary>
    private static IEnumerable<(int Start, int End)> TuneSpans(string[] lines, List<string> fileHeader)
    {
        bool seenTune = false;
        int i = 0;
        while (i < lines.Length)
        {
            if (!IsTuneStart(lines[i]))
            {
                if (!seenTune && lines[i].Length > 1 && char.IsAsciiLetter(lines[i][0]) && lines[i][1] == ':') fileHeader.Add(lines[i]);
                i++;
                continue;
            }
            seenTune = true;
            int start = i++;
            while (i < lines.Length && !IsTuneStart(lines[i]) && lines[i].Trim().Length > 0) i++;
            yield return (start, i);
        }
    }

    private static string[] SplitLines(string text)
    {
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
            if (lines[i].EndsWith('\r')) lines[i] = lines[i][..^1];
        return lines;
    }

    private static bool IsTuneStart(string line) => line.StartsWith("X:", StringComparison.Ordinal);
}

internal enum EvKind { Note, Rest, Bar, Chord, Meter, Tempo, Part }

/// <summary>One event of a voice in written order, before repeats are expanded.</summary>
internal sealed class Ev
{
    public EvKind Kind;
    public int Line;
    public int Col;
    public Pitch Pitch;
    public Rational Len;
    public bool Tie;
    public bool RepeatEnd;
    public bool RepeatStart;
    public bool Double;
    public bool RealBar;
    public int[]? Ending;
    public ChordSymbol? Chord;
    public TimeSignature? Meter;
    public double Bpm;
    public char Part;
}

/// <summary>Reads one tune (lines [start, end) of the file).</summary>
internal sealed class TuneParser
{
    /// <summary>The longest multi-bar rest (<c>Z</c>) read; a longer one is an unexpected symbol.</summary>
    internal const int MaxRestBars = 10_000;

    private readonly string[] _lines;
    private readonly int _start;
    private readonly int _end;
    private readonly List<string> _fileHeader;
    private readonly string _file;
    private readonly AbcReadSettings _settings;
    private readonly List<AbcIssue> _issues = [];
    private readonly List<Ev> _events = [];
    private readonly Dictionary<int, int> _barAccidentals = [];
    private readonly Dictionary<string, string> _fields = [];

    private AbcKeySignature _signature = AbcKeySignature.None;
    private Key? _key;
    private Rational _unit = new(1, 8); // whole notes
    private bool _unitGiven;
    private TimeSignature? _meter;
    private bool _meterNone;
    private bool _meterGiven;
    private TimeSignature? _headerMeter;
    private bool _headerMeterNone;
    private double? _headerBpm;
    private string? _playOrder;
    private string? _voice;        // the voice kept (the first one named)
    private string? _currentVoice; // the voice being read
    private int _tupletLeft;
    private Rational _tupletFactor = Rational.One;
    private Rational? _brokenNext;
    private Ev? _lastElement;
    private Ev? _pendingTie;
    private int _skippedAnnotations;
    private bool _inOverlay;

    public TuneParser(string[] lines, int start, int end, List<string> fileHeader, string file, AbcReadSettings settings)
    {
        _lines = lines;
        _start = start;
        _end = end;
        _fileHeader = fileHeader;
        _file = file;
        _settings = settings;
        Number = ReadNumber(lines[start]);
    }

    public int? Number { get; private set; }

    /// <summary>Notes and rests the file may still hold (<see cref="AbcReadSettings.MaxNotesPerFile"/> less the tunes read before).</summary>
    public long FileBudget { get; init; } = long.MaxValue;

    /// <summary>Notes and rests of the tune as performed, once parsed.</summary>
    public int Performed { get; private set; }

    public string? Title { get; private set; }

    internal static int? ReadNumber(string line)
    {
        var s = line.Length > 2 ? StripComment(line[2..]).Trim() : "";
        int j = 0;
        while (j < s.Length && char.IsAsciiDigit(s[j])) j++;
        return j > 0 && int.TryParse(s.AsSpan(0, j), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : null;
    }

    // ---------------------------------------------------------------- problems

    private void Problem(AbcPolicy policy, int line, int col, string problem, string expected, string repair,
        Func<string, int?, int, int, string, string, AbcFormatException> make)
    {
        if (policy == AbcPolicy.Throw) throw make(_file, Number, line + 1, col + 1, problem, expected);
        _issues.Add(new AbcIssue(_file, Number, line + 1, col + 1, $"{problem}; expected {expected}; {repair}"));
    }

    private void Unexpected(int line, int col, string problem, string expected = "a note, rest, bar line or other ABC symbol") =>
        Problem(_settings.UnexpectedSymbol, line, col, problem, expected, "skipped it",
            (f, t, l, c, p, e) => new AbcUnexpectedSymbolException(f, t, l, c, p, e));

    private void BadField(int line, int col, string problem, string expected, string repair) =>
        Problem(_settings.BadFieldValue, line, col, problem, expected, repair,
            (f, t, l, c, p, e) => new AbcFieldValueException(f, t, l, c, p, e));

    private void Unclosed(int line, int col, string problem, string expected, string repair) =>
        Problem(_settings.UnclosedGroup, line, col, problem, expected, repair,
            (f, t, l, c, p, e) => new AbcUnclosedGroupException(f, t, l, c, p, e));

    // ---------------------------------------------------------------- tune

    public AbcTune Parse()
    {
        try
        {
            return ParseTune();
        }
        catch (OverflowException)
        {
            // Exact rational time: lengths like C/9973 D/9967 E/9949 ... have sums whose denominators outgrow 64 bits.
            throw new AbcTimeOverflowException(_file, Number, _line + 1, 1,
                "note lengths whose exact sum does not fit 64-bit rational time", "note lengths with smaller denominators (halves, thirds, ... of the unit)");
        }
    }

    private int _line;

    private AbcTune ParseTune()
    {
        _line = _start;
        if (Number is null)
            BadField(_start, 2, $"tune number '{_lines[_start][2..].Trim()}'", "X: followed by a whole number", "numbered it 0");
        int i = _start + 1;
        foreach (var h in _fileHeader) HeaderField(h, _start, inFileHeader: true);
        bool keyFound = false;
        for (; i < _end; i++)
        {
            var line = _lines[i];
            if (line.StartsWith('%') || line.Trim().Length == 0) continue;
            if (IsFieldLine(line))
            {
                if (line[0] == 'K')
                {
                    HeaderField(line, i, inFileHeader: false);
                    keyFound = true;
                    i++;
                    break;
                }
                HeaderField(line, i, inFileHeader: false);
                continue;
            }
            Problem(_settings.MissingKey, i, 0, "music before the K: field that ends the header", "a K: field after the other header fields",
                "read the music in C major", (f, t, l, c, p, e) => new AbcMissingKeyException(f, t, l, c, p, e));
            keyFound = true;
            break;
        }
        if (!keyFound)
            Problem(_settings.MissingKey, _end - 1, 0, "tune header without a K: field", "a K: field ending the header",
                "read it as a tune without music", (f, t, l, c, p, e) => new AbcMissingKeyException(f, t, l, c, p, e));
        if (!_unitGiven) _unit = DefaultUnit();
        _currentVoice = _voice;
        for (; i < _end; i++)
        {
            _line = i;
            BodyLine(i);
        }
        if (_pendingTie is { } tie) BrokenTie(tie, "a tie at the end of the tune");
        _line = _start;
        var melody = Perform();
        return new AbcTune(Number ?? 0, _start + 1, melody, [.. _issues], _skippedAnnotations);
    }

    private Rational DefaultUnit()
    {
        // ABC 2.1: L absent means 1/16 when the meter is below 3/4, else 1/8 (1/8 for M:none and no M).
        if (_meter is { } m && !_meterNone && new Rational(m.Numerator, m.Denominator) < new Rational(3, 4)) return new Rational(1, 16);
        return new Rational(1, 8);
    }

    private static bool IsFieldLine(string line) =>
        line.Length >= 2 && line[1] == ':' && (char.IsAsciiLetter(line[0]) || line[0] == '+') &&
        !(line.Length >= 3 && line[2] is '|' or ':' && line[0] is >= 'a' and <= 'g');

    internal static string StripComment(string s)
    {
        for (int i = 0; i < s.Length; i++)
            if (s[i] == '%' && (i == 0 || s[i - 1] != '\\')) return s[..i];
        return s;
    }

    private void HeaderField(string line, int lineNo, bool inFileHeader)
    {
        char name = line[0];
        var value = StripComment(line[2..]).Trim();
        switch (name)
        {
            case 'W' or 'w' or '+' or 'X':
                return;
            case 'K':
                KeyField(value, lineNo, 2);
                break;
            case 'M':
                MeterField(value, lineNo, 2, header: true);
                break;
            case 'L':
                UnitField(value, lineNo, 2);
                break;
            case 'Q':
                if (TempoField(value, lineNo, 2) is { } bpm) _headerBpm = bpm;
                break;
            case 'P':
                _playOrder = value;
                break;
            case 'Y':
                _playOrder ??= value;
                break;
            case 'V':
                _voice ??= FirstWord(value);
                break;
            case 'T':
                if (!inFileHeader) Title ??= value;
                break;
        }
        if (inFileHeader) return;
        var key = name.ToString();
        _fields[key] = _fields.TryGetValue(key, out var old) ? old + "\n" + value : value;
    }

    private static string FirstWord(string s)
    {
        s = s.Trim();
        int j = 0;
        while (j < s.Length && !char.IsWhiteSpace(s[j])) j++;
        return s[..j];
    }

    private void KeyField(string value, int line, int col)
    {
        var sig = AbcKeySignature.TryParse(value, out var unknownMode, out var error);
        if (sig is null)
        {
            BadField(line, col, $"{error}", "a key such as G, Ador, Emin, D mix, HP or none", "kept the previous key");
            return;
        }
        if (unknownMode is not null)
            BadField(line, col, $"unknown mode '{unknownMode}' in K:{value}", "a mode name (maj, min, m, dor, phr, lyd, mix, loc, aeo, ion, exp)",
                "read the key as major");
        _signature = sig;
        _key ??= sig.Key;
        if (_events.Count == 0) _key = sig.Key; // the header key, or a K: before any music
        _barAccidentals.Clear();
    }

    private void MeterField(string value, int line, int col, bool header)
    {
        var v = value.Trim();
        TimeSignature? meter;
        bool none = false;
        if (v.Length == 0 || v.Equals("none", StringComparison.OrdinalIgnoreCase)) { meter = null; none = true; }
        else if (!TryParseMeter(v, out meter))
        {
            BadField(line, col, $"meter '{v}'", "a meter such as 6/8, C, C| or none", "kept the previous meter");
            return;
        }
        _meter = meter;
        _meterNone = none;
        if (header)
        {
            _meterGiven = true;
            _headerMeter = meter;
            _headerMeterNone = none;
        }
        else AddEvent(new Ev { Kind = EvKind.Meter, Meter = meter, Line = line, Col = col });
    }

    private static bool TryParseMeter(string v, out TimeSignature? meter)
    {
        if (TimeSignature.TryParse(v.Replace(" ", "", StringComparison.Ordinal), out meter)) return true;
        // Additive meters such as 2+3/8.
        int slash = v.IndexOf('/');
        if (slash > 0)
        {
            var parts = v[..slash].Split('+');
            int sum = 0;
            foreach (var p in parts)
            {
                if (!int.TryParse(p.Trim('(', ')', ' '), NumberStyles.None, CultureInfo.InvariantCulture, out int k)) return false;
                sum += k;
            }
            return TimeSignature.TryParse($"{sum}/{v[(slash + 1)..].Trim()}", out meter);
        }
        return false;
    }

    private void UnitField(string value, int line, int col)
    {
        var v = value.Trim();
        if (Rational.TryParse(v, out var r) && r.Sign > 0)
        {
            _unit = r;
            _unitGiven = true;
        }
        else BadField(line, col, $"unit length '{v}'", "a fraction such as 1/8", "kept the previous unit length");
    }

    /// <summary>Quarter notes per minute from a Q: value, or null.</summary>
    private double? TempoField(string value, int line, int col)
    {
        // Drop quoted text such as "Allegro".
        var sb = new System.Text.StringBuilder();
        bool quoted = false;
        foreach (char c in value)
        {
            if (c == '"') { quoted = !quoted; continue; }
            if (!quoted) sb.Append(c);
        }
        var v = sb.ToString().Trim();
        if (v.Length == 0) return null;
        int eq = v.IndexOf('=');
        if (eq < 0)
        {
            // Legacy Q:120: unit notes per minute.
            if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && n * (_unit * 4).ToDouble() is > 4 and < 100_000)
                return n * (_unit * 4).ToDouble();
        }
        else
        {
            var beats = v[..eq].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Rational total = Rational.Zero;
            bool ok = beats.Length > 0;
            foreach (var b in beats)
            {
                if (Rational.TryParse(b, out var r) && r.Sign > 0) total += r;
                else ok = false;
            }
            if (ok && double.TryParse(v[(eq + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double bpm) &&
                bpm * (total * 4).ToDouble() is > 4 and < 100_000)
                return bpm * (total * 4).ToDouble();
        }
        BadField(line, col, $"tempo '{value}'", "a tempo such as 1/4=120 or 120", "ignored it");
        return null;
    }

    // ---------------------------------------------------------------- body

    private void AddEvent(Ev e)
    {
        if (_currentVoice == _voice && !_inOverlay) _events.Add(e);
    }

    private void BodyLine(int lineNo)
    {
        var line = _lines[lineNo];
        if (line.StartsWith('%')) return;
        if (IsFieldLine(line))
        {
            BodyField(line[0], StripComment(line[2..]), lineNo, 2);
            return;
        }
        int i = 0;
        int n = line.Length;
        while (i < n)
        {
            char c = line[i];
            if (_currentVoice != _voice)
            {
                // Another voice's music: only inline voice changes matter.
                if (c == '[' && i + 2 < n && line[i + 1] == 'V' && line[i + 2] == ':') { i = InlineField(line, lineNo, i); continue; }
                if (c == '%') return;
                i++;
                continue;
            }
            switch (c)
            {
                case ' ' or '\t' or '\\' or '`' or '$' or '*' or 'y' or ')' or '.' or '~':
                    i++;
                    break;
                case '%':
                    return;
                case '"':
                    i = Quoted(line, lineNo, i);
                    break;
                case '!':
                    i = Decoration(line, lineNo, i, '!');
                    break;
                case '+':
                    i = Decoration(line, lineNo, i, '+');
                    break;
                case '{':
                    {
                        int close = line.IndexOf('}', i + 1);
                        if (close < 0)
                        {
                            Unclosed(lineNo, i, "grace notes '{' not closed on its line", "'}'", "skipped to the end of the line");
                            return;
                        }
                        i = close + 1;
                        break;
                    }
                case '(':
                    i = Tuplet(line, lineNo, i);
                    break;
                case '-':
                    if (_lastElement is { Kind: EvKind.Note } last && _pendingTie is null && !LastWasBar()) { last.Tie = true; _pendingTie = last; }
                    else if (!LastWasBar()) Unexpected(lineNo, i, "a tie '-' after no note", "a note before '-'");
                    i++;
                    break;
                case '>' or '<':
                    i = Broken(line, lineNo, i);
                    break;
                case '|' or ':':
                    i = BarLine(line, lineNo, i);
                    break;
                case '[':
                    if (i + 1 < n && line[i + 1] == '|') i = BarLine(line, lineNo, i);
                    else if (i + 1 < n && char.IsAsciiDigit(line[i + 1])) i = Ending(line, lineNo, i + 1, null);
                    else if (i + 2 < n && char.IsAsciiLetter(line[i + 1]) && line[i + 2] == ':') i = InlineField(line, lineNo, i);
                    else i = Chord(line, lineNo, i);
                    break;
                case '&':
                    _inOverlay = true;
                    i++;
                    break;
                case 'z' or 'x':
                    {
                        int j = i + 1;
                        var len = ReadLength(line, ref j);
                        Element(new Ev { Kind = EvKind.Rest, Len = len * _unit * 4, Line = lineNo, Col = i });
                        i = j;
                        break;
                    }
                case 'Z' or 'X':
                    {
                        int j = i + 1;
                        int count = 1;
                        int d0 = j;
                        while (j < n && char.IsAsciiDigit(line[j])) j++;
                        if (j > d0 && (!int.TryParse(line.AsSpan(d0, j - d0), NumberStyles.None, CultureInfo.InvariantCulture, out count) || count > MaxRestBars))
                        {
                            Unexpected(lineNo, i, $"a rest of {line[d0..j]} bars", string.Create(CultureInfo.InvariantCulture, $"a multi-bar rest of at most {MaxRestBars} bars"));
                            i = j;
                            break;
                        }
                        var bar = (_meter ?? TimeSignature.CommonTime).BarLength.Quarters;
                        Element(new Ev { Kind = EvKind.Rest, Len = bar * count, Line = lineNo, Col = i }, noRhythm: true);
                        i = j;
                        break;
                    }
                default:
                    if (c is '^' or '_' or '=' || (c is >= 'A' and <= 'G') || (c is >= 'a' and <= 'g'))
                    {
                        i = NoteOrFail(line, lineNo, i);
                    }
                    else if (char.IsAsciiDigit(c) && LastWasBar() && _events[^1].Ending is null && line.AsSpan(0, i).Trim().IsEmpty)
                    {
                        i = Ending(line, lineNo, i, null); // an ending number opening a line after a bar line
                    }
                    else if (char.IsAsciiLetter(c))
                    {
                        i++; // decoration shortcuts (H L M O P S T u v ...) and user-defined symbols
                    }
                    else
                    {
                        Unexpected(lineNo, i, $"unexpected '{c}'");
                        i++;
                    }
                    break;
            }
        }
    }

    private bool LastWasBar() => _events.Count > 0 && _events[^1].Kind == EvKind.Bar;

    private void BodyField(char name, string value, int lineNo, int col)
    {
        switch (name)
        {
            case 'K':
                if (_currentVoice == _voice) KeyField(value, lineNo, col);
                break;
            case 'M':
                if (_currentVoice == _voice) MeterField(value, lineNo, col, header: false);
                break;
            case 'L':
                if (_currentVoice == _voice) UnitField(value, lineNo, col);
                break;
            case 'Q':
                if (_currentVoice == _voice && TempoField(value, lineNo, col) is { } bpm)
                    AddEvent(new Ev { Kind = EvKind.Tempo, Bpm = bpm, Line = lineNo, Col = col });
                break;
            case 'P':
                {
                    var v = value.Trim();
                    if (v.Length > 0) AddEvent(new Ev { Kind = EvKind.Part, Part = v[0], Line = lineNo, Col = col });
                    break;
                }
            case 'V':
                {
                    var id = FirstWord(value);
                    _voice ??= id;
                    _currentVoice = id;
                    _inOverlay = false;
                    break;
                }
            default:
                break; // T: part titles, w:/W: lyrics, N:, I:, s: and others carry no notes.
        }
    }

    private int InlineField(string line, int lineNo, int i)
    {
        int close = line.IndexOf(']', i);
        if (close < 0)
        {
            Unclosed(lineNo, i, "inline field '[' not closed", "']'", "skipped to the end of the line");
            return line.Length;
        }
        BodyField(line[i + 1], line[(i + 3)..close], lineNo, i + 3);
        return close + 1;
    }

    private int Quoted(string line, int lineNo, int i)
    {
        int close = line.IndexOf('"', i + 1);
        if (close < 0)
        {
            Unclosed(lineNo, i, "quoted string not closed on its line", "a closing '\"'", "skipped to the end of the line");
            return line.Length;
        }
        var text = line[(i + 1)..close];
        if (text.Length > 0 && text[0] is '^' or '_' or '<' or '>' or '@') return close + 1; // annotation
        if (ChordSymbol.TryParse(text, out var chord))
            AddEvent(new Ev { Kind = EvKind.Chord, Chord = chord, Line = lineNo, Col = i });
        else if (_currentVoice == _voice) _skippedAnnotations++;
        return close + 1;
    }

    private int Decoration(string line, int lineNo, int i, char mark)
    {
        int close = line.IndexOf(mark, i + 1);
        if (close < 0 || line.AsSpan(i + 1, close - i - 1).ContainsAny(" |[]"))
        {
            if (mark == '!') return i + 1; // ABC 2.0's deprecated '!' line break
            Unclosed(lineNo, i, $"decoration '{mark}' not closed", $"a closing '{mark}'", "skipped the mark");
            return i + 1;
        }
        return close + 1;
    }

    private int Tuplet(string line, int lineNo, int i)
    {
        int j = i + 1;
        if (j >= line.Length || !char.IsAsciiDigit(line[j])) return j; // a slur
        int p = ReadInt(line, ref j);
        int? q = null, r = null;
        if (j < line.Length && line[j] == ':')
        {
            j++;
            if (j < line.Length && char.IsAsciiDigit(line[j])) q = ReadInt(line, ref j);
            if (j < line.Length && line[j] == ':')
            {
                j++;
                if (j < line.Length && char.IsAsciiDigit(line[j])) r = ReadInt(line, ref j);
            }
        }
        if (p < 2 || p > 9 && q is null)
        {
            Unexpected(lineNo, i, $"tuplet '({p}'", "a tuplet (2 to (9, or (p:q:r");
            return j;
        }
        bool compound = _meter is { IsCompound: true };
        int qq = q ?? p switch { 3 or 6 => 2, 2 or 4 or 8 => 3, _ => compound ? 3 : 2 };
        if (qq <= 0) qq = 1;
        _tupletFactor = new Rational(qq, p);
        _tupletLeft = r is > 0 ? r.Value : p;
        return j;
    }

    private static int ReadInt(string line, ref int j)
    {
        int v = 0;
        while (j < line.Length && char.IsAsciiDigit(line[j]) && v < 10000) { v = v * 10 + (line[j] - '0'); j++; }
        return v;
    }

    private int Broken(string line, int lineNo, int i)
    {
        char c = line[i];
        int j = i;
        while (j < line.Length && line[j] == c) j++;
        int count = j - i;
        if (_lastElement is null || count > 3 || LastWasBar())
        {
            Unexpected(lineNo, i, $"broken rhythm '{line[i..j]}' after no note", "a note before '>' or '<'");
            return j;
        }
        var small = new Rational(1, 1L << count);
        var big = 2 - small;
        _lastElement.Len *= c == '>' ? big : small;
        _brokenNext = c == '>' ? small : big;
        return j;
    }

    private int BarLine(string line, int lineNo, int i)
    {
        int j = i;
        var sb = new System.Text.StringBuilder();
        if (line[j] == '[') { sb.Append('['); j++; }
        while (j < line.Length && (line[j] is '|' or ':' || (line[j] == ']' && sb.Length > 0 && sb[^1] == '|')))
        {
            sb.Append(line[j]);
            j++;
        }
        var s = sb.ToString();
        int firstBar = s.IndexOf('|');
        if (firstBar < 0 && s != "::" && s.Length < 2)
        {
            // A lone ':' right after a bar line (also across a line break, "|]\n:") starts a repeat there.
            if (LastWasBar())
            {
                _events[^1].RepeatStart = true;
                return j;
            }
            Unexpected(lineNo, i, "a lone ':'", "a bar line such as | :| |: or ::");
            return j;
        }
        var e = new Ev { Kind = EvKind.Bar, RealBar = true, Line = lineNo, Col = i };
        if (firstBar < 0)
        {
            e.RepeatEnd = true;
            e.RepeatStart = true;
        }
        else
        {
            int lastBar = s.LastIndexOf('|');
            // A colon before a bar stroke ends a repeat (:| [|]:| :||), unless it follows a stroke itself (|:| is no repeat).
            e.RepeatEnd = false;
            for (int k = 0; k < lastBar; k++)
                if (s[k] == ':' && s[k + 1] == '|' && (k == 0 || s[k - 1] != '|')) e.RepeatEnd = true;
            e.RepeatStart = s[(lastBar + 1)..].Contains(':');
            e.Double = s.Count(ch => ch == '|') >= 2 || s.Contains('[') || s.Contains(']');
        }
        // An ending number directly after the bar: |1  :|2  |1,3
        if (j < line.Length && char.IsAsciiDigit(line[j]) && s.EndsWith('|')) return Ending(line, lineNo, j, e);
        if (j + 1 < line.Length && line[j] == '[' && char.IsAsciiDigit(line[j + 1]) && s.EndsWith('|')) return Ending(line, lineNo, j + 1, e);
        BarEvent(e);
        return j;
    }

    private int Ending(string line, int lineNo, int j, Ev? bar)
    {
        var nums = new List<int>();
        int col = j;
        while (j < line.Length)
        {
            if (!char.IsAsciiDigit(line[j])) break;
            int a = ReadInt(line, ref j);
            int b = a;
            if (j + 1 < line.Length && line[j] == '-' && char.IsAsciiDigit(line[j + 1])) { j++; b = ReadInt(line, ref j); }
            for (int k = a; k <= b && k - a < 16; k++) nums.Add(k);
            if (j + 1 < line.Length && line[j] == ',' && char.IsAsciiDigit(line[j + 1])) { j++; continue; }
            break;
        }
        var e = bar ?? new Ev { Kind = EvKind.Bar, Line = lineNo, Col = col };
        e.Ending = [.. nums];
        BarEvent(e);
        return j;
    }

    private void BarEvent(Ev e)
    {
        if (e.RealBar)
        {
            _barAccidentals.Clear();
            _inOverlay = false;
        }
        AddEvent(e);
    }

    private Rational ReadLength(string line, ref int j)
    {
        long num = 1, den = 1;
        if (j < line.Length && char.IsAsciiDigit(line[j])) num = ReadInt(line, ref j);
        while (j < line.Length && line[j] == '/')
        {
            j++;
            if (j < line.Length && char.IsAsciiDigit(line[j]))
            {
                int d = ReadInt(line, ref j);
                den *= d == 0 ? 1 : d;
            }
            else den *= 2;
            if (den > 1 << 20) break;
        }
        if (num == 0) num = 1;
        return new Rational(num, den);
    }

    /// <summary>Reads accidentals, letter and octave marks at <paramref name="j"/>; false when no note is there.</summary>
    private bool ReadPitch(string line, int lineNo, ref int j, out Step step, out int octave, out int alter)
    {
        step = Step.C;
        octave = 4;
        alter = 0;
        int? explicitAlter = null;
        int i = j;
        if (line[j] == '=') { explicitAlter = 0; j++; }
        else if (line[j] is '^' or '_')
        {
            char c = line[j];
            int a = 0;
            while (j < line.Length && line[j] == c && Math.Abs(a) < 2) { a += c == '^' ? 1 : -1; j++; }
            explicitAlter = a;
            // Microtonal accidentals (^/ _3/4) are read as the plain accidental.
            while (j < line.Length && (line[j] == '/' || char.IsAsciiDigit(line[j]))) j++;
        }
        if (j >= line.Length) { j = i + 1; return false; }
        char letter = line[j];
        if (letter is >= 'A' and <= 'G') octave = 4;
        else if (letter is >= 'a' and <= 'g') octave = 5;
        else { j = Math.Max(j, i + 1); return false; }
        step = (Step)"CDEFGAB".IndexOf(char.ToUpperInvariant(letter), StringComparison.Ordinal);
        j++;
        while (j < line.Length && line[j] is '\'' or ',') { octave += line[j] == '\'' ? 1 : -1; j++; }
        int slot = _settings.AccidentalsInAllOctaves ? (int)step : (int)step * 100 + octave + 20;
        if (explicitAlter is { } ea)
        {
            alter = ea;
            _barAccidentals[slot] = ea;
        }
        else if (_barAccidentals.TryGetValue(slot, out var ba)) alter = ba;
        else alter = _signature.AlterOf(step);
        _ = lineNo;
        return true;
    }

    private int NoteOrFail(string line, int lineNo, int i)
    {
        int j = i;
        if (!ReadPitch(line, lineNo, ref j, out var step, out int octave, out int alter))
        {
            Unexpected(lineNo, i, $"accidental '{line[i]}' without a note", "a note letter after the accidental");
            return j;
        }
        var len = ReadLength(line, ref j) * _unit * 4;
        var e = MakeNote(step, octave, alter, len, lineNo, i);
        if (j < line.Length && line[j] == '-') { e.Tie = e.Kind == EvKind.Note; j++; }
        Element(e);
        return j;
    }

    private Ev MakeNote(Step step, int octave, int alter, Rational len, int lineNo, int col)
    {
        int number = 12 * (octave + 1) + NoteName.SemitonesOf(step) + alter;
        if (number is < Pitch.MinNumber or > Pitch.MaxNumber)
        {
            Problem(_settings.PitchOutOfRange, lineNo, col, $"note outside MIDI 0..127 (MIDI {number})", "a note from C-1 to G9",
                "read it as a rest", (f, t, l, c, p, e) => new AbcPitchRangeException(f, t, l, c, p, e));
            return new Ev { Kind = EvKind.Rest, Len = len, Line = lineNo, Col = col };
        }
        return new Ev { Kind = EvKind.Note, Pitch = Pitch.FromName(new NoteName(step, alter), octave), Len = len, Line = lineNo, Col = col };
    }

    private int Chord(string line, int lineNo, int i)
    {
        int j = i + 1;
        Ev? top = null;
        Rational? first = null;
        bool tie = false;
        while (j < line.Length && line[j] != ']')
        {
            char c = line[j];
            if (c is '^' or '_' or '=' or (>= 'A' and <= 'G') or (>= 'a' and <= 'g'))
            {
                int col = j;
                if (!ReadPitch(line, lineNo, ref j, out var step, out int octave, out int alter))
                {
                    Unexpected(lineNo, col, $"accidental '{line[col]}' without a note", "a note letter after the accidental");
                    continue;
                }
                var len = ReadLength(line, ref j) * _unit * 4;
                first ??= len;
                var note = MakeNote(step, octave, alter, len, lineNo, col);
                if (j < line.Length && line[j] == '-') { tie = true; j++; }
                if (note.Kind == EvKind.Note && (top is null || note.Pitch > top.Pitch)) top = note;
            }
            else if (c == '"')
            {
                j = Quoted(line, lineNo, j);
            }
            else if (c == '!' || c == '+')
            {
                j = Decoration(line, lineNo, j, c);
            }
            else if (c is ' ' or '.' or '~' or '(' or ')' || char.IsAsciiLetter(c))
            {
                j++;
            }
            else
            {
                Unexpected(lineNo, j, $"unexpected '{c}' in a chord", "notes inside [ ]");
                j++;
            }
        }
        if (j >= line.Length)
        {
            Unclosed(lineNo, i, "chord '[' not closed on its line", "']'", "closed it at the end of the line");
        }
        else j++; // ']'
        var mult = ReadLength(line, ref j);
        if (j < line.Length && line[j] == '-') { tie = true; j++; }
        if (first is null)
        {
            Unclosed(lineNo, i, "chord with no notes", "notes inside [ ]", "dropped it");
            return j;
        }
        var e = top ?? new Ev { Kind = EvKind.Rest, Line = lineNo, Col = i };
        e.Len = first.Value * mult;
        e.Tie = tie && e.Kind == EvKind.Note;
        e.Col = i;
        Element(e);
        return j;
    }

    private void BrokenTie(Ev tie, string found)
    {
        Problem(_settings.BrokenTie, tie.Line, tie.Col, $"{found}", "a tied note followed by a note of the same pitch", "dropped the tie",
            (f, t, l, c, p, e) => new AbcBrokenTieException(f, t, l, c, p, e));
        tie.Tie = false;
    }

    private void Element(Ev e, bool noRhythm = false)
    {
        if (_currentVoice != _voice || _inOverlay) return;
        if (!noRhythm)
        {
            if (_tupletLeft > 0)
            {
                e.Len *= _tupletFactor;
                _tupletLeft--;
            }
            if (_brokenNext is { } b)
            {
                e.Len *= b;
                _brokenNext = null;
            }
        }
        if (_pendingTie is { } tie)
        {
            if (e.Kind != EvKind.Note) BrokenTie(tie, "a tie followed by a rest");
            else if (e.Pitch != tie.Pitch) BrokenTie(tie, $"a tie from {tie.Pitch} to {e.Pitch}");
            _pendingTie = null;
        }
        if (e.Tie) _pendingTie = e;
        _events.Add(e);
        _lastElement = e;
    }

    // ---------------------------------------------------------------- performance

    private Melody Perform()
    {
        var performed = new List<Ev>();
        var partEvents = _events.Where(e => e.Kind == EvKind.Part).ToList();
        var order = _playOrder is { } po ? ExpandOrder(po) : null;
        int elements = 0;
        if (order is { Count: > 0 } && partEvents.Count > 0)
        {
            var sections = new Dictionary<char, List<Ev>>();
            var prefix = new List<Ev>();
            List<Ev> current = prefix;
            foreach (var e in _events)
            {
                if (e.Kind == EvKind.Part)
                {
                    current = [];
                    sections[e.Part] = current; // a part written twice: the later one wins
                    continue;
                }
                current.Add(e);
            }
            ExpandRepeats(prefix, performed, ref elements);
            foreach (var p in order)
            {
                if (sections.TryGetValue(p, out var sec)) ExpandRepeats(sec, performed, ref elements);
                else
                    Problem(_settings.MissingPart, _start, 0, $"part {p} of the play order '{_playOrder}' is not in the tune",
                        "a P: field in the body for each part played", "left it out",
                        (f, t, l, c, pr, ex) => new AbcMissingPartException(f, t, l, c, pr, ex));
            }
        }
        else
        {
            ExpandRepeats(_events.Where(e => e.Kind != EvKind.Part).ToList(), performed, ref elements);
        }

        // The meter at the first note, and the pickup: a first bar shorter than the meter's bar.
        var meter = _meterGiven ? _headerMeter : null;
        bool none = _meterGiven && _headerMeterNone;
        var initialMeter = meter;
        bool initialNone = none;
        Rational firstBar = Rational.Zero;
        bool barFound = false;
        bool sawElement = false;
        foreach (var e in performed)
        {
            _line = e.Line;
            if (e.Kind == EvKind.Meter && !sawElement)
            {
                initialMeter = e.Meter;
                initialNone = e.Meter is null;
            }
            else if (e.Kind is EvKind.Note or EvKind.Rest)
            {
                sawElement = true;
                firstBar += e.Len;
            }
            else if (e is { Kind: EvKind.Bar, RealBar: true } && firstBar.Sign > 0)
            {
                barFound = true;
                break;
            }
        }
        // A short first bar is a pickup only when music follows it.
        if (barFound)
        {
            barFound = false;
            Rational seen = Rational.Zero;
            foreach (var e in performed)
            {
                _line = e.Line;
                if (e.Kind is EvKind.Note or EvKind.Rest)
                {
                    if (seen >= firstBar) { barFound = true; break; }
                    seen += e.Len;
                }
            }
        }
        Rational offset = Rational.Zero;
        if (barFound && !initialNone)
        {
            var barLen = (initialMeter ?? TimeSignature.CommonTime).BarLength.Quarters;
            if (firstBar < barLen) offset = barLen - firstBar;
        }

        var notes = new List<Note>();
        var meters = new List<MeterChange>();
        var tempos = new List<TempoChange>();
        var chords = new List<ChordChange>();
        if (initialMeter is { } m0) meters.Add(new MeterChange(Duration.Zero, m0));
        if (_headerBpm is { } hb) tempos.Add(TempoChange.FromBpm(Duration.Zero, hb));
        Rational t = offset;
        Pitch curPitch = default;
        Rational curStart = Rational.Zero, curLen = Rational.Zero;
        bool haveCur = false, curTie = false;
        sawElement = false;
        foreach (var e in performed)
        {
            _line = e.Line; // where an overflow of the running time is reported
            switch (e.Kind)
            {
                case EvKind.Note:
                    sawElement = true;
                    if (haveCur && curTie && curPitch == e.Pitch && curStart + curLen == t)
                    {
                        curLen += e.Len;
                    }
                    else
                    {
                        if (haveCur) notes.Add(new Note(curPitch, Duration.FromQuarters(curStart), Duration.FromQuarters(curLen)));
                        curPitch = e.Pitch;
                        curStart = t;
                        curLen = e.Len;
                        haveCur = true;
                    }
                    curTie = e.Tie;
                    t += e.Len;
                    break;
                case EvKind.Rest:
                    sawElement = true;
                    curTie = false;
                    t += e.Len;
                    break;
                case EvKind.Chord:
                    if (chords.Count > 0 && chords[^1].At.Quarters == t) chords[^1] = new ChordChange(Duration.FromQuarters(t), e.Chord!);
                    else chords.Add(new ChordChange(Duration.FromQuarters(t), e.Chord!));
                    break;
                case EvKind.Meter:
                    if (!sawElement || e.Meter is null) break;
                    var at = Duration.FromQuarters(t);
                    if (meters.Count > 0 && meters[^1].Meter == e.Meter) break;
                    if (meters.Count == 0) meters.Add(new MeterChange(Duration.Zero, TimeSignature.CommonTime));
                    if (meters[^1].At == at) meters[^1] = new MeterChange(at, e.Meter);
                    else meters.Add(new MeterChange(at, e.Meter));
                    if (meters.Count >= 2 && meters[^1].Meter == meters[^2].Meter) meters.RemoveAt(meters.Count - 1);
                    break;
                case EvKind.Tempo:
                    {
                        var tat = Duration.FromQuarters(t);
                        var tc = TempoChange.FromBpm(tat, e.Bpm);
                        if (tempos.Count > 0 && tempos[^1].At == tat) tempos[^1] = tc;
                        else if (tempos.Count == 0 || tempos[^1].MicrosecondsPerQuarter != tc.MicrosecondsPerQuarter) tempos.Add(tc);
                        break;
                    }
            }
        }
        if (haveCur) notes.Add(new Note(curPitch, Duration.FromQuarters(curStart), Duration.FromQuarters(curLen)));
        if (chords.Count > 0 && chords[^1].At.Quarters >= t && t.Sign > 0)
            chords.RemoveAt(chords.Count - 1); // a chord symbol after the last note has no time to sound

        var styles = _fields.TryGetValue("R", out var r) && r.Trim().Length > 0
            ? ImmutableArray.Create(r.Trim().ToLowerInvariant())
            : ImmutableArray<string>.Empty;
        var info = new MelodyInfo
        {
            Title = Title,
            Source = $"{_file}#X:{(Number ?? 0).ToString(CultureInfo.InvariantCulture)}",
            Collection = _settings.Collection,
            Styles = styles,
            Fields = _fields.ToImmutableDictionary(),
        };
        return Melody.Create(notes, _key, meters, tempos, chords, info, Duration.FromQuarters(t));
    }

    /// <summary>Expands a play order such as <c>AABB</c>, <c>A2B</c>, <c>(AB)2C</c> or <c>ABA.C</c> into part letters.</summary>
    private List<char> ExpandOrder(string order)
    {
        int i = 0;
        int maxParts = _settings.MaxPlayOrderParts, maxDepth = _settings.MaxNesting;
        return Seq(order, ref i, 0);

        List<char> Seq(string s, ref int i, int depth)
        {
            var list = new List<char>();
            while (i < s.Length)
            {
                char c = s[i];
                List<char> unit;
                if (c == '(')
                {
                    if (depth + 1 > maxDepth) throw new AbcLimitException(_file, Number, _start + 1, 1, AbcLimit.Nesting, depth + 1, maxDepth);
                    i++;
                    unit = Seq(s, ref i, depth + 1);
                    if (i < s.Length && s[i] == ')') i++;
                }
                else if (c == ')') return list;
                else if (char.IsAsciiLetterUpper(c)) { unit = [c]; i++; }
                else { i++; continue; }
                long reps = 1;
                if (i < s.Length && char.IsAsciiDigit(s[i]))
                {
                    reps = 0;
                    while (i < s.Length && char.IsAsciiDigit(s[i])) { reps = Math.Min(reps * 10 + (s[i] - '0'), int.MaxValue); i++; }
                }
                long total = list.Count + unit.Count * reps;
                if (total > maxParts) throw new AbcLimitException(_file, Number, _start + 1, 1, AbcLimit.PlayOrderParts, total, maxParts);
                if (unit.Count > 0) for (long k = 0; k < reps; k++) list.AddRange(unit); // an empty group repeats nothing, however often
            }
            return list;
        }
    }

    /// <summary>The largest ending number that follows the bar at <paramref name="i"/>, or null when none follows it.</summary>
    private static int? EndingAfter(List<Ev> src, int i)
    {
        if (src[i].Ending is { Length: > 0 } own) return own.Max();
        for (int k = i + 1; k < src.Count; k++)
        {
            var e = src[k];
            if (e.Kind is EvKind.Chord or EvKind.Meter or EvKind.Tempo) continue;
            if (e.Kind == EvKind.Bar && !e.RealBar && e.Ending is { Length: > 0 } en) return en.Max();
            return null;
        }
        return null;
    }

    /// <summary>
    /// Plays <paramref name="src"/> into <paramref name="dst"/> with its repeats and endings taken, as abc2midi plays them:
    /// a <c>:|</c> followed by endings jumps back until the pass of its last ending; a plain <c>:|</c> jumps back once, to
    /// the last <c>|:</c>, the tune's start or (before any numbered ending) just after the last repeat played through or a
    /// double bar after it; each such start is jumped to once by a plain <c>:|</c>. Passes count on, so a third pass skips
    /// both <c>[1</c> and <c>[2</c>.
    /// </summary>
    private void ExpandRepeats(List<Ev> src, List<Ev> dst, ref int elements)
    {
        int max = _settings.MaxNotesPerTune;
        void Add(Ev e, ref int count)
        {
            if (e.Kind is EvKind.Note or EvKind.Rest)
            {
                if (++count > max) throw new AbcLimitException(_file, Number, e.Line + 1, e.Col + 1, AbcLimit.NotesPerTune, count, max);
                if (count > FileBudget)
                    throw new AbcLimitException(_file, Number, e.Line + 1, e.Col + 1, AbcLimit.NotesPerFile, _settings.MaxNotesPerFile - FileBudget + count, _settings.MaxNotesPerFile);
                Performed = count;
            }
            dst.Add(e);
        }

        int n = src.Count;
        int i = 0, start = 0, pass = 1, guard = 0, ignoreEndAt = -1;
        var used = new HashSet<int>();
        bool startUsed = false;    // a plain :| has already jumped back to the current start
        bool endingsSeen = false;  // a numbered ending has been met: only |: sets a start from then on
        bool passedRepeat = false; // a plain repeat has been played through: a later double bar starts the next repeat
        bool startExplicit = false; // the current start is a |: (a double bar does not move it)
        while (i < n)
        {
            var e = src[i];
            if (e.Kind != EvKind.Bar)
            {
                Add(e, ref elements);
                i++;
                continue;
            }
            if (e.Ending is not null) endingsSeen = true;
            if (e.RepeatEnd && i != ignoreEndAt)
            {
                var next = EndingAfter(src, i);
                bool jump = next is { } m ? m > pass : !used.Contains(i) && !startUsed;
                if (jump && guard++ < 256)
                {
                    used.Add(i);
                    if (next is null) startUsed = true;
                    Add(e, ref elements);
                    pass++;
                    i = start;
                    continue;
                }
                if (next is null)
                {
                    pass = 1;
                    if (!endingsSeen)
                    {
                        start = i + 1;
                        startUsed = false;
                        startExplicit = false;
                        passedRepeat = true;
                    }
                }
            }
            else if (e.RepeatEnd && i == ignoreEndAt && EndingAfter(src, i) is null)
            {
                pass = 1;
            }
            if (e.RepeatStart)
            {
                start = i + 1;
                pass = 1;
                startUsed = false;
                startExplicit = true;
            }
            if (e.Ending is { } nums && pass > 1 && !nums.Contains(pass))
            {
                // Skip this ending: up to the ending for this pass, the end of the repeat, or a new section.
                int j = i + 1;
                while (j < n)
                {
                    var s = src[j];
                    if (s.Kind == EvKind.Bar)
                    {
                        if (s.Ending is { } en && en.Contains(pass)) break;
                        if (s.RepeatEnd && EndingAfter(src, j) is null) break;
                        if ((s.RepeatStart || s.Double) && !s.RepeatEnd) break;
                    }
                    j++;
                }
                Add(e, ref elements);
                ignoreEndAt = j;
                i = j;
                continue;
            }
            if (e.Double && e.Ending is null && !e.RepeatEnd && pass == 1 && passedRepeat && !endingsSeen && !startExplicit)
            {
                start = i + 1;
                startUsed = false;
            }
            Add(e, ref elements);
            i++;
        }
    }
}
