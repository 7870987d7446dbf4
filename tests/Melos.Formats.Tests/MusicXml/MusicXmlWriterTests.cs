using System.Xml.Linq;
using Melos.Formats.MusicXml;
using Melos.Music;

namespace Melos.Formats.Tests.MusicXml;

/// <summary>Hand-computed documents: what the writer puts where.</summary>
public sealed class MusicXmlWriterTests
{
    private static Note N(string pitch, Rational start, Rational length) => new(Pitch.Parse(pitch), Duration.FromQuarters(start), Duration.FromQuarters(length));

    // 3/4 in E minor: a quarter pickup B4; bar 1: a triplet-eighth run E5 F#5 G5 then A5 tied over the bar line
    // (2 quarters in bar 1 + 1/2 in bar 2), then D#5 (accidental) and a rest to the end of bar 2.
    private static Melody Sample() => Melody.Create(
        [N("B4", 2, 1), N("E5", 3, new Rational(1, 3)), N("F#5", new Rational(10, 3), new Rational(1, 3)), N("G5", new Rational(11, 3), new Rational(1, 3)),
         N("A5", 4, new Rational(5, 2)), N("D#5", new Rational(13, 2), new Rational(1, 2))],
        Key.Parse("Em"), [new MeterChange(Duration.Zero, new TimeSignature(3, 4))], [TempoChange.FromBpm(Duration.Zero, 90)],
        [new ChordChange(Duration.FromQuarters(3), ChordSymbol.Parse("Em")), new ChordChange(Duration.FromQuarters(6), ChordSymbol.Parse("B7/D#"))],
        new MelodyInfo { Title = "Sample" }, Duration.FromQuarters(9));

    [Fact]
    public void A_pickup_triplets_a_tie_over_the_bar_line_accidentals_and_chords_are_written_as_notation_expects()
    {
        var doc = XDocument.Parse(MusicXmlWriter.Write(Sample()));
        var root = doc.Root!;
        Assert.Equal("4.0", (string?)root.Attribute("version"));
        Assert.Equal("Sample", root.Element("work")!.Element("work-title")!.Value);
        var measures = root.Element("part")!.Elements("measure").ToList();
        Assert.Equal(["0", "1", "2"], measures.Select(m => (string)m.Attribute("number")!));
        Assert.Equal("yes", (string?)measures[0].Attribute("implicit"));
        var attrs = measures[0].Element("attributes")!;
        Assert.Equal("6", attrs.Element("divisions")!.Value); // triplet eighths (1/3 quarter) and an eighth (1/2)
        Assert.Equal("1", attrs.Element("key")!.Element("fifths")!.Value);
        Assert.Equal("minor", attrs.Element("key")!.Element("mode")!.Value);
        Assert.Equal(("3", "4"), (attrs.Element("time")!.Element("beats")!.Value, attrs.Element("time")!.Element("beat-type")!.Value));
        Assert.Equal("90", measures[0].Descendants("sound").Single().Attribute("tempo")!.Value);

        // Pickup: one quarter, no leading rest.
        Assert.Equal(["quarter"], measures[0].Elements("note").Select(n => n.Element("type")!.Value));

        // Bar 1: Em chord first, three triplet eighths under one bracket, A5 as a half tied onward.
        var bar1 = measures[1].Elements().Where(e => e.Name != "attributes").ToList();
        Assert.Equal("harmony", bar1[0].Name.LocalName);
        Assert.Equal(("E", "minor", "m"), (bar1[0].Element("root")!.Element("root-step")!.Value, bar1[0].Element("kind")!.Value, (string)bar1[0].Element("kind")!.Attribute("text")!));
        var notes1 = measures[1].Elements("note").ToList();
        Assert.Equal(["2", "2", "2", "12"], notes1.Select(n => n.Element("duration")!.Value));
        Assert.Equal(["eighth", "eighth", "eighth", "half"], notes1.Select(n => n.Element("type")!.Value));
        Assert.All(notes1.Take(3), n => Assert.Equal(("3", "2"), (n.Element("time-modification")!.Element("actual-notes")!.Value, n.Element("time-modification")!.Element("normal-notes")!.Value)));
        Assert.Equal(["start", null, "stop", null], notes1.Select(n => (string?)n.Descendants("tuplet").SingleOrDefault()?.Attribute("type")));
        Assert.Equal(["start"], notes1[3].Elements("tie").Select(t => (string)t.Attribute("type")!));
        Assert.Null(notes1[1].Element("accidental")); // F# is in E minor's signature

        // Bar 2: A5's tail (an eighth, tie stop), B7/D# at D#5, then rests.
        var notes2 = measures[2].Elements("note").ToList();
        Assert.Equal(["stop"], notes2[0].Elements("tie").Select(t => (string)t.Attribute("type")!));
        Assert.Equal("eighth", notes2[0].Element("type")!.Value);
        var harmony = measures[2].Element("harmony")!;
        Assert.Equal(("B", "dominant", "D", "1"), (harmony.Element("root")!.Element("root-step")!.Value, harmony.Element("kind")!.Value,
            harmony.Element("bass")!.Element("bass-step")!.Value, harmony.Element("bass")!.Element("bass-alter")!.Value));
        Assert.Equal("sharp", notes2[1].Element("accidental")!.Value);
        Assert.Equal(("D", "1", "5"), (notes2[1].Element("pitch")!.Element("step")!.Value, notes2[1].Element("pitch")!.Element("alter")!.Value, notes2[1].Element("pitch")!.Element("octave")!.Value));
        Assert.NotNull(notes2[2].Element("rest"));
        Assert.Equal(18, notes2.Sum(n => int.Parse(n.Element("duration")!.Value))); // a full 3/4 bar at 6 divisions
        Assert.Equal("light-heavy", measures[2].Element("barline")!.Element("bar-style")!.Value);
    }

