using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;
using Melos.Music;

namespace Melos.Formats.MusicXml;

/// <summary>How <see cref="MusicXmlWriter"/> lays a melody out.</summary>
public sealed record MusicXmlWriteOptions
{
    /// <summary>The defaults: part "Melody", pickups as short first measures, indented XML.</summary>
    public static MusicXmlWriteOptions Default { get; } = new();

    /// <summary>The part's name.</summary>
    public string PartName { get; init; } = "Melody";

    /// <summary>
    /// Write a melody that starts with a rest inside its first bar as a pickup (an <c>implicit</c> short first measure
    /// numbered 0) rather than a full bar beginning with a rest. Only when the melody has a meter, its first bar is a
    /// full bar, and no chord or tempo change falls in the rest.
    /// </summary>
    public bool WritePickup { get; init; } = true;

    /// <summary>Indent the XML (two spaces per level).</summary>
    public bool Indent { get; init; } = true;
}

/// <summary>
/// Writes a <see cref="Melody"/> as a MusicXML 4.0 <c>score-partwise</c> document with one part: title, key signature
/// with its mode, time signatures (a meter change starts a measure), tempi (<c>&lt;sound tempo&gt;</c> with a
/// metronome mark), notes and rests with exact <c>&lt;duration&gt;</c>s at a <c>&lt;divisions&gt;</c> that puts every
/// position on a whole number, written note types, dots and tuplets (<see cref="NoteValues.Split"/>), ties across bar
/// lines and wherever a length needs several note values, accidentals against the key and the measure, and chord
/// symbols as <c>&lt;harmony&gt;</c>. A note is split (and tied) where a chord or tempo change falls inside it.
/// <see cref="MusicXmlReader"/> reads the document back to the same notes, key, meters, tempi, chords and length.
/// </summary>
public static class MusicXmlWriter
{
    /// <summary>The media type of uncompressed MusicXML, written as the <c>mimetype</c> entry of <c>.mxl</c> files.</summary>
    public const string CompressedMediaType = "application/vnd.recordare.musicxml";

    /// <summary>The name of the score inside <c>.mxl</c> files Melos writes.</summary>
    public const string CompressedScoreName = "score.musicxml";

    private sealed class NoteItem(Pitch? pitch, NoteValue value, int velocity)
    {
        public Pitch? Pitch { get; } = pitch;
        public NoteValue Value { get; } = value;
        public int Velocity { get; } = velocity;
        public bool TieStart { get; set; }
        public bool TieStop { get; set; }
        public string? Accidental { get; set; }
        public bool TupletStart { get; set; }
        public bool TupletStop { get; set; }
    }

    private sealed record TempoItem(TempoChange Tempo, Rational Offset);

    private sealed record HarmonyItem(ChordSymbol Chord, Rational Offset);

    /// <summary>The melody as MusicXML text.</summary>
    /// <exception cref="MusicXmlNotationException">A length cannot be notated (shorter than a 1024th, or a tuplet beyond 255) or the positions need more divisions than MusicXML holds.</exception>
    public static string Write(Melody melody, MusicXmlWriteOptions? options = null)
    {
        using var ms = new MemoryStream();
        Write(melody, ms, options);
        return Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
    }

