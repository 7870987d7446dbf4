using System.Collections.Immutable;
using System.Text;

namespace Melos.Formats.Midi;

/// <summary>The kinds of event a track holds.</summary>
public enum MidiEventKind : byte
{
    /// <summary>A channel message (0x80..0xEF): note on/off, aftertouch, control, program, channel pressure, pitch bend.</summary>
    Channel,
    /// <summary>A system exclusive event, F0 form (the data follows the F0).</summary>
    SysEx,
    /// <summary>A system exclusive continuation or escape, F7 form.</summary>
    SysExEscape,
    /// <summary>A meta event (FF).</summary>
    Meta,
}

/// <summary>Meta event types the reader and writer name.</summary>
public static class MidiMeta
{
    /// <summary>Sequence number.</summary>
    public const byte SequenceNumber = 0x00;
    /// <summary>Text.</summary>
    public const byte Text = 0x01;
    /// <summary>Copyright notice.</summary>
    public const byte Copyright = 0x02;
    /// <summary>Sequence or track name.</summary>
    public const byte TrackName = 0x03;
    /// <summary>Instrument name.</summary>
    public const byte InstrumentName = 0x04;
    /// <summary>Lyric.</summary>
    public const byte Lyric = 0x05;
    /// <summary>Marker.</summary>
    public const byte Marker = 0x06;
    /// <summary>Cue point.</summary>
    public const byte CuePoint = 0x07;
    /// <summary>Channel prefix.</summary>
    public const byte ChannelPrefix = 0x20;
    /// <summary>End of track.</summary>
    public const byte EndOfTrack = 0x2F;
    /// <summary>Set tempo (3 bytes, microseconds per quarter).</summary>
    public const byte Tempo = 0x51;
    /// <summary>SMPTE offset.</summary>
    public const byte SmpteOffset = 0x54;
    /// <summary>Time signature (4 bytes).</summary>
    public const byte TimeSignature = 0x58;
    /// <summary>Key signature (2 bytes: sharps/flats, minor).</summary>
    public const byte KeySignature = 0x59;
    /// <summary>Sequencer-specific.</summary>
    public const byte SequencerSpecific = 0x7F;
}

