using System.Diagnostics;
using Melos.Data.Polyphonic;
using TorchSharp;
using static TorchSharp.torch;

namespace Melos.Models.Polyphonic;

/// <summary>One epoch's figures.</summary>
/// <param name="Epoch">The epoch (1-based).</param>
/// <param name="TrainNll">Mean training NLL per frame over the epoch (with dropout on).</param>
/// <param name="ValidNll">Validation NLL per frame by the benchmark's protocol.</param>
/// <param name="Best">Whether this epoch is the best so far.</param>
/// <param name="Elapsed">Time since training started.</param>
public sealed record FrameEpoch(int Epoch, double TrainNll, double ValidNll, bool Best, TimeSpan Elapsed);

/// <summary>What training produced.</summary>
/// <param name="Epochs">Epochs run.</param>
/// <param name="BestEpoch">The epoch whose weights were kept.</param>
/// <param name="ValidNll">The kept model's validation NLL per frame.</param>
/// <param name="TestNll">The kept model's test NLL per frame.</param>
/// <param name="Parameters">Trainable parameters.</param>
/// <param name="TrainSeconds">Wall-clock training time, validation included, test excluded.</param>
/// <param name="StopReason">Why training stopped: max-epochs, early-stopping, time-limit or cancelled.</param>
/// <param name="History">Every epoch.</param>
public sealed record FrameTrainingResult(int Epochs, int BestEpoch, double ValidNll, double TestNll, long Parameters, double TrainSeconds, string StopReason, IReadOnlyList<FrameEpoch> History);

/// <summary>
/// Trains a <see cref="FrameModel"/> by the benchmark's protocol: AdamW on windows of the training sequences, validation
/// NLL per frame after every epoch, the best-validation weights kept and scored on test.
/// </summary>
public sealed class FrameTrainer
{
    private readonly FrameModelConfig _config;

    /// <summary>Creates a trainer.</summary>
    public FrameTrainer(FrameModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        _config = config;
    }

    /// <summary>Called after every epoch.</summary>
    public Action<FrameEpoch>? EpochDone { get; set; }

    /// <summary>Called after every batch with (batch, batches in the epoch, epoch).</summary>
    public Action<int, int, int>? BatchDone { get; set; }

    /// <summary>Trains on <paramref name="set"/>'s training split, selects on valid, scores test.</summary>
    /// <param name="set">The data.</param>
    /// <param name="maxTime">Stop starting new epochs after this long (null: no limit).</param>
    /// <param name="cancellation">Stops after the current batch; the best weights so far are scored.</param>
    public FrameTrainingResult Train(PianoRollSet set, TimeSpan? maxTime = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        var device = TorchRuntime.DefaultDevice;
        torch.manual_seed(_config.Seed);
        using var model = FrameModel.Create(_config);
        model.to(device);
        long parameters = model.parameters().Sum(p => p.numel());
        using var optimizer = optim.AdamW(model.parameters(), lr: _config.LearningRate, weight_decay: _config.WeightDecay);
        var windows = Windows(set.Train, _config.Window);
        if (windows.Count == 0) throw new ArgumentException("The training split has no sequence of two frames or more.", nameof(set));
        var history = new List<FrameEpoch>();
        Dictionary<string, Tensor>? best = null;
        double bestValid = double.PositiveInfinity;
        int bestEpoch = 0, since = 0;
        string reason = "max-epochs";
        var clock = Stopwatch.StartNew();
        try
        {
            for (int epoch = 1; epoch <= _config.MaxEpochs; epoch++)
            {
                if (maxTime is { } limit && clock.Elapsed >= limit) { reason = "time-limit"; break; }
                var order = Enumerable.Range(0, windows.Count).ToArray();
                new Random(unchecked(_config.Seed * 7919 + epoch)).Shuffle(order);
                model.train();
                double sum = 0;
                long frames = 0;
                int batches = (order.Length + _config.BatchSize - 1) / _config.BatchSize;
                bool cancelled = false;
                for (int b = 0; b < batches; b++)
                {
                    if (cancellation.IsCancellationRequested) { cancelled = true; break; }
                    using var scope = NewDisposeScope();
                    torch.manual_seed(unchecked(_config.Seed * 1_000_003L + epoch * 100_003L + b));
                    var chunk = order.Skip(b * _config.BatchSize).Take(_config.BatchSize).Select(i => windows[i]).ToList();
                    var (input, target, mask, count) = Batch(chunk, device);
                    var logits = model.call(input, target);
                    var nll = nn.functional.binary_cross_entropy_with_logits(logits, target, reduction: nn.Reduction.None).sum(-1) * mask;
                    var total = nll.sum();
                    var loss = total / count;
                    optimizer.zero_grad();
                    loss.backward();
                    nn.utils.clip_grad_norm_(model.parameters(), _config.ClipNorm);
                    optimizer.step();
                    sum += total.item<float>();
                    frames += count;
                    BatchDone?.Invoke(b + 1, batches, epoch);
                }
                if (cancelled) { reason = "cancelled"; break; }
                double valid = Score(model, set.Valid, device).NllPerFrame;
                bool improved = valid < bestValid;
                if (improved)
                {
                    bestValid = valid;
                    bestEpoch = epoch;
                    since = 0;
                    if (best is not null) foreach (var t in best.Values) t.Dispose();
                    best = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
                }
                else since++;
                var record = new FrameEpoch(epoch, sum / Math.Max(frames, 1), valid, improved, clock.Elapsed);
                history.Add(record);
                EpochDone?.Invoke(record);
                if (since >= _config.Patience) { reason = "early-stopping"; break; }
            }
            double seconds = clock.Elapsed.TotalSeconds;
            if (best is null) throw new InvalidOperationException("Training stopped before the first validation; nothing to score.");
            model.load_state_dict(best);
            double test = Score(model, set.Test, device).NllPerFrame;
            return new FrameTrainingResult(history.Count, bestEpoch, bestValid, test, parameters, seconds, reason, history);
        }
        finally
        {
            if (best is not null) foreach (var t in best.Values) t.Dispose();
        }
    }