    [Fact]
    public void The_sample_reads_back_exactly_and_the_same_melody_gives_the_same_bytes()
    {
        var m = Sample();
        var back = MusicXmlReader.Parse(MusicXmlWriter.Write(m), settings: MusicXmlReadSettings.Strict).Melody;
        Assert.True(MusicXmlRoundTripProperties.SameMusic(m, back), MusicXmlRoundTripProperties.Show(back));
        Assert.Equal(MusicXmlWriter.Write(m), MusicXmlWriter.Write(m));
        Assert.Equal(MusicXmlWriter.WriteCompressed(m), MusicXmlWriter.WriteCompressed(m));
    }

    [Fact]
    public void Without_a_meter_the_score_is_senza_misura_and_reads_back_without_one()
    {
        var m = Melody.Create([N("C4", 0, 3), N("D4", 3, 3)]);
        var xml = MusicXmlWriter.Write(m);
        Assert.Contains("<senza-misura", xml);
        var back = MusicXmlReader.Parse(xml, settings: MusicXmlReadSettings.Strict).Melody;
        Assert.Empty(back.Meters);
        Assert.Null(back.Key);
        Assert.Equal(m.Notes.ToList(), back.Notes.ToList());
        // 4/4 bars still carry the notes: D4 crosses the bar line at 4 and is tied.
        Assert.Equal(2, XDocument.Parse(xml).Descendants("measure").Count());
        Assert.Equal(2, XDocument.Parse(xml).Descendants("tie").Count());
    }

    [Fact]
    public void An_empty_melody_is_one_empty_measure_and_lengths_finer_than_a_1024th_are_refused()
    {
        var back = MusicXmlReader.Parse(MusicXmlWriter.Write(Melody.Empty), settings: MusicXmlReadSettings.Strict).Melody;
        Assert.Empty(back.Notes);
        Assert.Equal(Duration.Zero, back.Length);
        var fine = Melody.Create([N("C4", 0, new Rational(1, 512))]);
        var e = Assert.Throws<MusicXmlNotationException>(() => MusicXmlWriter.Write(fine));
        Assert.Contains("quantize", e.Message);
    }

    [Theory]
    [InlineData("3", "half", 1, 1)]
    [InlineData("5/2", "half+eighth", 0, 1)]
    [InlineData("7/2", "half+eighth", 1, 1)]
    [InlineData("1/3", "eighth", 0, 3)]
    [InlineData("4/3", "half", 0, 3)]
    [InlineData("5/3", "half+eighth", 0, 3)]
    [InlineData("1/5", "16th", 0, 5)]
    [InlineData("1/6", "16th", 0, 3)]
    [InlineData("6", "whole", 1, 1)]
    [InlineData("3/256", "512th", 1, 1)]
    public void Lengths_split_into_these_note_values(string length, string types, int firstDots, int actual)
    {
        var pieces = NoteValues.Split(Duration.Parse(length));
        Assert.Equal(types, string.Join("+", pieces.Select(p => p.Type)));
        Assert.Equal(firstDots, pieces[0].Dots);
        Assert.All(pieces, p => Assert.Equal(actual, p.ActualNotes));
    }

    [Fact]
    public void Files_are_written_plain_or_compressed_by_extension_and_melos_notes_reads_them()
    {
        var dir = Directory.CreateTempSubdirectory("melos-mxl-").FullName;
        try
        {
            var m = Sample();
            foreach (var name in new[] { "a.musicxml", "a.mxl", "a.xml" })
            {
                var path = Path.Combine(dir, name);
                MusicXmlWriter.WriteFile(path, m);
                var back = MusicXmlReader.Load(path, MusicXmlReadSettings.Strict).Melody;
                Assert.True(MusicXmlRoundTripProperties.SameMusic(m, back), name);
                Assert.Equal(path, back.Info.Source);
                var reader = NotesReaders.For(path);
                Assert.IsType<MusicXmlNotesReader>(reader);
                var doc = reader!.Read(path, new NotesReadOptions());
                var track = Assert.Single(doc.Tracks);
                Assert.Equal(m.Notes.Select(n => n.Pitch.Number), track.Notes.Select(n => n.Pitch));
                Assert.Equal(2 * 60.0 / 90, track.Notes[0].Start, 5); // B4 at quarter 2, 90 BPM
            }
            Assert.Equal((byte)'P', File.ReadAllBytes(Path.Combine(dir, "a.mxl"))[0]);
            Assert.Equal((byte)'<', File.ReadAllBytes(Path.Combine(dir, "a.musicxml"))[0]);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
