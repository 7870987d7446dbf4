using Melos.Formats.MusicXml;
using Melos.Music;

namespace Melos.Formats.Tests.MusicXml;

/// <summary>Ordinary MusicXML (as other programs write it) and malformed documents.</summary>
public sealed class MusicXmlReaderTests
{
    private static string Score(string measures, string partList = "<part-list><score-part id=\"P1\"><part-name>A</part-name></score-part></part-list>", string head = "") =>
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE score-partwise PUBLIC \"-//Recordare//DTD MusicXML 3.1 Partwise//EN\" \"http://www.musicxml.org/dtds/partwise.dtd\">\n" +
        $"<score-partwise version=\"3.1\">{head}{partList}<part id=\"P1\">{measures}</part></score-partwise>";

    private static string N(string step, int octave, int duration, string extra = "", int alter = 0, string before = "") =>
        $"<note>{before}<pitch><step>{step}</step>{(alter != 0 ? $"<alter>{alter}</alter>" : "")}<octave>{octave}</octave></pitch><duration>{duration}</duration>{extra}</note>";

    private static string R(int duration) => $"<note><rest/><duration>{duration}</duration></note>";

    private static IEnumerable<(int Pitch, Rational Start, Rational Length)> Line(Melody m) => m.Notes.Select(n => (n.Pitch.Number, n.Start.Quarters, n.Length.Quarters));

    [Fact]
    public void Chords_keep_their_top_note_ties_merge_and_backup_forward_voices_reduce_to_the_top_line()
    {
        // 4/4, divisions 2. Voice 1: C5 quarter, <chord/> E5 above it, G4 half tied into the next bar's G4 quarter.
        // Voice 2 (after a backup): a forward of a dotted quarter, then A5 eighth above voice 1's sustained G4.
        var xml = Score(
            "<measure number=\"1\"><attributes><divisions>2</divisions><key><fifths>0</fifths><mode>major</mode></key><time><beats>4</beats><beat-type>4</beat-type></time></attributes>" +
            N("C", 5, 2, "<voice>1</voice><type>quarter</type>") + N("E", 5, 2, "<voice>1</voice>", before: "<chord/>") +
            N("G", 4, 6, "<tie type=\"start\"/><voice>1</voice>") +
            "<backup><duration>8</duration></backup><forward><duration>3</duration></forward>" +
            N("A", 5, 1, "<voice>2</voice>") + "</measure>" +
            "<measure number=\"2\">" + N("G", 4, 2, "<tie type=\"stop\"/><voice>1</voice>") + R(6) + "</measure>");
        var r = MusicXmlReader.Parse(xml);
        var m = r.Melody;
        // C5 gives way to E5 (top of the chord); G4, tied across the bar line into one note, is cut where A5 starts.
        Assert.Equal(
            [(76, Rational.Zero, Rational.One), (67, Rational.One, new Rational(1, 2)), (81, new Rational(3, 2), new Rational(1, 2))],
            Line(m).ToList());
        Assert.Equal(Duration.FromQuarters(8), m.Length);
        Assert.Contains(r.Issues, i => i.Message.Contains("kept the top line"));
        Assert.Throws<MusicXmlPolyphonyException>(() => MusicXmlReader.Parse(xml, settings: MusicXmlReadSettings.Strict));
        var voice1 = MusicXmlReader.Parse(xml, settings: new MusicXmlReadSettings { Voice = "1" }).Melody;
        Assert.Equal([(76, Rational.Zero, Rational.One), (67, Rational.One, (Rational)4)], Line(voice1).ToList());
    }

