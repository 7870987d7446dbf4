using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Melos.Data.Tokenizers;
using Melos.Models.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Melos.Models.Vae;

/// <summary>How well a VAE reads windows back (means per window).</summary>
/// <param name="Reconstruction">Reconstruction negative log-likelihood per window (nats) from the mean latent, teacher-forced.</param>
/// <param name="Kl">KL divergence of the posterior from the prior per window (nats).</param>
/// <param name="TokenAccuracy">Share of tokens the teacher-forced decoder's argmax gets right from the mean latent.</param>
/// <param name="Windows">Windows measured.</param>
public sealed record VaeMetrics(double Reconstruction, double Kl, double TokenAccuracy, int Windows)
{
    /// <summary>The negative ELBO per token (reconstruction plus KL, divided by the window length).</summary>
    public double LossPerToken(int length) => (Reconstruction + Kl) / length;
}

/// <summary>
/// Trains a <see cref="MelodyVae"/> with AdamW (the learning-rate schedule, batch size, gradient clipping, step budget,
/// validation and early stopping of a <see cref="TrainingConfig"/>) on the reparameterised ELBO with KL annealing and
/// free bits, and writes checkpoint folders in the usual format (<c>config.json</c>, <c>weights.bin</c>,
/// <c>training-log.jsonl</c>, whose <c>loss</c> and <c>validationLoss</c> are nats per token).
/// </summary>
/// <remarks>Determinism: epoch <c>e</c> visits the windows in a shuffle seeded by (seed, e), and torch is seeded from (seed, step) before each step.</remarks>
public sealed class VaeTrainer : IDisposable
{
    private readonly AdamW _optimizer;
    private readonly List<string> _log = [];
    private Dictionary<string, Tensor>? _best;

