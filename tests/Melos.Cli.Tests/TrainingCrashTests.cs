using System.Diagnostics;
using System.Text.Json.Nodes;
using Melos.Data.Corpus;
using Melos.Models.Training;
using Melos.Music;
using Xunit.Abstractions;

namespace Melos.Cli.Tests;

/// <summary>
/// <c>melos train</c> killed with SIGKILL at random moments (a checkpoint is written every step, so many kills land inside a
/// write) and resumed with <c>--resume</c> each time: after every kill the checkpoint loads, its step never goes back, and the
/// finished run's log holds every step exactly once (each resumed run continued from the last checkpoint).
/// </summary>
public sealed class TrainingCrashTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-cli-crash-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string TinyCorpus()
    {
        var r = new Random(5);
        var entries = new List<CorpusEntry>();
        for (int i = 0; i < 20; i++)
        {
            int start = 60 + r.Next(0, 5);
            var notes = Enumerable.Range(0, 16).Select(k => new Note(Pitch.FromMidi(start + new[] { 0, 2, 4, 5, 7, 5, 4, 2 }[k % 8]), Duration.FromQuarters(k, 2), Duration.Eighth));
            var m = Melody.Create(notes, Key.Parse("C"), [new MeterChange(Duration.Zero, TimeSignature.CommonTime)], info: new MelodyInfo { Collection = "toy" });
            entries.Add(new CorpusEntry($"toy/{i}", "toy", "a", i < 16 ? CorpusSplit.Train : CorpusSplit.Valid, m, 0, false));
        }
        var path = Path.Combine(_dir, "toy.corpus");
        CorpusFile.Write(path, new CorpusData(entries, new BuildSummary { MelodiesKept = entries.Count }, new CorpusHeader { ContentHash = "crash" }));
        return path;
    }

    /// <summary>Starts <c>melos</c> and counts the <c>step N/M</c> lines it prints under <c>--verbose</c>.</summary>
    private sealed class Run : IDisposable
    {
        private int _steps;

        public Run(string[] args)
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "melos.dll");
            Assert.True(File.Exists(dll), $"melos.dll expected beside the tests at {dll}");
            var psi = new ProcessStartInfo("dotnet", [dll, .. args]) { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true };
            psi.Environment["NO_COLOR"] = "1";
            Process = Process.Start(psi)!;
            Process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                if (e.Data.StartsWith("step ", StringComparison.Ordinal)) Interlocked.Increment(ref _steps);
                else lock (Errors) Errors.Add(e.Data);
            };
            Process.OutputDataReceived += (_, _) => { };
            Process.BeginErrorReadLine();
            Process.BeginOutputReadLine();
        }

        public Process Process { get; }

        public List<string> Errors { get; } = [];

        /// <summary>Waits until this run has done <paramref name="steps"/> steps or has exited; true when it is still running.</summary>
        public bool WaitForSteps(int steps, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (Volatile.Read(ref _steps) < steps && clock.Elapsed < timeout)
                if (Process.WaitForExit(10)) return false;
            return !Process.HasExited;
        }

        public void Dispose() => Process.Dispose();
    }

    private static int? CheckpointStep(string model)
    {
        var config = Path.Combine(model, Checkpoint.ConfigFile);
        if (!Directory.Exists(model) && !Checkpoint.Recover(model)) return null;
        var info = Checkpoint.ReadInfo(model, "lstm");
        using var loaded = Checkpoint.LoadModel(model, "lstm"); // the weights load, not only the config
        Assert.True(File.Exists(Path.Combine(model, Checkpoint.OptimizerFile)), "optimizer state missing");
        return info.State!.Step;
    }

    [Fact]
    public void KilledAtRandomMomentsAndResumedTheCheckpointAlwaysLoadsAndTrainingContinues()
    {
        const int Steps = 150;
        var corpus = TinyCorpus();
        var model = Path.Combine(_dir, "lstm");
        var config = Path.Combine(_dir, "tiny.json");
        File.WriteAllText(config, """{"model":{"layers":1,"hidden":32,"embeddingSize":16},"training":{"batchSize":2,"maxSequenceLength":32,"warmupSteps":2,"logEvery":1,"checkpointEvery":1,"evaluateEvery":50}}""");
        string[] args = ["train", "--corpus", corpus, "--arch", "lstm", "--config", config, "--steps", Steps.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", model, "--resume", "--verbose"];

        var random = new Random(20261123);
        int last = 0, kills = 0, caughtMidWrite = 0;
        for (int round = 0; round < 8; round++)
        {
            using var run = new Run(args);
            // Kill after a random number of steps of this run (a checkpoint is written after each), a random few milliseconds in.
            bool running = run.WaitForSteps(random.Next(1, 25), TimeSpan.FromMinutes(2));
            if (running)
            {
                Thread.Sleep(random.Next(0, 30));
                run.Process.Kill(entireProcessTree: true); // SIGKILL
                kills++;
            }
            run.Process.WaitForExit();
            var leftovers = Directory.GetDirectories(_dir, ".lstm.*").Length;
            if (leftovers > 0) caughtMidWrite++;
            int? step = CheckpointStep(model);
            output.WriteLine($"round {round}: {(running ? "killed" : $"exited {run.Process.ExitCode}")}, checkpoint at step {step?.ToString() ?? "none"}, {leftovers} interrupted-write folders beside it");
            if (!running) Assert.True(run.Process.ExitCode == 0, string.Join('\n', run.Errors));
            if (step is { } s)
            {
                Assert.True(s >= last, $"the checkpoint went back from step {last} to {s}");
                last = s;
            }
            if (!running) break;
        }
        output.WriteLine($"{kills} kills, {caughtMidWrite} of them inside a checkpoint write");
        Assert.True(kills >= 3, $"only {kills} runs were killed before finishing: the test did not test");

        using (var final = new Run(args))
        {
            final.Process.WaitForExit();
            Assert.True(final.Process.ExitCode == 0, string.Join('\n', final.Errors));
        }
        Assert.Equal(Steps, CheckpointStep(model));
        var steps = File.ReadAllLines(Path.Combine(model, Checkpoint.LogFile)).Where(l => l.Length > 0)
            .Select(l => JsonNode.Parse(l)!["step"]!.GetValue<int>()).ToList();
        Assert.Equal(Enumerable.Range(1, Steps), steps);
    }
}
