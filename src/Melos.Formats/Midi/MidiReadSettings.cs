namespace Melos.Formats.Midi;

/// <summary>What to do when a chunk or event is cut short (the file ends inside a chunk header, or an event runs past the end of its chunk).</summary>
public enum TruncatedChunkPolicy
{
    /// <summary>Throw <see cref="MidiTruncatedChunkException"/>.</summary>
    Throw,
    /// <summary>Drop the partial header or event and end the track there.</summary>
    DropPartial,
}

/// <summary>What to do when a chunk's length field points past the end of the file.</summary>
public enum ChunkLengthPolicy
{
    /// <summary>Throw <see cref="MidiChunkLengthException"/>.</summary>
    Throw,
    /// <summary>Read only the bytes present (the chunk ends at the end of the file).</summary>
    ClampToFileEnd,
}

/// <summary>What to do when a track has no end-of-track meta event.</summary>
public enum MissingEndOfTrackPolicy
{
    /// <summary>Throw <see cref="MidiMissingEndOfTrackException"/>.</summary>
    Throw,
    /// <summary>End the track at its last event.</summary>
    EndAtLastEvent,
}

/// <summary>What to do with a status byte that has no place in a file (system common or real-time: 0xF1..0xF6, 0xF8..0xFE).</summary>
public enum InvalidStatusPolicy
{
    /// <summary>Throw <see cref="MidiInvalidStatusByteException"/>.</summary>
    Throw,
    /// <summary>Skip the event with its standard number of data bytes (0 for undefined statuses).</summary>
    SkipEvent,
}

/// <summary>What to do when a channel message's data byte is above 127.</summary>
public enum DataBytePolicy
{
    /// <summary>Throw <see cref="MidiDataByteException"/>.</summary>
    Throw,
    /// <summary>Read it as 127 (as mido's <c>clip=True</c> does).</summary>
    ClampTo127,
}

/// <summary>What to do with a data byte where a status byte is needed and no running status is in effect.</summary>
public enum RunningStatusPolicy
{
    /// <summary>Throw <see cref="MidiRunningStatusException"/>.</summary>
    Throw,
    /// <summary>Skip that byte and read on from the next one as a new event.</summary>
    SkipByte,
}

/// <summary>What to do with a track chunk of length zero (not even an end-of-track event).</summary>
public enum ZeroLengthTrackPolicy
{
    /// <summary>Throw <see cref="MidiZeroLengthTrackException"/>.</summary>
    Throw,
    /// <summary>Keep it as an empty track ending at tick 0.</summary>
    EmptyTrack,
}

/// <summary>What to do with a division no file can use: 0 ticks per quarter, or SMPTE with a frame rate other than 24, 25, 29.97, 30 or 0 ticks per frame.</summary>
public enum DivisionPolicy
{
    /// <summary>Throw <see cref="MidiDivisionException"/>.</summary>
    Throw,
    /// <summary>Use <see cref="MidiReadSettings.FallbackTicksPerQuarter"/> ticks per quarter.</summary>
    UseFallback,
}

/// <summary>What to do with a header format other than 0, 1 or 2.</summary>
public enum UnknownFormatPolicy
{
    /// <summary>Throw <see cref="MidiUnknownFormatException"/>.</summary>
    Throw,
    /// <summary>Read the file as format 1.</summary>
    ReadAsFormat1,
}

/// <summary>
/// How the MIDI reader treats malformed input: one policy per kind of fault. <see cref="Lenient"/> (the default) repairs
/// every fault safely and records it in <see cref="MidiReadResult.Repairs"/>; <see cref="Strict"/> throws a
/// <see cref="MidiFormatException"/> carrying the byte offset and what was expected. Whatever the policy, a length field is
/// never trusted beyond the bytes present.
/// </summary>
public sealed record MidiReadSettings
{
    /// <summary>Every fault repaired and reported.</summary>
    public static MidiReadSettings Lenient { get; } = new();