    /// <summary>
    /// The benchmark's NLL of <paramref name="sequences"/> under <paramref name="model"/>: every frame after each sequence's
    /// first, given all earlier frames (or, for a model with a finite <see cref="FrameModel.Context"/>, as many earlier
    /// frames as it sees: sequences are scored in overlapping windows so every frame is scored once with at least half
    /// that context, except near the start).
    /// </summary>
    public static FrameScore Score(FrameModel model, IReadOnlyList<PianoRollSequence> sequences, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sequences);
        device ??= TorchRuntime.DefaultDevice;
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            var pieces = new List<(PianoRollSequence Sequence, int Start, int Length, int ScoreFrom)>();
            foreach (var s in sequences.Where(s => s.FrameCount >= 2))
            {
                if (model.Context is not { } context || s.FrameCount <= context)
                {
                    pieces.Add((s, 0, s.FrameCount, 1));
                    continue;
                }
                int stride = context / 2;
                pieces.Add((s, 0, context, 1));
                for (int end = context + stride; ; end += stride)
                {
                    int e = Math.Min(end, s.FrameCount);
                    pieces.Add((s, e - context, context, context - (e - (end - stride))));
                    if (e == s.FrameCount) break;
                }
            }
            var score = FrameScore.Empty;
            foreach (var group in pieces.OrderBy(p => p.Length).Chunk(16))
            {
                using var scope = NewDisposeScope();
                var windows = group.Select(p => new Window(p.Sequence, p.Start, p.Length)).ToList();
                var (input, target, mask, _) = Batch(windows, device);
                // Mask out frames already scored by an earlier window (ScoreFrom counts frames of the window, 1 = its second frame).
                var keep = new float[group.Length * (int)mask.shape[1]];
                for (int b = 0; b < group.Length; b++)
                    for (int t = group[b].ScoreFrom - 1; t < group[b].Length - 1; t++) keep[b * mask.shape[1] + t] = 1;
                var scored = tensor(keep, [group.Length, mask.shape[1]], float32, device);
                var nll = nn.functional.binary_cross_entropy_with_logits(model.call(input, target), target, reduction: nn.Reduction.None).sum(-1) * scored;
                score += new FrameScore((long)scored.sum().item<float>(), nll.to(float64).sum().item<double>());
            }
            return score;
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>A slice of a sequence: frames Start .. Start+Length-1.</summary>
    private sealed record Window(PianoRollSequence Sequence, int Start, int Length);

    private static List<Window> Windows(IReadOnlyList<PianoRollSequence> sequences, int size)
    {
        var result = new List<Window>();
        foreach (var s in sequences)
            for (int start = 0; start + 1 < s.FrameCount; start += size)
                result.Add(new Window(s, start, Math.Min(size + 1, s.FrameCount - start)));
        return result;
    }

    /// <summary>Inputs (frames 0..L-2), targets (1..L-1) and a mask of real positions, padded to the longest window.</summary>
    private static (Tensor Input, Tensor Target, Tensor Mask, long Count) Batch(IReadOnlyList<Window> windows, Device device)
    {
        int t = windows.Max(w => w.Length) - 1;
        int n = windows.Count;
        const int k = FrameModel.Keys;
        var input = new float[n * t * k];
        var target = new float[n * t * k];
        var mask = new float[n * t];
        long count = 0;
        for (int b = 0; b < n; b++)
        {
            var w = windows[b];
            var keys = w.Sequence.Keys;
            for (int f = 0; f < w.Length - 1; f++)
            {
                int src = (w.Start + f) * k, dst = (b * t + f) * k;
                for (int i = 0; i < k; i++)
                {
                    input[dst + i] = keys[src + i];
                    target[dst + i] = keys[src + k + i];
                }
                mask[b * t + f] = 1;
                count++;
            }
        }
        return (tensor(input, [n, t, k], float32, device), tensor(target, [n, t, k], float32, device), tensor(mask, [n, t], float32, device), count);
    }
}
