using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Melos.Data.Corpus;
using Melos.Data.Statistics;
using Melos.Data.Tokenizers;
using Melos.Models;
using Melos.Models.Training;
using Melos.Music;
using Melos.Reports;

namespace Melos.Cli.Commands;

/// <summary><c>melos train</c> and <c>melos evaluate</c>.</summary>
public static class ModelCommands
{

    /// <summary>The tokenizer a <c>--tokenizer</c> value names (grid, note, whole-tune), or <paramref name="fallback"/> when none is given.</summary>
    internal static TokenizerConfig TokenizerFrom(string? name, TokenizerConfig fallback) => name switch
    {
        "grid" => new GridTokenizerConfig(),
        "note" => new NoteTokenizerConfig(),
        "whole-tune" => NoteTokenizerConfig.WholeTune,
        _ => fallback,
    };

    /// <summary>Creates <c>melos train</c>.</summary>
    public static Command Train(CliContext context)
    {
        var corpus = new Option<string>("--corpus") { Description = "A corpus file from 'melos corpus build'.", Required = true };
        var arch = new Option<string>("--arch") { Description = "lstm, transformer, ngram or vae (a variational autoencoder of fixed bar windows, for interpolate and similar).", Required = true };
        arch.AcceptOnlyFromAmong("lstm", "transformer", "ngram", "vae");
        var vaeBars = new Option<int?>("--bars") { Description = "With --arch vae: bars per window, 4, 8 or 16 (8 and 16 use a conductor per bar). Default: the config's, else 4." };
        vaeBars.AcceptOnlyFromAmong("4", "8", "16");
        var output = new Option<string>("--out", "-o") { Description = "The model folder to write (a checkpoint).", Required = true };
        var config = new Option<string?>("--config") { Description = "A JSON file with optional \"model\", \"tokenizer\" and \"training\" objects overriding the defaults." };
        var epochs = new Option<int?>("--epochs") { Description = "Passes over the training data (sets the step budget)." };
        var steps = new Option<int?>("--steps") { Description = "Optimisation steps (overrides --epochs)." };
        var minutes = new Option<double?>("--max-minutes") { Description = "Stop after this many minutes; the checkpoint is still written." };
        var stopAt = new Option<int?>("--stop-at-step") { Description = "Stop once this many steps are taken, part-way through the learning-rate schedule that --epochs or --steps set: a step budget that ends the run at the same point on every machine (--max-minutes does not). The checkpoint resumes." };
        var seed = new Option<int>("--seed") { Description = $"Seed for weights, data order and dropout. {SeedOption.Range}", DefaultValueFactory = _ => 1234 };
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint in --out." };
        var balance = new Option<string?>("--balance") { Description = "Resample training melodies so each group weighs the same: style, collection, key, mode or meter." };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing model folder (without --resume)." };
        var tokenizerOption = new Option<string?>("--tokenizer") { Description = "grid (one token per grid step), note (REMI-like note events) or whole-tune (note events with the tune's length, numbered bars and COPY of repeated bars); overrides the config's \"tokenizer\"." };
        tokenizerOption.AcceptOnlyFromAmong("grid", "note", "whole-tune");
        var chordDropout = new Option<double>("--chord-dropout") { Description = "Train this share of the melodies that have chords without them (0..1, chosen by the seed), so the model also writes without chords.", DefaultValueFactory = _ => 0 };
        var initFrom = new Option<string?>("--init-from") { Description = "Start from this model folder's weights (fine-tuning): same architecture and sizes (--config), a tokenizer of the same vocabulary size; its style, key and meter ids are kept." };
        var cmd = new Command("train", "Train a model on a corpus's training split, choose it on the validation split, and write a checkpoint folder.")
            { corpus, arch, output, config, epochs, steps, minutes, stopAt, seed, resume, balance, force, chordDropout, tokenizerOption, initFrom, vaeBars };
        cmd.SetAction(pr => context.Guard(() =>
        {
            int theSeed = SeedOption.Check(pr.GetValue(seed)); // before anything is deleted
            var outDir = pr.GetValue(output)!;
            bool isResume = pr.GetValue(resume);
            var startFrom = pr.GetValue(initFrom);
            if (startFrom is not null && !File.Exists(Path.Combine(startFrom, Checkpoint.ConfigFile))) throw new CliError($"--init-from: {startFrom} is not a model folder (no {Checkpoint.ConfigFile})");
            if (startFrom is not null && Path.GetFullPath(startFrom).TrimEnd('/') == Path.GetFullPath(outDir).TrimEnd('/')) throw new CliError("--init-from and --out are the same folder; write the fine-tuned model to a new one (or use --resume)");
            if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any() && !isResume && !pr.GetValue(force))
                throw new CliError($"{outDir} exists; use --resume to continue it or --force to replace it");
            if (pr.GetValue(force) && !isResume && Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);

            var corpusPath = pr.GetValue(corpus)!;
            var data = CorpusFile.Read(FileArguments.RequireFile(corpusPath, "corpus file"));
            var train = data.Split(CorpusSplit.Train).ToList();
            var valid = data.Split(CorpusSplit.Valid).Select(e => e.Melody).ToList();
            if (train.Count == 0) throw new CliError($"{corpusPath} has no training melodies");

            var architecture = pr.GetValue(arch)!;
            var (modelConfig, tokenizerConfig, trainingConfig) = TrainingSetup.LoadConfig(pr.GetValue(config), architecture);
            trainingConfig = trainingConfig with { Seed = theSeed };
            tokenizerConfig = TokenizerFrom(pr.GetValue(tokenizerOption), tokenizerConfig);

            if (architecture != "vae" && pr.GetValue(vaeBars) is not null) throw new CliError("--bars is for --arch vae only");
            if (pr.GetValue(stopAt) is not null && architecture is "vae" or "ngram")
                throw new CliError($"--stop-at-step applies to lstm and transformer training, not --arch {architecture}; use --steps");
            if (architecture == "vae")
            {
                if (isResume) throw new CliError("--resume is not supported for --arch vae; train again with --force");
                if (startFrom is not null) throw new CliError("--init-from is not supported for --arch vae; it fine-tunes LSTM and Transformer models");
                if (pr.GetValue(tokenizerOption) is not null) throw new CliError("--tokenizer does not apply to --arch vae: it reads grid tokens of its own bar windows");
                var vaeConfig = (Melos.Models.Vae.VaeConfig)modelConfig;
                if (pr.GetValue(vaeBars) is { } b) vaeConfig = vaeConfig with { Bars = b };
                return TrainVae(context, vaeConfig, trainingConfig, data, corpusPath, valid, outDir, pr.GetValue(epochs), pr.GetValue(steps), pr.GetValue(minutes));
            }

            var trainMelodies = train.Select(e => e.Melody).ToList();
            if (pr.GetValue(balance) is { } by)
            {
                if (!Enum.TryParse<BalanceBy>(by, ignoreCase: true, out var attribute))
                    throw new CliError($"--balance must be one of {string.Join(", ", Enum.GetNames<BalanceBy>().Select(n => n.ToLowerInvariant()))}, not '{by}'");
                var weights = Balancing.Weights(train, attribute);
                trainMelodies = [.. Balancing.Sample(weights, train.Count, new Random(trainingConfig.Seed)).Select(i => train[i].Melody)];
            }

            double dropChords = pr.GetValue(chordDropout);
            if (dropChords is < 0 or > 1 || double.IsNaN(dropChords)) throw new CliError($"--chord-dropout must be 0..1, not {dropChords.ToString(CultureInfo.InvariantCulture)}");
            if (dropChords > 0) trainMelodies = [.. Augmentation.DropChords(trainMelodies, dropChords, unchecked(trainingConfig.Seed * 31 + 17))];

            var fit = TrainingSetup.Fit(trainMelodies, tokenizerConfig);
            if (architecture != "ngram" && fit.Fits < trainingConfig.BatchSize)
                throw new CliError($"{corpusPath} has {fit.Fits} training melodies that fit the tokenizer, fewer than one batch of {trainingConfig.BatchSize}; add melodies or lower training.batchSize in --config");
            if (pr.GetValue(epochs) is < 1 && pr.GetValue(steps) is null) throw new CliError("--epochs must be at least 1");
            trainingConfig = TrainingSetup.WithBudget(trainingConfig, fit, pr.GetValue(epochs), pr.GetValue(steps));

            using var cancel = new CancellationTokenSource();
            if (pr.GetValue(minutes) is { } m) cancel.CancelAfter(TimeSpan.FromMinutes(m));
            if (pr.GetValue(stopAt) is < 1) throw new CliError($"--stop-at-step must be at least 1, not {pr.GetValue(stopAt)}");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var outcome = ConsoleUi.WithProgress(context, $"training {architecture}", report =>
                TrainingRun.Run(new TrainingRequest(trainMelodies, valid, modelConfig, tokenizerConfig, trainingConfig, outDir)
                {
                    Resume = isResume,
                    InitialWeights = startFrom,
                    Cancellation = cancel.Token,
                    StopAtStep = pr.GetValue(stopAt),
                    Progress = p =>
                    {
                        report(p.Step, p.MaxSteps);
                        if (context.Verbose)
                            context.Err.WriteLine(string.Create(CultureInfo.InvariantCulture,
                                $"step {p.Step}/{p.MaxSteps} loss {p.Loss:0.0000}{(p.ValidationLoss is { } v ? $" valid {v:0.0000}" : "")} {p.TokensPerSecond:0} tok/s eta {p.Eta:hh\\:mm\\:ss}"));
                    },
                }));
            clock.Stop();
            Finish(outDir, architecture, corpusPath, data, outcome, clock.Elapsed, pr.GetValue(balance));
            var ci = CultureInfo.InvariantCulture;
            var why = fit.Reasons.Count == 0 ? "" : ": " + string.Join(", ", fit.Reasons.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Value} {kv.Key}"));
            context.Out.WriteLine(string.Create(ci, $"wrote {outDir}: {architecture}, {outcome.TrainSequences} training melodies ({outcome.SkippedTrain} skipped{why}), {clock.Elapsed.TotalSeconds:0} s"));
            if (outcome.State is { } st) context.Out.WriteLine($"steps {st.Step}, stopped: {st.StopReason ?? "interrupted"}");
            if (outcome.Validation is { } r)
                context.Out.WriteLine(string.Create(ci, $"validation: {r.Overall.NllPerToken:0.0000} nats/token, {r.Overall.BitsPerNote:0.000} bits/note, perplexity {r.Overall.Perplexity:0.000}, accuracy {r.Overall.Accuracy:0.000}"));
            return 0;
        }));
        return cmd;
    }

    private static int TrainVae(CliContext context, Melos.Models.Vae.VaeConfig config, TrainingConfig training, CorpusData data, string corpusPath,
        List<Melody> valid, string outDir, int? epochs, int? steps, double? minutes)
    {
        if (epochs is < 1 && steps is null) throw new CliError("--epochs must be at least 1");
        var train = data.Split(CorpusSplit.Train).Select(e => e.Melody).ToList();
        using var cancel = new CancellationTokenSource();
        if (minutes is { } m) cancel.CancelAfter(TimeSpan.FromMinutes(m));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var outcome = ConsoleUi.WithProgress(context, "training vae", report =>
            Melos.Models.Vae.VaeTraining.Run(train, valid, config, training, epochs, steps, outDir, p =>
            {
                report(p.Step, p.MaxSteps);
                if (context.Verbose)
                    context.Err.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"step {p.Step}/{p.MaxSteps} loss {p.Loss:0.0000}{(p.ValidationLoss is { } v ? $" valid {v:0.0000}" : "")} eta {p.Eta:hh\\:mm\\:ss}"));
            }, cancel.Token));
        clock.Stop();
        Finish(outDir, "vae", corpusPath, data, outcome.AsTrainingOutcome(), clock.Elapsed, null);
        var cardPath = Path.Combine(outDir, ModelCard.FileName);
        File.WriteAllText(cardPath, Melos.Models.Vae.VaeTrainingOutcome.FixCard(File.ReadAllText(cardPath), outcome) + outcome.CardSection(config));
        var ci = CultureInfo.InvariantCulture;
        var left = string.Join(", ", outcome.Discarded.Select(kv => $"{kv.Value} {kv.Key}"));
        context.Out.WriteLine(string.Create(ci, $"wrote {outDir}: vae, {outcome.TrainWindows} training windows of {config.Bars} bars{(left.Length > 0 ? $" (left out: {left})" : "")}, {clock.Elapsed.TotalSeconds:0} s"));
        context.Out.WriteLine($"steps {outcome.State.Step}, stopped: {outcome.State.StopReason ?? "interrupted"}");
        if (outcome.Validation is { } r)
            context.Out.WriteLine(string.Create(ci, $"validation ({r.Windows} windows): token accuracy {r.TokenAccuracy:0.000} from the mean latent, reconstruction {r.Reconstruction:0.00} nats/window, KL {r.Kl:0.00} nats/window"));
        return 0;
    }

    /// <summary>Creates <c>melos evaluate</c>.</summary>
    public static Command Evaluate(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "A model folder from 'melos train'.", Required = true };
        var corpus = new Option<string>("--corpus") { Description = "A corpus file.", Required = true };
        var split = new Option<string>("--split") { Description = "test, valid, train or all.", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("test", "valid", "train", "all");
        var json = new Option<bool>("--json") { Description = "Print JSON: nllNatsPerToken, bitsPerNote, perplexity, accuracy, notes, tokens, byStyle, byCollection." };
        var window = new Option<int>("--window") { Description = "Score long tunes in windows of this many tokens (bounds attention memory; use the same value to compare models).", DefaultValueFactory = _ => Evaluator.DefaultWindow };
        var cmd = new Command("evaluate", "Measure a model on a corpus split: negative log-likelihood, bits per note, perplexity, accuracy.") { model, corpus, split, json, window };
        cmd.SetAction(pr => context.Guard(() =>
        {
            var dir = pr.GetValue(model)!;
            if (!File.Exists(Path.Combine(dir, Checkpoint.ConfigFile))) throw new CliError($"{dir} is not a model folder (no {Checkpoint.ConfigFile})");
            var data = CorpusFile.Read(FileArguments.RequireFile(pr.GetValue(corpus)!, "corpus file"));
            var which = pr.GetValue(split)!;
            var entries = which == "all" ? data.Entries.ToList() : data.Split(Enum.Parse<CorpusSplit>(which, ignoreCase: true)).ToList();
            if (entries.Count == 0) throw new CliError($"the {which} split is empty");
            var info = Checkpoint.ReadInfo(dir);
            using var m = Checkpoint.LoadModel(dir);
            var tokenizer = info.Tokenizer.Create();
            var styleOf = new Dictionary<Melody, string>(ReferenceEqualityComparer.Instance);
            foreach (var e in entries) styleOf[e.Melody] = e.Style;
            int w = pr.GetValue(window);
            if (w < 16) throw new CliError("--window must be at least 16 tokens");
            // One pass over the split, grouped by style and collection together; the two breakdowns are sums of those groups.
            const char Separator = '\u001F';
            var joint = Evaluator.Evaluate(m, tokenizer, info.Conditioning, entries.Select(e => e.Melody),
                x => styleOf[x] + Separator + (x.Info.Collection ?? ""), out int skipped, maxLength: w);
            var byStyle = Regroup(joint, key => key[..key.IndexOf(Separator)]);
            var byCollection = Regroup(joint, key => key[(key.IndexOf(Separator) + 1)..]);
            var o = byStyle.Overall;
            if (pr.GetValue(json))
            {
                var doc = new JsonObject
                {
                    ["model"] = dir,
                    ["architecture"] = info.Architecture,
                    ["split"] = which,
                    ["window"] = w,
                    ["melodies"] = entries.Count - skipped,
                    ["skipped"] = skipped,
                    ["nllNatsPerToken"] = o.NllPerToken,
                    ["bitsPerNote"] = o.BitsPerNote,
                    ["perplexity"] = o.Perplexity,
                    ["accuracy"] = o.Accuracy,
                    ["notes"] = o.Notes,
                    ["tokens"] = o.Tokens,
                    ["byStyle"] = Groups(byStyle),
                    ["byCollection"] = Groups(byCollection),
                };
                context.Out.WriteLine(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                var ci = CultureInfo.InvariantCulture;
                context.Out.WriteLine(string.Create(ci, $"{info.Architecture} on {which} ({entries.Count - skipped} melodies, {skipped} skipped): {o.NllPerToken:0.0000} nats/token, {o.BitsPerNote:0.000} bits/note, perplexity {o.Perplexity:0.000}, accuracy {o.Accuracy:0.000} ({o.Tokens} tokens, {o.Notes} notes)"));
                foreach (var (name, g) in byCollection.ByGroup.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    context.Out.WriteLine(string.Create(ci, $"  collection {TerminalText.Escape(name)}: {g.BitsPerNote:0.000} bits/note, {g.NllPerToken:0.0000} nats/token"));
                foreach (var (name, g) in byStyle.ByGroup.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    context.Out.WriteLine(string.Create(ci, $"  style {TerminalText.Escape(name)}: {g.BitsPerNote:0.000} bits/note, {g.NllPerToken:0.0000} nats/token"));
            }
            return 0;
        }));
        return cmd;
    }

    private static EvaluationReport Regroup(EvaluationReport joint, Func<string, string> group)
    {
        var groups = new Dictionary<string, EvaluationMetrics>();
        foreach (var (key, metrics) in joint.ByGroup)
        {
            var g = group(key);
            groups[g] = groups.GetValueOrDefault(g, EvaluationMetrics.Empty) + metrics;
        }
        return new EvaluationReport(joint.Overall, groups);
    }

    private static JsonObject Groups(EvaluationReport r)
    {
        var o = new JsonObject();
        foreach (var (name, g) in r.ByGroup.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            o[name] = new JsonObject
            {
                ["nllNatsPerToken"] = g.NllPerToken, ["bitsPerNote"] = g.BitsPerNote, ["perplexity"] = g.Perplexity,
                ["accuracy"] = g.Accuracy, ["notes"] = g.Notes, ["tokens"] = g.Tokens,
            };
        return o;
    }

    /// <summary>Adds the corpus identity to config.json and writes loss.png and model-card.md beside the checkpoint.</summary>
    private static void Finish(string dir, string architecture, string corpusPath, CorpusData data, TrainingOutcome outcome, TimeSpan elapsed, string? balance)
    {
        ModelCard.Write(dir, architecture, corpusPath, data, outcome, elapsed, balance);
        var log = Path.Combine(dir, Checkpoint.LogFile);
        if (File.Exists(log))
        {
            var train = new List<(int, double)>();
            var valid = new List<(int, double)>();
            foreach (var line in File.ReadLines(log))
            {
                if (line.Length == 0) continue;
                var o = JsonNode.Parse(line)!.AsObject();
                int step = o["step"]!.GetValue<int>();
                if (o["loss"] is { } l) train.Add((step, l.GetValue<double>()));
                if (o["validationLoss"] is { } v) valid.Add((step, v.GetValue<double>()));
            }
            if (train.Count > 0) LossPlot.Write(Path.Combine(dir, "loss.png"), train, valid, $"{architecture} on {Path.GetFileName(corpusPath)}");
        }
    }
}
