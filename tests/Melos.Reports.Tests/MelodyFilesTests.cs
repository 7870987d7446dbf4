using Melos.Data.Sources;
using Melos.Formats;
using Melos.Music;
using Melos.Reports.Rendering;

namespace Melos.Reports.Tests;

/// <summary>The piano roll registers beside the formats of Melos.Formats; the corpus sources recognise files by the same endings.</summary>
public sealed class MelodyFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-files-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static Melody Sample() => Melody.Create([new Note(Pitch.Parse("C4"), Duration.Zero, Duration.Half), new Note(Pitch.Parse("G4"), Duration.Half, Duration.Half)], Key.CMajor);

    [Fact]
    public void The_piano_roll_is_registered_after_the_default_formats_and_writes_a_png_atomically()
    {
        var formats = MelodyFiles.Formats;
        Assert.Equal(["mid", "abc", "musicxml", "wav", "flac", "mp3", "ogg", "png"], formats.All.Select(f => f.Name));
        Assert.Equal(FormatRegistry.Default.ReadableEndings, formats.ReadableEndings);
        Assert.Null(FormatRegistry.Default.Find("x.png"));
        Assert.Same(PianoRollFormat.Instance, formats.Find("roll.PNG"));
        var path = Path.Combine(_dir, "roll.png");
        File.WriteAllText(path, "old");
        formats.Write(path, Sample());
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(path)[..4]);
        Assert.Equal(["roll.png"], Directory.GetFiles(_dir).Select(Path.GetFileName));
        Assert.Equal("cannot read '.png' files; readable: .mid, .midi, .abc, .musicxml, .xml, .mxl",
            Assert.Throws<UnknownFormatException>(() => formats.Read(path)).Message);
    }

    [Theory]
    [InlineData("a.MID", typeof(MidiTuneSource))]
    [InlineData("a.midi", typeof(MidiTuneSource))]
    [InlineData("a.Abc", typeof(AbcTuneSource))]
    [InlineData("a.MusicXML", typeof(MusicXmlTuneSource))]
    [InlineData("a.MXL", typeof(MusicXmlTuneSource))]
    [InlineData("a.png", null)]
    [InlineData("a.txt", null)]
    public void Corpus_sources_recognise_files_by_the_registered_endings_in_any_case(string name, Type? source)
    {
        var path = Path.Combine(_dir, name);
        Assert.Equal(source, TuneSources.Default.FirstOrDefault(s => s.CanRead(path))?.GetType());
    }

    [Fact]
    public void An_xml_file_is_musicxml_only_when_it_holds_a_score()
    {
        var score = Path.Combine(_dir, "score.XML");
        FormatRegistry.Default.Write(score, Sample());
        var other = Path.Combine(_dir, "other.xml");
        File.WriteAllText(other, "<config><x/></config>");
        Assert.True(new MusicXmlTuneSource().CanRead(score));
        Assert.False(new MusicXmlTuneSource().CanRead(other));
    }
}