/// <summary>
/// One event of a track at an absolute tick. Channel messages use <see cref="Status"/>, <see cref="Data1"/> and
/// <see cref="Data2"/>; meta events <see cref="MetaType"/> and <see cref="Data"/>; sysex events <see cref="Data"/>
/// (the bytes after the length, as stored).
/// </summary>
/// <param name="Tick">Absolute time in ticks from the start of the track.</param>
/// <param name="Kind">The kind of event.</param>
/// <param name="Status">The status byte (0x80..0xEF for channel messages, F0, F7 or FF).</param>
/// <param name="Data1">First data byte of a channel message.</param>
/// <param name="Data2">Second data byte of a channel message (0 for one-byte messages).</param>
/// <param name="MetaType">The meta event type (meta events only).</param>
/// <param name="Data">The payload of meta and sysex events (empty for channel messages).</param>
public readonly record struct MidiEvent(long Tick, MidiEventKind Kind, byte Status, byte Data1, byte Data2, byte MetaType, ReadOnlyMemory<byte> Data)
{
    /// <summary>The channel 0..15 of a channel message.</summary>
    public int Channel => Status & 0x0F;

    /// <summary>The message type nibble of a channel message (0x80 note off ... 0xE0 pitch bend).</summary>
    public int Command => Status & 0xF0;

    /// <summary>True for a note-on with velocity above 0.</summary>
    public bool IsNoteOn => Kind == MidiEventKind.Channel && (Status & 0xF0) == 0x90 && Data2 > 0;

    /// <summary>True for a note-off, or a note-on with velocity 0.</summary>
    public bool IsNoteOff => Kind == MidiEventKind.Channel && ((Status & 0xF0) == 0x80 || ((Status & 0xF0) == 0x90 && Data2 == 0));

    /// <summary>True for a meta event of <paramref name="type"/>.</summary>
    public bool IsMeta(byte type) => Kind == MidiEventKind.Meta && MetaType == type;

    /// <summary>The payload as Latin-1 text (text, name, lyric and marker meta events).</summary>
    public string Text => Encoding.Latin1.GetString(Data.Span);

    /// <summary>A channel message.</summary>
    public static MidiEvent ChannelMessage(long tick, int command, int channel, int data1, int data2 = 0) =>
        new(tick, MidiEventKind.Channel, (byte)((command & 0xF0) | (channel & 0x0F)), (byte)(data1 & 0x7F), (byte)(data2 & 0x7F), 0, ReadOnlyMemory<byte>.Empty);

    /// <summary>A note-on.</summary>
    public static MidiEvent NoteOn(long tick, int channel, int pitch, int velocity) => ChannelMessage(tick, 0x90, channel, pitch, velocity);

    /// <summary>A note-off (status 0x80).</summary>
    public static MidiEvent NoteOff(long tick, int channel, int pitch, int velocity = 0) => ChannelMessage(tick, 0x80, channel, pitch, velocity);

    /// <summary>A meta event.</summary>
    public static MidiEvent Meta(long tick, byte type, ReadOnlyMemory<byte> data) => new(tick, MidiEventKind.Meta, 0xFF, 0, 0, type, data);

    /// <summary>A text-like meta event (text, track name, lyric, marker...), encoded as Latin-1 (other characters become '?').</summary>
    public static MidiEvent MetaText(long tick, byte type, string text) => Meta(tick, type, Encoding.Latin1.GetBytes(text));

    /// <summary>A set-tempo meta event.</summary>
    public static MidiEvent Tempo(long tick, int microsecondsPerQuarter) =>
        Meta(tick, MidiMeta.Tempo, new[] { (byte)(microsecondsPerQuarter >> 16), (byte)(microsecondsPerQuarter >> 8), (byte)microsecondsPerQuarter });

    /// <summary>A time-signature meta event (24 clocks per click, 8 32nds per quarter).</summary>
    public static MidiEvent TimeSignature(long tick, int numerator, int denominator)
    {
        if (denominator <= 0 || (denominator & (denominator - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(denominator), denominator, "A denominator is a power of two.");
        return Meta(tick, MidiMeta.TimeSignature, new[] { (byte)numerator, (byte)System.Numerics.BitOperations.Log2((uint)denominator), (byte)24, (byte)8 });
    }

    /// <summary>A key-signature meta event.</summary>
    public static MidiEvent KeySignature(long tick, int fifths, bool minor) =>
        Meta(tick, MidiMeta.KeySignature, new[] { (byte)(sbyte)fifths, (byte)(minor ? 1 : 0) });

    /// <summary>An end-of-track meta event.</summary>
    public static MidiEvent EndOfTrack(long tick) => Meta(tick, MidiMeta.EndOfTrack, ReadOnlyMemory<byte>.Empty);

    /// <summary>The microseconds per quarter of a set-tempo event (null when it is not one or has fewer than 3 bytes).</summary>
    public int? TempoValue
    {
        get
        {
            if (!IsMeta(MidiMeta.Tempo) || Data.Length < 3) return null;
            var d = Data.Span;
            return (d[0] << 16) | (d[1] << 8) | d[2];
        }
    }
}

/// <summary>
/// The time division of a file: ticks per quarter note, or SMPTE frames per second and ticks per frame.
/// </summary>
public readonly record struct MidiDivision
{
    /// <summary>Creates a division from the header's 16-bit field.</summary>
    public MidiDivision(ushort raw) => Raw = raw;

    /// <summary>A division of <paramref name="ticksPerQuarter"/> ticks per quarter note.</summary>
    public static MidiDivision PerQuarter(int ticksPerQuarter)
    {
        if (ticksPerQuarter is < 1 or > 0x7FFF) throw new ArgumentOutOfRangeException(nameof(ticksPerQuarter), ticksPerQuarter, "Ticks per quarter is 1..32767.");
        return new MidiDivision((ushort)ticksPerQuarter);
    }

    /// <summary>The header field as stored.</summary>
    public ushort Raw { get; }

    /// <summary>The header field as a signed 16-bit number (as mido reports it: negative for SMPTE).</summary>
    public short Signed => unchecked((short)Raw);

    /// <summary>True for an SMPTE (time code) division.</summary>
    public bool IsSmpte => (Raw & 0x8000) != 0;

    /// <summary>Ticks per quarter note (0 for SMPTE divisions).</summary>
    public int TicksPerQuarter => IsSmpte ? 0 : Raw;

    /// <summary>SMPTE frames per second as stored: 24, 25, 29 (meaning 29.97 drop frame) or 30; 0 for metrical divisions.</summary>
    public int FramesPerSecond => IsSmpte ? -unchecked((sbyte)(Raw >> 8)) : 0;

    /// <summary>SMPTE ticks per frame; 0 for metrical divisions.</summary>
    public int TicksPerFrame => IsSmpte ? Raw & 0xFF : 0;

    /// <summary>True when the division can time a file.</summary>
    public bool IsValid => IsSmpte ? FramesPerSecond is 24 or 25 or 29 or 30 && TicksPerFrame > 0 : Raw > 0;

    /// <inheritdoc/>
    public override string ToString() => IsSmpte ? $"SMPTE {FramesPerSecond} fps x {TicksPerFrame}" : $"{TicksPerQuarter} ticks per quarter";
}

/// <summary>A track: its events in time order and where it ends.</summary>
public sealed class MidiTrack
{
    /// <summary>Creates a track. The events must be in tick order; <paramref name="endTick"/> defaults to the last event's tick.</summary>
    public MidiTrack(ImmutableArray<MidiEvent> events, long? endTick = null)
    {
        for (int i = 1; i < events.Length; i++)
            if (events[i].Tick < events[i - 1].Tick) throw new ArgumentException($"Event {i} comes before event {i - 1}.", nameof(events));
        Events = events;
        long last = events.IsEmpty ? 0 : events[^1].Tick;
        EndTick = endTick is { } e && e > last ? e : last;
    }

    /// <summary>The events in tick order, without the end-of-track event.</summary>
    public ImmutableArray<MidiEvent> Events { get; }

    /// <summary>The tick of the track's end (its end-of-track event, or its last event when that was missing).</summary>
    public long EndTick { get; }

    /// <summary>The first track-name meta event's text, or null.</summary>
    public string? Name
    {
        get
        {
            foreach (var e in Events)
                if (e.IsMeta(MidiMeta.TrackName)) return e.Text;
            return null;
        }
    }
}

/// <summary>A Standard MIDI File: its format, division and tracks.</summary>
public sealed class MidiFile
{
    /// <summary>Creates a file (a format 0 file with several tracks, as some files in the wild are, is kept as it is).</summary>
    public MidiFile(int format, MidiDivision division, IEnumerable<MidiTrack> tracks)
    {
        if (format is < 0 or > 2) throw new ArgumentOutOfRangeException(nameof(format), format, "The format is 0, 1 or 2.");
        Format = format;
        Division = division;
        Tracks = [.. tracks];
    }

    /// <summary>0 (one track), 1 (simultaneous tracks) or 2 (independent patterns).</summary>
    public int Format { get; }

    /// <summary>The time division.</summary>
    public MidiDivision Division { get; }

    /// <summary>The tracks.</summary>
    public ImmutableArray<MidiTrack> Tracks { get; }

    /// <summary>The tempo map timing <paramref name="track"/>: for formats 0 and 1 the tempo events of every track, for format 2 those of the track itself.</summary>
    public TempoMap TempoMapFor(int track) => Format == 2 ? TempoMap.From(Division, [Tracks[track]]) : TempoMap;

    /// <summary>The file's tempo map (for format 2, the first track's).</summary>
    public TempoMap TempoMap => field ??= TempoMap.From(Division, Format == 2 ? Tracks.Take(1) : Tracks);
}

/// <summary>The kinds of fault a lenient reading repairs.</summary>
public enum MidiIssue
{
    /// <summary>A chunk header or event was cut short and dropped.</summary>
    TruncatedChunk,
    /// <summary>A chunk length past the end of the file was clamped.</summary>
    ChunkLengthPastEnd,
    /// <summary>A track had no end-of-track event.</summary>
    MissingEndOfTrack,
    /// <summary>A system common or real-time status was skipped.</summary>
    InvalidStatusByte,
    /// <summary>A data byte above 127 was clamped.</summary>
    DataByteOutOfRange,
    /// <summary>A data byte with no running status was skipped.</summary>
    BadRunningStatus,
    /// <summary>A zero-length track was kept empty.</summary>
    ZeroLengthTrack,
    /// <summary>An unusable division was replaced.</summary>
    AbsurdDivision,
    /// <summary>An unknown format was read as format 1.</summary>
    UnknownFormat,
    /// <summary>A chunk other than MThd/MTrk was skipped (not a fault; reported for completeness).</summary>
    UnknownChunkSkipped,
    /// <summary>The header declared more tracks than the file holds.</summary>
    MissingTracks,
}

/// <summary>One repair a lenient reading made.</summary>
/// <param name="Issue">What was wrong.</param>
/// <param name="Offset">The byte offset where it was found.</param>
/// <param name="Track">The track index, or -1 for the header.</param>
/// <param name="Detail">A short description.</param>
public sealed record MidiRepair(MidiIssue Issue, long Offset, int Track, string Detail);

/// <summary>A file read, with what the reading had to repair.</summary>
/// <param name="File">The file.</param>
/// <param name="Repairs">Every repair, in file order (empty for a clean file).</param>
public sealed record MidiReadResult(MidiFile File, ImmutableArray<MidiRepair> Repairs);
