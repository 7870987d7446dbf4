using System.Globalization;
using System.Security.Cryptography;

namespace Melos.Formats.Audio;

/// <summary>
/// A managed FLAC decoder: the STREAMINFO block, frames with their CRC-8 header and CRC-16 checks, constant, verbatim,
/// fixed and LPC subframes with wasted bits, partitioned Rice residuals (4- and 5-bit parameters, escapes), and the three
/// stereo decorrelations; the whole stream's MD5 is checked when STREAMINFO carries one and the stream is complete.
/// Header lengths are never trusted beyond the bytes present.
/// </summary>
public static class FlacDecoder
{
    /// <summary>Decodes a FLAC file held in memory to interleaved integer samples.</summary>
    /// <returns>The samples (interleaved, as signed integers of <c>bits</c> bits), channels, rate, bits per sample, and whether the stream was cut short.</returns>
    /// <exception cref="AudioFormatException">Not FLAC, corrupt, or (under <see cref="TruncatedAudioPolicy.Throw"/>) truncated.</exception>
    public static (int[] Samples, int Channels, int SampleRate, int Bits, bool Truncated) Decode(ReadOnlySpan<byte> data, string source, AudioReadSettings? settings = null)
    {
        settings ??= AudioReadSettings.Lenient;
        var bytes = data.ToArray();
        if (bytes.Length < 4 || bytes[0] != 'f' || bytes[1] != 'L' || bytes[2] != 'a' || bytes[3] != 'C') throw Error(source, 0, "no 'fLaC' marker");
        int pos = 4;
        int rate = 0, channels = 0, bits = 0, maxBlock = 0;
        long total = 0;
        byte[]? md5 = null;
        bool last = false, haveInfo = false;
        while (!last)
        {
            if (pos + 4 > bytes.Length) throw Error(source, pos, "the metadata ends before the audio frames");
            last = (bytes[pos] & 0x80) != 0;
            int type = bytes[pos] & 0x7F;
            int length = (bytes[pos + 1] << 16) | (bytes[pos + 2] << 8) | bytes[pos + 3];
            int body = pos + 4;
            if (type == 127) throw Error(source, pos, "an invalid metadata block type (127)");
            if ((long)body + length > bytes.Length) throw Error(source, pos, string.Create(CultureInfo.InvariantCulture, $"a metadata block of {length} bytes with {bytes.Length - body} present"));
            if (type == 0)
            {
                if (length < 34) throw Error(source, pos, "a STREAMINFO block shorter than 34 bytes");
                var r = new BitReader(bytes, body, source);
                r.Read(16); // min block size
                maxBlock = (int)r.Read(16);
                r.Read(24);
                r.Read(24);
                rate = (int)r.Read(20);
                channels = (int)r.Read(3) + 1;
                bits = (int)r.Read(5) + 1;
                total = ((long)r.Read(4) << 32) | r.Read(32);
                md5 = bytes.AsSpan(body + 18, 16).ToArray();
                haveInfo = true;
                if (rate == 0) throw Error(source, body + 10, "a sample rate of 0");
                if (bits < 4) throw Error(source, body + 12, string.Create(CultureInfo.InvariantCulture, $"{bits} bits per sample"));
            }
            pos = body + length;
        }
        if (!haveInfo) throw Error(source, 4, "no STREAMINFO block");
        long maxSamples = (long)Math.Ceiling(settings.MaxSeconds * rate);
        if (total > maxSamples) throw Error(source, 4, string.Create(CultureInfo.InvariantCulture, $"{total} samples, over the limit of {settings.MaxSeconds} s"));
        var output = new List<int[]>();
        long frames = 0;
        bool truncated = false;
        var block = new int[8][];
        while (pos + 2 <= bytes.Length && (total == 0 || frames < total))
        {
            if (bytes[pos] != 0xFF || (bytes[pos + 1] & 0xFE) != 0xF8)
            {
                // Trailing bytes (an ID3 tag) after a complete stream end the audio; elsewhere they are corrupt.
                if (total != 0 && frames < total) throw Error(source, pos, "no frame sync code where a frame should start");
                break;
            }
            try
            {
                var (n, next) = DecodeFrame(bytes, pos, source, rate, channels, bits, maxBlock, block);
                if (frames + n > maxSamples) throw Error(source, pos, string.Create(CultureInfo.InvariantCulture, $"audio over the limit of {settings.MaxSeconds} s"));
                var interleaved = new int[n * channels];
                for (int i = 0; i < n; i++)
                    for (int c = 0; c < channels; c++) interleaved[i * channels + c] = block[c][i];
                output.Add(interleaved);
                frames += n;
                pos = next;
            }
            catch (FlacTruncatedException) when (settings.Truncated == TruncatedAudioPolicy.KeepPresent)
            {
                truncated = true;
                break;
            }
            catch (FlacTruncatedException)
            {
                throw Error(source, pos, "the stream ends inside a frame (truncated)");
            }
        }
        if (total != 0 && frames < total)
        {
            if (settings.Truncated == TruncatedAudioPolicy.Throw) throw Error(source, pos, string.Create(CultureInfo.InvariantCulture, $"{frames} of the {total} samples STREAMINFO announces (truncated)"));
            truncated = true;
        }
        if (frames == 0) throw Error(source, pos, "no audio frames");
        var samples = new int[frames * channels];
        int at = 0;
        foreach (var chunk in output)
        {
            chunk.CopyTo(samples, at);
            at += chunk.Length;
        }
        if (total != 0 && frames > total) samples = samples[..(int)(total * channels)];
        if (!truncated && md5 is not null && md5.Any(b => b != 0) && !Md5(samples, bits).AsSpan().SequenceEqual(md5))
            throw Error(source, -1, "the decoded audio does not match STREAMINFO's MD5 signature (corrupt)");
        return (samples, channels, rate, bits, truncated);
    }

