using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Melos.Data.Tokenizers;
using Melos.Models;
using Melos.Models.Training;
using TorchSharp;

namespace Melos.Bench;

/// <summary>
/// Training throughput (tokens/s) of a 2x512 LSTM and a 4-layer, 256-wide Transformer at batch 64 x length 256, and that
/// rate as a share of this machine's measured libtorch matrix-multiply peak, with FLOPs counted from the model shapes
/// (training = 3x the forward multiply-adds). Also the peak memory of the process while training, and of loading a
/// checkpoint in a fresh process (`train-throughput load DIR`).
/// </summary>
public sealed class TrainThroughputBench : IBenchmark
{
    public string Name => "train-throughput";

    public string Description => "tokens/s of a 2x512 LSTM and a 4x256 Transformer (batch 64, length 256) vs the GEMM peak; peak memory";

    public int Run(string[] args)
    {
        var ci = CultureInfo.InvariantCulture;
        if (args.Length == 2 && args[0] == "load")
        {
            var sw = Stopwatch.StartNew();
            using var model = Checkpoint.LoadModel(args[1]);
            Console.WriteLine(string.Create(ci, $"loaded {args[1]} in {sw.Elapsed.TotalSeconds:0.00} s; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:0} MB"));
            return 0;
        }
        string which = args.Length > 0 ? args[0] : "all";
        int steps = args.Length > 1 ? int.Parse(args[1], ci) : 12;
        if (args.Length > 2) torch.set_num_threads(int.Parse(args[2], ci));
        var peaks = GemmPeak();
        var (peak, peakCpu) = peaks;
        Console.WriteLine(string.Create(ci, $"libtorch GEMM peak (2048x2048 float32, {torch.get_num_threads()} threads): {peak / 1e9:0.0} GFLOP/s wall-clock; {peakCpu / 1e9:0.0} GFLOP per CPU-second"));
        Console.WriteLine("| model | parameters | tokens/s | GFLOP/s achieved | share of GEMM peak | GFLOP per CPU-second | share of the CPU-time peak |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        if (which is "all" or "lstm")
            Measure("LSTM 2x512", new LstmConfig { Layers = 2, Hidden = 512, EmbeddingSize = 128, Dropout = 0.0 }, steps, peaks,
                (vocab) => LstmForwardFlopsPerToken(128, 512, 2, vocab));
        if (which is "all" or "transformer")
            Measure("Transformer 4x256", new TransformerConfig { Layers = 4, Width = 256, Heads = 8, FeedForward = 1024, Dropout = 0.0, MaxRelativeDistance = 256 }, steps, peaks,
                (vocab) => TransformerForwardFlopsPerToken(256, 1024, 4, 256, vocab));
        Console.WriteLine(string.Create(ci, $"peak working set of this process: {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:0} MB"));
        return 0;
    }

    /// <summary>
    /// The best of five 2048x2048 products, by wall-clock time and by the process's CPU time (the second is robust to
    /// other jobs sharing the cores when torch runs one thread).
    /// </summary>
    private static (double Wall, double Cpu) GemmPeak()
    {
        const int n = 2048;
        using var a = torch.randn(n, n);
        using var b = torch.randn(n, n);
        using (torch.mm(a, b)) { }
        double best = 0, bestCpu = 0;
        var process = Process.GetCurrentProcess();
        for (int i = 0; i < 5; i++)
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            using (torch.mm(a, b)) { }
            double wall = sw.Elapsed.TotalSeconds;
            process.Refresh();
            double used = (process.TotalProcessorTime - cpu).TotalSeconds;
            best = Math.Max(best, 2.0 * n * n * n / wall);
            if (used > 0) bestCpu = Math.Max(bestCpu, 2.0 * n * n * n / used);
        }
        return (best, bestCpu);
    }

    // Multiply-adds counted as 2 FLOPs. LSTM: 4 gates of (input + hidden) x hidden per layer, plus the output head.
    private static double LstmForwardFlopsPerToken(int embedding, int hidden, int layers, int vocab)
    {
        double f = 2.0 * 4 * (embedding + hidden) * hidden;
        f += (layers - 1) * 2.0 * 4 * (hidden + hidden) * hidden;
        return f + 2.0 * hidden * vocab;
    }

    // Transformer: Q, K, V, O projections (4 d^2), feed-forward (2 d ff), attention scores and values over the window (2 L d),
    // relative-position logits (L d), per layer; plus the output head.
    private static double TransformerForwardFlopsPerToken(int d, int ff, int layers, int length, int vocab)
    {
        double perLayer = 2.0 * 4 * d * d + 2.0 * 2 * d * ff + 2.0 * 2 * length * d + 2.0 * length * d;
        return layers * perLayer + 2.0 * d * vocab;
    }

    private static void Measure(string name, ModelConfig config, int steps, (double Wall, double Cpu) peak, Func<int, double> forwardFlopsPerToken)
    {
        var ci = CultureInfo.InvariantCulture;
        var tokenizer = new GridTokenizer(new GridTokenizerConfig());
        var vocabulary = new ConditioningVocabulary();
        var random = new Random(1);
        const int batch = 64, length = 256;
        // Random token streams of exactly one window each, so every step sees batch x length predicted tokens.
        var sequences = Enumerable.Range(0, batch * (steps + 2)).Select(_ =>
        {
            var tokens = Enumerable.Range(0, length + 1).Select(_ => random.Next(3, tokenizer.VocabularySize)).ToImmutableArray();
            var cond = tokens.Select((_, i) => new ConditionStep(0, i % 48, 1, 1, 0)).ToImmutableArray();
            return new EncodedSequence(tokens, cond, length / 4, "");
        }).ToList();
        using var model = ModelFactory.Create(config, tokenizer, vocabulary, seed: 1);
        long parameters = model.parameters().Sum(p => p.numel());
        var training = new TrainingConfig { BatchSize = batch, MaxSequenceLength = length, MaxSteps = steps + 2, WarmupSteps = 1, EvaluateEvery = 1000, CheckpointEvery = 1000, Patience = 0, LogEvery = 1 };
        using var trainer = new Trainer(model, training, tokenizer.Config, vocabulary);
        var times = new List<double>();
        var cpuTimes = new List<double>();
        var process = Process.GetCurrentProcess();
        var last = Stopwatch.StartNew();
        var lastCpu = process.TotalProcessorTime;
        trainer.Progress = p =>
        {
            times.Add(last.Elapsed.TotalSeconds);
            process.Refresh();
            cpuTimes.Add((process.TotalProcessorTime - lastCpu).TotalSeconds);
            lastCpu = process.TotalProcessorTime;
            last.Restart();
        };
        trainer.Train(sequences, null, null);
        // Skip the first two steps (allocation and warm-up); median of the rest.
        var steady = times.Skip(2).Order().ToList();
        double seconds = steady[steady.Count / 2];
        double cpuSeconds = cpuTimes.Skip(2).Order().ToList() is var c && c.Count > 0 ? c[c.Count / 2] : double.NaN;
        double tokensPerSecond = batch * length / seconds;
        double flopsPerStep = 3 * forwardFlopsPerToken(tokenizer.VocabularySize) * batch * length;
        double flops = flopsPerStep / seconds, flopsCpu = flopsPerStep / cpuSeconds;
        Console.WriteLine(string.Create(ci, $"| {name} | {parameters:N0} | {tokensPerSecond:0} | {flops / 1e9:0.0} | {flops / peak.Wall:P0} | {flopsCpu / 1e9:0.0} | {flopsCpu / peak.Cpu:P0} |"));
    }
}
