using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Melos.Data.Corpus;
using Melos.Data.Tokenizers;
using Melos.Evaluation;
using Melos.Formats;
using Melos.Generation;
using Melos.Generation.Tuning;
using Melos.Models;
using Melos.Models.Training;
using Melos.Music;
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

            var info = Checkpoint.ReadInfo(modelDir);
            if (info.Architecture == "ngram") throw new CliError("the n-gram model has no gradients to tune; use an lstm or transformer model");
            var data = CorpusFile.Read(FileArguments.RequireFile(pr.GetValue(corpus)!, "corpus file"));
            var train = data.Split(CorpusSplit.Train).Select(e => e.Melody).ToList();
            var test = data.Split(CorpusSplit.Test).Select(e => e.Melody).ToList();
            if (train.Count == 0) throw new CliError($"{pr.GetValue(corpus)} has no training melodies to take requests from");
            if (test.Count == 0) throw new CliError($"{pr.GetValue(corpus)} has no test melodies to report against");
            var pool = Requests(train, info.Conditioning, barCount, 512, config.Seed);
            var reportPool = Requests(test, info.Conditioning, barCount, sampleCount, config.Seed + 1);
            if (pool.Count == 0 || reportPool.Count == 0) throw new CliError("no melody of the corpus gives a request this model can serve (key, meter on its grid, style)");
            var reportDraws = Enumerable.Range(0, sampleCount).Select(i => (Request: i % reportPool.Count, Seed: 1000 + i)).ToList();

            if (pr.GetValue(force) && !isResume && Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
            using var tuner = isResume ? RlTuner.Resume(outDir, modelDir, rewardSpec, pool, config.Steps) : RlTuner.Start(modelDir, rewardSpec, pool, config);
            if (!isResume) tuner.ConfigExtras = CorpusIdentity(modelDir);

            var tokenizer = info.Tokenizer.Create();
            var trainSet = MelodySet.Create("train", train);
            var testSet = MelodySet.Create("test", test);
            context.Err.WriteLine($"measuring the original model: {sampleCount} melodies of {barCount} bars, test-split NLL");
            var before = Measure("original", tuner.Prior, tokenizer, info, reportPool, reportDraws, rewardSpec, testSet, trainSet, test, barCount, null);

            using var cancel = new CancellationTokenSource();
            if (pr.GetValue(minutes) is { } m) cancel.CancelAfter(TimeSpan.FromMinutes(m));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var state = WithProgress(context, tuner, () => tuner.Train(outDir, cancel.Token));
            clock.Stop();

            context.Err.WriteLine("measuring the tuned model");
            var after = Measure("tuned", tuner.Policy, tokenizer, info, reportPool, reportDraws, rewardSpec, testSet, trainSet, test, barCount,
                melodies => tuner.MeanKl([.. reportDraws.Select(d => reportPool[d.Request])], melodies));
            var result = new TuneReport(modelDir, outDir, rewardSpec.Spec, config with { Steps = tuner.Config.Steps }, state, clock.Elapsed, sampleCount, barCount, before, after);
            PrintTable(context.Out, result);
            if (pr.GetValue(report) is { } dir) WriteReport(dir, result, before, after);
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {outDir}: {state.Step} steps ({state.StopReason ?? "interrupted"}) in {clock.Elapsed.TotalSeconds:0} s"));
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

    /// <summary>The corpus identity of the original's config.json, kept in the tuned checkpoint's (null when absent).</summary>
    private static JsonObject? CorpusIdentity(string modelDir)
    {
        var original = JsonNode.Parse(File.ReadAllText(Path.Combine(modelDir, Checkpoint.ConfigFile)))!.AsObject();
        return original["corpus"] is JsonObject corpus ? new JsonObject { ["corpus"] = corpus.DeepClone() } : null;
    }

    /// <summary>
    /// Generation requests taken from corpus melodies: each melody's key, first meter, style and chords (one per bar, when
    /// every one of the first bars has one), chromatic so the model may leave the key. Melodies the model cannot serve
    /// (no key, an unknown meter or one off its grid) are left out; at most <paramref name="max"/>, chosen with a seeded shuffle.
    /// </summary>
    public static IReadOnlyList<GenerationRequest> Requests(IReadOnlyList<Melody> melodies, ConditioningVocabulary vocabulary, int bars, int max, int seed)
    {
        ArgumentNullException.ThrowIfNull(melodies);
        ArgumentNullException.ThrowIfNull(vocabulary);
        var order = Enumerable.Range(0, melodies.Count).ToArray();
        new Random(seed).Shuffle(order);
        var result = new List<GenerationRequest>();
        foreach (int i in order)
        {
            if (result.Count >= max) break;
            var m = MelodySet.DropPickup(melodies[i]);
            if (m.Key is not { } key || vocabulary.MeterId(m.Meter) == 0) continue;
            if ((m.Meter.BarLength.Quarters * vocabulary.StepsPerQuarter).Denominator != 1) continue;
            var chords = new List<ProgressionChord>();
            for (int b = 0; b < bars && !m.Chords.IsEmpty; b++)
            {
                if (m.ChordAt(m.BarStart(b)) is not { } c) { chords.Clear(); break; }
                chords.Add(c);
            }
            result.Add(new GenerationRequest
            {
                Bars = bars, Key = key, Meter = m.Meter, Pitches = new PitchConstraints { Chromatic = true }, Chords = [.. chords],
                Style = m.Info.Styles.FirstOrDefault(s => vocabulary.Styles.Contains(s)),
            });
        }
        return result;
    }

    /// <summary>What was measured on one model.</summary>
    public sealed record Measurement(string Name, IReadOnlyList<RuleSummary> Rules, double MeanReward, double MeanOverlapArea, double? FourBarCopied,
        double TestNllPerToken, double TestBitsPerNote, int TestMelodies, double? KlPerToken, IReadOnlyList<Melody> Melodies);

    private static Measurement Measure(string name, ISequenceModel model, ITokenizer tokenizer, CheckpointInfo info, IReadOnlyList<GenerationRequest> pool,
        IReadOnlyList<(int Request, int Seed)> draws, Reward reward, MelodySet testSet, MelodySet trainSet, IReadOnlyList<Melody> test, int bars,
        Func<IReadOnlyList<GeneratedMelody>, double>? kl)
    {
        var generator = new MelodyGenerator(model, tokenizer, info.Conditioning, ownsModel: false, info.Training?.MaxSequenceLength);
        var generated = draws.Select(d => generator.Generate(pool[d.Request] with { Count = 1, Seed = d.Seed })[0]).ToList();
        var melodies = generated.Select(g => g.Melody).ToList();
        ComparisonResult? comparison = null;
        try
        {
            comparison = MelodyComparison.Run(MelodySet.Create(name, melodies), testSet, trainSet, new ComparisonOptions { Bars = bars, RunDiscriminator = false });
        }
        catch (TooFewMelodiesException)
        {
            // Fewer than two melodies with notes on a side: the overlap and novelty are not defined (reported as "-").
        }
        // The same code path as 'melos evaluate --split test' (default window).
        var nll = Evaluator.Evaluate(model, tokenizer, info.Conditioning, test, null, out int skipped, maxLength: Evaluator.DefaultWindow);
        return new Measurement(name, reward.Summarize(melodies), melodies.Average(reward.Score), comparison?.MeanOverlapArea ?? double.NaN, comparison?.Novelty?.FourBarCopied,
            nll.Overall.NllPerToken, nll.Overall.BitsPerNote, test.Count - skipped, kl?.Invoke(generated), melodies);
    }

    private static TuningState WithProgress(CliContext context, RlTuner tuner, Func<TuningState> work)
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
                    var task = ctx.AddTask("tuning", maxValue: tuner.Config.Steps);
                    task.Value = tuner.State.Step;
                    tuner.Progress = p =>
                    {
                        task.Description = Label(p);
                        task.Value = p.Step;
                        if (context.Verbose) Line(p);
                    };
                    result = work();
                });
            return result;
        }
        int lastDecile = -1;
        tuner.Progress = p =>
        {
            int decile = p.Step * 10 / p.MaxSteps;
            if (context.Verbose || decile > lastDecile) Line(p);
            lastDecile = decile;
        };
        return work();

        void Line(TuningProgress p) => context.Err.WriteLine(string.Create(ci,
            $"step {p.Step}/{p.MaxSteps} reward {p.Reward:0.0000} KL {p.Kl:0.00000} loss {p.Loss:0.0000} eta {p.Eta:hh\\:mm\\:ss}"));
    }

    /// <summary>The whole before/after result.</summary>
    public sealed record TuneReport(string Model, string Out, string Reward, TuningConfig Config, TuningState State, TimeSpan Elapsed, int Samples, int Bars,
        Measurement Before, Measurement After);

    private static string Pct(double v) => (100 * v).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Change(double before, double after) =>
        before == 0 ? (after == 0 ? "0" : "new") : ((after - before) / before * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + "%";

    private static IEnumerable<string[]> Rows(TuneReport r)
    {
        var ci = CultureInfo.InvariantCulture;
        for (int i = 0; i < r.Before.Rules.Count; i++)
        {
            var b = r.Before.Rules[i];
            var a = r.After.Rules[i];
            yield return [$"{b.Name} (w {b.Weight.ToString(ci)}) violation rate", Pct(b.ViolationRate), Pct(a.ViolationRate), Change(b.ViolationRate, a.ViolationRate)];
        }
        yield return ["mean reward", r.Before.MeanReward.ToString("0.000", ci), r.After.MeanReward.ToString("0.000", ci), Change(r.Before.MeanReward, r.After.MeanReward)];
        yield return ["mean overlap area vs test", Num(r.Before.MeanOverlapArea), Num(r.After.MeanOverlapArea),
            double.IsNaN(r.Before.MeanOverlapArea + r.After.MeanOverlapArea) ? "" : Change(r.Before.MeanOverlapArea, r.After.MeanOverlapArea)];
        yield return ["4-bar windows copied from train", r.Before.FourBarCopied is { } fb ? Pct(fb) : "-", r.After.FourBarCopied is { } fa ? Pct(fa) : "-", ""];
        yield return ["test NLL (nats/token)", r.Before.TestNllPerToken.ToString("0.0000", ci), r.After.TestNllPerToken.ToString("0.0000", ci), Change(r.Before.TestNllPerToken, r.After.TestNllPerToken)];
        yield return ["test bits/note", r.Before.TestBitsPerNote.ToString("0.000", ci), r.After.TestBitsPerNote.ToString("0.000", ci), Change(r.Before.TestBitsPerNote, r.After.TestBitsPerNote)];
        yield return ["KL to original per token (samples)", "0", r.After.KlPerToken is { } k ? k.ToString("0.00000", ci) : "-", ""];
    }

    private static string Num(double v) => double.IsNaN(v) ? "-" : v.ToString("0.000", CultureInfo.InvariantCulture);

    private static void PrintTable(TextWriter w, TuneReport r)
    {
        var console = ConsoleUi.For(w);
        var table = new Table().Border(TableBorder.Ascii).AddColumns("measure", "original", "tuned", "change");
        foreach (var row in Rows(r)) table.AddRow([.. row.Select(Markup.Escape)]);
        console.Write(table);
    }

    private static void WriteReport(string dir, TuneReport r, Measurement before, Measurement after)
    {
        Directory.CreateDirectory(dir);
        var ci = CultureInfo.InvariantCulture;
        JsonObject M(Measurement m) => new()
        {
            ["rules"] = new JsonArray([.. m.Rules.Select(s => (JsonNode)new JsonObject
            {
                ["name"] = s.Name, ["weight"] = s.Weight, ["checks"] = s.Pooled.Checks, ["violations"] = s.Pooled.Violations,
                ["violationRate"] = s.ViolationRate, ["satisfactionRate"] = s.SatisfactionRate, ["melodiesWithViolation"] = s.MelodiesWithViolation,
            })]),
            ["meanReward"] = m.MeanReward,
            ["meanOverlapArea"] = double.IsNaN(m.MeanOverlapArea) ? null : m.MeanOverlapArea,
            ["fourBarCopied"] = m.FourBarCopied,
            ["testNllPerToken"] = m.TestNllPerToken,
            ["testBitsPerNote"] = m.TestBitsPerNote,
            ["testMelodies"] = m.TestMelodies,
            ["klPerToken"] = m.KlPerToken,
        };
        var doc = new JsonObject
        {
            ["model"] = r.Model,
            ["out"] = r.Out,
            ["reward"] = r.Reward,
            ["config"] = JsonSerializer.SerializeToNode(r.Config, ModelConfig.JsonOptions),
            ["steps"] = r.State.Step,
            ["stopReason"] = r.State.StopReason,
            ["seconds"] = Math.Round(r.Elapsed.TotalSeconds, 1),
            ["samples"] = r.Samples,
            ["bars"] = r.Bars,
            ["before"] = M(before),
            ["after"] = M(after),
            ["testNllRelativeChange"] = (after.TestNllPerToken - before.TestNllPerToken) / before.TestNllPerToken,
        };
        File.WriteAllText(Path.Combine(dir, "report.json"), doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var md = new StringBuilder();
        md.AppendLine(string.Create(ci, $"# RL tuning of {r.Model}")).AppendLine();
        md.AppendLine(string.Create(ci, $"Reward `{r.Reward}`, KL weight {r.Config.Kl}, {r.State.Step} steps of {r.Config.BatchSize} melodies, learning rate {r.Config.LearningRate}, seed {r.Config.Seed}; {r.Samples} melodies of {r.Bars} bars before and after (same requests and seeds).")).AppendLine();
        md.AppendLine("| measure | original | tuned | change |").AppendLine("|---|---|---|---|");
        foreach (var row in Rows(r)) md.AppendLine("| " + string.Join(" | ", row) + " |");
        File.WriteAllText(Path.Combine(dir, "report.md"), md.ToString());
        foreach (var (m, sub) in new[] { (before, "before"), (after, "after") })
        {
            var folder = Path.Combine(dir, sub);
            Directory.CreateDirectory(folder);
            for (int i = 0; i < m.Melodies.Count; i++) FileArguments.Formats.Write(Path.Combine(folder, string.Create(ci, $"melody-{i + 1:000}") + MelodyFormat.Midi.Ending), m.Melodies[i]);
        }
    }
}
