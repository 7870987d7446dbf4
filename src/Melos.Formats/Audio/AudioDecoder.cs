using System.Buffers.Binary;
using System.Globalization;

namespace Melos.Formats.Audio;

/// <summary>The audio encodings Melos reads.</summary>
public enum AudioEncoding
{
    /// <summary>RIFF/WAVE: PCM 8/16/24/32-bit, IEEE float 32/64-bit, plain or <c>WAVE_FORMAT_EXTENSIBLE</c>.</summary>
    Wav,

    /// <summary>FLAC, by Melos's own decoder (<see cref="FlacDecoder"/>).</summary>
    Flac,

    /// <summary>MPEG audio layers I-III, by NLayer.</summary>
    Mp3,

    /// <summary>Ogg Vorbis, by NVorbis.</summary>
    OggVorbis,
}

/// <summary>
/// Decodes audio files to one <see cref="AudioSignal"/> (mono, averaged over channels; resampled when the settings ask):
/// WAV and FLAC by Melos's own code, MP3 by NLayer and Ogg Vorbis by NVorbis. Every failure is an
/// <see cref="AudioFormatException"/>; header lengths are never trusted beyond the bytes present.
/// </summary>
public static class AudioDecoder
{
    /// <summary>The encoding the bytes start like (RIFF/WAVE, fLaC, OggS, an ID3 tag or an MPEG frame sync); null when none.</summary>
    public static AudioEncoding? Sniff(ReadOnlySpan<byte> b)
    {
        if (b.Length >= 12 && b[..4].SequenceEqual("RIFF"u8) && b[8..12].SequenceEqual("WAVE"u8)) return AudioEncoding.Wav;
        if (b.Length >= 4 && b[..4].SequenceEqual("fLaC"u8)) return AudioEncoding.Flac;
        if (b.Length >= 4 && b[..4].SequenceEqual("OggS"u8)) return AudioEncoding.OggVorbis;
        if (b.Length >= 3 && b[..3].SequenceEqual("ID3"u8)) return AudioEncoding.Mp3;
        if (b.Length >= 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0) return AudioEncoding.Mp3;
        return null;
    }

