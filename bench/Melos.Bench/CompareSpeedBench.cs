using System.Diagnostics;
using System.Globalization;
using Melos.Data.Corpus;
using Melos.Evaluation;

namespace Melos.Bench;

/// <summary>Times the torch-free parts of <c>melos compare</c>: the Yang and Lerch comparison, MusPy and structure, and novelty.</summary>
public sealed class CompareSpeedBench : IBenchmark
{
    public string Name => "compare-speed";

    public string Description => "GENERATED REFERENCE [TRAIN] [--bars N]: time of the Yang and Lerch features, MusPy/structure and novelty (median of 5)";

    public int Run(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: compare-speed GENERATED REFERENCE [TRAIN] [--bars N]");
            return 2;
        }
        var ci = CultureInfo.InvariantCulture;
        int? bars = null;
        var positional = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--bars" && i + 1 < args.Length) bars = int.Parse(args[++i], ci);
            else positional.Add(args[i]);
        }
        var gen = MelodySources.Load(SetLocation.Parse(positional[0], CorpusSplit.Test));
        var refs = MelodySources.Load(SetLocation.Parse(positional[1], CorpusSplit.Test));
        MelodySet? train = positional.Count > 2 ? MelodySources.Load(SetLocation.Parse(positional[2], CorpusSplit.Train)) : null;
        if (bars is { } b)
        {
            gen = gen.Crop(b);
            refs = refs.Crop(b);
        }
        var g = gen.Melodies.Where(m => !m.Notes.IsEmpty).ToList();
        var r = refs.Melodies.Where(m => !m.Notes.IsEmpty).ToList();

        // Wall time, and the process's CPU time over the same runs (the machine is shared: CPU time says what the work costs).
        static (double First, double Median, double CpuMedian) Time(Action action)
        {
            var times = new List<double>();
            var cpu = new List<double>();
            using var self = Process.GetCurrentProcess();
            for (int i = 0; i < 6; i++)
            {
                self.Refresh();
                var c0 = self.TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                action();
                times.Add(sw.Elapsed.TotalSeconds);
                self.Refresh();
                cpu.Add((self.TotalProcessorTime - c0).TotalSeconds);
            }
            return (times[0], times.Skip(1).Order().ElementAt(2), cpu.Skip(1).Order().ElementAt(2));
        }

        Console.WriteLine(string.Create(ci, $"{g.Count} generated ({gen.Name}) vs {r.Count} reference ({refs.Name}) melodies{(bars is { } n ? $", first {n} bars" : "")}; {r.Count * (r.Count - 1) / 2 + g.Count * (g.Count - 1) / 2} intra-set and {r.Count * g.Count} inter-set distances per feature"));
        Console.WriteLine("| part | first run s (with JIT) | median of 5 s | CPU s (median of 5) |");
        Console.WriteLine("|---|---|---|---|");
        var (f1, fm, fc) = Time(() => YangLerchComparison.Compare(g, r));
        Console.WriteLine(string.Create(ci, $"| Yang and Lerch, 9 features (distances, KDEs, overlap, KL) | {f1:0.000} | {fm:0.000} | {fc:0.000} |"));
        var (m1, mm, mc) = Time(() =>
        {
            foreach (var m in g.Concat(r))
            {
                _ = MusPyMetrics.Of(m);
                _ = StructureMetrics.Of(m);
            }
        });
        Console.WriteLine(string.Create(ci, $"| MusPy and structure, every melody | {m1:0.000} | {mm:0.000} | {mc:0.000} |"));
        if (train is not null)
        {
            var (n1, nm, nc) = Time(() =>
            {
                var index = NoveltyIndex.Build(train.Melodies);
                _ = index.Measure(g);
                _ = index.Measure(r);
            });
            Console.WriteLine(string.Create(ci, $"| novelty: index {train.Count} training melodies ({train.Melodies.Sum(m => m.Notes.Length)} notes), measure both sets | {n1:0.000} | {nm:0.000} | {nc:0.000} |"));
        }
        return 0;
    }
}
