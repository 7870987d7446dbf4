using Melos.Formats.Midi;
using Melos.Music;
using static Melos.Formats.Tests.Midi.Smf;

namespace Melos.Formats.Tests.Midi;

public sealed class MidiReaderTests
{
    [Fact]
    public void Reads_every_channel_message_with_running_status()
    {
        var bytes = File0([
            0x00, 0x90, 60, 100,      // note on
            0x10, 62, 90,             // running status: note on
            0x10, 0x80, 60, 64,       // note off
            0x00, 0xA0, 62, 30,       // poly aftertouch
            0x00, 0xB3, 7, 100,       // control change ch 3
            0x00, 0xC3, 41,           // program change (1 data byte)
            0x00, 42,                 // running status, 1 data byte
            0x00, 0xD3, 20,           // channel pressure
            0x00, 0xEF, 0x00, 0x40,   // pitch bend ch 15
            0x00, 0xFF, 0x01, 0x01, (byte)'x', // meta does not cancel running status (as mido and most files assume)
            0x00, 0x00, 0x40,         // running status pitch bend
            .. Eot]);
        var ev = MidiReader.Read(bytes, MidiReadSettings.Strict).File.Tracks[0].Events;
        Assert.Equal(11, ev.Length);
        Assert.Equal((0x90, 62, 90, 16L), (ev[1].Status, ev[1].Data1, ev[1].Data2, ev[1].Tick));
        Assert.True(ev[2].IsNoteOff);
        Assert.Equal((0xA0, 62, 30), (ev[3].Command, (int)ev[3].Data1, (int)ev[3].Data2));
        Assert.Equal((0xB0, 3, 7, 100), (ev[4].Command, ev[4].Channel, (int)ev[4].Data1, (int)ev[4].Data2));
        Assert.Equal((0xC3, 41, 0), (ev[5].Status, ev[5].Data1, ev[5].Data2));
        Assert.Equal((0xC3, 42), (ev[6].Status, ev[6].Data1));
        Assert.Equal((0xD3, 20), (ev[7].Status, ev[7].Data1));
        Assert.Equal((0xEF, 0, 0x40), (ev[8].Status, (int)ev[8].Data1, (int)ev[8].Data2));
        Assert.Equal("x", ev[9].Text);
        Assert.Equal((0xEF, 0x40), (ev[10].Status, ev[10].Data2));
    }

    [Fact]
    public void Reads_sysex_in_both_forms_and_named_meta_events()
    {
        var bytes = File0([
            0x00, 0xF0, 0x03, 0x43, 0x12, 0xF7,
            0x00, 0xF7, 0x02, 0x43, 0xF7,
            0x00, 0xFF, 0x03, 0x06, .. "MELODY"u8,
            0x00, 0xFF, 0x04, 0x05, .. "Flute"u8,
            0x00, 0xFF, 0x05, 0x02, .. "la"u8,
            0x00, 0xFF, 0x06, 0x01, (byte)'A',
            0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20,
            0x00, 0xFF, 0x58, 0x04, 6, 3, 24, 8,
            0x00, 0xFF, 0x59, 0x02, 0xFE, 1,
            .. Eot]);
        var track = MidiReader.Read(bytes, MidiReadSettings.Strict).File.Tracks[0];
        var ev = track.Events;
        Assert.Equal(MidiEventKind.SysEx, ev[0].Kind);
        Assert.Equal(new byte[] { 0x43, 0x12, 0xF7 }, ev[0].Data.ToArray());
        Assert.Equal(MidiEventKind.SysExEscape, ev[1].Kind);
        Assert.Equal("MELODY", track.Name);
        Assert.Equal("Flute", ev[3].Text);
        Assert.True(ev[4].IsMeta(MidiMeta.Lyric));
        Assert.True(ev[5].IsMeta(MidiMeta.Marker));
        Assert.Equal(500000, ev[6].TempoValue);
        var melody = MidiMelody.FromMidiFile(MidiReader.Read(bytes).File);
        Assert.Equal(new TimeSignature(6, 8), melody.Meter);
        Assert.Equal(Key.Parse("G minor"), melody.Key); // two flats, minor
    }