    private static byte[] Md5(int[] samples, int bits)
    {
        int width = (bits + 7) / 8;
        var buffer = new byte[samples.Length * width];
        for (int i = 0; i < samples.Length; i++)
        {
            int v = samples[i];
            for (int b = 0; b < width; b++) buffer[i * width + b] = (byte)(v >> (8 * b));
        }
        return MD5.HashData(buffer);
    }

    private static (int Count, int Next) DecodeFrame(byte[] bytes, int start, string source, int streamRate, int streamChannels, int streamBits, int maxBlock, int[][] block)
    {
        var r = new BitReader(bytes, start, source);
        r.Read(15); // sync + reserved
        r.Read(1); // blocking strategy
        int sizeCode = (int)r.Read(4), rateCode = (int)r.Read(4), assignment = (int)r.Read(4), bitsCode = (int)r.Read(3);
        r.Read(1);
        // The frame or sample number, UTF-8 coded.
        uint first = r.Read(8);
        int extra = first < 0x80 ? 0 : first >= 0xFE ? 6 : first >= 0xFC ? 5 : first >= 0xF8 ? 4 : first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : first >= 0xC0 ? 1 : -1;
        if (extra < 0) throw Error(source, start, "a malformed frame number");
        for (int i = 0; i < extra; i++)
            if ((r.Read(8) & 0xC0) != 0x80) throw Error(source, start, "a malformed frame number");
        int size = sizeCode switch
        {
            0 => throw Error(source, start, "a reserved block size code"),
            1 => 192,
            <= 5 => 576 << (sizeCode - 2),
            6 => (int)r.Read(8) + 1,
            7 => (int)r.Read(16) + 1,
            _ => 256 << (sizeCode - 8),
        };
        switch (rateCode)
        {
            case 12: r.Read(8); break;
            case 13 or 14: r.Read(16); break;
            case 15: throw Error(source, start, "an invalid sample rate code");
        }
        int bits = bitsCode switch { 0 => streamBits, 1 => 8, 2 => 12, 4 => 16, 5 => 20, 6 => 24, 7 => 32, _ => throw Error(source, start, "a reserved sample size code") };
        if (bits != streamBits) throw Error(source, start, string.Create(CultureInfo.InvariantCulture, $"a frame of {bits} bits in a {streamBits}-bit stream"));
        int channels = assignment switch { < 8 => assignment + 1, <= 10 => 2, _ => throw Error(source, start, "a reserved channel assignment") };
        if (channels != streamChannels) throw Error(source, start, string.Create(CultureInfo.InvariantCulture, $"a frame of {channels} channels in a {streamChannels}-channel stream"));
        if (maxBlock > 0 && size > Math.Max(maxBlock, 16)) throw Error(source, start, string.Create(CultureInfo.InvariantCulture, $"a block of {size} samples, over STREAMINFO's maximum {maxBlock}"));
        int headerEnd = r.BytePosition;
        uint crc8 = r.Read(8);
        if (crc8 != Crc8(bytes.AsSpan(start, headerEnd - start))) throw Error(source, start, "a frame header that fails its CRC-8 (corrupt)");
        for (int c = 0; c < channels; c++)
        {
            if (block[c] is null || block[c].Length < size) block[c] = new int[Math.Max(size, 4608)];
            int channelBits = bits + ((assignment == 8 && c == 1) || (assignment == 9 && c == 0) || (assignment == 10 && c == 1) ? 1 : 0);
            Subframe(ref r, block[c], size, channelBits, source, start);
        }
        r.AlignToByte();
        int end = r.BytePosition;
        uint crc16 = r.Read(16);
        if (crc16 != Crc16(bytes.AsSpan(start, end - start))) throw Error(source, start, "a frame that fails its CRC-16 (corrupt)");
        var (a, b) = (block[0], channels > 1 ? block[1] : block[0]);
        switch (assignment)
        {
            case 8: for (int i = 0; i < size; i++) b[i] = a[i] - b[i]; break;
            case 9: for (int i = 0; i < size; i++) a[i] += b[i]; break;
            case 10:
                for (int i = 0; i < size; i++)
                {
                    long mid = ((long)a[i] << 1) | (b[i] & 1L), side = b[i];
                    a[i] = (int)((mid + side) >> 1);
                    b[i] = (int)((mid - side) >> 1);
                }
                break;
        }
        return (size, r.BytePosition);
    }