    /// <summary>Creates a trainer.</summary>
    public VaeTrainer(MelodyVae model, TrainingConfig config, TokenizerConfig tokenizer, ConditioningVocabulary conditioning)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Model = model;
        Config = config;
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        Conditioning = conditioning ?? throw new ArgumentNullException(nameof(conditioning));
        _optimizer = optim.AdamW(model.parameters(), lr: config.LearningRate, weight_decay: config.WeightDecay);
    }

    /// <summary>The model.</summary>
    public MelodyVae Model { get; }

    /// <summary>The training configuration.</summary>
    public TrainingConfig Config { get; }

    /// <summary>The tokenizer saved with checkpoints.</summary>
    public TokenizerConfig Tokenizer { get; }

    /// <summary>The conditioning vocabulary saved with checkpoints (used by the generation grammar).</summary>
    public ConditioningVocabulary Conditioning { get; }

    /// <summary>Where training is.</summary>
    public TrainingState State { get; private set; } = new();

    /// <summary>The last validation metrics.</summary>
    public VaeMetrics? Validation { get; private set; }

    /// <summary>Progress reports (every <see cref="TrainingConfig.LogEvery"/> steps and after validations).</summary>
    public Action<TrainingProgress>? Progress { get; set; }

    /// <summary>Extra metrics written into <c>config.json</c> (the corpus counts, the windows left out).</summary>
    public JsonObject ExtraMetrics { get; } = [];

    /// <summary>The log lines so far.</summary>
    public IReadOnlyList<string> Log => _log;

    /// <summary>Trains until the step budget, early stopping or cancellation; writes the checkpoint to <paramref name="directory"/> when given.</summary>
    public TrainingState Train(IReadOnlyList<int[]> train, IReadOnlyList<int[]>? valid, string? directory, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0) throw new ArgumentException("No training window.", nameof(train));
        int t = Model.Config.Length;
        int batchesPerEpoch = (train.Count + Config.BatchSize - 1) / Config.BatchSize;
        var clock = Stopwatch.StartNew();
        int[] order = Order(State.Epoch, train.Count);
        int orderEpoch = State.Epoch;
        double lossSum = 0, reconSum = 0, klSum = 0;
        long correct = 0, tokens = 0;
        int batches = 0, runSteps = 0;
        while (!State.Finished)
        {
            if (State.Step >= Config.MaxSteps) { State = State with { StopReason = "max-steps" }; break; }
            if (cancellation.IsCancellationRequested) { State = State with { StopReason = "cancelled" }; break; }
            if (orderEpoch != State.Epoch) { order = Order(State.Epoch, train.Count); orderEpoch = State.Epoch; }
            var batch = order.Skip(State.BatchInEpoch * Config.BatchSize).Take(Config.BatchSize).Select(i => train[i]).ToList();
            double lr = Config.LearningRateAt(State.Step);
            double beta = Model.Config.BetaAt(State.Step);
            torch.manual_seed(unchecked(Config.Seed * 1_000_003L + State.Step + 1));
            Model.train();
            foreach (var group in _optimizer.ParamGroups) group.LearningRate = lr;
            using (var scope = NewDisposeScope())
            {
                _optimizer.zero_grad();
                var loss = Model.Loss(Model.TokenTensor(batch), beta, sample: true);
                loss.Loss.backward();
                if (Config.GradientClip > 0) nn.utils.clip_grad_norm_(Model.parameters(), Config.GradientClip);
                _optimizer.step();
                lossSum += loss.Loss.item<float>() * batch.Count;
                reconSum += loss.Reconstruction * batch.Count;
                klSum += loss.Kl * batch.Count;
                correct += loss.Correct;
                tokens += loss.Tokens;
                batches += batch.Count;
            }
            runSteps++;
            int next = State.BatchInEpoch + 1;
            State = State with
            {
                Step = State.Step + 1,
                Tokens = State.Tokens + batch.Count * t,
                Epoch = next >= batchesPerEpoch ? State.Epoch + 1 : State.Epoch,
                BatchInEpoch = next >= batchesPerEpoch ? 0 : next,
            };
            bool last = State.Step >= Config.MaxSteps;
            double? validLoss = null;
            if (valid is { Count: > 0 } && (State.Step % Config.EvaluateEvery == 0 || last))
            {
                Validation = Evaluate(valid);
                validLoss = Validation.LossPerToken(t);
                bool better = State.BestValidationLoss is not { } best || validLoss < best - 1e-9;
                if (better) _best = Snapshot(_best);
                State = State with
                {
                    ValidationLoss = validLoss,
                    BestValidationLoss = better ? validLoss : State.BestValidationLoss,
                    BestStep = better ? State.Step : State.BestStep,
                    ValidationsWithoutImprovement = better ? 0 : State.ValidationsWithoutImprovement + 1,
                };
                if (Config.Patience > 0 && State.ValidationsWithoutImprovement >= Config.Patience) State = State with { StopReason = "early-stopping" };
            }
            if (State.Step % Config.LogEvery == 0 || validLoss is not null || last || State.Finished)
            {
                double meanLoss = lossSum / Math.Max(1, batches) / t;
                State = State with { TrainLoss = meanLoss };
                var elapsed = clock.Elapsed;
                double tps = State.Tokens / Math.Max(elapsed.TotalSeconds, 1e-9);
                var eta = TimeSpan.FromSeconds(elapsed.TotalSeconds / runSteps * Math.Max(0, Config.MaxSteps - State.Step));
                var line = new JsonObject
                {
                    ["step"] = State.Step,
                    ["epoch"] = State.Epoch,
                    ["loss"] = meanLoss,
                    ["reconstruction"] = reconSum / Math.Max(1, batches),
                    ["kl"] = klSum / Math.Max(1, batches),
                    ["beta"] = beta,
                    ["accuracy"] = tokens == 0 ? 0 : (double)correct / tokens,
                    ["learningRate"] = lr,
                    ["tokens"] = State.Tokens,
                    ["seconds"] = Math.Round(elapsed.TotalSeconds, 1),
                };
                if (validLoss is { } vl)
                {
                    line["validationLoss"] = vl;
                    line["validationKl"] = Validation!.Kl;
                    line["validationAccuracy"] = Validation.TokenAccuracy;
                }
                _log.Add(line.ToJsonString());
                Progress?.Invoke(new TrainingProgress(State.Step, Config.MaxSteps, State.Epoch, meanLoss, lr, tps, elapsed, eta, validLoss));
                lossSum = reconSum = klSum = 0;
                correct = tokens = 0;
                batches = 0;
            }
            if (directory is not null && State.Step % Config.CheckpointEvery == 0 && !State.Finished && !last) Save(directory);
        }
        if (_best is not null && State.BestValidationLoss < State.ValidationLoss)
        {
            // The run ends with the weights of its best validation.
            using (no_grad()) foreach (var (name, p) in Model.named_parameters()) p.copy_(_best[name]);
            State = State with { RestoredBestWeights = true };
            if (valid is { Count: > 0 }) Validation = Evaluate(valid);
        }
        Model.InvalidateInference();
        if (directory is not null) Save(directory);
        return State;
    }

    private int[] Order(int epoch, int count)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(unchecked(Config.Seed * 7919 + epoch)).Shuffle(order);
        return order;
    }

    private Dictionary<string, Tensor> Snapshot(Dictionary<string, Tensor>? previous)
    {
        if (previous is not null) foreach (var x in previous.Values) x.Dispose();
        using var _ = no_grad();
        return Model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone().DetachFromDisposeScope());
    }

    /// <summary>Reconstruction, KL and teacher-forced token accuracy from the mean latent, averaged over the windows.</summary>
    public VaeMetrics Evaluate(IReadOnlyList<int[]> windows) => Measure(Model, windows, Config.BatchSize);

    /// <summary>Reconstruction, KL and teacher-forced token accuracy of <paramref name="model"/> from the mean latent.</summary>
    public static VaeMetrics Measure(MelodyVae model, IReadOnlyList<int[]> windows, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(windows);
        bool was = model.training;
        model.eval();
        try
        {
            double recon = 0, kl = 0;
            long correct = 0, tokens = 0;
            for (int i = 0; i < windows.Count; i += batchSize)
            {
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                var part = windows.Skip(i).Take(batchSize).ToList();
                var loss = model.Loss(model.TokenTensor(part), 0, sample: false);
                recon += loss.Reconstruction * part.Count;
                kl += loss.Kl * part.Count;
                correct += loss.Correct;
                tokens += loss.Tokens;
            }
            int n = Math.Max(1, windows.Count);
            return new VaeMetrics(recon / n, kl / n, tokens == 0 ? 0 : (double)correct / tokens, windows.Count);
        }
        finally
        {
            model.train(was);
        }
    }

    /// <summary>Writes the checkpoint folder atomically (config, weights, training log).</summary>
    public void Save(string directory)
    {
        var metrics = new JsonObject
        {
            ["step"] = State.Step,
            ["trainLoss"] = State.TrainLoss,
            ["validationLoss"] = State.ValidationLoss,
            ["bestValidationLoss"] = State.BestValidationLoss,
            ["bestStep"] = State.BestStep,
        };
        if (Validation is { } v)
        {
            metrics["validationReconstructionNats"] = v.Reconstruction;
            metrics["validationKlNats"] = v.Kl;
            metrics["validationTokenAccuracy"] = v.TokenAccuracy;
            metrics["validationWindows"] = v.Windows;
        }
        foreach (var (k, x) in ExtraMetrics) metrics[k] = x?.DeepClone();
        var config = Checkpoint.ConfigJson(Model.Config, Tokenizer, Conditioning, Model.VocabularySize, GridTokenizer.PadId, Config.Seed, Config, State, metrics);
        Checkpoint.WriteAtomically(directory, dir =>
        {
            File.WriteAllText(Path.Combine(dir, Checkpoint.ConfigFile), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            Model.save(Path.Combine(dir, Checkpoint.WeightsFile));
            File.WriteAllLines(Path.Combine(dir, Checkpoint.LogFile), _log);
        });
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _optimizer.Dispose();
        if (_best is not null) foreach (var x in _best.Values) x.Dispose();
    }
}

