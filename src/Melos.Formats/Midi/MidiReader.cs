using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Melos.Formats.Midi;

/// <summary>
/// Reads Standard MIDI Files (formats 0, 1 and 2; metrical and SMPTE divisions; running status; every channel message;
/// sysex in F0 and F7 forms; meta events; unknown chunks skipped). Span-based: one pass over the bytes, no per-event
/// allocation; meta and sysex payloads are slices of the input array, which must not change afterwards.
/// Malformed input is handled as <see cref="MidiReadSettings"/> says; no length field is trusted beyond the bytes present.
/// </summary>
public static class MidiReader
{
    /// <summary>Reads a file from disk.</summary>
    /// <exception cref="MidiFormatException">The file is malformed and the settings say to throw.</exception>
    /// <exception cref="MidiLimitException">The file is larger than <see cref="MidiReadSettings.MaxFileBytes"/> (checked before reading it).</exception>
    public static MidiReadResult Read(string path, MidiReadSettings? settings = null)
    {
        settings ??= MidiReadSettings.Lenient;
        long length = new FileInfo(path).Length;
        if (length > settings.MaxFileBytes) throw new MidiLimitException(0, MidiLimit.FileBytes, length, settings.MaxFileBytes);
        return Read(File.ReadAllBytes(path), settings);
    }

    /// <summary>Reads a file's bytes (the array is kept: payloads point into it).</summary>
    /// <exception cref="MidiFormatException">The file is malformed and the settings say to throw.</exception>
    public static MidiReadResult Read(byte[] bytes, MidiReadSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        settings ??= MidiReadSettings.Lenient;
        if (bytes.LongLength > settings.MaxFileBytes) throw new MidiLimitException(0, MidiLimit.FileBytes, bytes.LongLength, settings.MaxFileBytes);
        var state = new State(bytes, settings);
        return state.ReadFile();
    }

    private sealed class State(byte[] bytes, MidiReadSettings settings)
    {
        private readonly List<MidiRepair> _repairs = [];
        private MidiEvent[] _buffer = new MidiEvent[256];
        private long _events;

        private void Repair(MidiIssue issue, long offset, int track, string detail) => _repairs.Add(new MidiRepair(issue, offset, track, detail));