    private static void Subframe(ref BitReader r, int[] output, int size, int bits, string source, int frame)
    {
        if (r.Read(1) != 0) throw Error(source, frame, "a subframe whose padding bit is set");
        int type = (int)r.Read(6);
        int wasted = 0;
        if (r.Read(1) == 1)
        {
            wasted = 1;
            while (r.Read(1) == 0)
                if (++wasted >= bits) throw Error(source, frame, "more wasted bits than sample bits");
        }
        bits -= wasted;
        if (bits < 1 || bits > 33) throw Error(source, frame, "an invalid subframe sample size");
        if (type == 0)
        {
            int v = r.ReadSigned(bits);
            Array.Fill(output, v, 0, size);
        }
        else if (type == 1)
        {
            for (int i = 0; i < size; i++) output[i] = r.ReadSigned(bits);
        }
        else if (type is >= 8 and <= 12)
        {
            int order = type - 8;
            if (order > size) throw Error(source, frame, "a predictor order over the block size");
            for (int i = 0; i < order; i++) output[i] = r.ReadSigned(bits);
            Residual(ref r, output, size, order, source, frame);
            for (int i = order; i < size; i++)
            {
                long p = order switch
                {
                    0 => 0,
                    1 => output[i - 1],
                    2 => 2L * output[i - 1] - output[i - 2],
                    3 => 3L * output[i - 1] - 3L * output[i - 2] + output[i - 3],
                    _ => 4L * output[i - 1] - 6L * output[i - 2] + 4L * output[i - 3] - output[i - 4],
                };
                output[i] = (int)(output[i] + p);
            }
        }
        else if (type >= 32)
        {
            int order = (type & 31) + 1;
            if (order > size) throw Error(source, frame, "a predictor order over the block size");
            for (int i = 0; i < order; i++) output[i] = r.ReadSigned(bits);
            int precision = (int)r.Read(4) + 1;
            if (precision == 16) throw Error(source, frame, "an invalid LPC coefficient precision");
            int shift = r.ReadSigned(5);
            if (shift < 0) throw Error(source, frame, "a negative LPC shift");
            Span<int> coefs = stackalloc int[32];
            for (int i = 0; i < order; i++) coefs[i] = r.ReadSigned(precision);
            Residual(ref r, output, size, order, source, frame);
            for (int i = order; i < size; i++)
            {
                long sum = 0;
                for (int j = 0; j < order; j++) sum += (long)coefs[j] * output[i - 1 - j];
                output[i] = (int)(output[i] + (sum >> shift));
            }
        }
        else throw Error(source, frame, string.Create(CultureInfo.InvariantCulture, $"a reserved subframe type {type}"));
        if (wasted > 0)
            for (int i = 0; i < size; i++) output[i] <<= wasted;
    }

