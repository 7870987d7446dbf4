using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Melos.Data.Corpus;
using Melos.Music;
using Melos.Tests;
using Xunit.Abstractions;
using static Melos.Tests.CliRun;

namespace Melos.Cli.Tests;

/// <summary>
/// interop/pytorch/roundtrip.sh with 2 processes (torchrun, DDP over gloo on CPU): export a tiny corpus, train a tiny
/// LSTM a few steps, import, generate; the per-step losses equal single-process training with the same global batch to 1e-4.
/// </summary>
public sealed class DistributedTrainingTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-ddp-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string TinyCorpus()
    {
        var r = new Random(9);
        var entries = new List<CorpusEntry>();
        for (int i = 0; i < 24; i++)
        {
            int start = 60 + r.Next(0, 5);
            int length = 12 + r.Next(0, 20);
            var notes = Enumerable.Range(0, length).Select(k => new Note(Pitch.FromMidi(start + new[] { 0, 2, 4, 5, 7, 5, 4, 2, 0, -1 }[(k + i) % 10]), Duration.FromQuarters(k, 2), Duration.Eighth));
            var m = Melody.Create(notes, Key.Parse("C"), [new MeterChange(Duration.Zero, TimeSignature.CommonTime)], info: new MelodyInfo { Collection = "toy" });
            var split = i < 18 ? CorpusSplit.Train : i < 21 ? CorpusSplit.Valid : CorpusSplit.Test;
            entries.Add(new CorpusEntry($"toy/{i}", "toy", i % 2 == 0 ? "a" : "b", split, m, 0, false));
        }
        var path = Path.Combine(_dir, "toy.corpus");
        CorpusFile.Write(path, new CorpusData(entries, new BuildSummary { MelodiesKept = entries.Count }, new CorpusHeader { ContentHash = "ddp" }));
        return path;
    }

    /// <summary>The melos command for the script: the apphost beside the tests, else <c>dotnet melos.dll</c>.</summary>
    private static string MelosCommand()
    {
        var apphost = Path.Combine(AppContext.BaseDirectory, "melos");
        return File.Exists(apphost) ? apphost : $"dotnet {Path.Combine(AppContext.BaseDirectory, "melos.dll")}";
    }

    private static double[] Losses(string log) =>
        [.. File.ReadLines(log).Select(l => JsonNode.Parse(l)!["loss"]!.GetValue<double>())];

    [PyTorchFact(PyTorch.Torchrun)]
    public void TwoProcesses_MatchOneProcessStepByStep_AndTheImportedModelGenerates()
    {
        var corpus = TinyCorpus();
        var config = Path.Combine(_dir, "tiny.json");
        File.WriteAllText(config, """
            {"model": {"embeddingSize": 16, "hidden": 32, "layers": 2, "dropout": 0},
             "training": {"maxSequenceLength": 24, "warmupSteps": 2, "learningRate": 0.01}}
            """);
        var work = Path.Combine(_dir, "work");
        var script = Path.Combine(Datasets.RepoRoot, "interop", "pytorch", "roundtrip.sh");
        var info = new System.Diagnostics.ProcessStartInfo("bash", [script, corpus, work, "2", "5"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["MELOS"] = MelosCommand();
        info.Environment["CONFIG"] = config;
        info.Environment["BATCH"] = "6";
        info.Environment["SEED"] = "5";
        info.Environment["OMP_NUM_THREADS"] = "1";
        using (var p = System.Diagnostics.Process.Start(info)!)
        {
            var err = p.StandardError.ReadToEndAsync();
            var outText = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            output.WriteLine(outText);
            Assert.True(p.ExitCode == 0, $"roundtrip.sh exited {p.ExitCode}:\n{outText}\n{err.Result}");
        }
        var two = Losses(Path.Combine(work, "train-log.jsonl"));
        Assert.Equal(5, two.Length);

        PyTorch.Module("train", "--data", Path.Combine(work, "data"), "--arch", "lstm", "--config", config, "--steps", "5", "--batch-size", "6",
            "--seed", "5", "--log", Path.Combine(_dir, "single.jsonl"), "--out", Path.Combine(_dir, "single"));
        var one = Losses(Path.Combine(_dir, "single.jsonl"));
        Assert.Equal(5, one.Length);
        for (int s = 0; s < 5; s++)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {s + 1}: 2 processes {two[s]:0.000000}, 1 process {one[s]:0.000000}, |difference| {Math.Abs(two[s] - one[s]):E2}"));
            Assert.InRange(Math.Abs(two[s] - one[s]), 0, 1e-4);
        }
        Assert.NotEqual(two[0], two[4]); // the weights moved

        var model = Path.Combine(work, "model");
        var saved = JsonNode.Parse(File.ReadAllText(Path.Combine(model, "config.json")))!;
        Assert.Equal("melos_torch.train", saved["provenance"]!["producer"]!.GetValue<string>());
        Assert.Equal(2, saved["provenance"]!["pytorch"]!["processes"]!.GetValue<int>());
        Assert.True(File.Exists(Path.Combine(work, "generated", "melody-01.mid")));

        // And in process: the imported model generates and evaluates like any Melos model.
        var (code, _, genErr) = Run("generate", "--model", model, "--bars", "2", "--seed", "3", "--formats", "abc", "--out", Path.Combine(_dir, "gen"));
        Assert.True(code == 0, genErr);
        Assert.Contains("X:", File.ReadAllText(Directory.GetFiles(Path.Combine(_dir, "gen"), "*.abc").Single()), StringComparison.Ordinal);
        var (evalCode, evalOut, evalErr) = Run("evaluate", "--model", model, "--corpus", corpus, "--json");
        Assert.True(evalCode == 0, evalErr);
        Assert.Contains("nll", evalOut, StringComparison.OrdinalIgnoreCase);
    }
}
