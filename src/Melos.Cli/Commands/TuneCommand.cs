using System.CommandLine;
using System.Globalization;
using Melos.Data.Corpus;
using Melos.Evaluation.Tuning;
using Melos.Generation;
using Melos.Generation.Tuning;
using Melos.Models.Training;
using Spectre.Console;

namespace Melos.Cli.Commands;

/// <summary>
/// <c>melos tune</c>: RL Tuner fine-tuning of a model on musical rules with a KL penalty toward the frozen original, and a
/// before/after report (rule violation rates, Yang and Lerch overlap and novelty, test-split NLL).
/// </summary>
public static class TuneCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "The pretrained model folder (lstm or transformer, grid or note tokenizer); never modified.", Required = true };
        var corpus = new Option<string>("--corpus") { Description = "The model's corpus: requests come from its train split (key, meter, chords, style); the report measures against its test split.", Required = true };
        var reward = new Option<string>("--reward") { Description = "Rules and weights, e.g. \"in-key=1,resolve-leaps=0.5\". Rules: " + string.Join(", ", RewardRegistry.CreateDefault().Names) + ".", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "The tuned model folder to write (a checkpoint).", Required = true };
        var kl = new Option<double>("--kl") { Description = "Weight of the KL penalty toward the original model (per melody, summed over tokens).", DefaultValueFactory = _ => 0.05 };
        var steps = new Option<int>("--steps") { Description = "Policy-gradient steps.", DefaultValueFactory = _ => 150 };
        var batch = new Option<int>("--batch") { Description = "Melodies sampled per step (at least 2).", DefaultValueFactory = _ => 16 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1.5e-4 };
        var bars = new Option<int>("--bars") { Description = "Bars per sampled melody.", DefaultValueFactory = _ => 8 };
        var samples = new Option<int>("--samples") { Description = "Melodies sampled before and after for the report (same requests and seeds).", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = $"Seeds the requests and sampling. {SeedOption.Range}", DefaultValueFactory = _ => 1 };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Write a checkpoint every N steps (and at the end).", DefaultValueFactory = _ => 50 };
        var minutes = new Option<double?>("--max-minutes") { Description = "Stop tuning after this many minutes; the checkpoint and report are still written." };
        var report = new Option<string?>("--report") { Description = "Write report.json, report.md and the before/after samples (.mid) into this folder." };
        var resume = new Option<bool>("--resume") { Description = "Continue the tuning run in --out." };
        var force = new Option<bool>("--force") { Description = "Replace an existing --out folder (without --resume)." };
        var cmd = new Command("tune", "Fine-tune a model with reinforcement learning on musical rules, held near the original by a KL penalty; report rule violations, musicality metrics and test NLL before and after.")
            { model, corpus, reward, output, kl, steps, batch, lr, bars, samples, seed, checkpointEvery, minutes, report, resume, force };
        cmd.SetAction(pr => context.Guard(() =>
        {
            int theSeed = SeedOption.Check(pr.GetValue(seed));
            var modelDir = pr.GetValue(model)!;
            var outDir = pr.GetValue(output)!;
            bool isResume = pr.GetValue(resume);
            if (!File.Exists(Path.Combine(modelDir, Checkpoint.ConfigFile))) throw new CliError($"{modelDir} is not a model folder (no {Checkpoint.ConfigFile})");
            if (Path.GetFullPath(modelDir).TrimEnd('/') == Path.GetFullPath(outDir).TrimEnd('/')) throw new CliError("--out must be another folder than --model: the original model is never overwritten");
            if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any() && !isResume && !pr.GetValue(force))
                throw new CliError($"{outDir} exists; use --resume to continue it or --force to replace it");
            if (isResume && !File.Exists(Path.Combine(outDir, RlTuner.TuningFile))) throw new CliError($"{outDir} holds no tuning run to resume (no {RlTuner.TuningFile})");
            int barCount = pr.GetValue(bars), sampleCount = pr.GetValue(samples);
            if (barCount is < 1 or > GenerationRequest.MaxBars) throw new CliError($"--bars must be 1..{GenerationRequest.MaxBars}, not {barCount}");
            if (sampleCount < 2) throw new CliError($"--samples must be at least 2, not {sampleCount}");

            Reward rewardSpec;
            try
            {
                rewardSpec = RewardRegistry.CreateDefault().Parse(pr.GetValue(reward)!);
            }
            catch (RewardSpecException e)
            {
                throw new CliError(e.Message);
            }
            var config = new TuningConfig
            {
                Kl = pr.GetValue(kl), Steps = pr.GetValue(steps), BatchSize = pr.GetValue(batch), LearningRate = pr.GetValue(lr),
                Seed = theSeed, CheckpointEvery = pr.GetValue(checkpointEvery),
            };
            try
            {
                config.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new CliError($"--{Flag(e.ParamName)} {e.ActualValue}: {e.Message.Split(Environment.NewLine)[0].Split(" (Parameter")[0]}");
            }

            var data = CorpusFile.Read(FileArguments.RequireFile(pr.GetValue(corpus)!, "corpus file"));
            var options = new TuningRunOptions
            {
                ModelDirectory = modelDir, OutputDirectory = outDir, Corpus = data, CorpusName = pr.GetValue(corpus)!, Reward = rewardSpec, Config = config,
                Samples = sampleCount, Bars = barCount, Resume = isResume,
            };
            TuningRun prepared;
            try
            {
                prepared = TuningRun.Prepare(options);
            }
            catch (TuningRunException e)
            {
                throw new CliError(e.Message);
            }

            if (pr.GetValue(force) && !isResume && Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
            using var run = prepared;
            var tuner = run.Start();
            context.Err.WriteLine($"measuring the original model: {sampleCount} melodies of {barCount} bars, test-split NLL");
            var before = run.MeasureOriginal();

            using var cancel = new CancellationTokenSource();
            if (pr.GetValue(minutes) is { } m) cancel.CancelAfter(TimeSpan.FromMinutes(m));
            var state = WithProgress(context, tuner.Config.Steps, tuner.State.Step, progress => run.Train(progress, cancel.Token));

            context.Err.WriteLine("measuring the tuned model");
            var after = run.MeasureTuned();
            var result = run.Report(before, after);
            PrintTable(context.Out, result);
            if (pr.GetValue(report) is { } dir) result.Write(dir, FileArguments.Formats);
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {outDir}: {state.Step} steps ({state.StopReason ?? "interrupted"}) in {run.Elapsed.TotalSeconds:0} s"));
            return 0;
        }));
        return cmd;
    }

    private static string Flag(string? field) => field switch
    {
        nameof(TuningConfig.BatchSize) => "batch",
        nameof(TuningConfig.LearningRate) => "lr",
        nameof(TuningConfig.CheckpointEvery) => "checkpoint-every",
        null => "value",
        _ => field.ToLowerInvariant(),
    };

    private static TuningState WithProgress(CliContext context, int maxSteps, int startStep, Func<Action<TuningProgress>, TuningState> work)
    {
        var ci = CultureInfo.InvariantCulture;
        string Label(TuningProgress p) => string.Create(ci, $"tuning: reward {p.Reward:0.000} KL {p.Kl:0.0000}");
        var console = ConsoleUi.For(context.Err);
        if (console.Profile.Capabilities.Interactive)
        {
            TuningState result = null!;
            console.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("tuning", maxValue: maxSteps);
                    task.Value = startStep;
                    result = work(p =>
                    {
                        task.Description = Label(p);
                        task.Value = p.Step;
                        if (context.Verbose) Line(p);
                    });
                });
            return result;
        }
        int lastDecile = -1;
        return work(p =>
        {
            int decile = p.Step * 10 / p.MaxSteps;
            if (context.Verbose || decile > lastDecile) Line(p);
            lastDecile = decile;
        });

        void Line(TuningProgress p) => context.Err.WriteLine(string.Create(ci,
            $"step {p.Step}/{p.MaxSteps} reward {p.Reward:0.0000} KL {p.Kl:0.00000} loss {p.Loss:0.0000} eta {p.Eta:hh\\:mm\\:ss}"));
    }

    private static void PrintTable(TextWriter w, TuningReport r)
    {
        var console = ConsoleUi.For(w);
        var table = new Table().Border(TableBorder.Ascii).AddColumns([.. TuningReport.Columns]);
        foreach (var row in r.Rows()) table.AddRow([.. row.Select(Markup.Escape)]);
        console.Write(table);
    }
}