    [Fact]
    public void Divisions_change_harmony_degrees_bass_and_metronome_tempo_are_read()
    {
        var xml = Score(
            "<measure number=\"1\"><attributes><divisions>1</divisions><key><fifths>-1</fifths><mode>dorian</mode></key><time><beats>3</beats><beat-type>4</beat-type></time></attributes>" +
            "<direction><direction-type><metronome><beat-unit>quarter</beat-unit><beat-unit-dot/><per-minute>60</per-minute></metronome></direction-type></direction>" +
            "<harmony><root><root-step>G</root-step></root><kind>minor-seventh</kind><bass><bass-step>B</bass-step><bass-alter>-1</bass-alter></bass></harmony>" +
            N("G", 4, 1) + "<attributes><divisions>6</divisions></attributes>" + N("A", 4, 2) + N("B", 4, 2, alter: -1) + N("C", 5, 2) +
            "<harmony><root><root-step>C</root-step></root><kind>dominant</kind><degree><degree-value>9</degree-value><degree-alter>-1</degree-alter><degree-type>add</degree-type></degree><offset>3</offset></harmony>" +
            N("D", 5, 6) + "</measure>");
        var m = MusicXmlReader.Parse(xml, settings: MusicXmlReadSettings.Strict).Melody;
        Assert.Equal(Key.Parse("G dorian"), m.Key);
        Assert.Equal([new MeterChange(Duration.Zero, new TimeSignature(3, 4))], m.Meters.ToList());
        Assert.Equal([(67, Rational.Zero, Rational.One), (69, Rational.One, new Rational(1, 3)), (70, new Rational(4, 3), new Rational(1, 3)),
            (72, new Rational(5, 3), new Rational(1, 3)), (74, (Rational)2, Rational.One)], Line(m).ToList());
        Assert.Equal("Bb4", m.Notes[2].Pitch.ToString());
        // A dotted quarter at 60 is 90 quarters per minute.
        Assert.Equal([new TempoChange(Duration.Zero, 666_667)], m.Tempos.ToList());
        Assert.Equal([new ChordChange(Duration.Zero, ChordSymbol.Parse("Gm7/Bb")), new ChordChange(Duration.FromQuarters(5, 2), ChordSymbol.Parse("C7b9"))], m.Chords.ToList());
    }

    [Fact]
    public void A_short_implicit_first_measure_is_a_pickup_and_repeats_with_endings_are_played_out()
    {
        // 2/4 pickup of an eighth; |: bar A :| with first ending B1, second ending B2.
        var xml = Score(
            "<measure number=\"0\" implicit=\"yes\"><attributes><divisions>2</divisions><time><beats>2</beats><beat-type>4</beat-type></time></attributes>" +
            "<direction><sound tempo=\"100\"/></direction>" + N("G", 4, 1) + "</measure>" +
            "<measure number=\"1\"><barline location=\"left\"><repeat direction=\"forward\"/></barline>" + N("A", 4, 4) + "</measure>" +
            "<measure number=\"2\"><barline location=\"left\"><ending number=\"1\" type=\"start\"/></barline>" + N("B", 4, 4) +
            "<barline location=\"right\"><ending number=\"1\" type=\"stop\"/><repeat direction=\"backward\"/></barline></measure>" +
            "<measure number=\"3\"><barline location=\"left\"><ending number=\"2\" type=\"start\"/></barline>" + N("C", 5, 4) + "</measure>");
        var m = MusicXmlReader.Parse(xml, settings: MusicXmlReadSettings.Strict).Melody;
        var half = new Rational(3, 2);
        Assert.Equal([(67, half, new Rational(1, 2)), (69, (Rational)2, (Rational)2), (71, (Rational)4, (Rational)2),
            (69, (Rational)6, (Rational)2), (72, (Rational)8, (Rational)2)], Line(m).ToList());
        Assert.Equal([new TempoChange(Duration.Zero, 600_000)], m.Tempos.ToList()); // the tempo at the pickup's start stays at zero
        Assert.Equal(Duration.FromQuarters(10), m.Length);
    }

    [Fact]
    public void Timewise_scores_and_transposing_parts_are_read_as_sounding_pitch()
    {
        var xml = "<score-timewise><part-list><score-part id=\"P1\"/><score-part id=\"P2\"/></part-list>" +
            "<measure number=\"1\"><part id=\"P1\"><attributes><divisions>1</divisions></attributes>" + N("C", 4, 4) + "</part>" +
            "<part id=\"P2\"><attributes><divisions>1</divisions><transpose><diatonic>-1</diatonic><chromatic>-2</chromatic></transpose></attributes>" + N("E", 5, 4) + "</part></measure></score-timewise>";
        var second = MusicXmlReader.Parse(xml, settings: MusicXmlReadSettings.Strict with { PartId = "P2" });
        Assert.Equal(2, second.PartCount);
        Assert.Equal("D5", second.Melody.Notes.Single().Pitch.ToString()); // a B-flat instrument's written E sounds D
        Assert.Equal(60, MusicXmlReader.Parse(xml).Melody.Notes.Single().Pitch.Number);
        Assert.Throws<MusicXmlPartNotFoundException>(() => MusicXmlReader.Parse(xml, settings: new MusicXmlReadSettings { PartIndex = 2 }));
    }

