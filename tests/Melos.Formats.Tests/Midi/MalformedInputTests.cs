using FsCheck;
using FsCheck.Xunit;
using Melos.Formats.Midi;
using static Melos.Formats.Tests.Midi.Smf;

namespace Melos.Formats.Tests.Midi;

/// <summary>Each kind of malformed input, built from bytes: strict throws the typed exception at the right offset, lenient repairs and reports.</summary>
public sealed class MalformedInputTests
{
    private static readonly byte[] NoteOnOff = [0x00, 0x90, 60, 100, 0x60, 0x80, 60, 0];

    [Fact]
    public void A_clean_file_reads_the_same_under_both_settings_with_no_repairs()
    {
        var bytes = File0([.. NoteOnOff, .. Eot]);
        var strict = MidiReader.Read(bytes, MidiReadSettings.Strict);
        var lenient = MidiReader.Read(bytes, MidiReadSettings.Lenient);
        Assert.Empty(strict.Repairs);
        Assert.Empty(lenient.Repairs);
        Assert.Equal(2, strict.File.Tracks[0].Events.Length);
        Assert.Equal(96, strict.File.Tracks[0].EndTick);
    }

    [Fact]
    public void Truncated_event_at_chunk_end()
    {
        // The note-off lacks its velocity byte: the chunk ends after "60".
        var bytes = File0(0x00, 0x90, 60, 100, 0x60, 0x80, 60);
        var ex = Assert.Throws<MidiTruncatedChunkException>(() => MidiReader.Read(bytes, MidiReadSettings.Strict));
        Assert.Equal(14 + 8 + 4, ex.Offset); // header 14, chunk header 8, first event 4 bytes
        Assert.Contains("data bytes", ex.Expected);

        var r = MidiReader.Read(bytes);
        Assert.Contains(r.Repairs, x => x.Issue == MidiIssue.TruncatedChunk && x.Offset == 26);
        var notes = MidiNotes.Pair(r.File.Tracks[0]);
        Assert.Single(notes.Notes);
        Assert.Equal(1, notes.ClosedAtTrackEnd);
    }

    [Fact]
    public void Truncated_chunk_header_at_end_of_file()
    {
        byte[] bytes = [.. Header(1, 2, 480), .. Track([.. NoteOnOff, .. Eot]), (byte)'M', (byte)'T', (byte)'r'];
        var ex = Assert.Throws<MidiTruncatedChunkException>(() => MidiReader.Read(bytes, MidiReadSettings.Strict));
        Assert.Equal(14 + 8 + 12, ex.Offset);
        var r = MidiReader.Read(bytes);
        Assert.Single(r.File.Tracks);
        Assert.Contains(r.Repairs, x => x.Issue == MidiIssue.TruncatedChunk && x.Offset == 34);
    }

    [Fact]
    public void Fewer_tracks_than_declared()
    {
        byte[] bytes = [.. Header(1, 3, 480), .. Track([.. NoteOnOff, .. Eot])];
        var ex = Assert.Throws<MidiTruncatedChunkException>(() => MidiReader.Read(bytes, MidiReadSettings.Strict));
        Assert.Equal(bytes.Length, ex.Offset);
        var r = MidiReader.Read(bytes);
        Assert.Single(r.File.Tracks);
        Assert.Contains(r.Repairs, x => x.Issue == MidiIssue.MissingTracks);
    }

    [Fact]
    public void Chunk_length_past_end_of_file_is_clamped_not_trusted()
    {
        // The length field claims 4 GB; the bytes present are a complete track.
        byte[] body = [.. NoteOnOff, .. Eot];
        byte[] bytes = [.. Header(0, 1, 480), .. Track(body, 0xFFFFFFFF)];
        var ex = Assert.Throws<MidiChunkLengthException>(() => MidiReader.Read(bytes, MidiReadSettings.Strict));
        Assert.Equal(18, ex.Offset); // the length field of the track chunk
        Assert.Equal(0xFFFFFFFFL, ex.DeclaredLength);
        Assert.Equal(body.Length, ex.Available);

        var r = MidiReader.Read(bytes);
        Assert.Contains(r.Repairs, x => x.Issue == MidiIssue.ChunkLengthPastEnd);
        Assert.Single(MidiNotes.Pair(r.File.Tracks[0]).Notes);
    }

