using Melos.Formats.Midi;
using Melos.Music;
using Melos.Tests;
using static Melos.Formats.Tests.Midi.Smf;

namespace Melos.Formats.Tests.Midi;

public sealed class MidiMelodyTests
{
    private static byte[] Named(string name, params byte[] notes) => Track([0x00, 0xFF, 0x03, (byte)name.Length, .. System.Text.Encoding.ASCII.GetBytes(name), .. notes, .. Eot]);

    private static readonly byte[] C4 = [0x00, 0x90, 60, 100, 0x60, 0x80, 60, 0];
    private static readonly byte[] E4 = [0x00, 0x90, 64, 100, 0x60, 0x80, 64, 0];
    private static readonly byte[] G4 = [0x00, 0x90, 67, 100, 0x60, 0x80, 67, 0];

    [Theory]
    [InlineData("MELODY")]
    [InlineData("melody")]
    [InlineData("Lead")]
    [InlineData("Vocal")]
    [InlineData("Lead Vocals")]
    public void Finds_the_melody_track_by_name(string name)
    {
        byte[] bytes = [.. Header(1, 3, 96), .. Named("Piano", C4), .. Named(name, E4), .. Named("Bass", G4)];
        var file = MidiReader.Read(bytes).File;
        Assert.Equal(1, MidiMelody.ChooseTrack(file));
        Assert.Equal(64, Assert.Single(MidiMelody.FromMidiFile(file).Notes).Pitch.Number);
    }

    [Fact]
    public void Takes_a_track_by_index_or_given_name_and_else_the_first_with_notes()
    {
        byte[] bytes = [.. Header(1, 3, 96), .. Named("Conductor"), .. Named("Piano", C4), .. Named("Bass", G4)];
        var file = MidiReader.Read(bytes).File;
        Assert.Equal(1, MidiMelody.ChooseTrack(file));
        Assert.Equal(2, MidiMelody.ChooseTrack(file, new MidiMelodyReadOptions { TrackName = "bass" }));
        Assert.Equal(67, MidiMelody.FromMidiFile(file, new MidiMelodyReadOptions { TrackIndex = 2 }).Notes[0].Pitch.Number);
        Assert.Throws<ArgumentException>(() => MidiMelody.ChooseTrack(file, new MidiMelodyReadOptions { TrackName = "Violin" }));
        Assert.Throws<ArgumentException>(() => MidiMelody.ChooseTrack(file, new MidiMelodyReadOptions { TrackIndex = 3 }));
        Assert.Equal("Conductor", MidiMelody.FromMidiFile(file).Info.Title);
    }

    [Fact]
    public void Extracts_the_top_line_of_a_polyphonic_track()
    {
        // A C major triad for a quarter, then E alone while C is held; then G over the held C.
        byte[] body = [
            0x00, 0x90, 60, 80, 0x00, 0x90, 64, 80, 0x00, 0x90, 67, 90,
            0x60, 0x80, 67, 0, 0x00, 0x80, 64, 0,
            0x00, 0x90, 62, 70, 0x30, 0x90, 72, 60, 0x30, 0x80, 62, 0, 0x00, 0x80, 72, 0, 0x00, 0x80, 60, 0, .. Eot];
        var file = MidiReader.Read(File0(body)).File;
        var melody = MidiMelody.FromMidiFile(file);
        static Duration T(long ticks) => Duration.FromTicks(ticks, 480);
        Assert.Equal([67, 62, 72], melody.Notes.Select(n => n.Pitch.Number));
        Assert.Equal([(T(0), T(96)), (T(96), T(48)), (T(144), T(48))], melody.Notes.Select(n => (n.Start, n.Length))); // D4 cut where C5 starts
        Assert.Throws<InvalidOperationException>(() => MidiMelody.FromMidiFile(file, new MidiMelodyReadOptions { Polyphony = PolyphonyPolicy.Throw }));
    }

    [Fact]
    public void Chord_track_holds_block_chords_and_their_symbols()
    {
        var melody = Melody.Create([new Note(Pitch.Parse("A4"), Duration.Zero, Duration.Whole)],
            chords: [new ChordChange(Duration.Zero, ChordSymbol.Parse("D/F#")), new ChordChange(Duration.Half, ChordSymbol.Parse("G7"))]);
        var file = MidiMelody.ToMidiFile(melody);
        Assert.Equal(3, file.Tracks.Length);
        Assert.Equal("CHORDS", file.Tracks[2].Name);
        var chordNotes = MidiNotes.Pair(file.Tracks[2]).Notes;
        Assert.Equal([42, 50, 57], chordNotes.Where(n => n.StartTick == 0).Select(n => n.Pitch).Order()); // F#2, D3, A3
        Assert.Equal([55, 59, 62, 65], chordNotes.Where(n => n.StartTick == 960).Select(n => n.Pitch).Order());
        Assert.All(chordNotes, n => Assert.Equal(1, n.Channel));
        Assert.Equal(melody.Chords.ToArray(), MidiMelody.Read(MidiWriter.Write(file)).Chords.ToArray());
    }

