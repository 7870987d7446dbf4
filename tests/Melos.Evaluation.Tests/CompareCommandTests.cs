using System.Text.Json;
using Melos.Cli;
using Melos.Data.Corpus;
using Melos.Data.Sources;
using Melos.Formats.Midi;
using static Melos.Tests.CliRun;

namespace Melos.Evaluation.Tests;

public sealed class CompareCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-compare-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>A corpus of 60 stepwise tunes (written as ABC, built by the corpus builder) and a folder of 12 generated-like files.</summary>
    private (string Corpus, string Generated) Fixture(Func<Random, Melos.Music.Melody> generatedTune)
    {
        var abcDir = Path.Combine(_dir, "abc");
        Directory.CreateDirectory(abcDir);
        var rng = new Random(5);
        var text = string.Join("\n", Enumerable.Range(1, 60).Select(i => Melos.Formats.Abc.AbcWriter.Write(Tunes.Stepwise(rng, 8), i)));
        File.WriteAllText(Path.Combine(abcDir, "tunes.abc"), text);
        var corpus = Path.Combine(_dir, "tunes.corpus");
        var data = new CorpusBuilder(TuneSources.Default).Build(new CorpusBuildOptions { Inputs = [abcDir], Ratios = new SplitRatios(0.2, 0.3) });
        CorpusFile.Write(corpus, data);
        var gen = Path.Combine(_dir, "generated");
        Directory.CreateDirectory(gen);
        for (int i = 1; i <= 12; i++) File.WriteAllBytes(Path.Combine(gen, $"melody-{i:00}.mid"), MidiMelody.Write(generatedTune(rng)));
        return (corpus, gen);
    }

    [Fact]
    public void Json_has_the_issue_keys_and_the_report_has_its_charts()
    {
        var (corpus, gen) = Fixture(r => Tunes.Stepwise(r, 8));
        var report = Path.Combine(_dir, "report");
        var (code, output, err) = Run("compare", gen, corpus + ":test", "--json", "--report", report, "--folds", "2", "--epochs", "2", "--bars", "4", "--discriminator-runs", "2");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.InRange(root.GetProperty("discriminatorAccuracy").GetDouble(), 0, 1);
        var runs = root.GetProperty("discriminator").GetProperty("runAccuracies");
        Assert.Equal(2, runs.GetArrayLength());
        Assert.Equal((runs[0].GetDouble() + runs[1].GetDouble()) / 2, root.GetProperty("discriminatorAccuracy").GetDouble(), 9);
        Assert.Contains("2 runs averaged", err);
        var ci = root.GetProperty("discriminatorCi95");
        Assert.Equal(2, ci.GetArrayLength());
        Assert.True(ci[0].GetDouble() <= root.GetProperty("discriminatorAccuracy").GetDouble());
        var features = root.GetProperty("features");
        Assert.Equal(9, features.EnumerateObject().Count());
        foreach (var name in new[] { "pitchCount", "pitchClassHistogram", "pitchClassTransitionMatrix", "pitchRange", "averagePitchInterval", "noteCount",
                     "averageInterOnsetInterval", "noteLengthHistogram", "noteLengthTransitionMatrix" })
        {
            var f = features.GetProperty(name);
            Assert.InRange(f.GetProperty("overlapArea").GetDouble(), 0, 1);
            Assert.True(f.GetProperty("kl").GetDouble() >= 0);
        }
        double mean = features.EnumerateObject().Average(f => f.Value.GetProperty("overlapArea").GetDouble());
        Assert.Equal(mean, root.GetProperty("meanOverlapArea").GetDouble(), 9);
        // The training set is the corpus's train split; the same kind of tune overlaps well.
        Assert.True(mean > 0.7, $"{mean}");
        var novelty = root.GetProperty("novelty");
        Assert.Equal("tunes.corpus:train", novelty.GetProperty("training").GetProperty("name").GetString());
        Assert.Equal(3, novelty.GetProperty("generated").GetProperty("windows").GetArrayLength());
        Assert.InRange(novelty.GetProperty("fourBarCopied").GetDouble(), 0, 1);
        var muspy = root.GetProperty("muspy");
        Assert.Equal(1.0, muspy.GetProperty("generated").GetProperty("pitchInScaleRate").GetProperty("mean").GetDouble());
        Assert.True(root.GetProperty("structure").GetProperty("reference").TryGetProperty("repeatedBars", out _));
        Assert.Equal(4, root.GetProperty("bars").GetInt32());

        foreach (var file in new[] { "index.html", "compare.json", "feature-pitchRange.png", "pitch-class-histogram.png", "note-length-histogram.png", "novelty.png" })
            Assert.True(new FileInfo(Path.Combine(report, file)).Length > 0, file);
        Assert.Equal(0x89, File.ReadAllBytes(Path.Combine(report, "feature-noteCount.png"))[0]);
        Assert.Contains("Discriminator accuracy", File.ReadAllText(Path.Combine(report, "index.html")));
    }

    [Fact]
    public void Copied_training_tunes_show_in_the_novelty_table()
    {
        var (corpus, gen) = Fixture(r => Tunes.Stepwise(r, 8));
        // Replace the generated folder by copies of training melodies.
        var copies = Path.Combine(_dir, "copies");
        Directory.CreateDirectory(copies);
        var train = CorpusFile.Read(corpus).Split(CorpusSplit.Train).Take(5).ToList();
        for (int i = 0; i < train.Count; i++) File.WriteAllBytes(Path.Combine(copies, $"copy-{i}.mid"), MidiMelody.Write(train[i].Melody));
        var (code, output, err) = Run("compare", copies, corpus, "--no-discriminator", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(1.0, doc.RootElement.GetProperty("novelty").GetProperty("fourBarCopied").GetDouble());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("discriminatorAccuracy").ValueKind);
        var (textCode, text, _) = Run("compare", copies, corpus, "--no-discriminator");
        Assert.Equal(0, textCode);
        Assert.Contains("4 bar(s): generated 100.0%", text);
        Assert.Contains("mean overlap area", text);
        _ = gen;
    }

    [Fact]
    public void Collection_keeps_one_collections_reference_melodies_and_names_the_others()
    {
        var (corpus, gen) = Fixture(r => Tunes.Stepwise(r, 8));
        var tests = CorpusFile.Read(corpus).Split(CorpusSplit.Test).Count();
        var (code, output, err) = Run("compare", gen, corpus + ":test", "--collection", "abc", "--no-discriminator", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(tests, doc.RootElement.GetProperty("structure").GetProperty("reference").GetProperty("repeatedBars").GetProperty("count").GetInt32());
        var (bad, _, badErr) = Run("compare", gen, corpus + ":test", "--collection", "nottingham", "--no-discriminator");
        Assert.Equal(1, bad);
        Assert.Contains("no melody of the collection 'nottingham'; it has: abc", badErr);
    }

    [Fact]
    public void Help_lists_compare_with_its_options()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("compare", output);
        var (c2, help, _) = Run("compare", "--help");
        Assert.Equal(0, c2);
        foreach (var option in new[] { "GENERATED", "REFERENCE", "--train", "--bars", "--json", "--report", "--no-discriminator", "--folds", "--epochs", "--seed", "--discriminator-runs" })
            Assert.Contains(option, help);
    }

    [Fact]
    public void Errors_are_one_line()
    {
        var (corpus, gen) = Fixture(r => Tunes.Stepwise(r, 4));
        var cases = new[]
        {
            (new[] { "compare", Path.Combine(_dir, "missing"), corpus }, "no such file or folder"),
            (new[] { "compare", gen, corpus + ":tset" }, "unknown split 'tset'"),
            (new[] { "compare", gen, corpus, "--bars", "0" }, "--bars must be at least 1"),
            (new[] { "compare", gen, corpus, "--folds", "1" }, "--folds must be 2..20"),
            (new[] { "compare", gen, corpus, "--discriminator-runs", "0" }, "--discriminator-runs must be 1..20"),
            (new[] { "compare", gen, corpus + ":train" }, "both tunes.corpus:train"),
            (new[] { "compare", gen, corpus, "--folds", "20" }, "usable melodies; the 20-fold discriminator needs at least 20"),
        };
        foreach (var (args, message) in cases)
        {
            var (code, output, err) = Run(args);
            Assert.Equal(1, code);
            Assert.Equal("", output);
            var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.StartsWith("error: ", lines[0]);
            Assert.Contains(message, lines[0]);
        }
    }
}