    [Fact]
    public void Meta_length_past_chunk_end_is_not_trusted()
    {
        // A text event claiming 0x0FFFFFFF bytes (a 4-byte variable-length quantity) in a 10-byte track.
        var bytes = File0(0x00, 0xFF, 0x01, 0xFF, 0xFF, 0xFF, 0x7F, (byte)'h', (byte)'i', 0x00);
        var ex = Assert.Throws<MidiTruncatedChunkException>(() => MidiReader.Read(bytes, MidiReadSettings.Strict));
        Assert.Equal(22, ex.Offset);
        var r = MidiReader.Read(bytes);
        Assert.Empty(r.File.Tracks[0].Events);
        Assert.Contains(r.Repairs, x => x.Issue == MidiIssue.TruncatedChunk);
    }

    [Fact]
    public void Missing_end_of_track()
    {
        var bytes = File0(NoteOnOff);
        var ex = Assert.Throws<MidiMissingEndOfTrackException>(() => MidiReader.Read(bytes, MidiReadSettings.Strict));
        Assert.Equal(bytes.Length, ex.Offset);
        Assert.Equal(0, ex.Track);
        var r = MidiReader.Read(bytes);
        Assert.Equal(96, r.File.Tracks[0].EndTick);
        Assert.Contains(r.Repairs, x => x.Issue == MidiIssue.MissingEndOfTrack && x.Track == 0);
    }

    [Fact]
    public void Invalid_status_byte()
    {
        // Song position pointer (F2, two data bytes) inside a track, then a note.
        var bytes = File0([0x00, 0xF2, 0x01, 0x02, .. NoteOnOff, .. Eot]);
        var ex = Assert.Throws<MidiInvalidStatusByteException>(() => MidiReader.Read(bytes, MidiReadSettings.Strict));
        Assert.Equal(23, ex.Offset);
        Assert.Equal(0xF2, ex.Status);
        var r = MidiReader.Read(bytes);
        Assert.Contains(r.Repairs, x => x.Issue == MidiIssue.InvalidStatusByte && x.Offset == 23);
        var n = Assert.Single(MidiNotes.Pair(r.File.Tracks[0]).Notes);
        Assert.Equal((60, 0L, 96L), (n.Pitch, n.StartTick, n.EndTick));
    }

    [Fact]
    public void Data_byte_above_127()
    {
        var bytes = File0([0x00, 0x90, 60, 0xC8, 0x60, 0x80, 60, 0, .. Eot]);
        var ex = Assert.Throws<MidiDataByteException>(() => MidiReader.Read(bytes, MidiReadSettings.Strict));
        Assert.Equal(25, ex.Offset);
        Assert.Equal(0xC8, ex.Value);
        var r = MidiReader.Read(bytes);
        Assert.Equal(127, Assert.Single(MidiNotes.Pair(r.File.Tracks[0]).Notes).Velocity);
        Assert.Contains(r.Repairs, x => x.Issue == MidiIssue.DataByteOutOfRange && x.Offset == 25);
    }

    [Fact]
    public void Data_byte_without_running_status()
    {
        // The track starts with a data byte where its first status should be.
        var bytes = File0([0x00, 0x3C, .. NoteOnOff, .. Eot]);
        var ex = Assert.Throws<MidiRunningStatusException>(() => MidiReader.Read(bytes, MidiReadSettings.Strict));
        Assert.Equal(23, ex.Offset);
        var r = MidiReader.Read(bytes);
        Assert.Contains(r.Repairs, x => x.Issue == MidiIssue.BadRunningStatus && x.Offset == 23);
        Assert.Single(MidiNotes.Pair(r.File.Tracks[0]).Notes);
    }

    [Fact]
    public void Running_status_is_cancelled_by_sysex()
    {
        // note-on, sysex, then a data pair relying on running status: not allowed after sysex.
        var bytes = File0([0x00, 0x90, 60, 100, 0x00, 0xF0, 0x02, 0x7E, 0xF7, 0x00, 62, 100, .. Eot]);
        Assert.Throws<MidiRunningStatusException>(() => MidiReader.Read(bytes, MidiReadSettings.Strict));
    }

    [Fact]
    public void Zero_length_track()
    {
        byte[] bytes = [.. Header(1, 2, 480), .. Track([]), .. Track([.. NoteOnOff, .. Eot])];
        var ex = Assert.Throws<MidiZeroLengthTrackException>(() => MidiReader.Read(bytes, MidiReadSettings.Strict));
        Assert.Equal(14, ex.Offset);
        var r = MidiReader.Read(bytes);
        Assert.Equal(2, r.File.Tracks.Length);
        Assert.Empty(r.File.Tracks[0].Events);
        Assert.Single(MidiNotes.Pair(r.File.Tracks[1]).Notes);
        Assert.Contains(r.Repairs, x => x.Issue == MidiIssue.ZeroLengthTrack && x.Track == 0);
    }