    [Fact]
    public void Division_is_the_smallest_multiple_of_480_that_fits()
    {
        var septuplet = Melody.Create([new Note(Pitch.FromMidi(60), Duration.Zero, Duration.FromQuarters(1, 7))]);
        Assert.Equal(480, MidiMelody.ToMidiFile(Melody.Create([new Note(Pitch.FromMidi(60), Duration.Zero, Duration.FromQuarters(1, 3))])).Division.TicksPerQuarter);
        Assert.Equal(3360, MidiMelody.ToMidiFile(septuplet).Division.TicksPerQuarter);
        Assert.Throws<ArgumentException>(() => MidiMelody.ToMidiFile(septuplet, new MidiMelodyWriteOptions { TicksPerQuarter = 480 }));
        var odd = Melody.Create([new Note(Pitch.FromMidi(60), Duration.Zero, Duration.FromQuarters(1, 997))]);
        Assert.Throws<ArgumentException>(() => MidiMelody.ToMidiFile(odd));
    }

    [DatasetFact]
    public void Reads_the_MELODY_track_of_a_POP909_song()
    {
        var path = Datasets.PathOf("pop909", "POP909", "001", "001.mid");
        var file = MidiReader.Read(path, MidiReadSettings.Strict).File;
        Assert.Equal(1, MidiMelody.ChooseTrack(file));
        var melody = MidiMelody.Read(path);
        var trackNotes = MidiNotes.Pair(file.Tracks[1]).Notes;
        Assert.True(melody.Notes.Length > 100);
        Assert.True(melody.Notes.Length <= trackNotes.Length);
        Assert.Equal(file.TempoMap.Changes.Length, melody.Tempos.Length);
        Assert.Equal(path, melody.Info.Source);
        // Every note of the line starts where a note of the track starts, at its pitch.
        var onsets = trackNotes.Select(n => (Duration.FromTicks(n.StartTick, file.Division.TicksPerQuarter), n.Pitch)).ToHashSet();
        Assert.All(melody.Notes, n => Assert.Contains((n.Start, n.Pitch.Number), onsets));
    }

    [DatasetFact]
    public void Reads_every_Nottingham_melody_and_writes_it_back()
    {
        var files = Directory.GetFiles(Datasets.PathOf("nottingham", "MIDI", "melody"), "*.mid");
        Assert.True(files.Length > 1000);
        int polyphonic = 0;
        foreach (var path in files)
        {
            var melody = MidiMelody.Read(path, new MidiMelodyReadOptions { ReadSettings = MidiReadSettings.Strict });
            var file = MidiReader.Read(path).File;
            var sounding = MidiNotes.Pair(file.Tracks[0]).Notes.Where(n => n.Ticks > 0).ToList();
            bool mono = sounding.Zip(sounding.Skip(1)).All(p => p.Second.StartTick >= p.First.EndTick);
            if (mono) Assert.Equal(sounding.Count, melody.Notes.Length);
            else
            {
                polyphonic++;
                Assert.True(melody.Notes.Length <= sounding.Count);
                Assert.Throws<InvalidOperationException>(() => MidiMelody.FromMidiFile(file, new MidiMelodyReadOptions { Polyphony = PolyphonyPolicy.Throw }));
            }
            var back = MidiMelody.Read(MidiMelody.Write(melody));
            Assert.Equal(melody.Notes.ToArray(), back.Notes.ToArray());
            Assert.Equal(melody.Length, back.Length);
        }
        Assert.InRange(polyphonic, 1, 50); // a few tunes hold double stops: their top line is taken
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Writes_the_melody_program_on_the_melody_channel_and_reads_the_notes_back(int format)
    {
        var melody = Melody.Create([new Note(Pitch.FromMidi(72), Duration.Zero, Duration.Quarter), new Note(Pitch.FromMidi(74), Duration.Quarter, Duration.Quarter)]);
        var bytes = MidiMelody.Write(melody, new MidiMelodyWriteOptions { Format = format, MelodyProgram = 73, MelodyChannel = 2 });
        var file = MidiReader.Read(bytes).File;
        var programs = file.Tracks.SelectMany(t => t.Events).Where(e => (e.Status & 0xF0) == 0xC0).ToList();
        var change = Assert.Single(programs);
        Assert.Equal(0xC2, change.Status);
        Assert.Equal(73, change.Data1);
        Assert.Equal(0, change.Tick);
        Assert.Equal([72, 74], MidiMelody.Read(bytes).Notes.Select(n => n.Pitch.Number));
        Assert.DoesNotContain(MidiReader.Read(MidiMelody.Write(melody)).File.Tracks.SelectMany(t => t.Events), e => (e.Status & 0xF0) == 0xC0);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MidiMelodyWriteOptions { MelodyProgram = 128 });
    }
}
