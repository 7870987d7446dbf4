using System.Buffers.Binary;

namespace Melos.Formats.Midi;

/// <summary>How <see cref="MidiWriter"/> encodes events.</summary>
public sealed record MidiWriteSettings
{
    /// <summary>The defaults: running status on.</summary>
    public static MidiWriteSettings Default { get; } = new();

    /// <summary>Omit a channel message's status byte when it repeats the previous one (reset by sysex and meta events).</summary>
    public bool UseRunningStatus { get; init; } = true;
}

/// <summary>Writes a <see cref="MidiFile"/> as a Standard MIDI File; each track gets its end-of-track event at its <see cref="MidiTrack.EndTick"/>.</summary>
public static class MidiWriter
{
    /// <summary>The largest delta time or length a variable-length quantity holds.</summary>
    public const int MaxVariableLength = 0x0FFF_FFFF;

    /// <summary>The file as bytes.</summary>
    /// <exception cref="ArgumentException">A delta time or payload is longer than a variable-length quantity holds.</exception>
    public static byte[] Write(MidiFile file, MidiWriteSettings? settings = null)
    {
        using var ms = new MemoryStream();
        Write(file, ms, settings);
        return ms.ToArray();
    }

    /// <summary>Writes the file to <paramref name="stream"/>.</summary>
    /// <exception cref="ArgumentException">A delta time or payload is longer than a variable-length quantity holds.</exception>
    public static void Write(MidiFile file, Stream stream, MidiWriteSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(stream);
        settings ??= MidiWriteSettings.Default;
        Span<byte> header = stackalloc byte[14];
        "MThd"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], 6);
        BinaryPrimitives.WriteUInt16BigEndian(header[8..], (ushort)file.Format);
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], checked((ushort)file.Tracks.Length));
        BinaryPrimitives.WriteUInt16BigEndian(header[12..], file.Division.Raw);
        stream.Write(header);
        var body = new MemoryStream();
        Span<byte> chunk = stackalloc byte[8];
        foreach (var track in file.Tracks)
        {
            body.SetLength(0);
            WriteTrack(track, body, settings);
            "MTrk"u8.CopyTo(chunk);
            BinaryPrimitives.WriteUInt32BigEndian(chunk[4..], checked((uint)body.Length));
            stream.Write(chunk);
            body.Position = 0;
            body.CopyTo(stream);
        }
    }

    private static void WriteTrack(MidiTrack track, MemoryStream s, MidiWriteSettings settings)
    {
        long prev = 0;
        int running = 0;
        foreach (var e in track.Events)
        {
            WriteVarInt(s, e.Tick - prev);
            prev = e.Tick;
            switch (e.Kind)
            {
                case MidiEventKind.Channel:
                    if (!settings.UseRunningStatus || e.Status != running) s.WriteByte(e.Status);
                    running = e.Status;
                    s.WriteByte((byte)(e.Data1 & 0x7F));
                    if ((e.Status & 0xF0) is not (0xC0 or 0xD0)) s.WriteByte((byte)(e.Data2 & 0x7F));
                    break;
                case MidiEventKind.SysEx or MidiEventKind.SysExEscape:
                    s.WriteByte(e.Kind == MidiEventKind.SysEx ? (byte)0xF0 : (byte)0xF7);
                    WriteVarInt(s, e.Data.Length);
                    s.Write(e.Data.Span);
                    running = 0;
                    break;
                default:
                    s.WriteByte(0xFF);
                    s.WriteByte(e.MetaType);
                    WriteVarInt(s, e.Data.Length);
                    s.Write(e.Data.Span);
                    running = 0;
                    break;
            }
        }
        WriteVarInt(s, track.EndTick - prev);
        s.Write([0xFF, MidiMeta.EndOfTrack, 0x00]);
    }

    private static void WriteVarInt(Stream s, long value)
    {
        if (value is < 0 or > MaxVariableLength)
            throw new ArgumentException($"{value} does not fit a MIDI variable-length quantity (0..{MaxVariableLength}).", nameof(value));
        Span<byte> buf = stackalloc byte[4];
        int n = 0;
        buf[n++] = (byte)(value & 0x7F);
        while ((value >>= 7) > 0) buf[n++] = (byte)(0x80 | (value & 0x7F));
        for (int i = n - 1; i >= 0; i--) s.WriteByte(buf[i]);
    }
}