/// <summary>A trained VAE with what its checkpoint says.</summary>
/// <param name="Model">The VAE with its weights.</param>
/// <param name="Info">The checkpoint's <c>config.json</c>.</param>
/// <param name="Tokenizer">Its grid tokenizer.</param>
public sealed record LoadedVae(MelodyVae Model, CheckpointInfo Info, GridTokenizer Tokenizer) : IDisposable
{
    /// <summary>The configuration.</summary>
    public VaeConfig Config => Model.Config;

    /// <summary>Loads a VAE checkpoint folder.</summary>
    /// <exception cref="ModelKindException">The folder holds an autoregressive model.</exception>
    /// <exception cref="IncompatibleFormatException">Another format version, or weights that do not fit the configuration.</exception>
    public static LoadedVae Load(string directory)
    {
        var info = Checkpoint.ReadInfo(directory);
        if (info.Model is not VaeConfig config) throw new ModelKindException(directory, info.Architecture, "a VAE (architecture vae, e.g. models/vae)");
        if (info.Tokenizer is not GridTokenizerConfig grid) throw new IncompatibleFormatException("tokenizer", "grid", info.Tokenizer.GetType().Name);
        var tokenizer = new GridTokenizer(grid);
        torch.manual_seed(info.Seed);
        var model = new MelodyVae(config, info.VocabularySize, tokenizer.Bos);
        try
        {
            model.load(Path.Combine(directory, Checkpoint.WeightsFile));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            model.Dispose();
            throw new IncompatibleFormatException("weights", $"weights of vae {config.ToJson()}", e.Message);
        }
        model.eval();
        return new LoadedVae(model, info, tokenizer);
    }

    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();
}

/// <summary>
/// A model folder holds the wrong kind of model for the operation: a VAE where an autoregressive model is needed
/// (generation, evaluation, infilling, tuning) or an autoregressive model where a VAE is needed (interpolate, similar).
/// </summary>
public sealed class ModelKindException(string directory, string architecture, string needed)
    : Exception(architecture == "vae" ? $"{directory} holds a VAE; this needs {needed}" : $"{directory} holds an autoregressive model ({architecture}); this needs {needed}")
{
    /// <summary>The model folder.</summary>
    public string Directory { get; } = directory;

    /// <summary>What it holds.</summary>
    public string Architecture { get; } = architecture;

    /// <summary>What the operation needs.</summary>
    public string Needed { get; } = needed;
}
