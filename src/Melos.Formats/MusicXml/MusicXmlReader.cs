using System.Collections.Immutable;
using System.Globalization;
using System.IO.Compression;
using System.Xml;
using System.Xml.Linq;
using Melos.Music;

namespace Melos.Formats.MusicXml;

/// <summary>
/// Reads one part of a MusicXML score (<c>score-partwise</c> or <c>score-timewise</c>, plain or compressed <c>.mxl</c>)
/// as a <see cref="Melody"/>: notes with ties merged, <c>&lt;backup&gt;</c>/<c>&lt;forward&gt;</c> and several voices,
/// chords (<c>&lt;chord/&gt;</c>) and voices reduced to their top line, divisions changes, key with mode, time
/// signatures, tempi, chord symbols from <c>&lt;harmony&gt;</c>, repeats and endings played out, and a pickup (a short
/// first measure) read as a leading rest so that time zero is the downbeat of bar 1. No DTD or other file is fetched.
/// Problems are repaired or thrown as <see cref="MusicXmlReadSettings"/> says.
/// </summary>
public static class MusicXmlReader
{
    /// <summary>The most measures a performance with repeats may reach before the reader stops unrolling.</summary>
    public const int MaxPlayedMeasures = 100_000;

    /// <summary>Reads a file (compressed when it is a zip archive, whatever its name); its path becomes <see cref="MelodyInfo.Source"/>.</summary>
    /// <exception cref="MusicXmlFormatException">The file is not MusicXML, or a problem the settings throw on.</exception>
    public static MusicXmlReadResult Load(string path, MusicXmlReadSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var r = Read(File.ReadAllBytes(path), path, settings);
        return r with { Melody = r.Melody.WithInfo(r.Melody.Info with { Source = path }) };
    }

