using System.Buffers.Binary;
using System.Globalization;

namespace Melos.Formats.Audio;

/// <summary>The layout of 16-bit PCM audio: sample rate and channel count.</summary>
public sealed record WavFormat
{
    /// <summary>Creates a format.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not 8000..192000 or the channels not 1 or 2.</exception>
    public WavFormat(int sampleRate = 44_100, int channels = 2)
    {
        if (sampleRate is < 8_000 or > 192_000) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "The sample rate is 8000..192000 Hz.");
        if (channels is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Audio is mono (1) or stereo (2).");
        SampleRate = sampleRate;
        Channels = channels;
    }

    /// <summary>CD quality: 44.1 kHz stereo.</summary>
    public static WavFormat CdStereo { get; } = new();

    /// <summary>Frames (one sample per channel) per second.</summary>
    public int SampleRate { get; }

    /// <summary>1 (mono) or 2 (stereo, left first).</summary>
    public int Channels { get; }

    /// <summary>Always 16.</summary>
    public int BitsPerSample => 16;

    /// <summary>Bytes per frame.</summary>
    public int BlockAlign => Channels * 2;

    /// <summary>Bytes per second.</summary>
    public int ByteRate => SampleRate * BlockAlign;
}

/// <summary>Writes 16-bit PCM RIFF/WAVE files: a 44-byte header (<c>RIFF</c>, <c>fmt </c>, <c>data</c>) and little-endian samples.</summary>
public static class WavWriter
{
    /// <summary>The header's size in bytes.</summary>
    public const int HeaderSize = 44;

