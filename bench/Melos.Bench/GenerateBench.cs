using System.Diagnostics;
using System.Globalization;
using Melos.Data.Tokenizers;
using Melos.Generation;
using Melos.Models;
using Melos.Music;

namespace Melos.Bench;

/// <summary>
/// Latency of the shipped model: 8 new bars of 4/4 after a 4-bar primer, one request at a time, with where the time
/// goes (the model's prefill and steps, the conditioning stream, masking and sampling).
/// </summary>
public sealed class GenerateBench : IBenchmark
{
    public string Name => "generate";

    public string Description => "[model] [runs] [int16|float32]: latency to generate 8 bars after a 4-bar primer with models/default (median of 20), with a breakdown";

    public int Run(string[] args)
    {
        var ci = CultureInfo.InvariantCulture;
        var dir = args.Length > 0 ? args[0] : Path.Combine(FindRepoRoot(), "models", "default");
        int runs = args.Length > 1 ? int.Parse(args[1], ci) : 20;
        var load = Stopwatch.StartNew();
        using var generator = MelodyGenerator.Load(dir);
        if (args.Length > 2 && generator.Model is LstmModel lstm) lstm.QuantizedGeneration = args[2] == "int16";
        load.Stop();
        var primer = NoteSequence.Parse("G4 A4 B4 G4 D5:2 B4 G4 A4:2 F#4 D4 G4:4");
        var request = new GenerationRequest { Bars = 12, Primer = [.. primer], Key = Key.Parse("G"), Seed = 1 };
        var first = Stopwatch.StartNew();
        var warm = generator.Generate(request with { Seed = 0 });
        first.Stop();
        // Two phases: the 20 requests right after the first (the JIT still runs tier-0 and instrumented code and
        // promotes hot methods in the background), then 20 more once the process has served requests for 3 s.
        var fresh = TimeRequests(generator, request, runs, seedBase: 1);
        var warmUp = Stopwatch.StartNew();
        int warmRequests = 0;
        while (warmUp.Elapsed.TotalSeconds < 3) { generator.Generate(request with { Seed = 1000 + warmRequests }); warmRequests++; }
        var steady = TimeRequests(generator, request, runs, seedBase: 1);
        var tune = new GenerationRequest { Bars = 32, Key = Key.Parse("G"), Seed = 1 };
        var tuneTokens = generator.Generate(tune)[0].Tokens.Count;
        var tuneTimes = TimeRequests(generator, tune, runs, seedBase: 1);
        if (generator.Tokenizer is not Melos.Data.Tokenizers.GridTokenizer)
        {
            Console.WriteLine(string.Create(ci, $"model load {load.Elapsed.TotalMilliseconds:0} ms; first request (JIT) {first.Elapsed.TotalMilliseconds:0} ms; {generator.Tokenizer.Config.GetType().Name}: {warm[0].Tokens.Count} tokens for the 12-bar melody, {tuneTokens} for the 32-bar tune"));
            Console.WriteLine("| request | median ms | min ms | max ms |");
            Console.WriteLine("|---|---|---|---|");
            Console.WriteLine(Row($"8 bars after a 4-bar primer, requests 2-{runs + 1} of a fresh process", fresh.Wall));
            Console.WriteLine(Row($"the same request in a warm process (after {warmRequests} more requests over 3 s)", steady.Wall));
            Console.WriteLine(Row("a whole 32-bar tune (G major, 4/4, no primer), warm process", tuneTimes.Wall));
            var bestTimes = TimeRequests(generator, tune with { BestOf = 4 }, runs, seedBase: 1);
            Console.WriteLine(Row("the same tune, the most likely of 4 candidates decoded together (--best-of 4)", bestTimes.Wall));
            return 0;
        }
        int spq = generator.Grid.GridConfig.StepsPerQuarter;
        int total = warm[0].Tokens.Count - 1, primerSteps = 4 * 4 * spq;
        Console.WriteLine(string.Create(ci, $"model load {load.Elapsed.TotalMilliseconds:0} ms; first request (JIT) {first.Elapsed.TotalMilliseconds:0} ms; {spq} steps per quarter: {total} grid steps per melody, {primerSteps} of them primer (fed by one Prefill of {primerSteps + 1} tokens), {total - primerSteps} generated"));
        Console.WriteLine("| request | median ms | min ms | max ms |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine(Row($"8 bars after a 4-bar primer ({total - primerSteps} generated steps at {spq} per quarter), requests 2-{runs + 1} of a fresh process", fresh.Wall));
        Console.WriteLine(Row("  the same, process CPU time", fresh.Cpu));
        Console.WriteLine(Row($"the same request in a warm process (after {warmRequests} more requests over 3 s)", steady.Wall));
        Console.WriteLine(Row("  the same, process CPU time", steady.Cpu));
        Console.WriteLine(Row("a whole 32-bar tune (G major, 4/4, no primer), warm process", tuneTimes.Wall));
        Console.WriteLine(string.Create(ci, $"allocated per request {steady.AllocatedBytes / 1024:0} KiB; garbage collections over {runs} warm requests: {steady.Gen0} gen0, {steady.Gen2} gen2"));

        // Where the time goes: the same request's model work alone, and its conditioning stream alone.
        var model = generator.Model;
        var template = MelodyGenerator.Template(request);
        var conditioning = (Func<IReadOnlyList<int>, ConditionStep>)(t => generator.Vocabulary.At(template, Duration.FromQuarters(t.Count - 1, spq)));
        var tokens = warm[0].Tokens;
        var prefix = new List<int>();
        var next = new ConditionStep[tokens.Count];
        for (int i = 0; i < tokens.Count; i++)
        {
            prefix.Add(tokens[i]);
            next[i] = conditioning(prefix);
        }
        var createTimes = new List<double>();
        var prefillTimes = new List<double>();
        var stepTimes = new List<double>();
        var condTimes = new List<double>();
        for (int r = 0; r < runs; r++)
        {
            var sw = Stopwatch.StartNew();
            using var state = model.CreateState();
            createTimes.Add(sw.Elapsed.TotalMilliseconds);
            sw.Restart();
            model.Prefill(state, [.. tokens.Take(primerSteps + 1)], next[..(primerSteps + 1)]);
            prefillTimes.Add(sw.Elapsed.TotalMilliseconds);
            sw.Restart();
            for (int t = primerSteps + 1; t < total; t++) model.Step(state, tokens[t], next[t]);
            stepTimes.Add(sw.Elapsed.TotalMilliseconds);
            sw.Restart();
            prefix.Clear();
            for (int i = 0; i < tokens.Count; i++)
            {
                prefix.Add(tokens[i]);
                _ = conditioning(prefix);
            }
            condTimes.Add(sw.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine(Row("  of which: CreateState (copies the weights)", createTimes));
        Console.WriteLine(Row($"  of which: Prefill of {primerSteps + 1} tokens", prefillTimes));
        Console.WriteLine(Row($"  of which: {total - primerSteps - 1} model steps ({Median(stepTimes) * 1000 / (total - primerSteps - 1):0.0} us per step)", stepTimes));
        Console.WriteLine(Row($"  of which: conditioning of {tokens.Count} positions", condTimes));
        Console.WriteLine(string.Create(ci, $"8 bars of sixteenths would be 128 steps; this model's 12-per-quarter grid makes them {8 * 4 * spq}."));
        return 0;
    }

    private sealed record Timings(List<double> Wall, List<double> Cpu, double AllocatedBytes, int Gen0, int Gen2);

    /// <summary>Times <paramref name="runs"/> requests one after another: wall and process CPU time, allocation and collections.</summary>
    private static Timings TimeRequests(MelodyGenerator generator, GenerationRequest request, int runs, int seedBase)
    {
        var wall = new List<double>();
        var cpu = new List<double>();
        var process = Process.GetCurrentProcess();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
        for (int i = 0; i < runs; i++)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            generator.Generate(request with { Seed = seedBase + i });
            wall.Add(sw.Elapsed.TotalMilliseconds);
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpuBefore).TotalMilliseconds);
        }
        return new Timings(wall, cpu, (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)runs,
            GC.CollectionCount(0) - gen0, GC.CollectionCount(2) - gen2);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static string Row(string label, List<double> values) =>
        string.Create(CultureInfo.InvariantCulture, $"| {label} | {Median(values):0.0} | {values.Min():0.0} | {values.Max():0.0} |");

    internal static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Melos.sln"))) dir = dir.Parent;
        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }
}