    /// <summary>Reads MusicXML or <c>.mxl</c> bytes.</summary>
    /// <exception cref="MusicXmlFormatException">Not MusicXML, or a problem the settings throw on.</exception>
    public static MusicXmlReadResult Read(byte[] bytes, string source = "<musicxml>", MusicXmlReadSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4)
            return ReadCompressed(bytes, source, settings);
        using var ms = new MemoryStream(bytes, writable: false);
        return Read(LoadXml(ms, source), source, settings ?? MusicXmlReadSettings.Lenient);
    }

    /// <summary>Reads MusicXML text.</summary>
    /// <exception cref="MusicXmlFormatException">Not MusicXML, or a problem the settings throw on.</exception>
    public static MusicXmlReadResult Parse(string xml, string source = "<musicxml>", MusicXmlReadSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(xml);
        using var sr = new StringReader(xml);
        return Read(LoadXml(sr, source), source, settings ?? MusicXmlReadSettings.Lenient);
    }

    private static MusicXmlReadResult ReadCompressed(byte[] bytes, string source, MusicXmlReadSettings? settings)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
            string? rootPath = null;
            if (zip.GetEntry("META-INF/container.xml") is { } container)
            {
                using var cs = container.Open();
                var doc = LoadXml(cs, source + "!META-INF/container.xml");
                rootPath = doc.Descendants("rootfile").Select(e => (string?)e.Attribute("full-path")).FirstOrDefault(p => p is not null);
            }
            var entry = (rootPath is null ? null : zip.GetEntry(rootPath))
                ?? zip.Entries.FirstOrDefault(e => !e.FullName.StartsWith("META-INF/", StringComparison.Ordinal)
                    && (e.FullName.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) || e.FullName.EndsWith(".musicxml", StringComparison.OrdinalIgnoreCase)))
                ?? throw new MusicXmlSyntaxException(source, 0, 0, "a compressed archive with no score in it", "a META-INF/container.xml naming the score, or a .musicxml entry");
            using var s = entry.Open();
            var name = source + "!" + entry.FullName;
            return Read(LoadXml(s, name), name, settings ?? MusicXmlReadSettings.Lenient);
        }
        catch (InvalidDataException e)
        {
            throw new MusicXmlSyntaxException(source, 0, 0, "a damaged compressed archive (" + e.Message + ")", "a valid .mxl zip archive", e);
        }
    }

    private static XmlReaderSettings XmlSettings => new()
    {
        DtdProcessing = DtdProcessing.Ignore, // the DOCTYPE names a DTD on the web: never fetch or process it
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
    };

    private static XDocument LoadXml(Stream stream, string source)
    {
        try
        {
            using var xr = XmlReader.Create(stream, XmlSettings);
            return XDocument.Load(xr, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            throw new MusicXmlSyntaxException(source, e.LineNumber, e.LinePosition, "XML that is not well formed (" + e.Message + ")", "a well-formed MusicXML document", e);
        }
    }

    private static XDocument LoadXml(TextReader text, string source)
    {
        try
        {
            using var xr = XmlReader.Create(text, XmlSettings);
            return XDocument.Load(xr, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            throw new MusicXmlSyntaxException(source, e.LineNumber, e.LinePosition, "XML that is not well formed (" + e.Message + ")", "a well-formed MusicXML document", e);
        }
    }

    private static MusicXmlReadResult Read(XDocument doc, string source, MusicXmlReadSettings settings)
    {
        var root = doc.Root ?? throw new MusicXmlSyntaxException(source, 0, 0, "an empty document", "a score-partwise or score-timewise element");
        var (line, col) = Where(root);
        bool partwise = root.Name.LocalName == "score-partwise";
        if (!partwise && root.Name.LocalName != "score-timewise")
            throw new MusicXmlSyntaxException(source, line, col, $"root element <{root.Name.LocalName}>", "<score-partwise> or <score-timewise> (a MusicXML score)");

        var ids = root.Element("part-list")?.Elements("score-part").Select(p => (string?)p.Attribute("id") ?? "").ToList() ?? [];
        if (partwise) ids = [.. root.Elements("part").Select(p => (string?)p.Attribute("id") ?? "")];
        else if (ids.Count == 0) ids = [.. root.Elements("measure").SelectMany(m => m.Elements("part")).Select(p => (string?)p.Attribute("id") ?? "").Distinct()];
        if (ids.Count == 0) throw new MusicXmlSyntaxException(source, line, col, "a score with no part", "at least one <part>");
        string id;
        if (settings.PartId is { } wanted)
        {
            id = ids.Contains(wanted) ? wanted : throw new MusicXmlPartNotFoundException(source, line, col, $"no part with id '{wanted}'", "one of " + string.Join(", ", ids));
        }
        else
        {
            id = settings.PartIndex < ids.Count ? ids[settings.PartIndex]
                : throw new MusicXmlPartNotFoundException(source, line, col, $"no part {settings.PartIndex} (the score has {ids.Count})", $"a part index 0..{ids.Count - 1}");
        }

        // Each measure: the element carrying its attributes (number, implicit) and the one holding its music.
        List<(XElement Measure, XElement Music)> measures = partwise
            ? [.. root.Elements("part").First(p => ((string?)p.Attribute("id") ?? "") == id).Elements("measure").Select(m => (m, m))]
            : [.. root.Elements("measure").Select(m => (m, m.Elements("part").FirstOrDefault(p => ((string?)p.Attribute("id") ?? "") == id))).Where(x => x.Item2 is not null).Select(x => (x.m, x.Item2!))];

        var state = new PartReader(source, settings);
        state.Run(measures);

        var title = Text(root.Element("work")?.Element("work-title")) ?? Text(root.Element("movement-title"));
        var fields = ImmutableDictionary<string, string>.Empty;
        var composer = root.Element("identification")?.Elements("creator").FirstOrDefault(c => (string?)c.Attribute("type") == "composer");
        if (Text(composer) is { } c) fields = fields.Add("C", c);
        var info = new MelodyInfo { Title = title, Collection = settings.Collection, Fields = fields };
        return new MusicXmlReadResult(state.Build(info), [.. state.Issues], ids.Count);
    }

    private static string? Text(XElement? e) => e is null || string.IsNullOrWhiteSpace(e.Value) ? null : e.Value.Trim();

    internal static (int Line, int Column) Where(XObject? o) =>
        o is IXmlLineInfo li && li.HasLineInfo() ? (li.LineNumber, li.LinePosition) : (0, 0);

    /// <summary>Parses a MusicXML decimal (<c>12</c>, <c>-1</c>, <c>0.5</c>) exactly.</summary>
    internal static bool TryParseNumber(string? text, out Rational value)
    {
        value = Rational.Zero;
        if (text is null) return false;
        var s = text.Trim();
        if (s.Length == 0) return false;
        bool negative = s[0] == '-';
        if (s[0] is '-' or '+') s = s[1..];
        int dot = s.IndexOf('.');
        var whole = dot < 0 ? s : s[..dot];
        var frac = dot < 0 ? "" : s[(dot + 1)..].TrimEnd('0');
        if (whole.Length == 0 && frac.Length == 0 && dot < 0) return false;
        if (whole.Length + frac.Length > 17 || !whole.All(char.IsAsciiDigit) || !frac.All(char.IsAsciiDigit) || (whole.Length == 0 && dot < 0)) return false;
        long num = (whole.Length == 0 ? 0 : long.Parse(whole, CultureInfo.InvariantCulture));
        long den = 1;
        foreach (var ch in frac)
        {
            num = num * 10 + (ch - '0');
            den *= 10;
        }
        value = new Rational(negative ? -num : num, den);
        return true;
    }

    private sealed record RawNote(Rational Start, Rational Length, Pitch Pitch, int Velocity, string Voice, bool TieStart, bool TieStop, XElement Element);

    /// <summary>The state of reading one part, measure by measure.</summary>
    private sealed class PartReader(string source, MusicXmlReadSettings settings)
    {
        public List<MusicXmlIssue> Issues { get; } = [];

        private readonly List<RawNote> _notes = [];
        private readonly List<(Rational At, TimeSignature Meter)> _meters = [];
        private readonly List<(Rational At, int Micros)> _tempos = [];
        private readonly List<(Rational At, ChordSymbol Chord)> _chords = [];
        private Key? _key;
        private bool _keySeen;
        private Rational _div = Rational.Zero;
        private Rational _measureStart, _cursor, _measureMax, _lastOnset;
        private TimeSignature? _meter;
        private int _transpose, _diatonic;
        private int? _velocity;
        private Rational _firstLength;
        private bool _firstImplicit, _secondHasTime;
        private int _measureCount;

        private void Problem(MusicXmlPolicy policy, XObject at, Func<string, int, int, string, string, MusicXmlFormatException> make,
            string problem, string expected, string repair)
        {
            var (line, col) = Where(at);
            if (policy == MusicXmlPolicy.Throw) throw make(source, line, col, problem, expected);
            Issues.Add(new MusicXmlIssue(source, line, col, $"{problem}; expected {expected}; {repair}"));
        }

        public void Run(List<(XElement Measure, XElement Music)> measures)
        {
            foreach (var (index, firstTime) in PlayOrder(measures))
            {
                var (measure, music) = measures[index];
                _cursor = Rational.Zero;
                _measureMax = Rational.Zero;
                bool timeHere = false;
                foreach (var e in music.Elements())
                {
                    switch (e.Name.LocalName)
                    {
                        case "attributes": timeHere |= Attributes(e, firstTime); break;
                        case "note": Note(e); break;
                        case "backup": Backup(e); break;
                        case "forward": Forward(e); break;
                        case "direction": Direction(e); break;
                        case "sound": Sound(e, _cursor); break;
                        case "harmony": Harmony(e); break;
                    }
                }
                var length = Rational.Max(_measureMax, _cursor);
                if (_measureCount == 0)
                {
                    _firstLength = length;
                    _firstImplicit = (string?)measure.Attribute("implicit") == "yes";
                }
                else if (_measureCount == 1)
                {
                    _secondHasTime = timeHere;
                }
                _measureCount++;
                _measureStart += length;
            }
        }

        // Measures in the order they are played: repeats (<repeat direction="backward" times="n"/>) and endings unrolled.
        private IEnumerable<(int Index, bool FirstTime)> PlayOrder(List<(XElement Measure, XElement Music)> measures)
        {
            int start = 0, pass = 1, played = 0;
            var seen = new HashSet<int>();
            bool jumped = false;
            for (int i = 0; i < measures.Count;)
            {
                var bars = measures[i].Music.Elements("barline").ToList();
                if (!jumped && bars.Any(b => b.Element("repeat") is { } r && (string?)r.Attribute("direction") == "forward"))
                {
                    start = i;
                    pass = 1;
                }
                jumped = false;
                var ending = bars.Select(b => b.Element("ending")).FirstOrDefault(en => en is not null && (string?)en.Attribute("type") == "start");
                if (ending is not null && !EndingNumbers((string?)ending.Attribute("number")).Contains(pass))
                {
                    i++;
                    continue;
                }
                if (++played > MaxPlayedMeasures) yield break;
                yield return (i, seen.Add(i));
                var backward = bars.Select(b => b.Element("repeat")).FirstOrDefault(r => r is not null && (string?)r.Attribute("direction") == "backward");
                if (backward is not null)
                {
                    int times = int.TryParse((string?)backward.Attribute("times"), NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t >= 1 ? t : 2;
                    if (pass < times)
                    {
                        pass++;
                        i = start;
                        jumped = true;
                        continue;
                    }
                    start = i + 1;
                    pass = 1;
                }
                i++;
            }
        }

        private static HashSet<int> EndingNumbers(string? text)
        {
            var set = new HashSet<int>();
            foreach (var part in (text ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries))
                if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) set.Add(n);
            return set;
        }

        private Rational Now => _measureStart + _cursor;

        // Returns true when the element holds a time signature.
        private bool Attributes(XElement e, bool firstTime)
        {
            if (e.Element("divisions") is { } d)
            {
                if (TryParseNumber(d.Value, out var v) && v.Sign > 0) _div = v;
                else Problem(settings.MissingDivisions, d, (f, l, c, p, x) => new MusicXmlDivisionsException(f, l, c, p, x),
                    $"divisions '{d.Value}'", "a positive number of divisions per quarter note", _div.Sign > 0 ? "kept the previous value" : "used 1 per quarter");
            }
            if (e.Element("key") is { } k && !_keySeen) ReadKey(k);
            bool hasTime = false;
            if (e.Element("time") is { } t)
            {
                hasTime = true;
                ReadTime(t, firstTime);
            }
            if (e.Element("transpose") is { } tr)
            {
                _transpose = (TryInt(tr.Element("chromatic"), out var ch) ? ch : 0) + 12 * (TryInt(tr.Element("octave-change"), out var oc) ? oc : 0);
                _diatonic = (TryInt(tr.Element("diatonic"), out var di) ? di : 0) + 7 * (TryInt(tr.Element("octave-change"), out var oc2) ? oc2 : 0);
            }
            return hasTime;
        }

        private static bool TryInt(XElement? e, out int value)
        {
            value = 0;
            if (e is null || !TryParseNumber(e.Value, out var r) || r.Denominator != 1 || Math.Abs(r.Numerator) > 10_000) return false;
            value = (int)r.Numerator;
            return true;
        }

        private void ReadKey(XElement k)
        {
            if (!TryInt(k.Element("fifths"), out int fifths) || Math.Abs(fifths) > 14)
            {
                Problem(settings.BadValue, k, (f, l, c, p, x) => new MusicXmlValueException(f, l, c, p, x),
                    "a key without a readable <fifths>", "a traditional key signature with <fifths> -14..14", "ignored it");
                return;
            }
            var modeText = k.Element("mode")?.Value.Trim() ?? "major";
            Mode mode;
            if (modeText is "" or "none" or "major" or "ionian") mode = Mode.Major;
            else if (modeText == "aeolian") mode = Mode.Minor;
            else if (!Enum.TryParse(modeText, true, out mode) || !Enum.IsDefined(mode) || int.TryParse(modeText, out _))
            {
                Problem(settings.BadValue, k, (f, l, c, p, x) => new MusicXmlValueException(f, l, c, p, x),
                    $"key mode '{modeText}'", "major, minor, dorian, phrygian, lydian, mixolydian, aeolian, ionian or locrian", "read it as major");
                mode = Mode.Major;
            }
            _key = new Key(NoteName.FromFifths(fifths)).Relative(mode);
            _keySeen = true;
        }

        private void ReadTime(XElement t, bool firstTime)
        {
            if (t.Element("senza-misura") is not null) return; // unmeasured: no meter (bar arithmetic assumes 4/4)
            var beats = t.Element("beats")?.Value.Trim() ?? "";
            var beatType = t.Element("beat-type")?.Value.Trim() ?? "";
            int n = 0;
            bool ok = beats.Length > 0;
            foreach (var part in beats.Split('+'))
            {
                if (int.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var b) && b > 0) n += b;
                else ok = false;
            }
            ok &= int.TryParse(beatType, NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d is >= 1 and <= 64 && (d & (d - 1)) == 0 && n is >= 1 and <= 64;
            if (!ok)
            {
                Problem(settings.BadValue, t, (f, l, c, p, x) => new MusicXmlValueException(f, l, c, p, x),
                    $"time signature '{beats}/{beatType}'", "<beats> 1..64 over a <beat-type> that is a power of two up to 64", "kept the previous meter");
                return;
            }
            var meter = new TimeSignature(n, d);
            if (!firstTime && meter == _meter) return; // a repeat playing a meter again
            _meter = meter;
            _meters.Add((Now, meter));
        }

        private void NeedDivisions(XElement at)
        {
            if (_div.Sign > 0) return;
            Problem(settings.MissingDivisions, at, (f, l, c, p, x) => new MusicXmlDivisionsException(f, l, c, p, x),
                $"<{at.Name.LocalName}> before any <divisions>", "<attributes><divisions> first", "used 1 division per quarter");
            _div = Rational.One;
        }

        // A duration in quarter notes, or null when missing or unreadable (reported).
        private Rational? ReadDuration(XElement owner, bool mayUseType)
        {
            var d = owner.Element("duration");
            if (d is not null && TryParseNumber(d.Value, out var v) && v.Sign >= 0)
            {
                NeedDivisions(owner);
                return v / _div;
            }
            Rational? fromType = mayUseType ? TypedLength(owner) : null;
            Problem(settings.BadDuration, d ?? (XObject)owner, (f, l, c, p, x) => new MusicXmlDurationException(f, l, c, p, x),
                d is null ? $"<{owner.Name.LocalName}> without <duration>" : $"duration '{d.Value}'", "a non-negative <duration> in divisions",
                fromType is { } ft ? $"used its written type ({ft} quarters)" : "ignored it");
            return fromType;
        }

        private static Rational? TypedLength(XElement note)
        {
            if (note.Element("type") is not { } type || !NoteValues.TryQuartersOf(type.Value.Trim(), out var q)) return null;
            int dots = note.Elements("dot").Count();
            var len = q * (2 - new Rational(1, 1L << Math.Min(dots, 8)));
            if (note.Element("time-modification") is { } tm && TryInt(tm.Element("actual-notes"), out var a) && TryInt(tm.Element("normal-notes"), out var n) && a > 0 && n > 0)
                len = len * new Rational(n, a);
            return len;
        }

        private void Note(XElement e)
        {
            if (e.Element("grace") is not null) return; // grace notes take no time
            bool chord = e.Element("chord") is not null;
            var length = ReadDuration(e, true) ?? Rational.Zero;
            var start = chord ? _lastOnset : _cursor;
            if (!chord)
            {
                _lastOnset = _cursor;
                _cursor += length;
                _measureMax = Rational.Max(_measureMax, _cursor);
            }
            if (e.Element("pitch") is not { } p || e.Element("cue") is not null || length.Sign <= 0) return;
            var voice = e.Element("voice")?.Value.Trim() ?? "1";
            if (settings.Voice is { } only && voice != only) return;
            if (ReadPitch(p) is not { } pitch) return;
            var ties = e.Elements("tie").Select(t => (string?)t.Attribute("type")).ToList();
            if (ties.Count == 0) ties = [.. e.Elements("notations").Elements("tied").Select(t => (string?)t.Attribute("type"))];
            int velocity = _velocity ?? Music.Note.DefaultVelocity;
            if (TryParseNumber((string?)e.Attribute("dynamics"), out var dyn) && dyn.Sign >= 0)
                velocity = Math.Clamp((int)Math.Round(dyn.ToDouble() * 0.9, MidpointRounding.AwayFromZero), 1, 127);
            _notes.Add(new RawNote(_measureStart + start, length, pitch, velocity, voice, ties.Contains("start"), ties.Contains("stop"), e));
        }

        private Pitch? ReadPitch(XElement p)
        {
            var stepText = p.Element("step")?.Value.Trim();
            bool stepOk = Enum.TryParse<Step>(stepText, false, out var step) && stepText is { Length: 1 };
            bool alterOk = true;
            int alter = 0;
            if (p.Element("alter") is { } a)
            {
                alterOk = TryParseNumber(a.Value, out var av) && Math.Abs(av.ToDouble()) <= 2;
                if (alterOk) alter = (int)Math.Round(av.ToDouble(), MidpointRounding.ToEven); // microtones round to the nearest semitone
            }
            bool octaveOk = TryInt(p.Element("octave"), out int octave) && octave is >= -1 and <= 9;
            int number = 12 * (octave + 1) + (stepOk ? NoteName.SemitonesOf(step) : 0) + alter + _transpose;
            if (!stepOk || !alterOk || !octaveOk || number is < Pitch.MinNumber or > Pitch.MaxNumber)
            {
                Problem(settings.BadPitch, p, (f, l, c, pr, x) => new MusicXmlPitchException(f, l, c, pr, x),
                    $"pitch {stepText}{(p.Element("alter")?.Value is { } at ? " alter " + at : "")} octave {p.Element("octave")?.Value}",
                    "a step A-G, an alteration -2..2 and an octave giving MIDI 0..127", "dropped the note, keeping its time as a rest");
                return null;
            }
            if (_transpose == 0) return Pitch.FromName(new NoteName(step, alter), octave);
            // A transposing part: the sounding pitch, spelled a diatonic step away when that spelling exists.
            var soundingStep = (Step)((((int)step + _diatonic) % 7 + 7) % 7);
            int soundingAlter = ((number % 12 - NoteName.SemitonesOf(soundingStep)) % 12 + 12) % 12;
            if (soundingAlter > 6) soundingAlter -= 12;
            return soundingAlter is >= -2 and <= 2 ? Pitch.FromMidi(number, new NoteName(soundingStep, soundingAlter)) : Pitch.FromMidi(number);
        }

        private void Backup(XElement e)
        {
            if (ReadDuration(e, false) is not { } d) return;
            _cursor -= d;
            if (_cursor.Sign < 0)
            {
                Problem(settings.BadDuration, e, (f, l, c, p, x) => new MusicXmlDurationException(f, l, c, p, x),
                    $"a backup of {d} quarters past the start of the measure", "a backup within the measure", "stopped at the measure's start");
                _cursor = Rational.Zero;
            }
        }

        private void Forward(XElement e)
        {
            if (ReadDuration(e, false) is not { } d) return;
            _cursor += d;
            _measureMax = Rational.Max(_measureMax, _cursor);
        }

        private Rational Offset(XElement e)
        {
            if (e.Element("offset") is not { } o) return Rational.Zero;
            if (TryParseNumber(o.Value, out var v))
            {
                NeedDivisions(e);
                return v / _div;
            }
            Problem(settings.BadDuration, o, (f, l, c, p, x) => new MusicXmlDurationException(f, l, c, p, x),
                $"offset '{o.Value}'", "a number of divisions", "ignored the offset");
            return Rational.Zero;
        }

        private void Direction(XElement e)
        {
            var at = _cursor + Offset(e);
            if (e.Element("sound") is { } s && s.Attribute("tempo") is not null)
            {
                Sound(s, at);
                return;
            }
            if (e.Element("sound") is { } dyn) Sound(dyn, at);
            var metronome = e.Elements("direction-type").Elements("metronome").FirstOrDefault();
            if (metronome?.Element("per-minute") is { } pm && metronome.Element("beat-unit") is { } unit)
            {
                var numeric = new string(pm.Value.Trim().TakeWhile(ch => char.IsAsciiDigit(ch) || ch == '.').ToArray());
                if (NoteValues.TryQuartersOf(unit.Value.Trim(), out var q) && TryParseNumber(numeric, out var perMinute) && perMinute.Sign > 0)
                {
                    int dots = metronome.Elements("beat-unit-dot").Count();
                    var beat = q * (2 - new Rational(1, 1L << Math.Min(dots, 8)));
                    AddTempo(at, (perMinute * beat).ToDouble(), metronome);
                }
            }
        }

        private void Sound(XElement s, Rational at)
        {
            if (s.Attribute("tempo") is { } tempo)
            {
                if (TryParseNumber(tempo.Value, out var bpm) && bpm.Sign > 0) AddTempo(at, bpm.ToDouble(), s);
                else Problem(settings.BadValue, s, (f, l, c, p, x) => new MusicXmlValueException(f, l, c, p, x),
                    $"tempo '{tempo.Value}'", "a positive number of quarter notes per minute", "ignored it");
            }
            if (s.Attribute("dynamics") is { } dynamics && TryParseNumber(dynamics.Value, out var dv) && dv.Sign >= 0)
                _velocity = Math.Clamp((int)Math.Round(dv.ToDouble() * 0.9, MidpointRounding.AwayFromZero), 1, 127);
        }

        private void AddTempo(Rational at, double bpm, XObject where)
        {
            double micros = Math.Round(60_000_000.0 / bpm);
            if (micros is < 1 or > 0xFFFFFF)
            {
                Problem(settings.BadValue, where, (f, l, c, p, x) => new MusicXmlValueException(f, l, c, p, x),
                    $"tempo {bpm.ToString(CultureInfo.InvariantCulture)} BPM", "a tempo MIDI can hold (about 3.6 to 60,000,000 BPM)", "ignored it");
                return;
            }
            _tempos.Add((_measureStart + at, (int)micros));
        }

        private void Harmony(XElement e)
        {
            var at = _cursor + Offset(e);
            var root = e.Element("root");
            var kind = e.Element("kind");
            if (ReadName(root?.Element("root-step"), root?.Element("root-alter")) is not { } r || kind is null)
            {
                Problem(settings.BadValue, e, (f, l, c, p, x) => new MusicXmlValueException(f, l, c, p, x),
                    "a chord symbol without a readable <root> and <kind>", "<root><root-step> and <kind>", "ignored it");
                return;
            }
            NoteName? bass = null;
            if (e.Element("bass") is { } b) bass = ReadName(b.Element("bass-step"), b.Element("bass-alter"));
            var degrees = e.Elements("degree").Select(d =>
                TryInt(d.Element("degree-value"), out var v)
                    ? new HarmonyDegree(v, TryInt(d.Element("degree-alter"), out var al) ? al : 0, d.Element("degree-type")?.Value.Trim() ?? "add")
                    : null).OfType<HarmonyDegree>().ToList();
            var harmony = new MusicXmlHarmony(r, kind.Value.Trim(), (string?)kind.Attribute("text"), degrees, bass);
            if (harmony.ToChord() is { } chord) _chords.Add((_measureStart + at, chord));
            else if (harmony.Kind != "none")
                Problem(settings.BadValue, kind, (f, l, c, p, x) => new MusicXmlValueException(f, l, c, p, x),
                    $"chord kind '{harmony.Kind}'", "a MusicXML kind value such as major, minor, dominant or half-diminished", "ignored the chord");
        }

        private static NoteName? ReadName(XElement? step, XElement? alter)
        {
            if (step is null || !Enum.TryParse<Step>(step.Value.Trim(), false, out var s) || step.Value.Trim().Length != 1) return null;
            int a = 0;
            if (alter is not null)
            {
                if (!TryParseNumber(alter.Value, out var av) || Math.Abs(av.ToDouble()) > 2) return null;
                a = (int)Math.Round(av.ToDouble());
            }
            return new NoteName(s, a);
        }

        public Melody Build(MelodyInfo info)
        {
            // A short first measure before a full one is a pickup: time zero is the downbeat of the first full bar.
            var shift = Rational.Zero;
            if (_meters.Count > 0 && _meters[0].At.IsZero && _measureCount > 1 && _firstLength.Sign > 0 && (_firstImplicit || !_secondHasTime))
            {
                var bar = _meters[0].Meter.BarLength.Quarters;
                if (_firstLength < bar) shift = bar - _firstLength;
            }
            Duration T(Rational at) => Duration.FromQuarters(at + shift);
            Duration Anchored(Rational at) => at.IsZero ? Duration.Zero : T(at); // a tempo or meter at the very start stays at zero

            var notes = MergeTies();
            var line = TopLine(notes);
            var melodyNotes = line.Select(n => new Note(n.Pitch, T(n.Start), Duration.FromQuarters(n.Length), n.Velocity)).ToList();

            var meters = new List<MeterChange>();
            foreach (var (at, meter) in _meters)
            {
                var d = Anchored(at);
                if (meters.Count > 0 && meters[^1].At == d) meters[^1] = new MeterChange(d, meter);
                else meters.Add(new MeterChange(d, meter));
            }
            if (meters.Count > 0 && !meters[0].At.IsZero) meters.Insert(0, new MeterChange(Duration.Zero, TimeSignature.CommonTime));
            var tempos = _tempos.Select((t, i) => (t, i)).OrderBy(x => x.t.At).ThenBy(x => x.i).Select(x => new TempoChange(Anchored(x.t.At), x.t.Micros));
            var chords = _chords.Select((c, i) => (c, i)).OrderBy(x => x.c.At).ThenBy(x => x.i).Select(x => new ChordChange(T(x.c.At), x.c.Chord));
            return Melody.Create(melodyNotes, _key, meters, tempos, chords, info, T(_measureStart));
        }

        private List<RawNote> MergeTies()
        {
            var merged = new List<RawNote>(_notes.Count);
            var open = new Dictionary<(string Voice, int Number), int>();
            foreach (var n in _notes)
            {
                if (n.TieStop)
                {
                    int idx = -1;
                    if (open.TryGetValue((n.Voice, n.Pitch.Number), out var i) && merged[i].Start + merged[i].Length == n.Start) idx = i;
                    else
                    {
                        foreach (var ((v, num), j) in open)
                            if (num == n.Pitch.Number && merged[j].Start + merged[j].Length == n.Start) { idx = j; open.Remove((v, num)); break; }
                    }
                    if (idx >= 0)
                    {
                        var m = merged[idx];
                        merged[idx] = m with { Length = m.Length + n.Length, TieStart = n.TieStart };
                        open.Remove((n.Voice, n.Pitch.Number));
                        if (n.TieStart) open[(n.Voice, n.Pitch.Number)] = idx;
                        continue;
                    }
                    Problem(settings.BrokenTie, n.Element, (f, l, c, p, x) => new MusicXmlTieException(f, l, c, p, x),
                        $"a tie stopping on {n.Pitch} with no tie started on it where the note begins", "a tie from a note of the same pitch ending there", "read it as a new note");
                }
                if (n.TieStart)
                {
                    if (open.TryGetValue((n.Voice, n.Pitch.Number), out var stale)) ReportOpenTie(merged[stale]);
                    open[(n.Voice, n.Pitch.Number)] = merged.Count;
                }
                merged.Add(n);
            }
            foreach (var idx in open.Values.Order()) ReportOpenTie(merged[idx]);
            return merged;
        }

        private void ReportOpenTie(RawNote n) =>
            Problem(settings.BrokenTie, n.Element, (f, l, c, p, x) => new MusicXmlTieException(f, l, c, p, x),
                $"a tie started on {n.Pitch} and never stopped", "a following note of the same pitch with a tie stop", "ignored the tie");

        // One line: at each onset the highest note (the longest on equal pitch), each cut where the next kept note starts.
        private List<RawNote> TopLine(List<RawNote> notes)
        {
            var sorted = notes.Select((n, i) => (n, i)).OrderBy(x => x.n.Start).ThenBy(x => x.i).Select(x => x.n).ToList();
            int overlaps = 0;
            RawNote? first = null;
            for (int i = 1; i < sorted.Count; i++)
            {
                if (sorted[i].Start < sorted[i - 1].Start + sorted[i - 1].Length)
                {
                    overlaps++;
                    first ??= sorted[i];
                }
            }
            if (first is null) return sorted;
            Problem(settings.Polyphony, first.Element, (f, l, c, p, x) => new MusicXmlPolyphonyException(f, l, c, p, x),
                $"{overlaps} notes overlapping the note before them (chords or several voices)", "one line of notes (or MusicXmlReadSettings.Voice)", "kept the top line");
            var byStart = sorted.GroupBy(n => n.Start).Select(g => g.OrderByDescending(n => n.Pitch.Number).ThenByDescending(n => n.Length).First()).ToList();
            var line = new List<RawNote>(byStart.Count);
            for (int i = 0; i < byStart.Count; i++)
            {
                var n = byStart[i];
                if (i + 1 < byStart.Count && byStart[i + 1].Start < n.Start + n.Length) n = n with { Length = byStart[i + 1].Start - n.Start };
                line.Add(n);
            }
            return line;
        }
    }
}
