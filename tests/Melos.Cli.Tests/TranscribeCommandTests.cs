using Melos.Formats;
using Melos.Formats.Audio;
using Melos.Music;
using static Melos.Tests.CliRun;

namespace Melos.Cli.Tests;

/// <summary><c>melos transcribe</c> and <c>melos corpus build</c> with recordings, on audio made by the built-in synthesizer.</summary>
public sealed class TranscribeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-cli-transcribe-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    // Four bars of G major in 4/4 at 100 BPM (13 notes), each note 7/8 of its length (detached, as played).
    private static readonly string Tune = "X:1\nT:t\nM:4/4\nL:1/8\nQ:1/4=100\nK:G\nG2 A2 B2 c2 | d2 B2 G4 | A2 B2 c2 A2 | B4 G4 |]\n";

    private string Recording(string name)
    {
        var melody = FormatRegistry.Default.Read(WriteAbc());
        var detached = melody.WithNotes(melody.Notes.Select(n => n with { Length = Duration.FromQuarters(n.Length.Quarters * new Rational(7, 8)) }));
        var path = Path.Combine(_dir, name);
        MelodySynthesizer.WriteWav(path, detached, new SynthOptions { Format = new WavFormat(22_050, 1) });
        return path;
    }

    private string WriteAbc()
    {
        var path = Path.Combine(_dir, "tune-source.abc");
        File.WriteAllText(path, Tune);
        return path;
    }

    [Fact]
    public void A_recording_becomes_the_tune_it_plays()
    {
        var wav = Recording("take.wav");
        var abc = Path.Combine(_dir, "take.abc");
        var (code, output, err) = Run("transcribe", wav, "--out", abc, "--meter", "4/4");
        Assert.True(code == 0, err);
        Assert.Contains("13 notes", output);
        var expected = FormatRegistry.Default.Read(WriteAbc());
        var got = FormatRegistry.Default.Read(abc);
        Assert.Equal(expected.Notes.Select(n => n.Pitch.Number), got.Notes.Select(n => n.Pitch.Number));
        Assert.Equal(new Key(new NoteName(Step.G)), got.Key);
        // Given values override the estimates.
        var (code2, output2, err2) = Run("transcribe", wav, "--out", Path.Combine(_dir, "e.mid"), "--tempo", "100", "--key", "E minor", "--meter", "2/4");
        Assert.True(code2 == 0, err2);
        Assert.Contains("E minor, 2/4, 100 BPM", output2);
    }

    [Fact]
    public void Bad_recordings_are_one_line_errors()
    {
        var empty = Path.Combine(_dir, "empty.flac");
        File.WriteAllBytes(empty, []);
        var (code, _, err) = Run("transcribe", empty, "--out", Path.Combine(_dir, "x.abc"));
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", err);
        Assert.Contains("empty", err);
        var silent = Path.Combine(_dir, "silent.wav");
        File.WriteAllBytes(silent, WavWriter.Write(new WavFormat(16_000, 1), new short[16_000]));
        (code, _, err) = Run("transcribe", silent, "--out", Path.Combine(_dir, "x.abc"));
        Assert.Equal(1, code);
        Assert.Contains("silent", err);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Corpus_build_takes_recordings_beside_symbolic_files_and_counts_unusable_ones_by_reason()
    {
        var folk = Directory.CreateDirectory(Path.Combine(_dir, "folk")).FullName;
        File.WriteAllText(Path.Combine(folk, "reel.abc"), "X:1\nT:Reel\nL:1/8\nM:4/4\nK:D\n|:DFAd fdAF|GBdg bgdB|AFDF ADFA|d2f2 d4:|\n");
        File.Copy(Recording("take.wav"), Path.Combine(folk, "take.wav"));
        File.WriteAllBytes(Path.Combine(folk, "silent.wav"), WavWriter.Write(new WavFormat(16_000, 1), new short[32_000]));
        var random = new Random(3);
        File.WriteAllBytes(Path.Combine(folk, "noise.wav"), WavWriter.Write(new WavFormat(16_000, 1), [.. Enumerable.Range(0, 32_000).Select(_ => (short)random.Next(-8000, 8000))]));
        File.WriteAllBytes(Path.Combine(folk, "broken.flac"), [.. "fLaC"u8, 0x80, 0, 0, 40]);
        var (code, output, err) = Run("corpus", "build", folk, "--out", Path.Combine(_dir, "c.corpus"));
        Assert.True(code == 0, err + output);
        Assert.Contains("2 melodies from 5 tunes in 5 files", output, StringComparison.Ordinal);
        Assert.Contains("SilentRecording: 1", output, StringComparison.Ordinal);
        Assert.Contains("NoisyRecording: 1", output, StringComparison.Ordinal);
        Assert.Contains("ParseError: 1", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Melos_compiles_loops_optimized_from_their_first_call()
    {
        // The MP3 and Ogg decoders are other projects' code: only the process setting keeps their loops from starting
        // unoptimized, which made a cold MP3 transcription about 1.5 times slower (bench/RESULTS.md, "Cold decoders").
        var config = Path.Combine(AppContext.BaseDirectory, "melos.runtimeconfig.json");
        Assert.True(File.Exists(config), config);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(config));
        var properties = json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.True(properties.TryGetProperty("System.Runtime.TieredCompilation.QuickJitForLoops", out var quick), "QuickJitForLoops is not set");
        Assert.False(quick.GetBoolean());
    }
}