        public MidiReadResult ReadFile()
        {
            var data = bytes.AsSpan();
            if (data.Length < 8 || !data[..4].SequenceEqual("MThd"u8))
                throw new MidiHeaderException(0, "an MThd header chunk", data.Length < 4 ? $"{data.Length} bytes" : $"'{System.Text.Encoding.Latin1.GetString(data[..4])}'");
            long declared = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
            int pos = 8;
            long available = data.Length - pos;
            long headerLength = declared;
            if (declared > available)
            {
                if (settings.ChunkLength == ChunkLengthPolicy.Throw) throw new MidiChunkLengthException(4, declared, available);
                Repair(MidiIssue.ChunkLengthPastEnd, 4, -1, $"header length {declared} clamped to {available}");
                headerLength = available;
            }
            int format = 1, ntracks = 0;
            ushort division = 0;
            if (headerLength < 6)
            {
                if (settings.TruncatedChunk == TruncatedChunkPolicy.Throw)
                    throw new MidiTruncatedChunkException(pos, "a 6-byte header (format, tracks, division)", $"{headerLength} bytes");
                Repair(MidiIssue.TruncatedChunk, pos, -1, $"header of {headerLength} bytes: fields missing, read as format 1 with no tracks");
            }
            else
            {
                format = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
                ntracks = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 2)..]);
                division = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 4)..]);
            }
            if (format > 2)
            {
                if (settings.UnknownFormat == UnknownFormatPolicy.Throw) throw new MidiUnknownFormatException(pos, format);
                Repair(MidiIssue.UnknownFormat, pos, -1, $"format {format} read as 1");
                format = 1;
            }
            var div = new MidiDivision(division);
            if (headerLength >= 6 && !div.IsValid)
            {
                if (settings.Division == DivisionPolicy.Throw) throw new MidiDivisionException(pos + 4, division);
                Repair(MidiIssue.AbsurdDivision, pos + 4, -1, $"division 0x{division:X4} replaced by {settings.FallbackTicksPerQuarter} ticks per quarter");
                div = MidiDivision.PerQuarter(settings.FallbackTicksPerQuarter);
            }
            else if (headerLength < 6) div = MidiDivision.PerQuarter(settings.FallbackTicksPerQuarter);
            pos = checked(8 + (int)headerLength);

            var tracks = new List<MidiTrack>(Math.Min(ntracks, 1024));
            while (tracks.Count < ntracks)
            {
                int remaining = data.Length - pos;
                if (remaining == 0)
                {
                    if (settings.TruncatedChunk == TruncatedChunkPolicy.Throw)
                        throw new MidiTruncatedChunkException(pos, $"track chunk {tracks.Count} of {ntracks}", "the end of the file");
                    Repair(MidiIssue.MissingTracks, pos, tracks.Count, $"header declares {ntracks} tracks, the file holds {tracks.Count}");
                    break;
                }
                if (remaining < 8)
                {
                    if (settings.TruncatedChunk == TruncatedChunkPolicy.Throw)
                        throw new MidiTruncatedChunkException(pos, "an 8-byte chunk header", $"{remaining} bytes");
                    Repair(MidiIssue.TruncatedChunk, pos, tracks.Count, $"partial chunk header of {remaining} bytes dropped");
                    break;
                }
                long length = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 4)..]);
                bool isTrack = data.Slice(pos, 4).SequenceEqual("MTrk"u8);
                if (isTrack && tracks.Count == settings.MaxTracks) throw new MidiLimitException(pos, MidiLimit.Tracks, tracks.Count + 1, settings.MaxTracks);
                long avail = remaining - 8;
                if (length > avail)
                {
                    if (settings.ChunkLength == ChunkLengthPolicy.Throw) throw new MidiChunkLengthException(pos + 4, length, avail);
                    Repair(MidiIssue.ChunkLengthPastEnd, pos + 4, tracks.Count, $"chunk length {length} clamped to {avail}");
                    length = avail;
                }
                int start = pos + 8, end = start + (int)length;
                if (!isTrack)
                {
                    Repair(MidiIssue.UnknownChunkSkipped, pos, tracks.Count, $"chunk '{System.Text.Encoding.Latin1.GetString(data.Slice(pos, 4))}' of {length} bytes skipped");
                    pos = end;
                    continue;
                }
                if (length == 0)
                {
                    if (settings.ZeroLengthTrack == ZeroLengthTrackPolicy.Throw) throw new MidiZeroLengthTrackException(pos, tracks.Count);
                    Repair(MidiIssue.ZeroLengthTrack, pos, tracks.Count, "zero-length track kept empty");
                    tracks.Add(new MidiTrack([], 0));
                }
                else tracks.Add(ReadTrack(start, end, tracks.Count));
                pos = end;
            }
            return new MidiReadResult(new MidiFile(format, div, tracks), [.. _repairs]);
        }

        private static bool ReadVarInt(ReadOnlySpan<byte> d, ref int p, int end, out long value)
        {
            value = 0;
            for (int i = 0; i < 4; i++)
            {
                if (p >= end) return false;
                byte b = d[p++];
                value = (value << 7) | (uint)(b & 0x7F);
                if (b < 0x80) return true;
            }
            // A fifth continuation byte: the spec allows four; read on like other readers do, bounded by the chunk.
            while (p < end)
            {
                byte b = d[p++];
                value = ((value << 7) | (uint)(b & 0x7F)) & 0x7FFF_FFFF_FFFF;
                if (b < 0x80) return true;
            }
            return false;
        }

        private MidiTrack ReadTrack(int start, int end, int index)
        {
            ReadOnlySpan<byte> d = bytes;
            int p = start, count = 0, running = 0;
            long tick = 0, lastTick = 0, endTick = -1;
            while (p < end)
            {
                int eventStart = p;
                if (!ReadVarInt(d, ref p, end, out long delta)) { Truncated(eventStart, index, "a delta time"); break; }
                tick += delta;
                if (p >= end) { Truncated(eventStart, index, "a status byte after the delta time"); break; }
                byte b = d[p];
                int status;
                if (b < 0x80)
                {
                    if (running == 0)
                    {
                        if (settings.RunningStatus == RunningStatusPolicy.Throw) throw new MidiRunningStatusException(p, b);
                        Repair(MidiIssue.BadRunningStatus, p, index, string.Create(CultureInfo.InvariantCulture, $"data byte 0x{b:X2} with no running status skipped"));
                        p++;
                        continue;
                    }
                    status = running;
                }
                else
                {
                    status = b;
                    p++;
                }

                if (status == 0xFF)
                {
                    if (p >= end) { Truncated(eventStart, index, "a meta event type"); break; }
                    byte type = d[p++];
                    if (!ReadVarInt(d, ref p, end, out long len)) { Truncated(eventStart, index, "a meta event length"); break; }
                    if (len > end - p) { Truncated(eventStart, index, string.Create(CultureInfo.InvariantCulture, $"{len} bytes of meta event data")); break; }
                    var payload = new ReadOnlyMemory<byte>(bytes, p, (int)len);
                    p += (int)len;
                    lastTick = tick;
                    if (type == MidiMeta.EndOfTrack)
                    {
                        endTick = tick;
                        break;
                    }
                    Add(ref count, new MidiEvent(tick, MidiEventKind.Meta, 0xFF, 0, 0, type, payload), eventStart);
                }
                else if (status is 0xF0 or 0xF7)
                {
                    if (!ReadVarInt(d, ref p, end, out long len)) { Truncated(eventStart, index, "a sysex length"); break; }
                    if (len > end - p) { Truncated(eventStart, index, string.Create(CultureInfo.InvariantCulture, $"{len} bytes of sysex data")); break; }
                    var payload = new ReadOnlyMemory<byte>(bytes, p, (int)len);
                    p += (int)len;
                    running = 0;
                    lastTick = tick;
                    Add(ref count, new MidiEvent(tick, status == 0xF0 ? MidiEventKind.SysEx : MidiEventKind.SysExEscape, (byte)status, 0, 0, 0, payload), eventStart);
                }
                else if (status > 0xF0)
                {
                    if (settings.InvalidStatus == InvalidStatusPolicy.Throw) throw new MidiInvalidStatusByteException(p - 1, (byte)status);
                    int skip = status switch { 0xF1 or 0xF3 => 1, 0xF2 => 2, _ => 0 };
                    Repair(MidiIssue.InvalidStatusByte, p - 1, index, string.Create(CultureInfo.InvariantCulture, $"status 0x{status:X2} skipped with {skip} data bytes"));
                    p = Math.Min(end, p + skip);
                    if (status < 0xF8) running = 0;
                }
                else
                {
                    running = status;
                    int n = (status & 0xF0) is 0xC0 or 0xD0 ? 1 : 2;
                    if (end - p < n) { Truncated(eventStart, index, string.Create(CultureInfo.InvariantCulture, $"{n} data bytes")); break; }
                    byte d1 = DataByte(d, p, index);
                    byte d2 = n == 2 ? DataByte(d, p + 1, index) : (byte)0;
                    p += n;
                    lastTick = tick;
                    Add(ref count, new MidiEvent(tick, MidiEventKind.Channel, (byte)status, d1, d2, 0, ReadOnlyMemory<byte>.Empty), eventStart);
                }
            }
            if (endTick < 0)
            {
                if (settings.MissingEndOfTrack == MissingEndOfTrackPolicy.Throw) throw new MidiMissingEndOfTrackException(end, index);
                Repair(MidiIssue.MissingEndOfTrack, end, index, "no end-of-track: the track ends at its last event");
                endTick = lastTick;
            }
            var events = new MidiEvent[count];
            Array.Copy(_buffer, events, count);
            return new MidiTrack(ImmutableCollectionsMarshal.AsImmutableArray(events), endTick);
        }

        private byte DataByte(ReadOnlySpan<byte> d, int p, int track)
        {
            byte v = d[p];
            if (v < 0x80) return v;
            if (settings.DataByte == DataBytePolicy.Throw) throw new MidiDataByteException(p, v);
            Repair(MidiIssue.DataByteOutOfRange, p, track, string.Create(CultureInfo.InvariantCulture, $"data byte 0x{v:X2} read as 127"));
            return 127;
        }

        private void Truncated(int offset, int track, string expected)
        {
            if (settings.TruncatedChunk == TruncatedChunkPolicy.Throw) throw new MidiTruncatedChunkException(offset, expected, "the end of the track chunk");
            Repair(MidiIssue.TruncatedChunk, offset, track, $"event cut short (expected {expected}) dropped");
        }

        private void Add(ref int count, in MidiEvent e, int offset)
        {
            if (++_events > settings.MaxEvents) throw new MidiLimitException(offset, MidiLimit.Events, _events, settings.MaxEvents);
            if (count == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
            _buffer[count++] = e;
        }
    }
}
