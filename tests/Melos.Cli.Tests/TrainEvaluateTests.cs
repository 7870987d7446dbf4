using System.Text.Json;
using Melos.Cli;
using Melos.Data.Corpus;
using Melos.Music;
using static Melos.Tests.CliRun;

namespace Melos.Cli.Tests;

public sealed class TrainEvaluateTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-cli-train-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>A corpus of simple scale-like tunes in train, valid and test.</summary>
    private string TinyCorpus(bool withTrain = true)
    {
        var r = new Random(5);
        var entries = new List<CorpusEntry>();
        for (int i = 0; i < 24; i++)
        {
            int start = 60 + r.Next(0, 5);
            var notes = Enumerable.Range(0, 16).Select(k => new Note(Pitch.FromMidi(start + new[] { 0, 2, 4, 5, 7, 5, 4, 2 }[k % 8]), Duration.FromQuarters(k, 2), Duration.Eighth));
            var m = Melody.Create(notes, Key.Parse("C"), [new MeterChange(Duration.Zero, TimeSignature.CommonTime)], info: new MelodyInfo { Collection = "toy" });
            var split = i < 16 ? CorpusSplit.Train : i < 20 ? CorpusSplit.Valid : CorpusSplit.Test;
            if (!withTrain && split == CorpusSplit.Train) continue;
            entries.Add(new CorpusEntry($"toy/{i}", "toy", i % 2 == 0 ? "a" : "b", split, m, 0, false));
        }
        var path = Path.Combine(_dir, withTrain ? "toy.corpus" : "notrain.corpus");
        CorpusFile.Write(path, new CorpusData(entries, new BuildSummary { MelodiesKept = entries.Count }, new CorpusHeader { ContentHash = "abc123", Licences = System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty.Add("toy", "CC0 (made by the test)") }));
        return path;
    }

    [Fact]
    public void NGramTrainsAndEvaluatesWithTheDocumentedJson()
    {
        var corpus = TinyCorpus();
        var model = Path.Combine(_dir, "ngram");
        var (code, output, err) = Run("train", "--corpus", corpus, "--arch", "ngram", "--out", model);
        Assert.True(code == 0, err);
        Assert.Contains("validation:", output);
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(model, "config.json"))).RootElement;
        Assert.Equal("abc123", config.GetProperty("corpus").GetProperty("contentHash").GetString());
        var card = File.ReadAllText(Path.Combine(model, "model-card.md"));
        Assert.Contains("## Known biases of the training data", card);
        Assert.Contains("| toy | 24 | CC0 (made by the test) |", card);

        var (ecode, eout, eerr) = Run("evaluate", "--model", model, "--corpus", corpus, "--json");
        Assert.True(ecode == 0, eerr);
        var doc = JsonDocument.Parse(eout).RootElement;
        foreach (var key in new[] { "nllNatsPerToken", "bitsPerNote", "perplexity", "accuracy", "notes", "tokens", "byStyle", "byCollection" })
            Assert.True(doc.TryGetProperty(key, out _), $"missing {key}");
        Assert.Equal(4 * 16, doc.GetProperty("notes").GetInt32());
        double nll = doc.GetProperty("nllNatsPerToken").GetDouble();
        Assert.Equal(Math.Exp(nll), doc.GetProperty("perplexity").GetDouble(), 9);
        Assert.True(doc.GetProperty("byStyle").TryGetProperty("a", out _));
        Assert.True(doc.GetProperty("byCollection").TryGetProperty("toy", out _));
    }

    [Fact]
    public void A_corpus_smaller_than_a_batch_is_a_clear_error_and_skips_are_counted_by_reason()
    {
        var corpus = TinyCorpus();
        var config = Path.Combine(_dir, "big-batch.json");
        File.WriteAllText(config, """{"model":{"layers":1,"hidden":16,"embeddingSize":8},"training":{"batchSize":32}}""");
        var (code, _, err) = Run("train", "--corpus", corpus, "--arch", "lstm", "--config", config, "--steps", "2", "--out", Path.Combine(_dir, "big"));
        Assert.Equal(1, code);
        Assert.Contains("16 training melodies that fit the tokenizer, fewer than one batch of 32", err);
        // A tokenizer whose range misses the high notes of some tunes skips those, counted by reason.
        var narrow = Path.Combine(_dir, "narrow.json");
        File.WriteAllText(narrow, """{"tokenizer":{"kind":"grid","formatVersion":1,"minPitch":60,"maxPitch":68}}""");
        var (ncode, output, nerr) = Run("train", "--corpus", corpus, "--arch", "ngram", "--config", narrow, "--out", Path.Combine(_dir, "narrow"));
        Assert.True(ncode == 0, nerr);
        Assert.Matches(@"\(\d+ skipped: \d+ with a pitch outside the tokenizer's range\)", output);
    }

    [Fact]
    public void The_tokenizer_option_chooses_the_tokens_and_generation_follows_it()
    {
        var corpus = TinyCorpus();
        var model = Path.Combine(_dir, "whole");
        var (code, _, err) = Run("train", "--corpus", corpus, "--arch", "ngram", "--tokenizer", "whole-tune", "--out", model);
        Assert.True(code == 0, err);
        var tokenizer = JsonDocument.Parse(File.ReadAllText(Path.Combine(model, "config.json"))).RootElement.GetProperty("tokenizer");
        Assert.Equal("note", tokenizer.GetProperty("kind").GetString());
        Assert.Equal(64, tokenizer.GetProperty("maxBars").GetInt32());
        Assert.Equal(16, tokenizer.GetProperty("maxCopyDistance").GetInt32());
        var (gcode, goutput, gerr) = Run("generate", "--model", model, "--bars", "4", "--key", "C", "--formats", "abc", "--out", Path.Combine(_dir, "whole-out"));
        Assert.True(gcode == 0, gerr);
        Assert.True(File.Exists(Path.Combine(_dir, "whole-out", "melody-01.abc")), goutput);
        var (bad, _, badErr) = Run("train", "--corpus", corpus, "--arch", "ngram", "--tokenizer", "words", "--out", Path.Combine(_dir, "words"));
        Assert.NotEqual(0, bad);
        Assert.Contains("words", badErr);
    }

    [Fact]
    public void LstmTrainsBrieflyAndWritesAFullCheckpoint()
    {
        var corpus = TinyCorpus();
        var model = Path.Combine(_dir, "lstm");
        var config = Path.Combine(_dir, "small.json");
        File.WriteAllText(config, """{"model":{"layers":1,"hidden":32,"embeddingSize":16},"training":{"batchSize":4,"maxSequenceLength":64,"warmupSteps":2,"logEvery":1}}""");
        var (code, output, err) = Run("train", "--corpus", corpus, "--arch", "lstm", "--config", config, "--steps", "6", "--out", model);
        Assert.True(code == 0, err);
        Assert.Contains("steps 6", output);
        foreach (var f in new[] { "config.json", "weights.bin", "optimizer.bin", "training-log.jsonl", "loss.png", "model-card.md" })
            Assert.True(File.Exists(Path.Combine(model, f)), f);
        var (ecode, eout, _) = Run("evaluate", "--model", model, "--corpus", corpus, "--split", "valid");
        Assert.Equal(0, ecode);
        Assert.StartsWith("lstm on valid (4 melodies", eout);

        // The folder exists now: a second run without --resume or --force is refused.
        var (again, _, againErr) = Run("train", "--corpus", corpus, "--arch", "lstm", "--out", model);
        Assert.Equal(1, again);
        Assert.Contains("--resume", againErr);
    }

    [Fact]
    public void Stop_at_step_ends_part_way_through_the_schedule_and_resumes_to_its_end()
    {
        var corpus = TinyCorpus();
        var config = Path.Combine(_dir, "small.json");
        File.WriteAllText(config, """{"model":{"layers":1,"hidden":16,"embeddingSize":8},"training":{"batchSize":4,"maxSequenceLength":64,"warmupSteps":2,"logEvery":1}}""");
        var model = Path.Combine(_dir, "part");
        var (code, output, err) = Run("train", "--corpus", corpus, "--arch", "lstm", "--config", config, "--steps", "8", "--stop-at-step", "3", "--out", model);
        Assert.True(code == 0, err);
        Assert.Contains("steps 3, stopped: stop-at-step", output);
        using (var saved = JsonDocument.Parse(File.ReadAllText(Path.Combine(model, "config.json"))))
        {
            // The schedule is the 8 steps --steps set, not the 3 taken.
            Assert.Equal(8, saved.RootElement.GetProperty("training").GetProperty("maxSteps").GetInt32());
            Assert.Equal(3, saved.RootElement.GetProperty("state").GetProperty("step").GetInt32());
        }
        Assert.Contains("stopped: stop-at-step", File.ReadAllText(Path.Combine(model, "model-card.md")));
        var (resumed, rout, rerr) = Run("train", "--corpus", corpus, "--arch", "lstm", "--config", config, "--steps", "8", "--out", model, "--resume");
        Assert.True(resumed == 0, rerr);
        Assert.Contains("steps 8, stopped: max-steps", rout);

        var (bad, _, badErr) = Run("train", "--corpus", corpus, "--arch", "lstm", "--config", config, "--steps", "8", "--stop-at-step", "0", "--out", Path.Combine(_dir, "zero"));
        Assert.Equal(1, bad);
        Assert.Contains("--stop-at-step must be at least 1", badErr);
        var (ngram, _, ngramErr) = Run("train", "--corpus", corpus, "--arch", "ngram", "--stop-at-step", "3", "--out", Path.Combine(_dir, "ng"));
        Assert.Equal(1, ngram);
        Assert.Contains("--stop-at-step applies to lstm and transformer", ngramErr);
    }

    [Fact]
    public void BadInputsAreOneClearErrorEach()
    {
        var corpus = TinyCorpus();
        var (c1, _, e1) = Run("train", "--corpus", TinyCorpus(withTrain: false), "--arch", "ngram", "--out", Path.Combine(_dir, "x"));
        Assert.Equal(1, c1);
        Assert.Contains("no training melodies", e1);

        var bad = Path.Combine(_dir, "bad.json");
        File.WriteAllText(bad, """{"model":{"layers":0}}""");
        var (c2, _, e2) = Run("train", "--corpus", corpus, "--arch", "lstm", "--config", bad, "--out", Path.Combine(_dir, "y"));
        Assert.Equal(1, c2);
        Assert.Contains("layers", e2, StringComparison.OrdinalIgnoreCase);

        var (c3, _, e3) = Run("train", "--corpus", corpus, "--arch", "ngram", "--balance", "colour", "--out", Path.Combine(_dir, "z"));
        Assert.Equal(1, c3);
        Assert.Contains("--balance must be one of", e3);

        var (c4, _, e4) = Run("evaluate", "--model", _dir, "--corpus", corpus);
        Assert.Equal(1, c4);
        Assert.Contains("not a model folder", e4);

        var (c5, _, e5) = Run("train", "--corpus", corpus, "--arch", "gru", "--out", Path.Combine(_dir, "w"));
        Assert.NotEqual(0, c5);
        Assert.Contains("gru", e5);
    }
}