    private static void Residual(ref BitReader r, int[] output, int size, int order, string source, int frame)
    {
        int method = (int)r.Read(2);
        if (method > 1) throw Error(source, frame, "a reserved residual coding method");
        int paramBits = method == 0 ? 4 : 5, escape = method == 0 ? 15 : 31;
        int partitionOrder = (int)r.Read(4);
        int partitions = 1 << partitionOrder;
        if (size % partitions != 0 || (size >> partitionOrder) < order) throw Error(source, frame, "a residual partition order that does not fit the block");
        int at = order;
        for (int p = 0; p < partitions; p++)
        {
            int count = (size >> partitionOrder) - (p == 0 ? order : 0);
            int k = (int)r.Read(paramBits);
            if (k == escape)
            {
                int n = (int)r.Read(5);
                for (int i = 0; i < count; i++) output[at++] = n == 0 ? 0 : r.ReadSigned(n);
            }
            else
            {
                for (int i = 0; i < count; i++) output[at++] = r.ReadRice(k);
            }
        }
    }

    private static readonly byte[] Crc8Table = MakeCrc8();
    private static readonly ushort[] Crc16Table = MakeCrc16();

    private static byte[] MakeCrc8()
    {
        var t = new byte[256];
        for (int i = 0; i < 256; i++)
        {
            int c = i;
            for (int b = 0; b < 8; b++) c = (c & 0x80) != 0 ? (c << 1) ^ 0x07 : c << 1;
            t[i] = (byte)c;
        }
        return t;
    }

    private static ushort[] MakeCrc16()
    {
        var t = new ushort[256];
        for (int i = 0; i < 256; i++)
        {
            int c = i << 8;
            for (int b = 0; b < 8; b++) c = (c & 0x8000) != 0 ? (c << 1) ^ 0x8005 : c << 1;
            t[i] = (ushort)c;
        }
        return t;
    }

    private static uint Crc8(ReadOnlySpan<byte> s)
    {
        byte c = 0;
        foreach (var b in s) c = Crc8Table[c ^ b];
        return c;
    }

    private static uint Crc16(ReadOnlySpan<byte> s)
    {
        ushort c = 0;
        foreach (var b in s) c = (ushort)((c << 8) ^ Crc16Table[(c >> 8) ^ b]);
        return c;
    }

    private static AudioFormatException Error(string source, long offset, string problem) => new(source, "flac", offset, problem);

    private sealed class FlacTruncatedException : Exception;

    private struct BitReader(byte[] bytes, int start, string source)
    {
        private long _bit = (long)start * 8;
        private readonly string _source = source;

        public readonly int BytePosition => (int)((_bit + 7) / 8);

        public void AlignToByte() => _bit = (_bit + 7) / 8 * 8;

        public uint Read(int n)
        {
            if (n == 0) return 0;
            if (_bit + n > (long)bytes.Length * 8) throw new FlacTruncatedException();
            ulong v = 0;
            int got = 0;
            while (got < n)
            {
                int index = (int)(_bit >> 3), offset = (int)(_bit & 7);
                int take = Math.Min(8 - offset, n - got);
                int part = (bytes[index] >> (8 - offset - take)) & ((1 << take) - 1);
                v = (v << take) | (uint)part;
                got += take;
                _bit += take;
            }
            return (uint)v;
        }

        public int ReadSigned(int n)
        {
            if (n > 32)
            {
                long hi = Read(n - 32);
                long v = (hi << 32) | Read(32);
                v = (v << (64 - n)) >> (64 - n);
                if (v is > int.MaxValue or < int.MinValue) throw new AudioFormatException(_source, "flac", -1, "a sample out of range");
                return (int)v;
            }
            uint u = Read(n);
            return n == 32 ? (int)u : (int)(u << (32 - n)) >> (32 - n);
        }

        public int ReadRice(int k)
        {
            uint q = 0;
            while (true)
            {
                if (_bit >= (long)bytes.Length * 8) throw new FlacTruncatedException();
                int index = (int)(_bit >> 3), offset = (int)(_bit & 7);
                int rest = bytes[index] & (0xFF >> offset);
                if (rest == 0)
                {
                    q += (uint)(8 - offset);
                    _bit += 8 - offset;
                    if (q > (1u << 30)) throw new AudioFormatException(_source, "flac", index, "a Rice code too long (corrupt)");
                    continue;
                }
                int lead = System.Numerics.BitOperations.LeadingZeroCount((uint)rest) - 24 - offset;
                q += (uint)lead;
                _bit += lead + 1;
                break;
            }
            uint v = (q << k) | Read(k);
            return (int)(v >> 1) ^ -(int)(v & 1);
        }
    }
}
