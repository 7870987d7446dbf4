using System.Diagnostics;
using System.Globalization;
using Melos.Data.Corpus;
using Melos.Data.Sources;
using Melos.Data.Transcription;
using Melos.Formats.Audio;
using Melos.Formats.Midi;

namespace Melos.Bench;

/// <summary>
/// Meter estimation on rendered tunes with a known answer: up to N tunes of each meter from one split of the Nottingham
/// corpus (in id order, evenly spread), each rendered as written (no performance variation) by FluidSynth with
/// FluidR3_GM, alternating flute, violin and clarinet, then transcribed with NO hints; the estimated meter is compared
/// with the score's. Prints the share right per meter, overall, and weighted by the corpus's own meter shares, and the
/// confusion table.
/// </summary>
public sealed class MeterBench : IBenchmark
{
    public string Name => "meter";

    public string Description => "meter accuracy of transcription on rendered Nottingham tunes, meter not given: meter [--split test|valid|train] [--per-meter N] [--work DIR]";

    private static readonly int[] Programs = [73, 40, 71];

    public int Run(string[] args)
    {
        int perMeter = 12;
        string? work = null;
        var split = CorpusSplit.Test;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--per-meter": perMeter = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--work": work = args[i + 1]; break;
                case "--split": split = Enum.Parse<CorpusSplit>(args[i + 1], ignoreCase: true); break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        if (AbcBench.FindDatasets() is not { } datasets)
        {
            Console.Error.WriteLine("needs ../shared/datasets beside the repository (or MELOS_DATASETS)");
            return 2;
        }
        var corpus = new CorpusBuilder(TuneSources.Default).Build(new CorpusBuildOptions { Inputs = [Path.Combine(datasets, "nottingham", "ABC_cleaned")] });
        var all = corpus.Split(split).OrderBy(e => e.Id, StringComparer.Ordinal).ToList();
        var shares = all.GroupBy(e => e.Melody.Meter.ToString()).ToDictionary(g => g.Key, g => (double)g.Count() / all.Count);
        var chosen = all.GroupBy(e => e.Melody.Meter.ToString())
            .SelectMany(g => { var l = g.ToList(); int n = Math.Min(perMeter, l.Count); return Enumerable.Range(0, n).Select(i => l[i * l.Count / n]); })
            .OrderBy(e => e.Id, StringComparer.Ordinal).ToList();
        var dir = work is null ? Directory.CreateTempSubdirectory("melos-meter-bench-").FullName : Directory.CreateDirectory(work).FullName;
        Console.WriteLine($"{chosen.Count} tunes of the Nottingham {split.ToString().ToLowerInvariant()} split ({all.Count}; up to {perMeter} per meter), rendered as written, meter not given; work in {dir}");
        var fluid = new FluidSynth { SampleRate = 22_050 };
        fluid.Check();
        var results = new (string Id, string Truth, string Estimate)[chosen.Count];
        var clock = Stopwatch.StartNew();
        Parallel.For(0, chosen.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var entry = chosen[i];
            var stem = Path.Combine(dir, i.ToString("D3", CultureInfo.InvariantCulture));
            var midi = MidiMelody.Write(entry.Melody, new MidiMelodyWriteOptions { Format = 0, IncludeChords = false, MelodyProgram = Programs[i % Programs.Length] });
            // Renders are kept and reused while the MIDI is the same.
            if (!File.Exists(stem + ".wav") || !File.Exists(stem + ".mid") || !File.ReadAllBytes(stem + ".mid").AsSpan().SequenceEqual(midi))
            {
                File.WriteAllBytes(stem + ".mid", midi);
                fluid.Render(stem + ".mid", stem + ".wav");
            }
            string estimate;
            try
            {
                var tr = Transcriber.Transcribe(stem + ".wav");
                estimate = tr.Melody.Meter.ToString();
                // The notes found, for study of the estimate: seconds, then start, end, pitch, confidence per note.
                File.WriteAllLines(stem + ".notes.tsv", [string.Create(CultureInfo.InvariantCulture, $"{tr.Seconds}"),
                    .. tr.Notes.Select(n => string.Create(CultureInfo.InvariantCulture, $"{n.Start:0.####}\t{n.End:0.####}\t{n.Pitch}\t{n.Confidence:0.###}"))]);
            }
            catch (UnusableRecordingException e)
            {
                estimate = "refused: " + e.Reason;
            }
            results[i] = (entry.Id, entry.Melody.Meter.ToString(), estimate);
        });
        File.WriteAllLines(Path.Combine(dir, "meters.tsv"), results.Select(r => $"{r.Id}\t{r.Truth}\t{r.Estimate}"));
        var meters = results.Select(r => r.Truth).Distinct().OrderBy(m => -shares[m]).ToList();
        var estimates = results.Select(r => r.Estimate).Distinct().OrderBy(m => m, StringComparer.Ordinal).ToList();
        Console.WriteLine();
        Console.WriteLine($"| score meter | share of the split | tunes | right | {string.Join(" | ", estimates.Select(e => "as " + e))} |");
        Console.WriteLine($"|---|---|---|---|{string.Concat(estimates.Select(_ => "---|"))}");
        double weighted = 0, weight = 0;
        foreach (var m in meters)
        {
            var rows = results.Where(r => r.Truth == m).ToList();
            double right = (double)rows.Count(r => r.Estimate == m) / rows.Count;
            weighted += shares[m] * right;
            weight += shares[m];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {m} | {shares[m]:P0} | {rows.Count} | {right:P0} | {string.Join(" | ", estimates.Select(e => rows.Count(r => r.Estimate == e)))} |"));
        }
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Right: {results.Count(r => r.Estimate == r.Truth)}/{results.Length} ({(double)results.Count(r => r.Estimate == r.Truth) / results.Length:P1}); weighted by the split's meter shares: {weighted / weight:P1}; {clock.Elapsed.TotalSeconds:0} s"));
        return 0;
    }
}
