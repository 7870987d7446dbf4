using System.Diagnostics;
using System.Globalization;
using Melos.Data.Corpus;
using Melos.Generation;
using Melos.Music;

namespace Melos.Bench;

/// <summary>
/// Infilling on held-out tunes: for each Nottingham test tune, the bars in its middle are regenerated from one pool of
/// candidates, chosen three ways (scored on both sides, on the left side only, or not at all: the first candidate; plus the candidate with the best right-context likelihood, the most any choice from that pool could reach on that measure), and
/// each choice is measured by the model likelihood of the right context (everything after the gap, teacher-forced) and
/// of the bar right after the gap (the join).
/// </summary>
public sealed class InfillBench : IBenchmark
{
    public string Name => "infill";

    public string Description => "infilling: candidates scored on both sides vs left side only, on Nottingham test tunes (args: CORPUS [MODEL] [TUNES=40] [CANDIDATES=16] [GAP-BARS=2])";

    private sealed record Figures(double Gap, double Right, double Join, long RightTokens);

    public int Run(string[] args)
    {
        var ci = CultureInfo.InvariantCulture;
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: infill CORPUS [MODEL] [TUNES] [CANDIDATES] [GAP-BARS]");
            return 2;
        }
        var corpusPath = args[0];
        var modelDir = args.Length > 1 ? args[1] : Path.Combine(FindRepoRoot(), "models", "default");
        int tunes = args.Length > 2 ? int.Parse(args[2], ci) : 40;
        int candidates = args.Length > 3 ? int.Parse(args[3], ci) : 16;
        int gapBars = args.Length > 4 ? int.Parse(args[4], ci) : 2;

        // The figures are likelihoods, not times: one intra-op thread keeps the run light on a shared machine.
        TorchSharp.torch.set_num_threads(1);
        var (header, _) = CorpusFile.ReadInfo(corpusPath);
        using var generator = MelodyGenerator.Load(modelDir);
        int spq = generator.Grid.GridConfig.StepsPerQuarter;
        Console.WriteLine(string.Create(ci, $"corpus {corpusPath} (content hash {header.ContentHash}); model {modelDir}; {candidates} candidates per tune, temperature 1; gap of {gapBars} bars in the middle of each tune"));

        var methods = new[] { "both sides", "left side only", "no reranking (first candidate)", "right side only (the pool's best possible)", "the original bars" };
        var results = methods.ToDictionary(m => m, _ => new List<Figures>());
        int skipped = 0;
        var distinct = new List<int>();
        var clock = Stopwatch.StartNew();
        var entries = CorpusFile.Stream(corpusPath).Where(e => e.Collection == "nottingham" && e.Split == CorpusSplit.Test).OrderBy(e => e.Id, StringComparer.Ordinal);
        int index = 0;
        foreach (var entry in entries)
        {
            if (results[methods[0]].Count >= tunes) break;
            var melody = entry.Melody;
            int bars = melody.BarCount;
            if (bars < gapBars + 4) { skipped++; continue; }
            int first = bars / 2 - gapBars / 2 + 1, last = first + gapBars - 1;
            var request = new InfillRequest(melody, first, last) { Candidates = candidates, Seed = index++ };
            IReadOnlyList<InfillCandidate> pool;
            try
            {
                pool = generator.InfillCandidates(request);
            }
            catch (InvalidRequestException)
            {
                skipped++; // outside the tokenizer's range or grid, an unknown meter, or a gap inside one long note
                continue;
            }
            distinct.Add(pool.Select(c => string.Join(',', c.Tokens)).Distinct().Count());
            long gapStart = Steps(melody.BarStart(first - 1), spq), gapEnd = Steps(melody.BarStart(last), spq);
            long joinEnd = Math.Min(Steps(melody.BarStart(last + 1), spq), Steps(melody.Length, spq));
            Figures Measure(Melody m)
            {
                var logp = generator.Score(m);
                double gap = 0, right = 0, join = 0;
                for (long s = 0; s < logp.Length; s++)
                {
                    if (s >= gapStart && s < gapEnd) gap += logp[s];
                    if (s >= gapEnd) right += logp[s];
                    if (s >= gapEnd && s < joinEnd) join += logp[s];
                }
                return new Figures(gap, right, join, logp.Length - gapEnd);
            }
            results[methods[0]].Add(Measure(MelodyGenerator.Best(pool, InfillScoring.BothSides).Melody));
            results[methods[1]].Add(Measure(MelodyGenerator.Best(pool, InfillScoring.LeftOnly).Melody));
            results[methods[2]].Add(Measure(pool[0].Melody));
            results[methods[3]].Add(Measure(pool.MaxBy(c => c.RightLogLikelihood)!.Melody));
            results[methods[4]].Add(Measure(melody));
        }
        clock.Stop();
        int n = results[methods[0]].Count;
        Console.WriteLine(string.Create(ci, $"{n} tunes measured, {skipped} skipped (too short or not fitting the model), {clock.Elapsed.TotalSeconds:0} s"));
        Console.WriteLine(string.Create(ci, $"distinct candidates per tune: mean {distinct.Average():0.0} of {candidates}, {distinct.Count(d => d == 1)} tunes with a single distinct candidate"));
        Console.WriteLine();
        Console.WriteLine("| candidate chosen by | right context, nats per tune | right context, nats per token | bar after the gap, nats | gap, nats |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var m in methods)
        {
            var f = results[m];
            double perToken = f.Sum(x => x.Right) / f.Sum(x => x.RightTokens);
            Console.WriteLine(string.Create(ci, $"| {m} | {f.Average(x => x.Right):0.00} | {perToken:0.0000} | {f.Average(x => x.Join):0.00} | {f.Average(x => x.Gap):0.00} |"));
        }
        var both = results[methods[0]];
        var left = results[methods[1]];
        var diffs = both.Zip(left, (a, b) => a.Right - b.Right).ToList();
        var joinDiffs = both.Zip(left, (a, b) => a.Join - b.Join).ToList();
        Console.WriteLine();
        Console.WriteLine(string.Create(ci, $"both sides minus left only, right context: mean {diffs.Average():0.00} nats per tune (standard error {StandardError(diffs):0.00}); both sides higher on {diffs.Count(d => d > 1e-9)} of {n} tunes, equal on {diffs.Count(d => Math.Abs(d) <= 1e-9)}"));
        Console.WriteLine(string.Create(ci, $"both sides minus left only, bar after the gap: mean {joinDiffs.Average():0.00} nats (standard error {StandardError(joinDiffs):0.00}); both sides higher on {joinDiffs.Count(d => d > 1e-9)} of {n} tunes"));
        return 0;
    }

    private static double StandardError(IReadOnlyList<double> xs)
    {
        if (xs.Count < 2) return double.NaN;
        double mean = xs.Average();
        return Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Count - 1) / xs.Count);
    }

    private static long Steps(Duration d, int spq) => (d.Quarters * spq).Floor();

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Melos.sln"))) dir = dir.Parent;
        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }
}
