using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Melos.Data.Tokenizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Melos.Models.Training;

/// <summary>
/// Trains a <see cref="TorchSequenceModel"/> with AdamW, linear warmup then cosine decay, gradient clipping and early
/// stopping on validation loss, writing checkpoints that <see cref="Resume"/> continues with identical state.
/// </summary>
/// <remarks>
/// Determinism: the initial weights come from <see cref="ModelFactory.Create(ModelConfig, int, int, ConditioningVocabulary, int)"/>
/// with the seed; epoch <c>e</c> visits the training windows in the order of a shuffle seeded by (seed, e); before step
/// <c>s</c> torch is seeded from (seed, s), so dropout masks depend on nothing else. A checkpoint holds the weights, the
/// AdamW state and the counters (step, epoch, batch in epoch), which is all a resumed run needs to continue exactly.
/// </remarks>
public sealed class Trainer : IDisposable
{
    private readonly AdamW _optimizer;
    private readonly List<string> _log = [];
    private Dictionary<string, Tensor>? _best; // copies of the parameters at the best validation loss

    /// <summary>Creates a trainer for a fresh model.</summary>
    /// <exception cref="InvalidConfigurationException">A training field is impossible; the message names it.</exception>
    public Trainer(TorchSequenceModel model, TrainingConfig config, TokenizerConfig tokenizer, ConditioningVocabulary conditioning)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(conditioning);
        config.Validate();
        Model = model;
        Config = config;
        Tokenizer = tokenizer;
        Conditioning = conditioning;
        _optimizer = optim.AdamW(model.parameters(), lr: config.LearningRate, weight_decay: config.WeightDecay);
    }

    /// <summary>The model being trained.</summary>
    public TorchSequenceModel Model { get; }

    /// <summary>The training configuration.</summary>
    public TrainingConfig Config { get; }

    /// <summary>The tokenizer configuration saved with checkpoints.</summary>
    public TokenizerConfig Tokenizer { get; }

    /// <summary>The conditioning vocabulary saved with checkpoints.</summary>
    public ConditioningVocabulary Conditioning { get; }

    /// <summary>Where training is.</summary>
    public TrainingState State { get; private set; } = new();

    /// <summary>Called every <see cref="TrainingConfig.LogEvery"/> steps and after each validation.</summary>
    public Action<TrainingProgress>? Progress { get; set; }

    /// <summary>The training log lines so far (JSON objects), as written to <c>training-log.jsonl</c>.</summary>
    public IReadOnlyList<string> Log => _log;

    /// <summary>Cuts sequences into windows of at most <see cref="TrainingConfig.MaxSequenceLength"/> + 1 tokens (one shared between windows).</summary>
    public IReadOnlyList<EncodedSequence> Windows(IReadOnlyList<EncodedSequence> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        int size = Config.MaxSequenceLength + 1;
        var windows = new List<EncodedSequence>();
        foreach (var s in sequences)
        {
            for (int start = 0; start + 1 < s.Tokens.Length; start += size - 1)
            {
                int count = Math.Min(size, s.Tokens.Length - start);
                if (count < 2) break;
                windows.Add(s with { Tokens = s.Tokens.Slice(start, count), Conditioning = s.Conditioning.Slice(start, count) });
            }
        }
        return windows;
    }

    /// <summary>The order of the windows in <paramref name="epoch"/>: a seeded shuffle, bucketed by length when configured.</summary>
    private int[] Order(int epoch, IReadOnlyList<EncodedSequence> windows) =>
        EpochOrder(Config, epoch, [.. windows.Select(w => w.Tokens.Length)]);

    /// <summary>
    /// The order in which an epoch visits windows of these lengths: a shuffle seeded by (seed, epoch); with
    /// <see cref="TrainingConfig.BucketByLength"/>, each chunk of 16 batches of that shuffle is sorted by length and cut
    /// into batches, and the batches are shuffled (seeded too), the one short batch, if any, last.
    /// </summary>
    public static int[] EpochOrder(TrainingConfig config, int epoch, IReadOnlyList<int> windowLengths)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(windowLengths);
        var order = Enumerable.Range(0, windowLengths.Count).ToArray();
        new Random(unchecked(config.Seed * 7919 + epoch)).Shuffle(order);
        if (!config.BucketByLength) return order;
        int chunk = config.BatchSize * 16;
        var batches = new List<int[]>();
        for (int start = 0; start < order.Length; start += chunk)
        {
            var part = order.Skip(start).Take(chunk).OrderBy(i => windowLengths[i]).ThenBy(i => i).ToArray();
            for (int b = 0; b < part.Length; b += config.BatchSize) batches.Add(part.Skip(b).Take(config.BatchSize).ToArray());
        }
        var shuffled = batches.ToArray();
        new Random(unchecked(config.Seed * 104729 + epoch)).Shuffle(shuffled);
        return [.. shuffled.Where(b => b.Length == config.BatchSize).SelectMany(b => b), .. shuffled.Where(b => b.Length != config.BatchSize).SelectMany(b => b)];
    }

    /// <summary>
    /// Trains until <see cref="TrainingConfig.MaxSteps"/>, early stopping, <paramref name="stopAtStep"/> or cancellation,
    /// writing checkpoints to <paramref name="checkpointDirectory"/> when given (every
    /// <see cref="TrainingConfig.CheckpointEvery"/> steps and when it stops).
    /// </summary>
    /// <param name="train">Training sequences.</param>
    /// <param name="valid">Validation sequences for early stopping, or null.</param>
    /// <param name="checkpointDirectory">The checkpoint folder, or null for none.</param>
    /// <param name="stopAtStep">Stop once this many steps are taken, part-way through the schedule (stop reason
    /// "stop-at-step"; not finished, so the checkpoint resumes).</param>
    /// <param name="cancellation">Stops after the current step; a checkpoint is written.</param>
    /// <returns>The state when it stopped.</returns>
    public TrainingState Train(IReadOnlyList<EncodedSequence> train, IReadOnlyList<EncodedSequence>? valid = null, string? checkpointDirectory = null,
        int? stopAtStep = null, CancellationToken cancellation = default)
    {
        var windows = Windows(train);
        if (windows.Count == 0) throw new ArgumentException("No training sequence has two tokens or more.", nameof(train));
        var validWindows = valid is null ? null : Windows(valid);
        int batchesPerEpoch = (windows.Count + Config.BatchSize - 1) / Config.BatchSize;
        var clock = Stopwatch.StartNew();
        long runTokens = 0;
        int runSteps = 0;
        double lossSum = 0;
        long lossTokens = 0;
        int[] order = Order(State.Epoch, windows);
        int orderEpoch = State.Epoch;
        while (!State.Finished)
        {
            if (State.Step >= Config.MaxSteps)
            {
                State = State with { StopReason = "max-steps" };
                break;
            }
            if ((stopAtStep is { } stop && State.Step >= stop) || cancellation.IsCancellationRequested)
            {
                State = State with { StopReason = cancellation.IsCancellationRequested ? "cancelled" : "stop-at-step" };
                break;
            }
            if (orderEpoch != State.Epoch)
            {
                order = Order(State.Epoch, windows);
                orderEpoch = State.Epoch;
            }
            var indices = order.Skip(State.BatchInEpoch * Config.BatchSize).Take(Config.BatchSize).Select(i => windows[i]).ToList();
            var batch = TokenBatch.Create(indices, Model.Pad);
            double lr = Config.LearningRateAt(State.Step);
            double loss = TrainStep(batch, lr);
            int tokens = batch.TargetCount;
            runTokens += tokens;
            runSteps++;
            lossSum += loss * tokens;
            lossTokens += tokens;
            int next = State.BatchInEpoch + 1;
            State = State with
            {
                Step = State.Step + 1,
                Tokens = State.Tokens + tokens,
                Epoch = next >= batchesPerEpoch ? State.Epoch + 1 : State.Epoch,
                BatchInEpoch = next >= batchesPerEpoch ? 0 : next,
            };
            bool last = State.Step >= Config.MaxSteps;
            double? validLoss = null;
            if (validWindows is { Count: > 0 } && (State.Step % Config.EvaluateEvery == 0 || last))
            {
                validLoss = ValidationLoss(validWindows);
                bool better = State.BestValidationLoss is not { } best || validLoss < best - 1e-9;
                if (better) _best = Snapshot(_best);
                State = State with
                {
                    ValidationLoss = validLoss,
                    BestValidationLoss = better ? validLoss : State.BestValidationLoss,
                    BestStep = better ? State.Step : State.BestStep,
                    ValidationsWithoutImprovement = better ? 0 : State.ValidationsWithoutImprovement + 1,
                };
                if (Config.Patience > 0 && State.ValidationsWithoutImprovement >= Config.Patience)
                    State = State with { StopReason = "early-stopping" };
            }
            if (State.Step % Config.LogEvery == 0 || validLoss is not null || last || State.Finished)
            {
                double meanLoss = lossTokens == 0 ? double.NaN : lossSum / lossTokens;
                State = State with { TrainLoss = meanLoss };
                var elapsed = clock.Elapsed;
                double tps = runTokens / Math.Max(elapsed.TotalSeconds, 1e-9);
                var eta = TimeSpan.FromSeconds(elapsed.TotalSeconds / runSteps * Math.Max(0, Config.MaxSteps - State.Step));
                var line = new JsonObject
                {
                    ["step"] = State.Step,
                    ["epoch"] = State.Epoch,
                    ["loss"] = meanLoss,
                    ["learningRate"] = lr,
                    ["tokens"] = State.Tokens,
                    ["tokensPerSecond"] = tps,
                };
                if (validLoss is { } vl) line["validationLoss"] = vl;
                _log.Add(line.ToJsonString());
                Progress?.Invoke(new TrainingProgress(State.Step, Config.MaxSteps, State.Epoch, meanLoss, lr, tps, elapsed, eta, validLoss));
                lossSum = 0;
                lossTokens = 0;
            }
            if (checkpointDirectory is not null && State.Step % Config.CheckpointEvery == 0 && !State.Finished && !last)
                SaveCheckpoint(checkpointDirectory);
        }
        if (State.Finished && !State.RestoredBestWeights && _best is not null && State.BestValidationLoss < State.ValidationLoss)
        {
            // Early stopping keeps the best model: the finished run ends with the weights of its best validation.
            CopyIntoModel(_best);
            State = State with { RestoredBestWeights = true };
        }
        if (checkpointDirectory is not null) SaveCheckpoint(checkpointDirectory);
        return State;
    }

    /// <summary>Copies of the model's parameters (replacing and disposing <paramref name="previous"/>).</summary>
    private Dictionary<string, Tensor> Snapshot(Dictionary<string, Tensor>? previous)
    {
        if (previous is not null) foreach (var t in previous.Values) t.Dispose();
        using var _ = no_grad();
        return Model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone().DetachFromDisposeScope());
    }

    private void CopyIntoModel(Dictionary<string, Tensor> values)
    {
        using var _ = no_grad();
        foreach (var (name, parameter) in Model.named_parameters()) parameter.copy_(values[name]);
    }

    private double TrainStep(TokenBatch batch, double lr)
    {
        // Dropout masks depend only on the seed and the step, so a resumed run draws the same ones.
        torch.manual_seed(unchecked(Config.Seed * 1_000_003L + State.Step + 1));
        Model.train();
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = lr;
        using var scope = NewDisposeScope();
        _optimizer.zero_grad();
        var logits = Model.Logits(batch);
        var targets = tensor(batch.Targets, [batch.BatchSize * batch.Length], int64, Model.Device);
        var loss = nn.functional.cross_entropy(logits.reshape(-1, Model.VocabularySize), targets, ignore_index: TokenBatch.IgnoreTarget);
        loss.backward();
        if (Config.GradientClip > 0) nn.utils.clip_grad_norm_(Model.parameters(), Config.GradientClip);
        _optimizer.step();
        return loss.item<float>();
    }

    /// <summary>Mean negative log-likelihood per token (nats) over the windows of <paramref name="sequences"/>, without dropout.</summary>
    public double ValidationLoss(IReadOnlyList<EncodedSequence> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        bool wasTraining = Model.training;
        Model.eval();
        try
        {
            double total = 0;
            long count = 0;
            for (int i = 0; i < sequences.Count; i += Config.BatchSize)
            {
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                var batch = TokenBatch.Create([.. sequences.Skip(i).Take(Config.BatchSize)], Model.Pad);
                var logits = Model.Logits(batch);
                var targets = tensor(batch.Targets, [batch.BatchSize * batch.Length], int64, Model.Device);
                total += nn.functional.cross_entropy(logits.reshape(-1, Model.VocabularySize), targets, ignore_index: TokenBatch.IgnoreTarget,
                    reduction: nn.Reduction.Sum).to(float64).item<double>();
                count += batch.TargetCount;
            }
            return count == 0 ? double.NaN : total / count;
        }
        finally
        {
            Model.train(wasTraining);
        }
    }

    /// <summary>Writes a checkpoint folder atomically: config, weights, optimizer state and training log.</summary>
    public void SaveCheckpoint(string directory)
    {
        var metrics = new JsonObject
        {
            ["step"] = State.Step,
            ["tokens"] = State.Tokens,
            ["trainLoss"] = State.TrainLoss,
            ["validationLoss"] = State.ValidationLoss,
            ["bestValidationLoss"] = State.BestValidationLoss,
            ["bestStep"] = State.BestStep,
        };
        var config = Checkpoint.ConfigJson(Model.Config, Tokenizer, Conditioning, Model.VocabularySize, Model.Pad, Config.Seed, Config, State, metrics);
        Checkpoint.WriteAtomically(directory, dir =>
        {
            File.WriteAllText(Path.Combine(dir, Checkpoint.ConfigFile), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            Model.save(Path.Combine(dir, Checkpoint.WeightsFile));
            if (_best is not null)
            {
                var current = Snapshot(null);
                CopyIntoModel(_best);
                Model.save(Path.Combine(dir, Checkpoint.BestWeightsFile));
                CopyIntoModel(current);
                foreach (var t in current.Values) t.Dispose();
            }
            _optimizer.save_state_dict(Path.Combine(dir, Checkpoint.OptimizerFile));
            File.WriteAllLines(Path.Combine(dir, Checkpoint.LogFile), _log);
        });
    }

    /// <summary>Rebuilds the model, optimizer and counters from a checkpoint so training continues exactly where it stopped.</summary>
    /// <param name="directory">The checkpoint folder.</param>
    /// <param name="expectedArchitecture">When given, the architecture the caller needs.</param>
    /// <exception cref="IncompatibleFormatException">Another format version or architecture, or an n-gram checkpoint.</exception>
    public static Trainer Resume(string directory, string? expectedArchitecture = null)
    {
        var info = Checkpoint.ReadInfo(directory, expectedArchitecture);
        if (info.Training is null || info.State is null) throw new IncompatibleFormatException("training", "a torch checkpoint with training state", info.Architecture);
        var model = Checkpoint.LoadTorchModel(directory, info);
        Dictionary<string, Tensor>? best = null;
        var bestPath = Path.Combine(directory, Checkpoint.BestWeightsFile);
        if (File.Exists(bestPath))
        {
            model.load(bestPath);
            using (no_grad()) best = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone().DetachFromDisposeScope());
            model.load(Path.Combine(directory, Checkpoint.WeightsFile));
        }
        var trainer = new Trainer(model, info.Training, info.Tokenizer, info.Conditioning)
        {
            State = info.State with { StopReason = info.State.Finished ? info.State.StopReason : null },
            _best = best,
        };
        trainer._optimizer.load_state_dict(Path.Combine(directory, Checkpoint.OptimizerFile));
        var log = Path.Combine(directory, Checkpoint.LogFile);
        if (File.Exists(log)) trainer._log.AddRange(File.ReadAllLines(log).Where(l => l.Length > 0));
        return trainer;
    }

    /// <summary>Releases the optimizer and the best-weights copies (the model belongs to the caller).</summary>
    public void Dispose()
    {
        _optimizer.Dispose();
        if (_best is not null) foreach (var t in _best.Values) t.Dispose();
    }
}