    [Fact]
    public void Xml_that_is_not_well_formed_names_the_file_line_and_column()
    {
        var e = Assert.Throws<MusicXmlSyntaxException>(() => MusicXmlReader.Parse("<score-partwise>\n<part id=\"P1\">\n<measure></part>\n</score-partwise>", "bad.musicxml"));
        Assert.Equal("bad.musicxml", e.File);
        Assert.Equal(3, e.Line);
        Assert.StartsWith("bad.musicxml:3:", e.Message);
        var root = Assert.Throws<MusicXmlSyntaxException>(() => MusicXmlReader.Parse("<html/>"));
        Assert.Contains("<score-partwise>", root.Expected);
        Assert.Throws<MusicXmlSyntaxException>(() => MusicXmlReader.Parse("<score-partwise/>"));
        Assert.Throws<MusicXmlSyntaxException>(() => MusicXmlReader.Read([(byte)'P', (byte)'K', 3, 4, 0, 0]));
    }

    public static TheoryData<string, Type, int> Faults => new()
    {
        { "<measure>" + N("C", 4, 1) + "</measure>", typeof(MusicXmlDivisionsException), 1 },
        { "<measure><attributes><divisions>0</divisions></attributes>" + N("C", 4, 1) + "</measure>", typeof(MusicXmlDivisionsException), 1 },
        { "<measure><attributes><divisions>1</divisions></attributes><note><pitch><step>C</step><octave>4</octave></pitch><type>half</type></note></measure>", typeof(MusicXmlDurationException), 1 },
        { "<measure><attributes><divisions>1</divisions></attributes>" + N("H", 4, 1) + "</measure>", typeof(MusicXmlPitchException), 0 },
        { "<measure><attributes><divisions>1</divisions></attributes>" + N("A", 9, 1) + "</measure>", typeof(MusicXmlPitchException), 0 },
        { "<measure><attributes><divisions>1</divisions></attributes>" + N("C", 4, 1, "<tie type=\"stop\"/>") + "</measure>", typeof(MusicXmlTieException), 1 },
        { "<measure><attributes><divisions>1</divisions></attributes>" + N("C", 4, 1, "<tie type=\"start\"/>") + N("D", 4, 1) + "</measure>", typeof(MusicXmlTieException), 2 },
        { "<measure><attributes><divisions>1</divisions><time><beats>3</beats><beat-type>5</beat-type></time></attributes>" + N("C", 4, 1) + "</measure>", typeof(MusicXmlValueException), 1 },
        { "<measure><attributes><divisions>1</divisions><key><fifths>1</fifths><mode>bogus</mode></key></attributes>" + N("C", 4, 1) + "</measure>", typeof(MusicXmlValueException), 1 },
        { "<measure><attributes><divisions>1</divisions></attributes><harmony><root><root-step>X</root-step></root><kind>major</kind></harmony>" + N("C", 4, 1) + "</measure>", typeof(MusicXmlValueException), 1 },
        { "<measure><attributes><divisions>1</divisions></attributes>" + N("C", 4, 1) + "<backup><duration>3</duration></backup>" + N("E", 4, 1) + "</measure>", typeof(MusicXmlDurationException), 1 },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void Each_fault_throws_its_exception_with_a_line_when_strict_and_is_repaired_and_reported_when_lenient(string measures, Type exception, int notesWhenLenient)
    {
        var xml = Score(measures).Replace("><", ">\n<");
        var e = Assert.Throws(exception, () => MusicXmlReader.Parse(xml, "f.musicxml", MusicXmlReadSettings.Strict));
        var fault = Assert.IsAssignableFrom<MusicXmlFormatException>(e);
        Assert.True(fault.Line > 1, fault.Message);
        Assert.Contains("expected", fault.Message);
        var lenient = MusicXmlReader.Parse(xml, "f.musicxml");
        Assert.NotEmpty(lenient.Issues);
        Assert.All(lenient.Issues, i => Assert.True(i.Line > 1 && i.File == "f.musicxml", i.ToString()));
        Assert.Equal(notesWhenLenient, lenient.Melody.Notes.Length);
    }

    [Fact]
    public void Grace_notes_take_no_time_and_dynamics_give_velocities()
    {
        var xml = Score("<measure><attributes><divisions>1</divisions></attributes><note><grace/><pitch><step>D</step><octave>4</octave></pitch><type>eighth</type></note>" +
            "<direction><sound dynamics=\"50\"/></direction>" + N("C", 4, 1) + "<note dynamics=\"100\"><pitch><step>E</step><octave>4</octave></pitch><duration>1</duration></note></measure>");
        var m = MusicXmlReader.Parse(xml, settings: MusicXmlReadSettings.Strict).Melody;
        Assert.Equal([(60, Rational.Zero, Rational.One), (64, Rational.One, Rational.One)], Line(m).ToList());
        Assert.Equal([45, 90], m.Notes.Select(n => n.Velocity));
    }
}
