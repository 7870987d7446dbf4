using System.Text.Json;
using Melos.Cli;
using Melos.Data.Corpus;
using Melos.Generation;
using Melos.Models.Training;
using Melos.Music;
using static Melos.Tests.CliRun;

namespace Melos.Cli.Tests;

/// <summary><c>melos tune</c> end to end on a tiny LSTM trained by <c>melos train</c>.</summary>
public sealed class TuneCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-cli-tune-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>A corpus of 2-bar scale tunes in C and G (train, valid, test) and a tiny LSTM trained on it for a few steps.</summary>
    private (string Corpus, string Model) TinyModel(string tokenizer = """{ "kind": "grid", "formatVersion": 1, "minPitch": 48, "maxPitch": 84, "stepsPerQuarter": 4 }""")
    {
        var r = new Random(5);
        var entries = new List<CorpusEntry>();
        for (int i = 0; i < 24; i++)
        {
            int start = 60 + r.Next(0, 5);
            var key = i % 2 == 0 ? Key.CMajor : Key.Parse("G");
            var notes = Enumerable.Range(0, 16).Select(k => new Note(Pitch.FromMidi(start + new[] { 0, 2, 4, 5, 7, 5, 4, 2 }[k % 8]), Duration.FromQuarters(k, 2), Duration.Eighth));
            var m = Melody.Create(notes, key, [new MeterChange(Duration.Zero, TimeSignature.CommonTime)], info: new MelodyInfo { Collection = "toy" });
            var split = i < 16 ? CorpusSplit.Train : i < 20 ? CorpusSplit.Valid : CorpusSplit.Test;
            entries.Add(new CorpusEntry($"toy/{i}", "toy", "a", split, m, 0, false));
        }
        var corpus = Path.Combine(_dir, "toy.corpus");
        CorpusFile.Write(corpus, new CorpusData(entries, new BuildSummary { MelodiesKept = entries.Count }, new CorpusHeader { ContentHash = "abc123" }));
        var config = Path.Combine(_dir, "tiny.json");
        File.WriteAllText(config, """
            { "model": { "layers": 1, "hidden": 16, "embeddingSize": 8 },
              "tokenizer": TOKENIZER,
              "training": { "batchSize": 4, "maxSequenceLength": 64, "warmupSteps": 1 } }
            """.Replace("TOKENIZER", tokenizer, StringComparison.Ordinal));
        var model = Path.Combine(_dir, "model");
        var (code, _, err) = Run("train", "--corpus", corpus, "--arch", "lstm", "--config", config, "--steps", "5", "--out", model);
        Assert.True(code == 0, err);
        return (corpus, model);
    }

    [Fact]
    public void A_note_token_model_is_tuned_through_its_grammar_and_the_result_generates()
    {
        var (corpus, model) = TinyModel("""{ "kind": "note", "formatVersion": 1, "minPitch": 48, "maxPitch": 84, "stepsPerQuarter": 4, "implicitPositions": true, "maxBars": 8, "maxCopyDistance": 4 }""");
        var tuned = Path.Combine(_dir, "tuned-note");
        var (code, output, err) = Run("tune", "--model", model, "--corpus", corpus, "--reward", "in-key=1", "--bars", "2", "--batch", "4",
            "--samples", "4", "--lr", "1e-3", "--steps", "2", "--out", tuned);
        Assert.True(code == 0, err);
        Assert.Contains("wrote " + tuned + ": 2 steps (max-steps)", output);
        using var generator = MelodyGenerator.Load(tuned);
        Assert.IsType<Melos.Data.Tokenizers.NoteTokenizer>(generator.Tokenizer);
        var melody = generator.Generate(new GenerationRequest { Bars = 2, Key = Key.Parse("G"), Seed = 1 })[0].Melody;
        Assert.All(melody.Notes, n => Assert.True(Key.Parse("G").Scale.Contains(n.Pitch.Number), NoteSequence.Format(melody.Notes)));
    }

    [Fact]
    public void TunesWritesALoadableCheckpointAndAReportAndResumes()
    {
        var (corpus, model) = TinyModel();
        var tuned = Path.Combine(_dir, "tuned");
        var report = Path.Combine(_dir, "report");
        string[] common = ["tune", "--model", model, "--corpus", corpus, "--reward", "in-key=1,resolve-leaps=0.5", "--bars", "2", "--batch", "4",
            "--samples", "6", "--lr", "1e-3", "--out", tuned];
        var (code, output, err) = Run([.. common, "--steps", "3", "--report", report]);
        Assert.True(code == 0, err);
        Assert.Contains("in-key (w 1) violation rate", output);
        Assert.Contains("test NLL (nats/token)", output);
        Assert.Contains("wrote " + tuned + ": 3 steps (max-steps)", output);

        var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "report.json"))).RootElement;
        Assert.Equal("in-key=1,resolve-leaps=0.5", doc.GetProperty("reward").GetString());
        foreach (var side in new[] { "before", "after" })
        {
            var m = doc.GetProperty(side);
            Assert.Equal(2, m.GetProperty("rules").GetArrayLength());
            Assert.True(m.GetProperty("testNllPerToken").GetDouble() > 0);
            Assert.Equal(6, Directory.GetFiles(Path.Combine(report, side), "*.mid").Length);
        }
        Assert.True(doc.GetProperty("after").GetProperty("klPerToken").GetDouble() >= 0);
        Assert.True(File.Exists(Path.Combine(report, "report.md")));

        // The tuned folder is a model folder: evaluate and generate read it; the original is untouched.
        Assert.Equal(0, Run("evaluate", "--model", tuned, "--corpus", corpus).Code);
        using (var generator = MelodyGenerator.Load(tuned)) Assert.Equal(2, generator.Generate(new GenerationRequest { Bars = 2 })[0].Melody.BarCount);
        Assert.False(File.Exists(Path.Combine(model, "tuning.json")));
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(tuned, "config.json"))).RootElement;
        Assert.Equal("abc123", config.GetProperty("corpus").GetProperty("contentHash").GetString());

        // Without --resume or --force the folder is not replaced; --resume continues to the new step budget.
        var (again, _, againErr) = Run([.. common, "--steps", "5"]);
        Assert.Equal(1, again);
        Assert.Contains("use --resume", againErr);
        var (resumed, resumedOut, resumedErr) = Run([.. common, "--steps", "5", "--resume"]);
        Assert.True(resumed == 0, resumedErr);
        Assert.Contains("5 steps (max-steps)", resumedOut);
        Assert.Equal(5, File.ReadAllLines(Path.Combine(tuned, "tuning-log.jsonl")).Length);
    }

    [Theory]
    [InlineData("in-key=1,loud=1", "error: reward 'in-key=1,loud=1': unknown rule 'loud'; known rules: bar-copies, chord-tones, in-key, motifs")]
    [InlineData("in-key=x", "error: reward 'in-key=x': the weight of 'in-key' must be a number, not 'x'")]
    public void RefusesABadRewardInOneLine(string reward, string message)
    {
        var (code, _, err) = Run("tune", "--model", "models/x", "--corpus", "c.corpus", "--reward", reward, "--out", Path.Combine(_dir, "o"));
        Assert.Equal(1, code);
        // The model folder is checked first when it is missing; give an existing one.
        Assert.Contains("is not a model folder", err);
        var model = Path.Combine(_dir, "m");
        Directory.CreateDirectory(model);
        File.WriteAllText(Path.Combine(model, Checkpoint.ConfigFile), "{}");
        (code, _, err) = Run("tune", "--model", model, "--corpus", "c.corpus", "--reward", reward, "--out", Path.Combine(_dir, "o"));
        Assert.Equal(1, code);
        Assert.StartsWith(message, err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void RefusesToWriteOverTheOriginalModel()
    {
        var model = Path.Combine(_dir, "m");
        Directory.CreateDirectory(model);
        File.WriteAllText(Path.Combine(model, Checkpoint.ConfigFile), "{}");
        var (code, _, err) = Run("tune", "--model", model, "--corpus", "c.corpus", "--reward", "in-key", "--out", model + "/");
        Assert.Equal(1, code);
        Assert.Contains("--out must be another folder than --model", err);
    }
}