    [Fact]
    public void Skips_unknown_chunks_even_when_strict()
    {
        byte[] bytes = [.. Header(1, 2, 96), .. Chunk("XFIH", [1, 2, 3]), .. Track([0x00, 0x90, 60, 1, 0x60, 0x80, 60, 0, .. Eot]), .. Chunk("XFKM", []), .. Track([.. Eot])];
        var r = MidiReader.Read(bytes, MidiReadSettings.Strict);
        Assert.Equal(2, r.File.Tracks.Length);
        Assert.Equal(2, r.Repairs.Count(x => x.Issue == MidiIssue.UnknownChunkSkipped));
        Assert.Single(MidiNotes.Pair(r.File.Tracks[0]).Notes);
    }

    [Fact]
    public void Tempo_map_converts_ticks_to_seconds_exactly()
    {
        // 480 per quarter; 120 BPM, then 240 BPM at tick 960, then 333333 µs at 1440.
        var bytes = File0([
            0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20,
            0x87, 0x40, 0xFF, 0x51, 0x03, 0x03, 0xD0, 0x90,   // delta 960
            0x83, 0x60, 0xFF, 0x51, 0x03, 0x05, 0x16, 0x15,   // delta 480; 333333 µs
            .. Eot]);
        var map = MidiReader.Read(bytes, MidiReadSettings.Strict).File.TempoMap;
        Assert.Equal(1.0, map.ToSeconds(960));
        Assert.Equal(1.25, map.ToSeconds(1440));
        Assert.Equal(new Rational(1_250_000L * 480 + 333333, 480), map.ToMicroseconds(1441));
        Assert.Equal((1_250_000.0 * 480 + 333333) / 480 / 1e6, map.ToSeconds(1441));
        Assert.Equal([0L, 960, 1440], map.Changes.Select(c => c.Tick));
    }

    [Fact]
    public void Default_tempo_is_120_bpm_and_listed_at_tick_zero()
    {
        var file = MidiReader.Read(File0([0x00, 0x90, 60, 100, 0x83, 0x60, 0x80, 60, 0, .. Eot])).File;
        Assert.Equal(0.5, file.TempoMap.ToSeconds(480));
        var doc = MidiNotesReader.ToDocument(file);
        Assert.Equal([new NotesTempo(0, 120.0)], doc.Tempos);
        Assert.Equal(new NotesNote(0, 60, 100, 0, 480, 0.0, 0.5), Assert.Single(doc.Tracks[0].Notes));
    }

    [Theory]
    [InlineData(25, 40, 1000, 1.0)]
    [InlineData(30, 80, 1200, 0.5)]
    [InlineData(29, 100, 3000, 1.001)]
    public void Smpte_division_times_ticks_by_frames(int fps, int ticksPerFrame, long tick, double seconds)
    {
        int division = ((-fps) & 0xFF) << 8 | ticksPerFrame;
        byte[] bytes = [.. Header(0, 1, division), .. Track([.. Eot])];
        var file = MidiReader.Read(bytes, MidiReadSettings.Strict).File;
        Assert.True(file.Division.IsSmpte);
        Assert.Equal(fps, file.Division.FramesPerSecond);
        Assert.Equal(seconds, file.TempoMap.ToSeconds(tick), 12);
    }

    [Fact]
    public void Format_2_tracks_keep_their_own_tempo()
    {
        byte[] t0 = [0x00, 0xFF, 0x51, 0x03, 0x0F, 0x42, 0x40, 0x00, 0x90, 60, 100, 0x60, 0x80, 60, 0, .. Eot]; // 60 BPM
        byte[] t1 = [0x00, 0x90, 62, 100, 0x60, 0x80, 62, 0, .. Eot];                                        // default 120
        byte[] bytes = [.. Header(2, 2, 96), .. Track(t0), .. Track(t1)];
        var doc = MidiNotesReader.ToDocument(MidiReader.Read(bytes, MidiReadSettings.Strict).File);
        Assert.Equal(2, doc.Format);
        Assert.Equal(1.0, doc.Tracks[0].Notes[0].End);
        Assert.Equal(0.5, doc.Tracks[1].Notes[0].End);
    }

