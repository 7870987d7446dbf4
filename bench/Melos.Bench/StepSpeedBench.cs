using System.Diagnostics;
using System.Globalization;
using Melos.Data.Tokenizers;
using Melos.Models;
using Melos.Models.Training;
using TorchSharp;

namespace Melos.Bench;

/// <summary>
/// Generation speed of the models: steps/s of the LSTM (the shipped model and a random 2x512), of a random 4x256
/// Transformer with its key/value cache and without it (the full forward pass over the whole prefix every step) at
/// several context lengths, and batched stepping throughput at batch 1, 8 and 32.
/// </summary>
public sealed class StepSpeedBench : IBenchmark
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    public string Name => "step-speed";

    public string Description => "[all|lstm|transformer|batch] [torch threads]: steps/s of the LSTM and the Transformer (with/without KV cache, by length), batched throughput";

    public int Run(string[] args)
    {
        string which = args.Length > 0 ? args[0] : "all";
        if (args.Length > 1) torch.set_num_threads(int.Parse(args[1], Ci));
        Console.WriteLine($"torch threads: {torch.get_num_threads()}; wall-clock medians (and the process CPU time they took) while other jobs may share the cores");
        var dir = Path.Combine(GenerateBench.FindRepoRoot(), "models", "default");
        var info = Checkpoint.ReadInfo(dir);
        var vocabulary = info.Conditioning;
        var cond = new ConditionStep(1, 0, 1, 1, 0);
        if (which is "all" or "lstm")
        {
            Console.WriteLine();
            Console.WriteLine("| LSTM | Step: us per step | steps/s | Prefill of 193 tokens: ms | prefill tokens/s |");
            Console.WriteLine("|---|---|---|---|---|");
            using (var shipped = Checkpoint.LoadModel(dir)) Lstm("shipped (models/default)", shipped, cond);
            torch.manual_seed(1);
            using (var big = new LstmModel(new LstmConfig { Layers = 2, Hidden = 512, EmbeddingSize = 64, Dropout = 0 }, 42, 0, vocabulary)) Lstm("2x512, random weights", big, cond);
        }
        if (which is "all" or "transformer")
        {
            torch.manual_seed(2);
            using var transformer = new TransformerModel(new TransformerConfig { Layers = 4, Width = 256, Heads = 8, FeedForward = 1024, Dropout = 0 }, 42, 0, vocabulary);
            Console.WriteLine();
            Console.WriteLine("| Transformer 4x256 (random weights), context length | with KV cache: ms per step | steps/s | without cache (full forward over the prefix): ms per step | steps/s | speed-up |");
            Console.WriteLine("|---|---|---|---|---|---|");
            foreach (int length in new[] { 128, 256, 512, 1024 }) Transformer(transformer, length, cond);
        }
        if (which is "all" or "batch")
        {
            Console.WriteLine();
            Console.WriteLine("| batched generation: model, batch | Prefill of 193 tokens per melody, one melody at a time: ms | 384 StepBatch calls: ms | steps/s in StepBatch | melodies/s (prefill + steps) |");
            Console.WriteLine("|---|---|---|---|---|");
            using (var shipped = Checkpoint.LoadModel(dir))
                foreach (int batch in new[] { 1, 8, 32 }) Batch("LSTM shipped (models/default)", shipped, batch, cond, 5);
            torch.manual_seed(2);
            using var transformer = new TransformerModel(new TransformerConfig { Layers = 4, Width = 256, Heads = 8, FeedForward = 1024, Dropout = 0 }, 42, 0, vocabulary);
            foreach (int batch in new[] { 1, 8, 32 }) Batch("Transformer 4x256", transformer, batch, cond, 1);
        }
        return 0;
    }

    private static int[] RandomTokens(int count, int seed)
    {
        var rng = new Random(seed);
        return [1, .. Enumerable.Range(0, count - 1).Select(_ => rng.Next(3, 42))];
    }

    private static (double Wall, double Cpu) Time(Action action)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        action();
        double wall = sw.Elapsed.TotalMilliseconds;
        process.Refresh();
        return (wall, (process.TotalProcessorTime - cpu).TotalMilliseconds);
    }

    private static (double Wall, double Cpu) Median(IEnumerable<(double Wall, double Cpu)> runs)
    {
        var sorted = runs.OrderBy(r => r.Wall).ToList();
        return sorted[sorted.Count / 2];
    }

    private static void Lstm(string label, ISequenceModel model, ConditionStep cond)
    {
        var tokens = RandomTokens(577, 3);
        var next = Enumerable.Repeat(cond, tokens.Length).ToArray();
        const int primer = 193;
        var runs = new List<((double, double) Prefill, (double, double) Steps)>();
        for (int r = 0; r < 11; r++)
        {
            using var state = model.CreateState();
            var p = Time(() => model.Prefill(state, tokens[..primer], next[..primer]));
            var s = Time(() =>
            {
                for (int t = primer; t < tokens.Length; t++) model.Step(state, tokens[t], next[t]);
            });
            if (r > 0) runs.Add((p, s));
        }
        var prefill = Median(runs.Select(r => r.Prefill));
        var steps = Median(runs.Select(r => r.Steps));
        int n = tokens.Length - primer;
        Console.WriteLine(string.Create(Ci, $"| {label} | {steps.Wall * 1000 / n:0.0} (CPU {steps.Cpu * 1000 / n:0.0}) | {n / steps.Wall * 1000:0} | {prefill.Wall:0.00} (CPU {prefill.Cpu:0.00}) | {primer / prefill.Wall * 1000:0} |"));
    }

    private static void Transformer(TransformerModel model, int length, ConditionStep cond)
    {
        var tokens = RandomTokens(length + 1, 4);
        var next = Enumerable.Repeat(cond, tokens.Length).ToArray();
        const int measured = 16;
        var cached = new List<(double, double)>();
        for (int r = 0; r < 3; r++)
        {
            using var state = model.CreateState();
            model.Prefill(state, tokens[..(length - measured)], next[..(length - measured)]);
            cached.Add(Time(() =>
            {
                for (int t = length - measured; t < length; t++) model.Step(state, tokens[t], next[t]);
            }));
        }
        var withCache = Median(cached);
        double cacheMs = withCache.Wall / measured;
        // Without a cache every step is a forward pass over the whole prefix; time the forward at this length.
        var sequence = new EncodedSequence([.. tokens], [.. next], 0, "");
        var batch = TokenBatch.Create([sequence], 0);
        var full = new List<(double, double)>();
        for (int r = 0; r < (length >= 1024 ? 3 : 5); r++) full.Add(Time(() => model.Forward(batch)));
        var without = Median(full.Skip(1));
        Console.WriteLine(string.Create(Ci, $"| {length} | {cacheMs:0.00} (CPU {withCache.Cpu / measured:0.00}) | {1000 / cacheMs:0} | {without.Wall:0.0} (CPU {without.Cpu:0.0}) | {1000 / without.Wall:0.0} | {without.Wall / cacheMs:0}x |"));
    }

    private static void Batch(string label, ISequenceModel model, int batch, ConditionStep cond, int repeats)
    {
        const int primer = 193, generated = 384;
        var tokens = Enumerable.Range(0, batch).Select(b => RandomTokens(primer + generated, 10 + b)).ToArray();
        var next = Enumerable.Repeat(cond, primer + generated).ToArray();
        var conds = Enumerable.Repeat(cond, batch).ToArray();
        var runs = new List<((double Wall, double Cpu) Prefill, (double Wall, double Cpu) Steps)>();
        for (int r = 0; r < repeats + 1; r++)
        {
            var states = Enumerable.Range(0, batch).Select(_ => model.CreateState()).ToArray();
            var prefill = Time(() =>
            {
                for (int b = 0; b < batch; b++) model.Prefill(states[b], tokens[b][..primer], next[..primer]);
            });
            var steps = Time(() =>
            {
                var step = new int[batch];
                for (int s = primer; s < primer + generated; s++)
                {
                    for (int b = 0; b < batch; b++) step[b] = tokens[b][s];
                    model.StepBatch(states, step, conds);
                }
            });
            foreach (var s in states) s.Dispose();
            if (r > 0 || repeats == 0) runs.Add((prefill, steps));
        }
        var m = runs.OrderBy(r => r.Prefill.Wall + r.Steps.Wall).ElementAt(runs.Count / 2);
        double total = m.Prefill.Wall + m.Steps.Wall;
        Console.WriteLine(string.Create(Ci, $"| {label}, batch {batch} | {m.Prefill.Wall:0} (CPU {m.Prefill.Cpu:0}) | {m.Steps.Wall:0} (CPU {m.Steps.Cpu:0}) | {(double)batch * generated / m.Steps.Wall * 1000:0} | {batch / total * 1000:0.0} |"));
    }
}
