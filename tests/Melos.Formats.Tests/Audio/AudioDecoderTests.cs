using Melos.Formats.Audio;
using Melos.Tests;

namespace Melos.Formats.Tests.Audio;

public sealed class AudioDecoderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-audio-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Known stereo samples: a 440 Hz sine on the left, a 660 Hz sine at half level on the right, 0.25 s at 22.05 kHz.
    private const int Rate = 22_050;

    private static short[] KnownStereo()
    {
        int n = Rate / 4;
        var s = new short[n * 2];
        for (int i = 0; i < n; i++)
        {
            s[2 * i] = (short)Math.Round(12000 * Math.Sin(2 * Math.PI * 440 * i / Rate));
            s[2 * i + 1] = (short)Math.Round(6000 * Math.Sin(2 * Math.PI * 660 * i / Rate));
        }
        return s;
    }

    private static float[] KnownMono() => [.. KnownStereo().Chunk(2).Select(f => (float)((f[0] + f[1]) / 2.0 / 32768))];

    private string Known16BitWav()
    {
        var path = Path.Combine(_dir, "known.wav");
        File.WriteAllBytes(path, WavWriter.Write(new WavFormat(Rate, 2), KnownStereo()));
        return path;
    }

    private string Convert(string input, string name, params string[] soxOptions) => Convert(input, name, soxOptions, []);

    private string Convert(string input, string name, string[] soxOptions, string[] effects)
    {
        var output = Path.Combine(_dir, name);
        Tools.Run("sox", [input, .. soxOptions, output, .. effects]);
        return output;
    }

    private static double MaxError(float[] a, float[] b, int skip = 0)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = skip; i < a.Length - skip; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    // The frequency of the strongest component, by correlating with sines 1 Hz apart around the guess.
    private static double StrongestNear(float[] x, int rate, double from, double to)
    {
        double best = 0, bestF = 0;
        for (double f = from; f <= to; f += 1)
        {
            double re = 0, im = 0;
            for (int i = 0; i < x.Length; i++) { re += x[i] * Math.Cos(2 * Math.PI * f * i / rate); im += x[i] * Math.Sin(2 * Math.PI * f * i / rate); }
            if (re * re + im * im > best) (best, bestF) = (re * re + im * im, f);
        }
        return bestF;
    }

    [Fact]
    public void Sixteen_bit_stereo_wav_is_averaged_to_mono_exactly()
    {
        var signal = AudioDecoder.Read(Known16BitWav());
        Assert.Equal((Rate, "wav-pcm", 2, 16, (long)(Rate / 4)), (signal.SampleRate, signal.Info.Encoding, signal.Info.Channels, signal.Info.BitsPerSample, signal.Info.Frames));
        Assert.Equal(0, MaxError(KnownMono(), signal.Samples), 7);
    }

    [ProgramFact("sox")]
    public void Every_pcm_and_float_width_sox_writes_decodes_to_the_known_samples()
    {
        var wav = Known16BitWav();
        foreach (var (name, options, tolerance, encoding, bits) in new[]
        {
            ("u8.wav", new[] { "-b", "8", "-e", "unsigned-integer", "-D" }, 1.0 / 128, "wav-pcm", 8),
            ("s24.wav", ["-b", "24"], 1e-6, "wav-pcm", 24),
            ("s32.wav", ["-b", "32", "-e", "signed-integer"], 1e-6, "wav-pcm", 32),
            ("f32.wav", ["-b", "32", "-e", "floating-point"], 1e-6, "wav-float", 32),
            ("f64.wav", ["-b", "64", "-e", "floating-point"], 1e-6, "wav-float", 64),
        })
        {
            var signal = AudioDecoder.Read(Convert(wav, name, options));
            Assert.Equal((encoding, bits, 2), (signal.Info.Encoding, signal.Info.BitsPerSample, signal.Info.Channels));
            Assert.True(MaxError(KnownMono(), signal.Samples) <= tolerance, $"{name}: max error {MaxError(KnownMono(), signal.Samples)}");
        }
    }

    [ProgramFact("sox")]
    public void Wave_format_extensible_is_read_by_its_sub_format()
    {
        // sox writes WAVE_FORMAT_EXTENSIBLE for more than two channels: four channels, the known pair twice.
        var wav = Known16BitWav();
        var four = Path.Combine(_dir, "four.wav");
        Tools.Run("sox", ["-M", wav, wav, "-b", "24", four]);
        var info = WavReader.ReadHeader(four);
        Assert.Equal((0xFFFE, 1, 4), (info.AudioFormat, info.SubFormat, info.Channels));
        var signal = AudioDecoder.Read(four);
        Assert.True(MaxError(KnownMono(), signal.Samples) < 1e-6);
    }

    [ProgramFact("sox", "flac")]
    public void Flac_at_every_compression_level_decodes_bit_exactly_with_its_md5_checked()
    {
        var wav = Known16BitWav();
        var expected = KnownMono();
        foreach (var level in new[] { "-0", "-5", "-8" })
        {
            var path = Path.Combine(_dir, $"known{level}.flac");
            Tools.Run("flac", ["-s", "-f", level, "-o", path, wav]);
            var (samples, channels, rate, bits, truncated) = FlacDecoder.Decode(File.ReadAllBytes(path), path, AudioReadSettings.Strict);
            Assert.Equal((2, Rate, 16, false), (channels, rate, bits, truncated));
            Assert.Equal(KnownStereo().Select(s => (int)s), samples);
            Assert.Equal(0, MaxError(expected, AudioDecoder.Read(path).Samples), 7);
        }
    }

    [ProgramFact("sox", "flac")]
    public void Flac_of_24_bit_mono_and_8_bit_audio_decodes_bit_exactly()
    {
        var wav = Known16BitWav();
        foreach (var (name, options) in new[] { ("m24.wav", new[] { "-b", "24", "-c", "1" }), ("s8.wav", ["-b", "8"]), ("r48.wav", ["-r", "48000"]) })
        {
            var source = Convert(wav, name, options);
            var flac = Path.ChangeExtension(source, ".flac");
            Tools.Run("flac", ["-s", "-f", "-8", "-o", flac, source]);
            var fromWav = AudioDecoder.Read(source);
            var fromFlac = AudioDecoder.Read(flac, AudioReadSettings.Strict);
            Assert.Equal(fromWav.SampleRate, fromFlac.SampleRate);
            Assert.True(MaxError(fromWav.Samples, fromFlac.Samples) < 1e-6, name);
        }
    }

    [ProgramFact("sox", "lame")]
    public void Mp3_decodes_through_nlayer_to_the_known_pitches()
    {
        var wav = Convert(Known16BitWav(), "left.wav", [], ["remix", "1", "rate", "44100"]);
        var mp3 = Path.Combine(_dir, "known.mp3");
        Tools.Run("lame", ["--quiet", "-b", "192", wav, mp3]);
        var signal = FormatRegistry.Default.ReadAudio(mp3);
        Assert.Equal(("mp3", 44_100), (signal.Info.Encoding, signal.SampleRate));
        Assert.InRange(signal.Seconds, 0.24, 0.35); // lame adds encoder delay and padding
        Assert.Equal(440, StrongestNear(signal.Samples, signal.SampleRate, 400, 700));
    }

    [ProgramFact("sox", "oggenc")]
    public void Ogg_vorbis_decodes_through_nvorbis_to_the_known_pitches()
    {
        var wav = Convert(Known16BitWav(), "right.wav", [], ["remix", "2"]);
        var ogg = Path.Combine(_dir, "known.ogg");
        Tools.Run("oggenc", ["-Q", "-q", "6", "-o", ogg, wav]);
        var signal = FormatRegistry.Default.ReadAudio(ogg);
        Assert.Equal(("ogg-vorbis", Rate, 1), (signal.Info.Encoding, signal.SampleRate, signal.Info.Channels));
        Assert.InRange(signal.Seconds, 0.24, 0.26);
        Assert.Equal(660, StrongestNear(signal.Samples, signal.SampleRate, 400, 700));
    }

    [Fact]
    public void Resampling_keeps_the_pitch_and_level_of_a_sine_and_removes_what_is_above_the_new_nyquist()
    {
        const int from = 44_100, to = 16_000;
        var x = new float[from / 2];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(0.5 * Math.Sin(2 * Math.PI * 1000 * i / from) + 0.5 * Math.Sin(2 * Math.PI * 12_000 * i / from));
        var y = Resampler.Resample(x, from, to);
        Assert.Equal(to / 2, y.Length);
        // What is left is the 1 kHz sine alone: compare with it away from the edges.
        double max = 0;
        for (int i = 200; i < y.Length - 200; i++) max = Math.Max(max, Math.Abs(y[i] - 0.5 * Math.Sin(2 * Math.PI * 1000 * i / to)));
        Assert.True(max < 0.01, $"max deviation {max}");
    }

    [Theory]
    [InlineData(22_050, 16_000)] // 320 output phases: the polyphase filter bank
    [InlineData(16_000, 44_100)] // upsampling, 441 phases
    [InlineData(44_100, 16_001)] // 16,001 phases: past the bank's limit, the interpolated kernel table
    public void Every_resampling_path_keeps_a_sine_in_band_and_gives_the_length_of_the_new_rate(int from, int to)
    {
        var x = new float[from / 2];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(0.5 * Math.Sin(2 * Math.PI * 440 * i / from));
        var y = Resampler.Resample(x, from, to);
        Assert.Equal((int)Math.Round(x.Length * (double)to / from), y.Length);
        double max = 0;
        for (int i = 200; i < y.Length - 200; i++) max = Math.Max(max, Math.Abs(y[i] - 0.5 * Math.Sin(2 * Math.PI * 440 * i / to)));
        Assert.True(max < 0.01, $"max deviation {max}");
        // Near the ends the kernel runs off the signal: the output stays bounded there too.
        Assert.All(y, v => Assert.InRange(v, -0.6f, 0.6f));
    }

    [Fact]
    public void Settings_resample_to_the_analysis_rate()
    {
        var signal = AudioDecoder.Decode(File.ReadAllBytes(Known16BitWav()), "known.wav", AudioReadSettings.Lenient with { SampleRate = 16_000 });
        Assert.Equal((16_000, 4000, Rate), (signal.SampleRate, signal.Samples.Length, signal.Info.SampleRate));
    }

    // Malformed input: each a one-line AudioFormatException carrying its data, never another exception.

    [Fact]
    public void Zero_length_and_unknown_signatures_are_refused_with_their_reason()
    {
        var empty = Assert.Throws<AudioFormatException>(() => AudioDecoder.Decode([], "empty.wav"));
        Assert.Equal(("empty.wav", 0L), (empty.File, empty.Offset));
        Assert.Contains("empty", empty.Message);
        var unknown = Assert.Throws<AudioFormatException>(() => AudioDecoder.Decode("hello, world"u8.ToArray(), "x.bin"));
        Assert.Contains("unknown signature", unknown.Message);
        Assert.DoesNotContain('\n', unknown.Message);
    }

    [Fact]
    public void A_wav_whose_data_chunk_claims_more_than_is_present_is_kept_when_lenient_and_refused_when_strict()
    {
        var bytes = File.ReadAllBytes(Known16BitWav());
        var cut = bytes[..(bytes.Length / 2 + 1)]; // half a frame too: only whole frames count
        var lenient = AudioDecoder.Decode(cut, "cut.wav");
        Assert.True(lenient.Info.Truncated);
        Assert.Equal((cut.Length - 44) / 4, lenient.Samples.Length);
        var strict = Assert.Throws<AudioFormatException>(() => AudioDecoder.Decode(cut, "cut.wav", AudioReadSettings.Strict));
        Assert.Equal(("wav", 40L), (strict.Encoding, strict.Offset));
        Assert.Contains("truncated", strict.Message);
    }

    [Fact]
    public void A_wav_header_without_samples_or_with_an_unknown_encoding_is_refused()
    {
        var bytes = File.ReadAllBytes(Known16BitWav());
        var headerOnly = bytes[..44];
        Assert.Contains("zero-length", Assert.Throws<AudioFormatException>(() => AudioDecoder.Decode(headerOnly, "h.wav")).Message);
        var alaw = (byte[])bytes.Clone();
        alaw[20] = 6; // A-law
        Assert.Contains("format tag 0x0006", Assert.Throws<AudioFormatException>(() => AudioDecoder.Decode(alaw, "a.wav")).Message);
        var noFmt = bytes[..12];
        Assert.Equal("wav", Assert.Throws<AudioFormatException>(() => AudioDecoder.Decode(noFmt, "n.wav")).Encoding);
    }

    [ProgramFact("flac")]
    public void Corrupt_and_truncated_flac_streams_are_refused_or_kept_by_policy()
    {
        var wav = Known16BitWav();
        var path = Path.Combine(_dir, "c.flac");
        Tools.Run("flac", ["-s", "-f", "--blocksize=1152", "-o", path, wav]);
        var bytes = File.ReadAllBytes(path);
        // A flipped bit in the audio fails a CRC (or the MD5), never decodes silently wrong.
        var flipped = (byte[])bytes.Clone();
        flipped[^200] ^= 0x10;
        var e = Assert.Throws<AudioFormatException>(() => AudioDecoder.Decode(flipped, "f.flac"));
        Assert.Equal("flac", e.Encoding);
        Assert.Matches("CRC|MD5|corrupt", e.Message);
        // Cut in the last frame: lenient keeps the whole frames before it, strict refuses.
        var cut = bytes[..(bytes.Length - 300)];
        var kept = AudioDecoder.Decode(cut, "cut.flac");
        Assert.True(kept.Info.Truncated);
        Assert.Equal(1152 * (Rate / 4 / 1152), kept.Samples.Length);
        Assert.Contains("truncated", Assert.Throws<AudioFormatException>(() => AudioDecoder.Decode(cut, "cut.flac", AudioReadSettings.Strict)).Message);
        // Metadata that claims more bytes than the file holds.
        var meta = bytes[..60];
        Assert.Contains("metadata", Assert.Throws<AudioFormatException>(() => AudioDecoder.Decode(meta, "m.flac")).Message);
    }

    // Junk may hold something a lossy decoder accepts as a frame; what it must never do is throw anything else.
    private static void DecodesOrRefuses(byte[] bytes, string name)
    {
        var e = Record.Exception(() => AudioDecoder.Decode(bytes, name));
        Assert.True(e is null or AudioFormatException, $"{name}: {e}");
    }

    [Fact]
    public void Garbage_after_an_mp3_sync_or_an_ogg_capture_pattern_is_a_format_error()
    {
        var random = new Random(20);
        for (int i = 0; i < 20; i++)
        {
            var junk = new byte[random.Next(4, 3000)];
            random.NextBytes(junk);
            var mp3 = (byte[])junk.Clone();
            (mp3[0], mp3[1]) = (0xFF, 0xFB);
            DecodesOrRefuses(mp3, "j.mp3");
            var ogg = (byte[])junk.Clone();
            "OggS"u8.CopyTo(ogg);
            DecodesOrRefuses(ogg, "j.ogg");
            var flac = (byte[])junk.Clone();
            "fLaC"u8.CopyTo(flac);
            Assert.IsType<AudioFormatException>(Record.Exception(() => AudioDecoder.Decode(flac, "j.flac")));
        }
    }

    [Fact]
    public void The_registry_names_the_audio_inputs()
    {
        Assert.Equal([".wav", ".flac", ".mp3", ".ogg", ".oga"], FormatRegistry.Default.AudioEndings);
        Assert.True(FormatRegistry.Default.IsAudio("take.FLAC"));
        Assert.False(FormatRegistry.Default.IsAudio("tune.abc"));
        Assert.Throws<UnknownFormatException>(() => FormatRegistry.Default.ReadAudio("tune.abc"));
    }
}
