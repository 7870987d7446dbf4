using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Melos.Data.Polyphonic;
using Melos.Models.Polyphonic;

namespace Melos.Cli.Commands;

/// <summary><c>melos bench pianoroll</c>: the published polyphonic-music benchmark.</summary>
public static class BenchCommands
{
    /// <summary>Creates <c>melos bench</c> with its subcommands.</summary>
    public static Command Create(CliContext context)
    {
        var bench = new Command("bench", "Research benchmarks with published figures to compare against.");
        bench.Subcommands.Add(PianoRoll(context));
        return bench;
    }

    /// <summary>Creates <c>melos bench pianoroll</c>.</summary>
    public static Command PianoRoll(CliContext context)
    {
        var set = new Option<string>("--set") { Description = "jsb, nottingham, musedata or piano-midi.", Required = true };
        set.AcceptOnlyFromAmong("jsb", "nottingham", "musedata", "piano-midi");
        var arch = new Option<string>("--arch") { Description = "lstm (88 sigmoids), transformer (88 sigmoids) or nade (keys of a frame predicted jointly, low to high).", Required = true };
        arch.AcceptOnlyFromAmong("lstm", "transformer", "nade");
        var config = new Option<string?>("--config") { Description = "A JSON file overriding model and training fields (hidden, layers, dropout, learningRate, window, patience, ...)." };
        var epochs = new Option<int?>("--epochs") { Description = "The most epochs (default 200; early stopping usually ends sooner)." };
        var minutes = new Option<double?>("--max-minutes") { Description = "Start no new epoch after this many minutes; the best model so far is scored." };
        var seed = new Option<int?>("--seed") { Description = $"Seed for weights, data order and dropout (default 1). {SeedOption.Range}" };
        var data = new Option<string?>("--data") { Description = "The benchmark folder (default: piano-roll-benchmark under MELOS_DATASETS or ../shared/datasets beside Melos.sln)." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON: validNll, testNll, epochs, parameters, trainSeconds, baselines." };
        var cmd = new Command("pianoroll", "Train on a piano-roll benchmark set, select on valid, and report NLL per frame by the published protocol (with the floor baselines).")
            { set, arch, config, epochs, minutes, seed, data, json };
        cmd.SetAction(pr => context.Guard(() =>
        {
            var ci = CultureInfo.InvariantCulture;
            var theSeed = SeedOption.Check(pr.GetValue(seed));
            var name = PianoRollSet.ParseName(pr.GetValue(set)!);
            var folder = pr.GetValue(data) ?? DefaultFolder();
            var path = Path.Combine(folder, PianoRollSet.FileName(name));
            if (!File.Exists(path)) throw new CliError($"no {PianoRollSet.FileName(name)} in {folder}; pass --data with the piano-roll benchmark folder");

            var modelConfig = pr.GetValue(config) is { } configPath
                ? FrameModelConfig.FromJson(File.Exists(configPath) ? File.ReadAllText(configPath) : throw new CliError($"no config file {configPath}"))
                : new FrameModelConfig();
            modelConfig = modelConfig with { Architecture = Enum.Parse<FrameArchitecture>(pr.GetValue(arch)!, ignoreCase: true) };
            if (pr.GetValue(epochs) is { } n) modelConfig = modelConfig with { MaxEpochs = n >= 1 ? n : throw new CliError($"--epochs must be at least 1, not {n}") };
            if (theSeed is { } s) modelConfig = modelConfig with { Seed = s };
            modelConfig.Validate();
            TimeSpan? limit = pr.GetValue(minutes) is { } m ? (m > 0 ? TimeSpan.FromMinutes(m) : throw new CliError($"--max-minutes must be above 0, not {m.ToString(ci)}")) : null;

            var loaded = PianoRollSet.Load(path);
            var floors = FrameBaselines.Fit(loaded.Train);
            var baselines = new
            {
                marginal = new { valid = floors.ScoreMarginal(loaded.Valid).NllPerFrame, test = floors.ScoreMarginal(loaded.Test).NllPerFrame },
                markov = new { valid = floors.ScoreMarkov(loaded.Valid).NllPerFrame, test = floors.ScoreMarkov(loaded.Test).NllPerFrame },
            };
            context.Err.WriteLine(string.Create(ci, $"{loaded.Name}: {loaded.Train.Length}/{loaded.Valid.Length}/{loaded.Test.Length} sequences; floors on test: marginal {baselines.marginal.test:0.00}, Markov {baselines.markov.test:0.00} nats/frame"));
            var trainer = new FrameTrainer(modelConfig)
            {
                EpochDone = e => context.Err.WriteLine(string.Create(ci,
                    $"epoch {e.Epoch}/{modelConfig.MaxEpochs}: train {e.TrainNll:0.000}, valid {e.ValidNll:0.000}{(e.Best ? " (best)" : "")}, {e.Elapsed.TotalSeconds:0} s")),
            };
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, args) => { args.Cancel = true; cancel.Cancel(); };
            Console.CancelKeyPress += onCancel;
            FrameTrainingResult result;
            try
            {
                result = trainer.Train(loaded, limit, cancel.Token);
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
            if (pr.GetValue(json))
            {
                var node = new JsonObject
                {
                    ["set"] = loaded.Name,
                    ["arch"] = modelConfig.Architecture.ToString().ToLowerInvariant(),
                    ["validNll"] = result.ValidNll,
                    ["testNll"] = result.TestNll,
                    ["epochs"] = result.Epochs,
                    ["bestEpoch"] = result.BestEpoch,
                    ["parameters"] = result.Parameters,
                    ["trainSeconds"] = Math.Round(result.TrainSeconds, 1),
                    ["stopReason"] = result.StopReason,
                    ["baselines"] = JsonSerializer.SerializeToNode(baselines),
                    ["config"] = JsonSerializer.SerializeToNode(modelConfig, FrameModelConfig.JsonOptions),
                };
                context.Out.WriteLine(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                context.Out.WriteLine(string.Create(ci, $"{loaded.Name} {modelConfig.Architecture.ToString().ToLowerInvariant()}: valid {result.ValidNll:0.00}, test {result.TestNll:0.00} nats/frame"));
                context.Out.WriteLine(string.Create(ci, $"  {result.Parameters:N0} parameters, {result.Epochs} epochs (best {result.BestEpoch}, {result.StopReason}), {result.TrainSeconds:0} s"));
                context.Out.WriteLine(string.Create(ci, $"  floors: marginal valid {baselines.marginal.valid:0.00} test {baselines.marginal.test:0.00}; Markov valid {baselines.markov.valid:0.00} test {baselines.markov.test:0.00}"));
            }
            return 0;
        }));
        return cmd;
    }

    /// <summary>piano-roll-benchmark under MELOS_DATASETS, else under ../shared/datasets beside the folder holding Melos.sln.</summary>
    private static string DefaultFolder()
    {
        if (Environment.GetEnvironmentVariable("MELOS_DATASETS") is { Length: > 0 } env) return Path.Combine(env, "piano-roll-benchmark");
        return Path.GetFullPath(Path.Combine(GenerateCommand.RepositoryRoot() ?? Directory.GetCurrentDirectory(), "..", "shared", "datasets", "piano-roll-benchmark"));
    }
}
