using Melos.Formats.Audio;
using Melos.Formats.Midi;
using Melos.Music;
using Melos.Tests;

namespace Melos.Formats.Tests.Audio;

public sealed class SynthesizerTests
{
    private static Note N(string pitch, Rational start, Rational length, int velocity = Note.DefaultVelocity) =>
        new(Pitch.Parse(pitch), Duration.FromQuarters(start), Duration.FromQuarters(length), velocity);

    // 4/4 at 90 BPM: C4 (1 quarter), a rest of 2 quarters, E4 G4, then a trailing rest to 8 quarters.
    private static Melody WithRest(bool chords) => Melody.Create(
        [N("C4", 0, 1), N("E4", 3, 1), N("G4", 4, 2)], Key.CMajor, [new MeterChange(Duration.Zero, TimeSignature.CommonTime)],
        [TempoChange.FromBpm(Duration.Zero, 90)], chords ? [new ChordChange(Duration.Zero, ChordSymbol.Parse("C")), new ChordChange(Duration.FromQuarters(4), ChordSymbol.Parse("G7/B"))] : [],
        null, Duration.FromQuarters(8));

    [Theory]
    [InlineData(1, 44_100)]
    [InlineData(2, 44_100)]
    [InlineData(2, 22_050)]
    public void The_wav_header_states_the_format_and_the_data_that_follows(int channels, int rate)
    {
        var bytes = MelodySynthesizer.RenderWav(WithRest(true), new SynthOptions { Format = new WavFormat(rate, channels) });
        var info = WavReader.ReadHeader(bytes);
        Assert.Equal((1, channels, rate, rate * channels * 2, channels * 2, 16), (info.AudioFormat, info.Channels, info.SampleRate, info.ByteRate, info.BlockAlign, info.BitsPerSample));
        Assert.Equal(44, info.DataOffset);
        Assert.Equal(bytes.Length - 44, info.DataBytes);
        Assert.Equal(System.Text.Encoding.ASCII.GetBytes("RIFF"), bytes[..4]);
        Assert.Equal(bytes.Length - 8, BitConverter.ToInt32(bytes, 4));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_length_is_the_melody_at_its_tempo_plus_the_release_tail_within_one_buffer(bool pad)
    {
        var options = new SynthOptions { ChordPad = pad };
        var audio = MelodySynthesizer.Render(WithRest(true), options);
        double expected = 8 * 60.0 / 90 + (pad ? 0.4 : 0.12); // 8 quarters at 90 BPM, then the longest release
        Assert.InRange(audio.Frames, expected * 44_100 - 1024, expected * 44_100 + 1024);
        // Twice as slow: twice as long (less the tail).
        var slow = MelodySynthesizer.Render(WithRest(true).WithTempos([TempoChange.FromBpm(Duration.Zero, 45)]), options);
        Assert.InRange(slow.Seconds - options.TailSeconds, 2 * (audio.Seconds - options.TailSeconds) - 0.03, 2 * (audio.Seconds - options.TailSeconds) + 0.03);
    }

    [Fact]
    public void Rests_are_exact_silence_once_the_release_ends_and_notes_sound()
    {
        var audio = MelodySynthesizer.Render(WithRest(false), new SynthOptions { Format = new WavFormat(44_100, 1) });
        var pcm = audio.ToPcm16();
        double q = 60.0 / 90; // seconds per quarter
        int Frame(double seconds) => (int)(seconds * 44_100);
        // C4 ends at 1 quarter; its release lasts 0.12 s; E4 starts at 3 quarters.
        var rest = pcm[Frame(q + 0.125)..Frame(3 * q - 0.001)];
        Assert.NotEmpty(rest);
        Assert.All(rest, s => Assert.Equal(0, s));
        Assert.All(pcm[Frame(6 * q + 0.125)..], s => Assert.Equal(0, s)); // the trailing rest
        double Rms(short[] x) => Math.Sqrt(x.Average(v => (double)v * v));
        Assert.True(Rms(pcm[Frame(0.05)..Frame(q)]) > 1000);
        Assert.True(Rms(pcm[Frame(3 * q + 0.05)..Frame(4 * q)]) > 1000);
    }

    [Fact]
    public void The_chord_pad_fills_the_rest_and_spreads_across_the_stereo_field()
    {
        var withPad = MelodySynthesizer.Render(WithRest(true)).ToPcm16();
        var without = MelodySynthesizer.Render(WithRest(true), new SynthOptions { ChordPad = false }).ToPcm16();
        int restFrame = (int)((60.0 / 90 * 2) * 44_100); // the middle of the rest, under the C chord
        Assert.NotEqual(0, withPad[restFrame * 2]);
        Assert.Equal(0, without[restFrame * 2]);
        int frames = without.Length / 2;
        Assert.True(Enumerable.Range(0, frames).All(i => without[2 * i] == without[2 * i + 1]), "the melody alone sits in the centre");
        Assert.Contains(Enumerable.Range(0, frames), i => withPad[2 * i] != withPad[2 * i + 1]);
    }

    [Fact]
    public void Loud_dense_music_never_clips()
    {
        var notes = Enumerable.Range(0, 64).Select(i => N(i % 2 == 0 ? "C3" : "C6", new Rational(i, 4), new Rational(1, 4), 127));
        var chords = Enumerable.Range(0, 16).Select(i => new ChordChange(Duration.FromQuarters(i), ChordSymbol.Parse(i % 2 == 0 ? "Cmaj7/E" : "G13")));
        var loud = Melody.Create(notes, null, null, null, chords);
        var options = new SynthOptions { MelodyLevel = 3, PadLevel = 1 };
        var pcm = MelodySynthesizer.Render(loud, options).ToPcm16();
        int max = pcm.Max(s => Math.Abs((int)s));
        Assert.True(max < 32767, $"peak {max}");
        Assert.InRange(max, 0.88 * 32767, 0.89 * 32767 + 1); // scaled to the ceiling, not beyond
    }

    [Fact]
    public void Notes_fade_in_and_out_without_clicks()
    {
        var one = Melody.Create([N("A4", 1, 1)]);
        var pcm = MelodySynthesizer.Render(one, new SynthOptions { Format = new WavFormat(44_100, 1) }).ToPcm16();
        int start = 22_050; // a quarter at 120 BPM
        int end = 44_100;
        int release = (int)Math.Round(0.12 * 44_100);
        int peak = pcm.Max(s => Math.Abs((int)s));
        Assert.All(pcm[..start], s => Assert.Equal(0, s));
        Assert.True(Math.Abs((int)pcm[start]) == 0 && Math.Abs((int)pcm[start + 1]) < peak / 100, "onset starts from silence");
        Assert.True(pcm[(end + release - 40)..(end + release)].All(s => Math.Abs((int)s) < peak / 100), "the release ends near silence");
        Assert.All(pcm[(end + release)..], s => Assert.Equal(0, s));
        // No step in loudness: the 10 ms after the note's end are nearly as loud as the 10 ms before it (a cut would be
        // silent), and the first millisecond is quieter than the next ones (a hard onset would not be).
        double Rms(int from, int to) => Math.Sqrt(pcm[from..to].Average(v => (double)v * v));
        Assert.True(Rms(end, end + 441) > 0.8 * Rms(end - 441, end), "the release starts where the note is");
        Assert.True(Rms(start, start + 44) < 0.5 * Rms(start + 220, start + 441), "the onset fades in");
    }

    [Fact]
    public void The_same_melody_gives_the_same_bytes_and_wav_samples_read_back()
    {
        var m = WithRest(true);
        var a = MelodySynthesizer.RenderWav(m);
        Assert.Equal(a, MelodySynthesizer.RenderWav(m));
        var (info, samples) = WavReader.Read(a);
        Assert.Equal(MelodySynthesizer.Render(m).ToPcm16(), samples);
        Assert.Equal(info.Frames * 2, samples.Length);
    }

    [Fact]
    public void Files_that_are_not_wav_are_refused_with_the_offset()
    {
        Assert.Equal(0, Assert.Throws<WavFormatException>(() => WavReader.ReadHeader("RIFX...."u8.ToArray())).Offset);
        var noData = WavWriter.Write(new WavFormat(8000, 1), [1, 2, 3])[..36];
        Assert.Contains("data chunk", Assert.Throws<WavFormatException>(() => WavReader.ReadHeader(noData)).Message);
        Assert.Throws<ArgumentException>(() => WavWriter.Write(new WavFormat(8000, 2), [1, 2, 3]));
    }

    [Fact]
    public void A_missing_fluidsynth_or_sound_font_is_a_clear_error()
    {
        var missing = Assert.Throws<SynthesizerNotFoundException>(() => new FluidSynth { Program = "fluidsynth-not-installed-here" }.Check());
        Assert.Contains("fluidsynth-not-installed-here is not installed", missing.Message);
        var noFont = Assert.Throws<SoundFontNotFoundException>(() => new FluidSynth { Program = "/bin/sh", SoundFont = "/nowhere/x.sf2" }.Check());
        Assert.Equal("/nowhere/x.sf2", noFont.Path);
        Assert.Contains("sound font not found: /nowhere/x.sf2", noFont.Message);
    }

    [ProgramFact("fluidsynth", FluidSynth.DefaultSoundFont)]
    public void FluidSynth_renders_the_written_midi_at_the_melody_length()
    {
        var dir = Directory.CreateTempSubdirectory("melos-fluid-").FullName;
        try
        {
            var midi = Path.Combine(dir, "m.mid");
            var wav = Path.Combine(dir, "m.wav");
            File.WriteAllBytes(midi, MidiMelody.Write(WithRest(true)));
            new FluidSynth().Render(midi, wav);
            var (info, samples) = WavReader.Read(wav);
            Assert.Equal((2, 44_100, 16), (info.Channels, info.SampleRate, info.BitsPerSample));
            Assert.InRange(info.Seconds, 8 * 60.0 / 90 - 0.05, 8 * 60.0 / 90 + 3); // FluidSynth renders until its voices die out
            Assert.Contains(samples, s => Math.Abs((int)s) > 1000);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
