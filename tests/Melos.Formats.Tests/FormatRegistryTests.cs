using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Melos.Formats.Audio;
using Melos.Formats.MusicXml;
using Melos.Formats.Tests.Abc;
using Melos.Music;

namespace Melos.Formats.Tests;

/// <summary>The one place that chooses a melody file format by its ending, reads, writes and writes atomically.</summary>
public sealed class FormatRegistryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-registry-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static FormatRegistry Formats => FormatRegistry.Default;

    private const string Readable = ".mid, .midi, .abc, .musicxml, .xml, .mxl";

    private static Melody Tune() => AbcRoundTripProperties.Build([1, 5, 9, 40, 77, 3, 120, 18], 3, 1, 1, 2, false, false);

    // What every readable format keeps: the notes (pitch, onset, length), key, meters, tempi, chords and length.
    private static bool SameMusic(Melody a, Melody b) =>
        a.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)).SequenceEqual(b.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length))) &&
        a.Key == b.Key && a.Meters.SequenceEqual(b.Meters) && a.Tempos.SequenceEqual(b.Tempos) && a.Chords.SequenceEqual(b.Chords) && a.Length == b.Length;

    public static TheoryData<string> ReadWriteEndings() => [.. Formats.Readable.Where(f => f.CanWrite).SelectMany(f => f.Endings)];

    [Fact]
    public void The_default_formats_and_their_endings_are_registered_once()
    {
        Assert.Equal(["mid", "abc", "musicxml", "wav", "flac", "mp3", "ogg"], Formats.All.Select(f => f.Name));
        Assert.Equal(Readable.Split(", "), Formats.ReadableEndings);
        Assert.Equal([".mid", ".midi", ".abc", ".musicxml", ".xml", ".mxl", ".wav"], Formats.WritableEndings);
        Assert.Equal(Formats.All.SelectMany(f => f.Endings).Count(), Formats.All.SelectMany(f => f.Endings).Distinct().Count());
        Assert.Equal(Formats.ReadableEndings, NotesReaders.All.SelectMany(r => r.Format.Endings));
    }

    [Property(MaxTest = 60)]
    public Property Every_readable_format_reads_back_what_it_wrote_under_each_of_its_endings(NonEmptyArray<byte> cells, byte key, byte meter, byte pickup, byte tempo, bool flats)
    {
        var melody = AbcRoundTripProperties.Build(cells.Get, key, meter, pickup, tempo, false, flats);
        var failures = new List<string>();
        foreach (var ending in ReadWriteEndings())
        {
            var path = Path.Combine(_dir, "m" + ending);
            Formats.Write(path, melody);
            var back = Formats.Read(path);
            if (!SameMusic(melody, back)) failures.Add($"{ending}: {MusicXml.MusicXmlRoundTripProperties.Show(back)}");
            var fromBytes = Formats.ForReading(path).Read(File.ReadAllBytes(path), path);
            if (!SameMusic(melody, fromBytes)) failures.Add($"{ending} from bytes: {MusicXml.MusicXmlRoundTripProperties.Show(fromBytes)}");
        }
        return (failures.Count == 0).ToProperty().Label("expected " + MusicXml.MusicXmlRoundTripProperties.Show(melody) + "\n" + string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(ReadWriteEndings))]
    public void A_written_file_reads_back_with_its_path_as_source_and_leaves_no_temporary_file(string ending)
    {
        var path = Path.Combine(_dir, "tune" + ending);
        Formats.Write(path, Tune());
        var back = Formats.Read(path);
        Assert.True(SameMusic(Tune(), back));
        Assert.StartsWith(path, back.Info.Source); // ABC adds the tune: PATH#X:1
        Assert.Equal(["tune" + ending], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Abc_reads_the_tune_asked_for_and_writes_the_tune_number_given()
    {
        var path = Path.Combine(_dir, "two.abc");
        File.WriteAllText(path, "X:1\nT:One\nK:C\nCDEF|]\n\nX:7\nT:Seven\nK:G\nGABc|]\n");
        Assert.Equal("One", Formats.Read(path).Info.Title);
        Assert.Equal("Seven", Formats.Read(path, new MelodyReadOptions { Tune = 7 }).Info.Title);
        Assert.True(MelodyFormat.Abc.HoldsManyTunes);
        Assert.False(MelodyFormat.Midi.HoldsManyTunes);
        var text = System.Text.Encoding.UTF8.GetString(MelodyFormat.Abc.Write(Tune(), new MelodyWriteOptions { TuneNumber = 12 }));
        Assert.StartsWith("X:12\n", text);
    }

    [Theory]
    [InlineData("song.MID", "mid")]
    [InlineData("song.Midi", "mid")]
    [InlineData("tunes.ABC", "abc")]
    [InlineData("score.MusicXML", "musicxml")]
    [InlineData("score.XML", "musicxml")]
    [InlineData("score.MXL", "musicxml")]
    [InlineData("take.WAV", "wav")]
    public void Endings_are_found_in_any_case(string path, string name)
    {
        Assert.Equal(name, Formats.Find(path)?.Name);
        Assert.Equal(name, Formats.Find(Path.Combine("a.b", path))?.Name);
    }

    [Fact]
    public void Files_with_endings_in_capitals_are_written_and_read_and_mxl_is_compressed()
    {
        var upper = Path.Combine(_dir, "LOUD.MXL");
        Formats.Write(upper, Tune());
        Assert.Equal("PK"u8.ToArray(), File.ReadAllBytes(upper)[..2]);
        Assert.True(SameMusic(Tune(), Formats.Read(upper)));
        Assert.Equal(MusicXmlWriter.CompressedMediaType, MelodyFormat.MusicXml.MediaTypeOf(".mxl"));
        var plain = Path.Combine(_dir, "Plain.MusicXml");
        Formats.Write(plain, Tune());
        Assert.Equal((byte)'<', File.ReadAllBytes(plain)[0]);
        Assert.True(SameMusic(Tune(), Formats.Read(plain)));
    }

    [Theory]
    [InlineData("notes.txt", "cannot read '.txt' files; readable: " + Readable)]
    [InlineData("take.wav", "cannot read '.wav' files; readable: " + Readable)]
    [InlineData("README", "cannot read 'README': it has no file name ending; readable: " + Readable)]
    public void An_ending_no_reader_has_is_one_error_listing_the_readable_endings(string name, string message)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, "not music");
        var e = Assert.Throws<UnknownFormatException>(() => Formats.Read(path));
        Assert.Equal(message.Replace("'README'", $"'{path}'", StringComparison.Ordinal), e.Message);
        Assert.Equal(Readable.Split(", "), e.Known);
        Assert.IsAssignableFrom<FormatException>(e);
        Assert.Equal(e.Message, Assert.Throws<UnknownFormatException>(() => NotesReaders.ForReading(path)).Message);
    }

    [Fact]
    public void An_ending_no_writer_has_is_refused_before_anything_is_written()
    {
        var path = Path.Combine(_dir, "out.pdf");
        var e = Assert.Throws<UnknownFormatException>(() => Formats.Write(path, Tune()));
        Assert.Equal("cannot write '.pdf' files; writable: .mid, .midi, .abc, .musicxml, .xml, .mxl, .wav", e.Message);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void A_missing_file_of_a_known_format_is_file_not_found()
    {
        var path = Path.Combine(_dir, "none.abc");
        Assert.Equal($"file not found: {path}", Assert.Throws<FileNotFoundException>(() => Formats.Read(path)).Message);
    }

    [Fact]
    public void A_failed_write_leaves_the_old_file_and_no_temporary_file()
    {
        var path = Path.Combine(_dir, "keep.musicxml");
        File.WriteAllText(path, "old");
        // A note of 1/4096 of a quarter: MusicXML cannot notate it, so writing fails.
        var unnotatable = Melody.Create([new Note(Pitch.Parse("C4"), Duration.Zero, Duration.FromQuarters(1, 4096))]);
        Assert.Throws<MusicXmlNotationException>(() => Formats.Write(path, unnotatable));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["keep.musicxml"], Directory.GetFiles(_dir).Select(Path.GetFileName));

        // A failure while the bytes are going to disk: the same.
        var e = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write("new, but cut short"u8);
            throw new InvalidOperationException("disk gone");
        }));
        Assert.Equal("disk gone", e.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["keep.musicxml"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void An_atomic_write_replaces_the_file_whole_and_its_temporary_name_is_hidden_beside_it()
    {
        var path = Path.Combine(_dir, "a.bin");
        File.WriteAllText(path, "a much longer old content");
        AtomicFile.WriteAllBytes(path, [1, 2, 3]);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal(["a.bin"], Directory.GetFiles(_dir).Select(Path.GetFileName));
        var temp = AtomicFile.TempPathFor(path);
        Assert.Equal(_dir, Path.GetDirectoryName(temp));
        Assert.StartsWith(".a.bin.", Path.GetFileName(temp));
        Assert.NotEqual(temp, AtomicFile.TempPathFor(path));
    }

    [Fact]
    public void Wav_is_written_by_the_chosen_synthesizer_and_a_missing_one_is_found_before_writing()
    {
        var path = Path.Combine(_dir, "m.wav");
        Formats.Write(path, Tune(), new MelodyWriteOptions { Audio = new WavWriteOptions { SynthOptions = SynthOptions.Default with { Format = new WavFormat(22_050, 1) } } });
        var info = WavReader.ReadHeader(path);
        Assert.Equal((1, 22_050), (info.Channels, info.SampleRate));
        var fluid = new MelodyWriteOptions { Audio = new WavWriteOptions { Synth = SynthKind.FluidSynth, SoundFont = "/nowhere/gm.sf2" } };
        Assert.ThrowsAny<SynthesizerException>(() => FormatRegistry.CheckWrite([MelodyFormat.Wav], fluid));
        FormatRegistry.CheckWrite([MelodyFormat.Midi, MelodyFormat.MusicXml], fluid); // only audio needs the synthesizer
    }

    [Theory]
    [InlineData("mid", "mid")]
    [InlineData("MIDI", "mid")]
    [InlineData(".musicxml", "musicxml")]
    [InlineData("mxl", "musicxml")]
    [InlineData(" wav ", "wav")]
    [InlineData("pdf", null)]
    public void Formats_are_named_by_name_or_ending(string name, string? expected) => Assert.Equal(expected, Formats.Named(name)?.Name);

    /// <summary>A format another project would own: plain text, written only.</summary>
    private sealed class TextFormat(string name = "txt", string ending = ".txt") : MelodyFormat(name, "note list", [ending], "text/plain")
    {
        public override bool CanWrite => true;

        public override byte[] Write(Melody melody, MelodyWriteOptions? options = null, string? ending = null) =>
            System.Text.Encoding.UTF8.GetBytes(string.Join(' ', melody.Notes.Select(n => n.Pitch)));
    }

    [Fact]
    public void Another_project_adds_a_writer_without_changing_the_default_registry()
    {
        var more = Formats.With(new TextFormat());
        Assert.Equal(["mid", "abc", "musicxml", "wav", "flac", "mp3", "ogg", "txt"], more.All.Select(f => f.Name));
        Assert.Null(Formats.Find("a.txt"));
        var stem = Path.Combine(_dir, "m");
        var written = more.Write(stem, Tune(), [more.Named("txt")!, MelodyFormat.Midi]);
        Assert.Equal([stem + ".mid", stem + ".txt"], written);
        Assert.Equal(string.Join(' ', Tune().Notes.Select(n => n.Pitch)), File.ReadAllText(stem + ".txt"));
        Assert.Contains("cannot read '.txt' files", Assert.Throws<UnknownFormatException>(() => more.Read(stem + ".txt")).Message);
        Assert.Throws<ArgumentException>(() => more.With(new TextFormat()));
        Assert.Throws<ArgumentException>(() => Formats.With(new TextFormat("midi2", ".MIDI")));
        Assert.Throws<ArgumentException>(() => Formats.Targets(stem, [new TextFormat()]));
    }
}
