using Melos.Data.Corpus;
using Melos.Data.Sources;
using Melos.Formats.Midi;
using Melos.Music;
using Melos.Tests;

namespace Melos.Data.Tests.Corpus;

public sealed class MidiTuneSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-midisrc-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void UnnamedTracksPickTheMelodicOneAndNameTheBlockChords()
    {
        // Track 0: block chords (C then G7) in a low register; track 1: the melody. Neither is named.
        var ppq = 480;
        MidiTrack Track(params MidiEvent[] events) => new([.. events.OrderBy(e => e.Tick), MidiEvent.EndOfTrack(events.Max(e => e.Tick))]);
        var chords = Track(
            MidiEvent.NoteOn(0, 0, 48, 60), MidiEvent.NoteOn(0, 0, 52, 60), MidiEvent.NoteOn(0, 0, 55, 60),
            MidiEvent.NoteOff(4 * ppq, 0, 48), MidiEvent.NoteOff(4 * ppq, 0, 52), MidiEvent.NoteOff(4 * ppq, 0, 55),
            MidiEvent.NoteOn(4 * ppq, 0, 43, 60), MidiEvent.NoteOn(4 * ppq, 0, 47, 60), MidiEvent.NoteOn(4 * ppq, 0, 50, 60), MidiEvent.NoteOn(4 * ppq, 0, 53, 60),
            MidiEvent.NoteOff(8 * ppq, 0, 43), MidiEvent.NoteOff(8 * ppq, 0, 47), MidiEvent.NoteOff(8 * ppq, 0, 50), MidiEvent.NoteOff(8 * ppq, 0, 53));
        var melodyEvents = new List<MidiEvent>();
        int[] line = [72, 74, 76, 77, 79, 77, 76, 74];
        for (int i = 0; i < line.Length; i++)
        {
            melodyEvents.Add(MidiEvent.NoteOn(i * ppq, 1, line[i], 90));
            melodyEvents.Add(MidiEvent.NoteOff((i + 1) * ppq, 1, line[i]));
        }
        var conductor = Track(MidiEvent.TimeSignature(0, 4, 4), MidiEvent.KeySignature(0, 0, false));
        var file = new MidiFile(1, MidiDivision.PerQuarter(ppq), [conductor, chords, Track([.. melodyEvents])]);
        var path = Path.Combine(_dir, "song.mid");
        File.WriteAllBytes(path, MidiWriter.Write(file));

        var tune = Assert.Single(new MidiTuneSource().Read(path, "song.mid"));
        var m = tune.Melody!;
        Assert.Equal(line, m.Notes.Select(n => n.Pitch.Number));
        Assert.Equal(["C", "G7"], m.Chords.Select(c => c.Chord.ToString()));
        Assert.Equal(Duration.FromQuarters(4), m.Chords[1].At);
        Assert.Equal(Key.Parse("C"), m.Key);
        Assert.Equal(0, tune.DroppedForOneLine);
    }

    [Fact]
    public void DamagedFileIsAParseErrorWithItsOffset()
    {
        var path = Path.Combine(_dir, "bad.mid");
        File.WriteAllBytes(path, "MThd\0\0\0\u0006\0\u0001"u8.ToArray());
        var tune = Assert.Single(new MidiTuneSource().Read(path, "bad.mid"));
        Assert.Null(tune.Melody);
        Assert.Equal(DiscardReason.ParseError, tune.Discard!.Reason);
        Assert.StartsWith("byte ", tune.Discard.Detail);
    }

    [Fact]
    public void SecondsMapToTicksThroughTheTempoMap()
    {
        var tempo = TempoMap.From(MidiDivision.PerQuarter(480), [new MidiTempo(0, 500_000), new MidiTempo(960, 1_000_000)]);
        Assert.Equal(480, MidiTuneSource.SecondsToTick(tempo, 0.5));
        Assert.Equal(960 + 480, MidiTuneSource.SecondsToTick(tempo, 2.0)); // 1 s for the first 960 ticks, then 1 s per quarter
    }

    [DatasetFact]
    public void NottinghamMidiMelodyAndChordsMatchTheAbcOriginal()
    {
        // ashover.abc X:1 "A and A's Waltz": e|"G"d2B|"D"A3/2B/2c|"G"B2G|... in 3/4 with a one-beat pickup.
        var tune = Assert.Single(new MidiTuneSource().Read(Datasets.PathOf("nottingham", "MIDI", "ashover1.mid"), "ashover1.mid"));
        var m = tune.Melody!;
        Assert.Equal("E5 D5 B4 A4 B4 C5 B4 G4", string.Join(' ', m.Notes.Take(8).Select(n => n.Pitch.ToString())));
        Assert.Equal(Duration.FromQuarters(2), m.Notes[0].Start);
        Assert.Equal(["G", "D", "G", "D"], m.Chords.Take(4).Select(c => c.Chord.ToString()));
        Assert.Equal(Key.Parse("G"), m.Key);
        Assert.Equal(TimeSignature.Parse("3/4"), m.Meter);
    }

    [DatasetFact]
    public void Pop909TakesTheMelodyTrackWithAnnotatedChordsAndKey()
    {
        var tune = Assert.Single(new MidiTuneSource().Read(Datasets.PathOf("pop909", "POP909", "001", "001.mid"), "001.mid"));
        var m = tune.Melody!;
        Assert.Equal(264, m.Notes.Length);
        Assert.Equal(Key.Parse("Gb"), m.Key);
        Assert.True(m.Chords.Length > 20);
        Assert.All(m.Chords, c => Assert.NotNull(c.Chord));
    }
}