    /// <summary>Writes interleaved samples (left, right, left, ... for stereo) as a WAV file.</summary>
    /// <exception cref="ArgumentException">The sample count is not a whole number of frames, or the data exceeds 4 GB.</exception>
    public static void Write(Stream stream, WavFormat format, ReadOnlySpan<short> samples)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(format);
        if (samples.Length % format.Channels != 0)
            throw new ArgumentException($"{samples.Length} samples is not a whole number of {format.Channels}-channel frames.", nameof(samples));
        long dataBytes = (long)samples.Length * 2;
        if (dataBytes > uint.MaxValue - HeaderSize) throw new ArgumentException("The audio is too long for a WAV file (4 GB).", nameof(samples));
        Span<byte> h = stackalloc byte[HeaderSize];
        "RIFF"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], (uint)(dataBytes + HeaderSize - 8));
        "WAVE"u8.CopyTo(h[8..]);
        "fmt "u8.CopyTo(h[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(h[20..], 1); // PCM
        BinaryPrimitives.WriteUInt16LittleEndian(h[22..], (ushort)format.Channels);
        BinaryPrimitives.WriteUInt32LittleEndian(h[24..], (uint)format.SampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(h[28..], (uint)format.ByteRate);
        BinaryPrimitives.WriteUInt16LittleEndian(h[32..], (ushort)format.BlockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(h[34..], (ushort)format.BitsPerSample);
        "data"u8.CopyTo(h[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[40..], (uint)dataBytes);
        stream.Write(h);
        var buffer = new byte[Math.Min(samples.Length, 1 << 15) * 2];
        for (int i = 0; i < samples.Length;)
        {
            int n = Math.Min(samples.Length - i, buffer.Length / 2);
            for (int j = 0; j < n; j++) BinaryPrimitives.WriteInt16LittleEndian(buffer.AsSpan(j * 2), samples[i + j]);
            stream.Write(buffer, 0, n * 2);
            i += n;
        }
    }

    /// <summary>The WAV file as bytes.</summary>
    public static byte[] Write(WavFormat format, ReadOnlySpan<short> samples)
    {
        using var ms = new MemoryStream(HeaderSize + samples.Length * 2);
        Write(ms, format, samples);
        return ms.ToArray();
    }
}

/// <summary>A WAV file's header as read: its format fields and where its samples are.</summary>
/// <param name="AudioFormat">The <c>fmt </c> chunk's format tag (1 = PCM; 0xFFFE = extensible).</param>
/// <param name="Channels">Channels.</param>
/// <param name="SampleRate">Frames per second.</param>
/// <param name="ByteRate">Bytes per second as the header states it.</param>
/// <param name="BlockAlign">Bytes per frame as the header states it.</param>
/// <param name="BitsPerSample">Bits per sample.</param>
/// <param name="DataOffset">The byte offset of the first sample.</param>
/// <param name="DataBytes">The <c>data</c> chunk's length (clamped to the bytes present).</param>
public sealed record WavInfo(int AudioFormat, int Channels, int SampleRate, int ByteRate, int BlockAlign, int BitsPerSample, long DataOffset, long DataBytes)
{
    /// <summary>Frames in the data chunk.</summary>
    public long Frames => BlockAlign == 0 ? 0 : DataBytes / BlockAlign;

    /// <summary>The length in seconds.</summary>
    public double Seconds => SampleRate == 0 ? 0 : (double)Frames / SampleRate;

    /// <summary>For <c>WAVE_FORMAT_EXTENSIBLE</c> (0xFFFE), the sub-format GUID's leading tag (1 = PCM, 3 = IEEE float); 0 when absent.</summary>
    public int SubFormat { get; init; }

    /// <summary>True when the <c>data</c> chunk's header announces more bytes than the file holds.</summary>
    public bool Truncated { get; init; }

    /// <summary>The format tag that says how samples are coded: <see cref="SubFormat"/> for extensible files, else <see cref="AudioFormat"/>.</summary>
    public int Encoding => AudioFormat == 0xFFFE ? SubFormat : AudioFormat;
}

/// <summary>A file that is not a RIFF/WAVE file Melos can read: where (byte offset) and what was expected.</summary>
public sealed class WavFormatException(long offset, string expected, string found)
    : FormatException(string.Create(CultureInfo.InvariantCulture, $"WAV: at byte {offset} expected {expected}, found {found}."))
{
    /// <summary>The byte offset of the fault.</summary>
    public long Offset { get; } = offset;

    /// <summary>What the reader expected.</summary>
    public string Expected { get; } = expected;

    /// <summary>What it found.</summary>
    public string Found { get; } = found;
}

/// <summary>Reads WAV headers (any chunk order, unknown chunks skipped) and 16-bit PCM samples.</summary>
public static class WavReader
{
    /// <summary>Parses the header of a WAV file held in memory.</summary>
    /// <exception cref="WavFormatException">Not a RIFF/WAVE file, or no <c>fmt </c> or <c>data</c> chunk.</exception>
    public static WavInfo ReadHeader(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 12 || !bytes[..4].SequenceEqual("RIFF"u8) || !bytes[8..12].SequenceEqual("WAVE"u8))
            throw new WavFormatException(0, "a RIFF header with form type WAVE", bytes.Length < 12 ? "a file of " + bytes.Length.ToString(CultureInfo.InvariantCulture) + " bytes" : "another header");
        int pos = 12;
        (int Format, int Channels, int Rate, int ByteRate, int Align, int Bits)? fmt = null;
        int sub = 0;
        while (pos + 8 <= bytes.Length)
        {
            var id = bytes.Slice(pos, 4);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(pos + 4)..]);
            int body = pos + 8;
            if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16 || body + 16 > bytes.Length) throw new WavFormatException(pos, "a fmt chunk of at least 16 bytes", size.ToString(CultureInfo.InvariantCulture) + " bytes");
                var f = bytes[body..];
                fmt = (BinaryPrimitives.ReadUInt16LittleEndian(f), BinaryPrimitives.ReadUInt16LittleEndian(f[2..]), (int)BinaryPrimitives.ReadUInt32LittleEndian(f[4..]),
                    (int)BinaryPrimitives.ReadUInt32LittleEndian(f[8..]), BinaryPrimitives.ReadUInt16LittleEndian(f[12..]), BinaryPrimitives.ReadUInt16LittleEndian(f[14..]));
                if (size >= 26 && body + 26 <= bytes.Length) sub = BinaryPrimitives.ReadUInt16LittleEndian(f[24..]);
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (fmt is not { } x) throw new WavFormatException(pos, "a fmt chunk before the data chunk", "data first");
                return new WavInfo(x.Format, x.Channels, x.Rate, x.ByteRate, x.Align, x.Bits, body, Math.Min(size, bytes.Length - body))
                {
                    SubFormat = sub,
                    Truncated = size > bytes.Length - body && size != uint.MaxValue,
                };
            }
            pos = (int)Math.Min(bytes.Length, body + size + (size & 1)); // chunks are padded to even lengths
        }
        throw new WavFormatException(pos, fmt is null ? "a fmt chunk" : "a data chunk", "the end of the file");
    }

    /// <summary>Reads the header of a WAV file on disk.</summary>
    public static WavInfo ReadHeader(string path) => ReadHeader(File.ReadAllBytes(path));

    /// <summary>The interleaved 16-bit samples of a PCM file held in memory.</summary>
    /// <exception cref="WavFormatException">The file is not 16-bit PCM.</exception>
    public static (WavInfo Info, short[] Samples) Read(ReadOnlySpan<byte> bytes)
    {
        var info = ReadHeader(bytes);
        if (info.AudioFormat != 1 || info.BitsPerSample != 16)
            throw new WavFormatException(20, "16-bit PCM (format 1, 16 bits)", string.Create(CultureInfo.InvariantCulture, $"format {info.AudioFormat}, {info.BitsPerSample} bits"));
        var data = bytes.Slice((int)info.DataOffset, (int)(info.DataBytes / 2 * 2));
        var samples = new short[data.Length / 2];
        for (int i = 0; i < samples.Length; i++) samples[i] = BinaryPrimitives.ReadInt16LittleEndian(data[(i * 2)..]);
        return (info, samples);
    }

    /// <summary>The interleaved 16-bit samples of a PCM file on disk.</summary>
    public static (WavInfo Info, short[] Samples) Read(string path) => Read(File.ReadAllBytes(path));
}