    [Fact]
    public void Notes_reader_is_registered_for_mid_and_midi()
    {
        Assert.IsType<MidiNotesReader>(NotesReaders.For("song.MID"));
        Assert.IsType<MidiNotesReader>(NotesReaders.For("song.midi"));
    }

    [Fact]
    public void Notes_json_has_the_documented_shape()
    {
        var file = MidiReader.Read(File0([0x00, 0xFF, 0x03, 0x06, .. "MELODY"u8, 0x00, 0x90, 60, 100, 0x81, 0x70, 0x80, 60, 0, .. Eot])).File;
        var json = MidiNotesReader.ToDocument(file).ToJson();
        Assert.Equal("""{"format":0,"division":480,"tempos":[{"tick":0,"bpm":120}],"tracks":[{"index":0,"name":"MELODY","notes":[{"channel":0,"pitch":60,"velocity":100,"startTick":0,"endTick":240,"start":0,"end":0.25}]}]}""", json);
    }
}

public sealed class NotePairingTests
{
    private static TrackNotes Pair(params byte[] body) => MidiNotes.Pair(MidiReader.Read(File0([.. body, .. Eot]), MidiReadSettings.Strict).File.Tracks[0]);

    [Fact]
    public void Note_on_with_velocity_zero_ends_a_note()
    {
        var r = Pair(0x00, 0x90, 60, 100, 0x60, 60, 0);
        Assert.Equal(new MidiNote(0, 60, 100, 0, 96), Assert.Single(r.Notes));
        Assert.Equal((0, 0), (r.UnpairedNoteOffs, r.ClosedAtTrackEnd));
    }

    [Fact]
    public void Overlapping_notes_of_one_pitch_close_first_in_first_out()
    {
        // on@0 v100, on@10 v90, off@20, off@30
        var r = Pair(0x00, 0x90, 60, 100, 0x0A, 60, 90, 0x0A, 0x80, 60, 0, 0x0A, 60, 0);
        Assert.Equal([new MidiNote(0, 60, 100, 0, 20), new MidiNote(0, 60, 90, 10, 30)], r.Notes.ToArray());
    }

    [Fact]
    public void Same_pitch_on_other_channels_is_a_different_note()
    {
        var r = Pair(0x00, 0x90, 60, 100, 0x00, 0x91, 60, 50, 0x0A, 0x81, 60, 0, 0x0A, 0x80, 60, 0);
        Assert.Equal([new MidiNote(0, 60, 100, 0, 20), new MidiNote(1, 60, 50, 0, 10)], r.Notes.ToArray());
    }

    [Fact]
    public void Note_off_without_note_on_is_ignored_and_counted()
    {
        var r = Pair(0x00, 0x80, 64, 0, 0x00, 0x90, 60, 100, 0x10, 0x80, 60, 0, 0x00, 0x90, 61, 0);
        Assert.Single(r.Notes);
        Assert.Equal(2, r.UnpairedNoteOffs);
    }

    [Fact]
    public void Notes_still_on_close_at_the_end_of_track_and_are_counted()
    {
        byte[] body = [0x00, 0x90, 60, 100, 0x00, 0x90, 64, 100, 0x10, 0x80, 64, 0, 0x50, 0xFF, 0x2F, 0x00];
        var r = MidiNotes.Pair(MidiReader.Read(File0(body), MidiReadSettings.Strict).File.Tracks[0]);
        Assert.Equal([new MidiNote(0, 60, 100, 0, 0x60), new MidiNote(0, 64, 100, 0, 0x10)], r.Notes.ToArray());
        Assert.Equal(1, r.ClosedAtTrackEnd);
    }

    [Fact]
    public void Notes_come_in_onset_then_pitch_order()
    {
        var r = Pair(0x00, 0x90, 67, 1, 0x00, 0x90, 60, 1, 0x05, 0x90, 50, 1, 0x05, 0x80, 67, 0, 0x00, 0x80, 60, 0, 0x00, 0x80, 50, 0);
        Assert.Equal([60, 67, 50], r.Notes.Select(n => n.Pitch));
    }
}