    /// <summary>Writes the melody as UTF-8 MusicXML to <paramref name="stream"/>.</summary>
    /// <exception cref="MusicXmlNotationException">A length cannot be notated or the positions need too many divisions.</exception>
    public static void Write(Melody melody, Stream stream, MusicXmlWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(melody);
        ArgumentNullException.ThrowIfNull(stream);
        options ??= MusicXmlWriteOptions.Default;
        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(false),
            Indent = options.Indent,
            IndentChars = "  ",
            NewLineChars = "\n",
        };
        using var w = XmlWriter.Create(stream, settings);
        WriteDocument(w, melody, options);
    }

    /// <summary>The melody as a compressed MusicXML (<c>.mxl</c>) archive: <c>mimetype</c>, <c>META-INF/container.xml</c> and the score.</summary>
    public static byte[] WriteCompressed(Melody melody, MusicXmlWriteOptions? options = null)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            var stamp = new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero); // fixed, so the same melody gives the same bytes
            var mime = zip.CreateEntry("mimetype", CompressionLevel.NoCompression);
            mime.LastWriteTime = stamp;
            using (var s = mime.Open()) s.Write(Encoding.ASCII.GetBytes(CompressedMediaType));
            var container = zip.CreateEntry("META-INF/container.xml", CompressionLevel.Optimal);
            container.LastWriteTime = stamp;
            using (var s = container.Open())
            {
                s.Write(Encoding.UTF8.GetBytes(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<container>\n  <rootfiles>\n" +
                    $"    <rootfile full-path=\"{CompressedScoreName}\" media-type=\"{CompressedMediaType}\"/>\n  </rootfiles>\n</container>\n"));
            }
            var score = zip.CreateEntry(CompressedScoreName, CompressionLevel.Optimal);
            score.LastWriteTime = stamp;
            using (var s = score.Open()) Write(melody, s, options);
        }
        return ms.ToArray();
    }

    /// <summary>Writes the melody to <paramref name="path"/>: compressed when it ends in <c>.mxl</c>, else plain MusicXML.</summary>
    public static void WriteFile(string path, Melody melody, MusicXmlWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (string.Equals(Path.GetExtension(path), ".mxl", StringComparison.OrdinalIgnoreCase))
        {
            File.WriteAllBytes(path, WriteCompressed(melody, options));
            return;
        }
        using var f = File.Create(path);
        Write(melody, f, options);
    }

    /// <summary>The divisions per quarter note that put every position of the melody (and its bar lines) on a whole number.</summary>
    /// <exception cref="MusicXmlNotationException">More than 2^31-1 divisions would be needed.</exception>
    public static int DivisionsFor(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        return Divisions(melody.TimePoints().Concat(Layout(melody).Bars));
    }

    private static int Divisions(IEnumerable<Duration> positions)
    {
        long div = 1;
        foreach (var p in positions)
        {
            long den = p.Quarters.Denominator;
            div = checked(div / Rational.Gcd(div, den) * den);
            if (div > int.MaxValue)
                throw new MusicXmlNotationException($"Position {p} quarters needs more than {int.MaxValue} divisions per quarter; quantize the melody first.");
        }
        return (int)div;
    }

    // Bar lines (after 0, before the end) segment by segment; a meter change starts a new measure. No meter: 4/4 bars.
    private static (List<Duration> Bars, bool Metered) Layout(Melody melody)
    {
        var end = melody.Length;
        var meters = melody.Meters.IsEmpty ? [new MeterChange(Duration.Zero, TimeSignature.CommonTime)] : melody.Meters;
        var bars = new SortedSet<Duration>();
        for (int i = 0; i < meters.Length; i++)
        {
            var from = meters[i].At;
            var to = i + 1 < meters.Length ? meters[i + 1].At : end;
            if (i > 0 && from < end) bars.Add(from);
            for (var at = from + meters[i].Meter.BarLength; at < to && at < end; at += meters[i].Meter.BarLength) bars.Add(at);
        }
        return ([.. bars], !melody.Meters.IsEmpty);
    }

    private static void WriteDocument(XmlWriter w, Melody melody, MusicXmlWriteOptions options)
    {
        var ci = CultureInfo.InvariantCulture;
        var (bars, metered) = Layout(melody);
        var end = melody.Length;
        var starts = new List<Duration> { Duration.Zero };
        starts.AddRange(bars);
        var ends = new List<Duration>(bars) { end };

        bool pickup = false;
        if (options.WritePickup && metered && !melody.Notes.IsEmpty && bars.Count > 0)
        {
            var first = melody.Notes[0].Start;
            if (first > Duration.Zero && first < bars[0] && bars[0] == melody.Meters[0].Meter.BarLength
                && melody.Chords.All(c => c.At >= first) && melody.Tempos.All(t => t.At.IsZero || t.At > first))
            {
                starts[0] = first;
                pickup = true;
            }
        }
        int div = Divisions(melody.TimePoints().Concat(bars));
        string Dur(Rational quarters) => (quarters * div).Numerator.ToString(ci);

        w.WriteStartDocument(false);
        w.WriteDocType("score-partwise", "-//Recordare//DTD MusicXML 4.0 Partwise//EN", "http://www.musicxml.org/dtds/partwise.dtd", null);
        w.WriteStartElement("score-partwise");
        w.WriteAttributeString("version", "4.0");
        if (melody.Info.Title is { Length: > 0 } title)
        {
            w.WriteStartElement("work");
            w.WriteElementString("work-title", title);
            w.WriteEndElement();
        }
        w.WriteStartElement("identification");
        if (melody.Info.Fields.TryGetValue("C", out var composer) && composer.Length > 0)
        {
            w.WriteStartElement("creator");
            w.WriteAttributeString("type", "composer");
            w.WriteString(composer);
            w.WriteEndElement();
        }
        w.WriteStartElement("encoding");
        w.WriteElementString("software", "Melos");
        w.WriteEndElement();
        w.WriteEndElement();
        w.WriteStartElement("part-list");
        w.WriteStartElement("score-part");
        w.WriteAttributeString("id", "P1");
        w.WriteElementString("part-name", options.PartName);
        w.WriteStartElement("score-instrument");
        w.WriteAttributeString("id", "P1-I1");
        w.WriteElementString("instrument-name", "Piano");
        w.WriteEndElement();
        w.WriteStartElement("midi-instrument");
        w.WriteAttributeString("id", "P1-I1");
        w.WriteElementString("midi-channel", "1");
        w.WriteElementString("midi-program", "1");
        w.WriteEndElement();
        w.WriteEndElement();
        w.WriteEndElement();
        w.WriteStartElement("part");
        w.WriteAttributeString("id", "P1");

        var notes = melody.Notes;
        int noteIdx = 0, cutIdx = 0;
        var buckets = starts.Select(_ => new List<(Duration At, object Item)>()).ToList();
        int MeasureOf(Duration at)
        {
            if (at >= end) return starts.Count - 1;
            int i = starts.BinarySearch(at);
            return i >= 0 ? i : Math.Max(0, ~i - 1);
        }
        Duration Anchor(Duration at, int k) => at >= end ? end : at < starts[k] ? starts[k] : at;
        foreach (var t in melody.Tempos)
        {
            int k = MeasureOf(t.At);
            buckets[k].Add((Anchor(t.At, k), new TempoItem(t, (t.At - Anchor(t.At, k)).Quarters)));
        }
        foreach (var c in melody.Chords)
        {
            int k = MeasureOf(c.At);
            buckets[k].Add((Anchor(c.At, k), new HarmonyItem(c.Chord, (c.At - Anchor(c.At, k)).Quarters)));
        }
        for (int k = 0; k < starts.Count; k++)
        {
            var ms = starts[k];
            var me = ends[k];
            bool last = k == starts.Count - 1;
            w.WriteStartElement("measure");
            w.WriteAttributeString("number", (pickup ? k : k + 1).ToString(ci));
            if (pickup && k == 0) w.WriteAttributeString("implicit", "yes");

            // Attributes: everything at the start; later only meter changes.
            var meterHere = melody.Meters.FirstOrDefault(m => m.At == (k == 0 ? Duration.Zero : ms));
            if (k == 0 || meterHere is not null)
            {
                w.WriteStartElement("attributes");
                if (k == 0)
                {
                    w.WriteElementString("divisions", div.ToString(ci));
                    if (melody.Key is { } key)
                    {
                        w.WriteStartElement("key");
                        w.WriteElementString("fifths", key.Fifths.ToString(ci));
                        w.WriteElementString("mode", ModeName(key.Mode));
                        w.WriteEndElement();
                    }
                }
                if (meterHere is not null)
                {
                    w.WriteStartElement("time");
                    w.WriteElementString("beats", meterHere.Meter.Numerator.ToString(ci));
                    w.WriteElementString("beat-type", meterHere.Meter.Denominator.ToString(ci));
                    w.WriteEndElement();
                }
                else if (k == 0)
                {
                    w.WriteStartElement("time");
                    w.WriteElementString("senza-misura", "");
                    w.WriteEndElement();
                }
                if (k == 0) WriteClef(w, melody);
                w.WriteEndElement();
            }

            // Tempo changes and chords of this measure at their positions (bucketed once, above); a tempo at 0 before a
            // pickup goes at the pickup's start, and anything at or beyond the end at the end of the last measure with an offset.
            var items = buckets[k];

            // Cut points: the measure's ends, note starts and ends, chord and tempo changes.
            var cuts = new SortedSet<Duration> { ms, me };
            while (cutIdx < notes.Length && notes[cutIdx].End <= ms) cutIdx++;
            for (int i = cutIdx; i < notes.Length && notes[i].Start < me; i++)
            {
                if (notes[i].Start > ms) cuts.Add(notes[i].Start);
                if (notes[i].End < me) cuts.Add(notes[i].End);
            }
            foreach (var (at, _) in items) if (at > ms && at < me) cuts.Add(at);
            var points = cuts.ToList();

            var alters = new Dictionary<(Step, int), int>();
            var measureItems = new List<object>();
            for (int p = 0; p + 1 < points.Count; p++)
            {
                var a = points[p];
                var b = points[p + 1];
                foreach (var (_, item) in items.Where(x => x.At == a)) measureItems.Add(item);
                while (noteIdx < notes.Length && notes[noteIdx].End <= a) noteIdx++;
                var pieces = NoteValues.Split(b - a);
                if (noteIdx < notes.Length && notes[noteIdx].Start <= a)
                {
                    var note = notes[noteIdx];
                    for (int j = 0; j < pieces.Count; j++)
                    {
                        var item = new NoteItem(note.Pitch, pieces[j], note.Velocity)
                        {
                            TieStop = j > 0 || a > note.Start,
                            TieStart = j < pieces.Count - 1 || b < note.End,
                        };
                        if (!item.TieStop) item.Accidental = Accidental(note.Pitch, melody.Key, alters);
                        measureItems.Add(item);
                    }
                }
                else
                {
                    foreach (var piece in pieces) measureItems.Add(new NoteItem(null, piece, 0));
                }
            }
            if (last) foreach (var (_, item) in items.Where(x => x.At == end)) measureItems.Add(item);
            MarkTuplets(measureItems.OfType<NoteItem>());

            foreach (var item in measureItems)
            {
                switch (item)
                {
                    case TempoItem t: WriteTempo(w, t, Dur); break;
                    case HarmonyItem h: WriteHarmony(w, h, Dur); break;
                    case NoteItem n: WriteNote(w, n, Dur); break;
                }
            }
            if (last)
            {
                w.WriteStartElement("barline");
                w.WriteAttributeString("location", "right");
                w.WriteElementString("bar-style", "light-heavy");
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }
        w.WriteEndElement(); // part
        w.WriteEndElement(); // score-partwise
        w.WriteEndDocument();
    }

    /// <summary>The MusicXML <c>&lt;mode&gt;</c> value of a mode.</summary>
    public static string ModeName(Mode mode) => mode.ToString().ToLowerInvariant();

    private static void WriteClef(XmlWriter w, Melody melody)
    {
        var sorted = melody.Notes.Select(n => n.Pitch.Number).Order().ToList();
        bool bass = sorted.Count > 0 && sorted[sorted.Count / 2] < 55;
        w.WriteStartElement("clef");
        w.WriteElementString("sign", bass ? "F" : "G");
        w.WriteElementString("line", bass ? "4" : "2");
        w.WriteEndElement();
    }

    private static string? Accidental(Pitch pitch, Key? key, Dictionary<(Step, int), int> alters)
    {
        var name = pitch.Name;
        int current = alters.TryGetValue((name.Step, pitch.Octave), out var a) ? a
            : key?.Scale.Names.First(n => n.Step == name.Step).Alter ?? 0;
        if (current == name.Alter) return null;
        alters[(name.Step, pitch.Octave)] = name.Alter;
        return name.Alter switch { 2 => "double-sharp", 1 => "sharp", 0 => "natural", -1 => "flat", _ => "flat-flat" };
    }

    // Brackets over runs of tuplet notes: a run closes when its total length is a plain binary value again.
    private static void MarkTuplets(IEnumerable<NoteItem> notes)
    {
        NoteItem? first = null, previous = null;
        Rational total = Rational.Zero;
        void Close(NoteItem lastItem)
        {
            if (first is not null && !ReferenceEquals(first, lastItem))
            {
                first.TupletStart = true;
                lastItem.TupletStop = true;
            }
            first = null;
        }
        foreach (var n in notes)
        {
            if (!n.Value.IsTuplet)
            {
                if (first is not null) Close(previous!);
                previous = n;
                continue;
            }
            if (first is not null && first.Value.ActualNotes != n.Value.ActualNotes) Close(previous!);
            if (first is null)
            {
                first = n;
                total = Rational.Zero;
            }
            total += n.Value.Length.Quarters;
            previous = n;
            if ((total.Denominator & (total.Denominator - 1)) == 0) Close(n);
        }
        if (first is not null) Close(previous!);
    }

    private static void WriteNote(XmlWriter w, NoteItem n, Func<Rational, string> dur)
    {
        var ci = CultureInfo.InvariantCulture;
        w.WriteStartElement("note");
        if (n.Pitch is not null && n.Velocity != Note.DefaultVelocity)
            w.WriteAttributeString("dynamics", (n.Velocity * 100.0 / 90.0).ToString("R", ci));
        if (n.Pitch is { } p)
        {
            w.WriteStartElement("pitch");
            w.WriteElementString("step", p.Name.Step.ToString());
            if (p.Name.Alter != 0) w.WriteElementString("alter", p.Name.Alter.ToString(ci));
            w.WriteElementString("octave", p.Octave.ToString(ci));
            w.WriteEndElement();
        }
        else
        {
            w.WriteStartElement("rest");
            w.WriteEndElement();
        }
        w.WriteElementString("duration", dur(n.Value.Length.Quarters));
        if (n.TieStop) { w.WriteStartElement("tie"); w.WriteAttributeString("type", "stop"); w.WriteEndElement(); }
        if (n.TieStart) { w.WriteStartElement("tie"); w.WriteAttributeString("type", "start"); w.WriteEndElement(); }
        w.WriteElementString("voice", "1");
        w.WriteElementString("type", n.Value.Type);
        for (int i = 0; i < n.Value.Dots; i++) { w.WriteStartElement("dot"); w.WriteEndElement(); }
        if (n.Accidental is { } acc) w.WriteElementString("accidental", acc);
        if (n.Value.IsTuplet)
        {
            w.WriteStartElement("time-modification");
            w.WriteElementString("actual-notes", n.Value.ActualNotes.ToString(ci));
            w.WriteElementString("normal-notes", n.Value.NormalNotes.ToString(ci));
            w.WriteEndElement();
        }
        if (n.TieStop || n.TieStart || n.TupletStart || n.TupletStop)
        {
            w.WriteStartElement("notations");
            if (n.TieStop) { w.WriteStartElement("tied"); w.WriteAttributeString("type", "stop"); w.WriteEndElement(); }
            if (n.TieStart) { w.WriteStartElement("tied"); w.WriteAttributeString("type", "start"); w.WriteEndElement(); }
            if (n.TupletStart) { w.WriteStartElement("tuplet"); w.WriteAttributeString("type", "start"); w.WriteAttributeString("bracket", "yes"); w.WriteEndElement(); }
            if (n.TupletStop) { w.WriteStartElement("tuplet"); w.WriteAttributeString("type", "stop"); w.WriteEndElement(); }
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    private static void WriteTempo(XmlWriter w, TempoItem t, Func<Rational, string> dur)
    {
        var ci = CultureInfo.InvariantCulture;
        w.WriteStartElement("direction");
        w.WriteAttributeString("placement", "above");
        w.WriteStartElement("direction-type");
        w.WriteStartElement("metronome");
        w.WriteAttributeString("parentheses", "no");
        w.WriteElementString("beat-unit", "quarter");
        w.WriteElementString("per-minute", Math.Round(t.Tempo.Bpm, 2).ToString("0.##", ci));
        w.WriteEndElement();
        w.WriteEndElement();
        if (t.Offset.Sign > 0) w.WriteElementString("offset", dur(t.Offset));
        w.WriteStartElement("sound");
        w.WriteAttributeString("tempo", TempoText(t.Tempo));
        w.WriteEndElement();
        w.WriteEndElement();
    }

    /// <summary>The shortest decimal BPM that reads back (rounded to whole microseconds per quarter) as the same tempo.</summary>
    public static string TempoText(TempoChange tempo)
    {
        ArgumentNullException.ThrowIfNull(tempo);
        for (int digits = 0; digits <= 12; digits++)
        {
            double bpm = Math.Round(tempo.Bpm, digits);
            if (bpm > 0 && Math.Round(60_000_000.0 / bpm) == tempo.MicrosecondsPerQuarter)
                return bpm.ToString("0." + new string('#', Math.Max(1, digits)), CultureInfo.InvariantCulture);
        }
        return tempo.Bpm.ToString("R", CultureInfo.InvariantCulture);
    }

    private static void WriteHarmony(XmlWriter w, HarmonyItem h, Func<Rational, string> dur)
    {
        var ci = CultureInfo.InvariantCulture;
        var x = MusicXmlHarmony.From(h.Chord);
        w.WriteStartElement("harmony");
        w.WriteStartElement("root");
        w.WriteElementString("root-step", x.Root.Step.ToString());
        if (x.Root.Alter != 0) w.WriteElementString("root-alter", x.Root.Alter.ToString(ci));
        w.WriteEndElement();
        w.WriteStartElement("kind");
        if (x.Text is not null) w.WriteAttributeString("text", x.Text);
        w.WriteString(x.Kind);
        w.WriteEndElement();
        if (x.Bass is { } bass)
        {
            w.WriteStartElement("bass");
            w.WriteElementString("bass-step", bass.Step.ToString());
            if (bass.Alter != 0) w.WriteElementString("bass-alter", bass.Alter.ToString(ci));
            w.WriteEndElement();
        }
        foreach (var d in x.Degrees)
        {
            w.WriteStartElement("degree");
            w.WriteElementString("degree-value", d.Value.ToString(ci));
            w.WriteElementString("degree-alter", d.Alter.ToString(ci));
            w.WriteElementString("degree-type", d.Type);
            w.WriteEndElement();
        }
        if (h.Offset.Sign > 0) w.WriteElementString("offset", dur(h.Offset));
        w.WriteEndElement();
    }
}