    [Theory]
    [InlineData(0x0000)] // 0 ticks per quarter
    [InlineData(0xE700)] // SMPTE -25 fps with 0 ticks per frame
    [InlineData(0x8A28)] // SMPTE -118 fps
    public void Absurd_division(int division)
    {
        byte[] bytes = [.. Header(0, 1, division), .. Track([.. NoteOnOff, .. Eot])];
        var ex = Assert.Throws<MidiDivisionException>(() => MidiReader.Read(bytes, MidiReadSettings.Strict));
        Assert.Equal(12, ex.Offset);
        Assert.Equal(division, ex.Division);
        var r = MidiReader.Read(bytes);
        Assert.Equal(480, r.File.Division.TicksPerQuarter);
        Assert.Contains(r.Repairs, x => x.Issue == MidiIssue.AbsurdDivision);
    }

    [Fact]
    public void Unknown_format()
    {
        byte[] bytes = [.. Header(7, 1, 480), .. Track([.. NoteOnOff, .. Eot])];
        var ex = Assert.Throws<MidiUnknownFormatException>(() => MidiReader.Read(bytes, MidiReadSettings.Strict));
        Assert.Equal(8, ex.Offset);
        Assert.Equal(1, MidiReader.Read(bytes).File.Format);
    }

    [Fact]
    public void Not_a_midi_file_throws_under_every_setting()
    {
        var ex = Assert.Throws<MidiHeaderException>(() => MidiReader.Read("RIFF\0\0\0\0"u8.ToArray()));
        Assert.Equal(0, ex.Offset);
        Assert.IsAssignableFrom<MidiFormatException>(ex);
        Assert.Throws<MidiHeaderException>(() => MidiReader.Read([]));
    }

    [Fact]
    public void Policies_can_be_mixed()
    {
        var settings = MidiReadSettings.Strict with { MissingEndOfTrack = MissingEndOfTrackPolicy.EndAtLastEvent };
        var r = MidiReader.Read(File0(NoteOnOff), settings);
        Assert.Single(r.Repairs);
        Assert.Throws<MidiDataByteException>(() => MidiReader.Read(File0([0x00, 0x90, 60, 0xC8, .. Eot]), settings));
    }

    /// <summary>Any bytes after a valid header: lenient reading ends, never throws, never allocates past the input.</summary>
    [Property(MaxTest = 500)]
    public bool Lenient_reading_survives_any_track_bytes(byte[] body, uint declaredLength, bool useDeclared)
    {
        byte[] bytes = [.. Header(1, 2, 480), .. Track(body, useDeclared ? declaredLength : null), .. Track(body)];
        var r = MidiReader.Read(bytes);
        long events = r.File.Tracks.Sum(t => (long)t.Events.Length);
        return events <= bytes.Length && r.File.Tracks.All(t => MidiNotes.Pair(t).Notes.Length <= bytes.Length);
    }

    /// <summary>Strict reading of any bytes either succeeds or throws a <see cref="MidiFormatException"/>, nothing else.</summary>
    [Property(MaxTest = 500)]
    public bool Strict_reading_fails_only_with_midi_format_exceptions(byte[] tail, byte format, byte division)
    {
        byte[] bytes = [.. Header(format % 4, 1 + format % 3, division), .. tail];
        try
        {
            MidiReader.Read(bytes, MidiReadSettings.Strict);
            return true;
        }
        catch (MidiFormatException)
        {
            return true;
        }
    }

    /// <summary>Flipping bytes of a valid file: the lenient reader still returns, with every tick non-negative and ordered.</summary>
    [Property(MaxTest = 300)]
    public bool Lenient_reading_survives_corrupted_real_files(int seed)
    {
        var rng = new Random(seed);
        byte[] body = [0x00, 0xFF, 0x03, 0x02, (byte)'h', (byte)'i', 0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20,
            0x00, 0x90, 60, 100, 0x60, 60, 0, 0x00, 0xC0, 5, 0x10, 0xE0, 0, 64, 0x00, 0xF0, 0x03, 1, 2, 0xF7, 0x60, 0x80, 62, 0, .. Eot];
        byte[] bytes = [.. Header(1, 1, 96), .. Track(body)];
        int flips = rng.Next(1, 6);
        for (int i = 0; i < flips; i++) bytes[rng.Next(8, bytes.Length)] = (byte)rng.Next(256);
        try
        {
            var r = MidiReader.Read(bytes);
            return r.File.Tracks.All(t => t.Events.All(e => e.Tick >= 0 && e.Tick <= t.EndTick));
        }
        catch (MidiHeaderException)
        {
            return true;
        }
    }
}