    /// <summary>Decodes a file, choosing the decoder by the bytes' signature.</summary>
    /// <exception cref="AudioFormatException">Unknown, corrupt, empty or (strict) truncated audio.</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static AudioSignal Read(string path, AudioReadSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"file not found: {path}", path);
        return Decode(File.ReadAllBytes(path), path, settings);
    }

    /// <summary>Decodes bytes, choosing the decoder by their signature (or <paramref name="encoding"/> when given).</summary>
    /// <exception cref="AudioFormatException">Unknown, corrupt, empty or (strict) truncated audio.</exception>
    public static AudioSignal Decode(byte[] bytes, string source, AudioReadSettings? settings = null, AudioEncoding? encoding = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(source);
        settings ??= AudioReadSettings.Lenient;
        if (bytes.Length == 0) throw new AudioFormatException(source, "audio", 0, "the file is empty");
        var kind = Sniff(bytes) ?? encoding
            ?? throw new AudioFormatException(source, "audio", 0, "not a WAV, FLAC, MP3 or Ogg Vorbis file (unknown signature)");
        var signal = kind switch
        {
            AudioEncoding.Wav => DecodeWav(bytes, source, settings),
            AudioEncoding.Flac => DecodeFlac(bytes, source, settings),
            AudioEncoding.Mp3 => DecodeMp3(bytes, source, settings),
            _ => DecodeOgg(bytes, source, settings),
        };
        return settings.SampleRate is { } rate ? signal.ResampledTo(rate) : signal;
    }

    private static AudioSignal DecodeWav(byte[] bytes, string source, AudioReadSettings settings)
    {
        WavInfo info;
        try
        {
            info = WavReader.ReadHeader(bytes);
        }
        catch (WavFormatException e)
        {
            throw new AudioFormatException(source, "wav", e.Offset, $"expected {e.Expected}, found {e.Found}");
        }
        int channels = info.Channels, bits = info.BitsPerSample, rate = info.SampleRate;
        if (channels is < 1 or > 32) throw new AudioFormatException(source, "wav", 22, string.Create(CultureInfo.InvariantCulture, $"{channels} channels"));
        if (rate is < 1 or > 768_000) throw new AudioFormatException(source, "wav", 24, string.Create(CultureInfo.InvariantCulture, $"a sample rate of {rate} Hz"));
        bool isFloat = info.Encoding == 3;
        if (!(info.Encoding == 1 && bits is 8 or 16 or 24 or 32) && !(isFloat && bits is 32 or 64))
            throw new AudioFormatException(source, "wav", 20, string.Create(CultureInfo.InvariantCulture,
                $"an unsupported encoding (format tag 0x{info.AudioFormat:X4}{(info.AudioFormat == 0xFFFE ? $", sub-format {info.SubFormat}" : "")}, {bits} bits); Melos reads PCM 8/16/24/32-bit and float 32/64-bit"));
        int width = bits / 8, frameBytes = width * channels;
        if (info.Truncated && settings.Truncated == TruncatedAudioPolicy.Throw)
            throw new AudioFormatException(source, "wav", info.DataOffset - 4, "the data chunk announces more bytes than the file holds (truncated)");
        long frames = info.DataBytes / frameBytes;
        if (frames == 0) throw new AudioFormatException(source, "wav", info.DataOffset, "no samples (zero-length data chunk)");
        if (frames > settings.MaxSeconds * rate) throw new AudioFormatException(source, "wav", info.DataOffset, string.Create(CultureInfo.InvariantCulture, $"{frames / (double)rate:0} s of audio, over the limit of {settings.MaxSeconds} s"));
        var mono = new float[frames];
        var data = bytes.AsSpan((int)info.DataOffset, (int)(frames * frameBytes));
        float scale = 1f / channels;
        for (long i = 0; i < frames; i++)
        {
            double sum = 0;
            var frame = data.Slice((int)(i * frameBytes), frameBytes);
            for (int c = 0; c < channels; c++)
            {
                var s = frame.Slice(c * width, width);
                sum += (bits, isFloat) switch
                {
                    (8, _) => (s[0] - 128) / 128.0,
                    (16, _) => BinaryPrimitives.ReadInt16LittleEndian(s) / 32768.0,
                    (24, _) => ((s[0] | (s[1] << 8) | (s[2] << 16)) << 8 >> 8) / 8388608.0,
                    (32, false) => BinaryPrimitives.ReadInt32LittleEndian(s) / 2147483648.0,
                    (32, true) => Finite(BinaryPrimitives.ReadSingleLittleEndian(s)),
                    _ => Finite(BinaryPrimitives.ReadDoubleLittleEndian(s)),
                };
            }
            mono[i] = (float)(sum * scale);
        }
        return new AudioSignal(mono, rate, new AudioSourceInfo(source, isFloat ? "wav-float" : "wav-pcm", rate, channels, bits, frames, info.Truncated));
    }

    private static double Finite(double v) => double.IsFinite(v) ? v : 0;

    private static AudioSignal DecodeFlac(byte[] bytes, string source, AudioReadSettings settings)
    {
        var (samples, channels, rate, bits, truncated) = FlacDecoder.Decode(bytes, source, settings);
        long frames = samples.Length / channels;
        var mono = new float[frames];
        double scale = 1.0 / (Math.Pow(2, bits - 1) * channels);
        for (long i = 0; i < frames; i++)
        {
            long sum = 0;
            for (int c = 0; c < channels; c++) sum += samples[i * channels + c];
            mono[i] = (float)(sum * scale);
        }
        return new AudioSignal(mono, rate, new AudioSourceInfo(source, "flac", rate, channels, bits, frames, truncated));
    }

    private static AudioSignal DecodeMp3(byte[] bytes, string source, AudioReadSettings settings)
    {
        // NLayer reads a RIFF/WAVE header anywhere in the stream and allocates what its length field says (a gigabyte
        // for a corrupt file, found by fuzzing): refuse such headers first. Eight bytes by chance in real MPEG data
        // are vanishingly rare, and a WAV-wrapped MP3 starts with RIFF and is read (and refused) as WAV.
        for (int i = 0; i + 12 <= bytes.Length; i++)
            if (bytes[i] == 'R' && bytes.AsSpan(i, 4).SequenceEqual("RIFF"u8) && bytes.AsSpan(i + 8, 4).SequenceEqual("WAVE"u8))
                throw new AudioFormatException(source, "mp3", i, "a RIFF/WAVE header inside MPEG audio");
        try
        {
            using var mp3 = new NLayer.MpegFile(new MemoryStream(bytes, writable: false));
            int rate = mp3.SampleRate, channels = mp3.Channels;
            if (rate <= 0 || channels <= 0) throw new AudioFormatException(source, "mp3", -1, "no MPEG audio frames");
            return Collect(source, "mp3", rate, channels, settings, (buffer, count) => mp3.ReadSamples(buffer, 0, count));
        }
        catch (Exception e) when (e is not AudioFormatException and not OutOfMemoryException)
        {
            throw new AudioFormatException(source, "mp3", -1, "cannot be decoded: " + OneLine(e.Message));
        }
    }

    private static AudioSignal DecodeOgg(byte[] bytes, string source, AudioReadSettings settings)
    {
        try
        {
            using var ogg = new NVorbis.VorbisReader(new MemoryStream(bytes, writable: false), closeOnDispose: true);
            int rate = ogg.SampleRate, channels = ogg.Channels;
            if (rate <= 0 || channels <= 0) throw new AudioFormatException(source, "ogg", -1, "no Vorbis stream");
            return Collect(source, "ogg-vorbis", rate, channels, settings, (buffer, count) => ogg.ReadSamples(buffer, 0, count));
        }
        catch (Exception e) when (e is not AudioFormatException and not OutOfMemoryException)
        {
            throw new AudioFormatException(source, "ogg", -1, "cannot be decoded: " + OneLine(e.Message));
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    // Reads interleaved float samples from a lossy decoder until it stops, within the length limit.
    private static AudioSignal Collect(string source, string encoding, int rate, int channels, AudioReadSettings settings, Func<float[], int, int> read)
    {
        long limit = (long)(settings.MaxSeconds * rate) * channels;
        var buffer = new float[4096 * channels];
        var mono = new List<float>();
        long total = 0;
        while (true)
        {
            int n = read(buffer, buffer.Length - buffer.Length % channels);
            if (n <= 0) break;
            total += n;
            if (total > limit) throw new AudioFormatException(source, encoding, -1, string.Create(CultureInfo.InvariantCulture, $"audio over the limit of {settings.MaxSeconds} s"));
            for (int i = 0; i + channels <= n; i += channels)
            {
                float sum = 0;
                for (int c = 0; c < channels; c++) sum += buffer[i + c];
                mono.Add(float.IsFinite(sum) ? sum / channels : 0);
            }
        }
        if (mono.Count == 0) throw new AudioFormatException(source, encoding, -1, "no audio frames");
        return new AudioSignal([.. mono], rate, new AudioSourceInfo(source, encoding, rate, channels, 0, mono.Count));
    }
}