    /// <summary>Every fault thrown.</summary>
    public static MidiReadSettings Strict { get; } = new()
    {
        TruncatedChunk = TruncatedChunkPolicy.Throw,
        ChunkLength = ChunkLengthPolicy.Throw,
        MissingEndOfTrack = MissingEndOfTrackPolicy.Throw,
        InvalidStatus = InvalidStatusPolicy.Throw,
        DataByte = DataBytePolicy.Throw,
        RunningStatus = RunningStatusPolicy.Throw,
        ZeroLengthTrack = ZeroLengthTrackPolicy.Throw,
        Division = DivisionPolicy.Throw,
        UnknownFormat = UnknownFormatPolicy.Throw,
    };

    /// <summary>A chunk header or event cut short.</summary>
    public TruncatedChunkPolicy TruncatedChunk { get; init; } = TruncatedChunkPolicy.DropPartial;

    /// <summary>A chunk length past the end of the file.</summary>
    public ChunkLengthPolicy ChunkLength { get; init; } = ChunkLengthPolicy.ClampToFileEnd;

    /// <summary>A track without end-of-track.</summary>
    public MissingEndOfTrackPolicy MissingEndOfTrack { get; init; } = MissingEndOfTrackPolicy.EndAtLastEvent;

    /// <summary>A status byte not allowed in a file.</summary>
    public InvalidStatusPolicy InvalidStatus { get; init; } = InvalidStatusPolicy.SkipEvent;

    /// <summary>A data byte above 127.</summary>
    public DataBytePolicy DataByte { get; init; } = DataBytePolicy.ClampTo127;

    /// <summary>A data byte with no running status in effect.</summary>
    public RunningStatusPolicy RunningStatus { get; init; } = RunningStatusPolicy.SkipByte;

    /// <summary>A track chunk of length zero.</summary>
    public ZeroLengthTrackPolicy ZeroLengthTrack { get; init; } = ZeroLengthTrackPolicy.EmptyTrack;

    /// <summary>An unusable division.</summary>
    public DivisionPolicy Division { get; init; } = DivisionPolicy.UseFallback;

    /// <summary>A header format other than 0, 1 or 2.</summary>
    public UnknownFormatPolicy UnknownFormat { get; init; } = UnknownFormatPolicy.ReadAsFormat1;

    /// <summary>The largest file read, in bytes (default 16 MiB); a larger file throws <see cref="MidiLimitException"/> whatever the policies.</summary>
    public long MaxFileBytes
    {
        get;
        init => field = value < 14 ? throw new ArgumentOutOfRangeException(nameof(MaxFileBytes), value, "A MIDI file has at least 14 bytes.") : value;
    } = 16L * 1024 * 1024;

    /// <summary>The most track chunks read from a file (default 1024); a file holding more throws <see cref="MidiLimitException"/>
    /// whatever the policies. A header that declares more tracks than the file holds is a repair (<see cref="MidiIssue.MissingTracks"/>), not this limit.</summary>
    public int MaxTracks
    {
        get;
        init => field = value is < 1 or > 0xFFFF ? throw new ArgumentOutOfRangeException(nameof(MaxTracks), value, "MaxTracks is 1..65535.") : value;
    } = 1024;

    /// <summary>The most events (notes, controllers, meta and sysex events, over all tracks) read from a file (default 1,000,000);
    /// more throws <see cref="MidiLimitException"/> whatever the policies: a file is never silently cut short.</summary>
    public int MaxEvents
    {
        get;
        init => field = value < 1 ? throw new ArgumentOutOfRangeException(nameof(MaxEvents), value, "MaxEvents is at least 1.") : value;
    } = 1_000_000;

    /// <summary>The ticks per quarter used when <see cref="Division"/> is <see cref="DivisionPolicy.UseFallback"/>.</summary>
    public int FallbackTicksPerQuarter
    {
        get;
        init => field = value is < 1 or > 0x7FFF ? throw new ArgumentOutOfRangeException(nameof(FallbackTicksPerQuarter), value, "Ticks per quarter is 1..32767.") : value;
    } = 480;
}
