using System.Globalization;

namespace Melos.Formats.Midi;

/// <summary>A Standard MIDI File that cannot be read under the settings in force; carries where and what was expected.</summary>
public abstract class MidiFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    protected MidiFormatException(long offset, string expected, string found)
        : base(string.Create(CultureInfo.InvariantCulture, $"MIDI: at byte {offset} (0x{offset:X}) expected {expected}, found {found}."))
    {
        Offset = offset;
        Expected = expected;
        Found = found;
    }

    /// <summary>The byte offset in the file where the fault was found.</summary>
    public long Offset { get; }

    /// <summary>What the reader expected there.</summary>
    public string Expected { get; }

    /// <summary>What it found instead.</summary>
    public string Found { get; }
}

/// <summary>The file does not start with an <c>MThd</c> header chunk (not a MIDI file); thrown under every setting.</summary>
public sealed class MidiHeaderException(long offset, string expected, string found) : MidiFormatException(offset, expected, found);

/// <summary>A chunk header or event is cut short.</summary>
public sealed class MidiTruncatedChunkException(long offset, string expected, string found) : MidiFormatException(offset, expected, found);

/// <summary>A chunk's length field points past the end of the file.</summary>
public sealed class MidiChunkLengthException(long offset, long declaredLength, long available)
    : MidiFormatException(offset, string.Create(CultureInfo.InvariantCulture, $"a chunk of {declaredLength} bytes"), string.Create(CultureInfo.InvariantCulture, $"only {available} bytes before the end of the file"))
{
    /// <summary>The length the chunk header claims.</summary>
    public long DeclaredLength { get; } = declaredLength;

    /// <summary>The bytes actually present after the header.</summary>
    public long Available { get; } = available;
}

/// <summary>A track ends without an end-of-track meta event.</summary>
public sealed class MidiMissingEndOfTrackException(long offset, int track)
    : MidiFormatException(offset, "an end-of-track meta event (FF 2F 00)", string.Create(CultureInfo.InvariantCulture, $"the end of track {track}"))
{
    /// <summary>The track's index.</summary>
    public int Track { get; } = track;
}

/// <summary>A status byte that has no place in a file (system common or real-time).</summary>
public sealed class MidiInvalidStatusByteException(long offset, byte status)
    : MidiFormatException(offset, "a channel message, sysex (F0/F7) or meta (FF) status", string.Create(CultureInfo.InvariantCulture, $"status 0x{status:X2}"))
{
    /// <summary>The status byte.</summary>
    public byte Status { get; } = status;
}

/// <summary>A channel message's data byte is above 127.</summary>
public sealed class MidiDataByteException(long offset, byte value)
    : MidiFormatException(offset, "a data byte 0..127", string.Create(CultureInfo.InvariantCulture, $"0x{value:X2}"))
{
    /// <summary>The byte found.</summary>
    public byte Value { get; } = value;
}

/// <summary>A data byte where a status byte is needed and no running status is in effect.</summary>
public sealed class MidiRunningStatusException(long offset, byte value)
    : MidiFormatException(offset, "a status byte (no running status is in effect)", string.Create(CultureInfo.InvariantCulture, $"data byte 0x{value:X2}"))
{
    /// <summary>The byte found.</summary>
    public byte Value { get; } = value;
}

/// <summary>A track chunk of length zero.</summary>
public sealed class MidiZeroLengthTrackException(long offset, int track)
    : MidiFormatException(offset, "a track with at least an end-of-track event", string.Create(CultureInfo.InvariantCulture, $"track {track} of length 0"))
{
    /// <summary>The track's index.</summary>
    public int Track { get; } = track;
}

/// <summary>The header's division cannot be used.</summary>
public sealed class MidiDivisionException(long offset, ushort division)
    : MidiFormatException(offset, "1..32767 ticks per quarter, or SMPTE 24/25/29/30 fps with ticks per frame above 0", string.Create(CultureInfo.InvariantCulture, $"division 0x{division:X4}"))
{
    /// <summary>The raw division field.</summary>
    public ushort Division { get; } = division;
}

/// <summary>The header's format is not 0, 1 or 2.</summary>
public sealed class MidiUnknownFormatException(long offset, int format)
    : MidiFormatException(offset, "format 0, 1 or 2", string.Create(CultureInfo.InvariantCulture, $"format {format}"))
{
    /// <summary>The format field.</summary>
    public int Format { get; } = format;
}

/// <summary>Which limit of <see cref="MidiReadSettings"/> a file exceeds.</summary>
public enum MidiLimit
{
    /// <summary><see cref="MidiReadSettings.MaxFileBytes"/>.</summary>
    FileBytes,
    /// <summary><see cref="MidiReadSettings.MaxTracks"/> (track chunks present; a header may declare more, which is a repair, not a limit).</summary>
    Tracks,
    /// <summary><see cref="MidiReadSettings.MaxEvents"/>.</summary>
    Events,
}

/// <summary>The file exceeds one of the reader's limits (<see cref="MidiReadSettings.MaxFileBytes"/>, <see cref="MidiReadSettings.MaxTracks"/>,
/// <see cref="MidiReadSettings.MaxEvents"/>); thrown under every policy, so a file over a limit is refused, never cut short.</summary>
public sealed class MidiLimitException(long offset, MidiLimit limit, long value, long maximum)
    : MidiFormatException(offset, string.Create(CultureInfo.InvariantCulture, $"at most {maximum} {Unit(limit)} (the reader's limit)"),
        string.Create(CultureInfo.InvariantCulture, $"{(limit is MidiLimit.Events or MidiLimit.Tracks ? "more than " + maximum.ToString(CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture))} {Unit(limit)}"))
{
    /// <summary>The limit exceeded.</summary>
    public MidiLimit Limit { get; } = limit;

    /// <summary>The file's value (for events and tracks: the count reached when reading stopped, one over the maximum).</summary>
    public long Value { get; } = value;

    /// <summary>The limit in force.</summary>
    public long Maximum { get; } = maximum;

    private static string Unit(MidiLimit limit) => limit switch
    {
        MidiLimit.FileBytes => "bytes",
        MidiLimit.Tracks => "tracks",
        _ => "events",
    };
}
