using System.Diagnostics;
using System.Globalization;
using Melos.Generation;
using Melos.Music;

namespace Melos.Bench;

/// <summary>Latency of the shipped model: 8 new bars of 4/4 after a 4-bar primer, one request at a time.</summary>
public sealed class GenerateBench : IBenchmark
{
    public string Name => "generate";

    public string Description => "latency to generate 8 bars after a 4-bar primer with models/default (median of 10)";

    public int Run(string[] args)
    {
        var ci = CultureInfo.InvariantCulture;
        var dir = args.Length > 0 ? args[0] : Path.Combine(FindRepoRoot(), "models", "default");
        var load = Stopwatch.StartNew();
        using var generator = MelodyGenerator.Load(dir);
        load.Stop();
        var primer = NoteSequence.Parse("G4 A4 B4 G4 D5:2 B4 G4 A4:2 F#4 D4 G4:4");
        var request = new GenerationRequest { Bars = 12, Primer = [.. primer], Key = Key.Parse("G"), Seed = 1 };
        generator.Generate(request with { Seed = 0 });
        var times = new List<double>();
        int steps = 0;
        for (int i = 0; i < 10; i++)
        {
            var sw = Stopwatch.StartNew();
            var result = generator.Generate(request with { Seed = i + 1 });
            times.Add(sw.Elapsed.TotalMilliseconds);
            steps = result[0].Tokens.Count;
        }
        times.Sort();
        Console.WriteLine(string.Create(ci, $"model load {load.Elapsed.TotalMilliseconds:0} ms; {steps} grid tokens per melody (12 bars, 4 primed, 12 steps per quarter)"));
        Console.WriteLine(string.Create(ci, $"| request | median ms | min ms | max ms |"));
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine(string.Create(ci, $"| 8 bars after a 4-bar primer | {times[5]:0} | {times[0]:0} | {times[^1]:0} |"));
        return 0;
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Melos.sln"))) dir = dir.Parent;
        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }
}
