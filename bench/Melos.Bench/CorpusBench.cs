using System.Diagnostics;
using System.Globalization;
using Melos.Data.Corpus;
using Melos.Data.Sources;

namespace Melos.Bench;

/// <summary>Times <c>corpus build</c> over every dataset (default ../shared/datasets), and the load of the corpus it writes.</summary>
public sealed class CorpusBench : IBenchmark
{
    public string Name => "corpus";

    public string Description => "corpus build over all of ../shared/datasets: wall time, tunes/s, load time";

    public int Run(string[] args)
    {
        var root = args.Length > 0 ? args[0] : Path.Combine(FindRepoRoot(), "..", "shared", "datasets");
        if (!Directory.Exists(root))
        {
            Console.Error.WriteLine($"datasets not found at {root}");
            return 1;
        }
        var ci = CultureInfo.InvariantCulture;
        var builder = new CorpusBuilder(TuneSources.Default);
        var options = new CorpusBuildOptions { Inputs = [root] };
        // Warm-up on one small folder so JIT time is not counted as build time.
        builder.Build(options with { Inputs = [Path.Combine(root, "jsb-chorales")] });
        var sw = Stopwatch.StartNew();
        var corpus = builder.Build(options);
        sw.Stop();
        var path = Path.Combine(Path.GetTempPath(), $"melos-bench-{Environment.ProcessId}.corpus");
        CorpusFile.Write(path, corpus);
        var load = Stopwatch.StartNew();
        var loaded = CorpusFile.Read(path);
        load.Stop();
        var warm = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var w = Stopwatch.StartNew();
            _ = CorpusFile.Read(path);
            warm.Add(w.Elapsed.TotalSeconds);
        }
        warm.Sort();
        long bytes = new FileInfo(path).Length;
        File.Delete(path);
        var s = corpus.Summary;
        Console.WriteLine(string.Create(ci, $"| inputs | files | tunes | kept | build wall s | tunes/s | corpus MB | first load s (cold, with JIT) | load s (median of 5) |"));
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        Console.WriteLine(string.Create(ci, $"| {root} | {s.FilesRead} | {s.TunesFound} | {s.MelodiesKept} | {sw.Elapsed.TotalSeconds:0.00} | {s.TunesFound / sw.Elapsed.TotalSeconds:0} | {bytes / 1e6:0.0} | {load.Elapsed.TotalSeconds:0.000} | {warm[2]:0.000} |"));
        Console.WriteLine("discarded: " + string.Join(", ", s.DiscardedByReason.Select(kv => $"{kv.Key} {kv.Value}")));
        return loaded.Entries.Count == corpus.Entries.Count ? 0 : 1;
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Melos.sln"))) dir = dir.Parent;
        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }
}
