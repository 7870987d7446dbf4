using System.Diagnostics;
using System.Globalization;
using Melos.Data.Corpus;
using Melos.Formats.Midi;
using Melos.Generation;
using Melos.Models.Vae;
using Melos.Music;

namespace Melos.Bench;

/// <summary>
/// The VAE's figures on a corpus's test split (bench/vae-figures.sh): reconstruction accuracy from the mean latent
/// (teacher-forced, and greedy decoding through the grammar, MusicVAE's two measures), interpolation smoothness (along
/// 9 steps between pairs of test windows, the Hamming distance of the decoded tokens to A never falls and to B never
/// rises; smooth and even paths), the time of a 9-step interpolation warm, and three folders for <c>melos compare</c>: the midpoints, real
/// test windows held apart from the pairs, and 4-bar melodies of the autoregressive model in the same keys.
/// </summary>
public sealed class VaeEvalBench : IBenchmark
{
    public string Name => "vae-eval";

    public string Description => "VAE CORPUS.corpus OUT [--collection C] [--pairs 100] [--ar MODEL] [--seed 1]: reconstruction, interpolation smoothness and speed; midpoints, real windows and AR melodies for melos compare";

    public int Run(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: vae-eval VAE CORPUS.corpus OUT [--collection C] [--pairs 100] [--ar MODEL] [--seed 1]");
            return 2;
        }
        var ci = CultureInfo.InvariantCulture;
        string vaeDir = args[0], corpusPath = args[1], output = args[2];
        string? collection = null, ar = null;
        int pairs = 100, seed = 1;
        for (int i = 3; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--collection": collection = args[i + 1]; break;
                case "--ar": ar = args[i + 1]; break;
                case "--pairs": pairs = int.Parse(args[i + 1], ci); break;
                case "--seed": seed = int.Parse(args[i + 1], ci); break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        var data = CorpusFile.Read(corpusPath);
        var test = data.Split(CorpusSplit.Test).Where(e => collection is null || e.Collection == collection).Select(e => e.Melody).ToList();
        using var space = LatentSpace.Load(vaeDir);
        var config = space.Model.Config;
        var set = VaeWindows.Extract(test, config, space.Tokenizer);
        Console.WriteLine(string.Create(ci, $"test split{(collection is null ? "" : $" of {collection}")}: {test.Count} tunes, {set.Windows.Count} distinct windows of {config.Bars} bars; left out: {string.Join(", ", set.Discarded.Select(kv => $"{kv.Value} {kv.Key}"))}"));

        // Reconstruction from the mean latent.
        var clock = Stopwatch.StartNew();
        var teacher = VaeTrainer.Measure(space.Model, set.Windows);
        var sample = Enumerable.Range(0, Math.Min(500, set.Windows.Count)).Select(i => set.Windows[(int)((long)i * set.Windows.Count / Math.Min(500, set.Windows.Count))]).ToList();
        var mus = space.Encode(sample);
        long right = 0, total = 0;
        const int Chunk = 50;
        for (int start = 0; start < sample.Count; start += Chunk)
        {
            var part = Enumerable.Range(start, Math.Min(Chunk, sample.Count - start)).ToList();
            var decoded = space.Decode([.. part.Select(i => mus[i])], space.RequestFor(Key.CMajor), greedy: true, new Random(0));
            for (int k = 0; k < part.Count; k++)
            {
                var tokens = decoded[k].Tokens.Skip(1).ToArray();
                var truth = sample[part[k]];
                for (int t = 0; t < truth.Length; t++) { if (tokens[t] == truth[t]) right++; total++; }
            }
        }
        Console.WriteLine(string.Create(ci, $"reconstruction from the mean latent: teacher-forced token accuracy {teacher.TokenAccuracy:0.000} ({teacher.Windows} windows), greedy-decoded token accuracy {(double)right / total:0.000} ({sample.Count} windows); KL {teacher.Kl:0.0} nats per window ({clock.Elapsed.TotalSeconds:0} s)"));

        // Interpolation smoothness, and the sets for melos compare.
        var order = Enumerable.Range(0, set.Windows.Count).ToArray();
        new Random(seed).Shuffle(order);
        pairs = Math.Min(pairs, order.Length / 3);
        var dirs = new[] { "midpoints", "real", "ar", "midpoints-even" }.Select(d => Path.Combine(output, d)).ToArray();
        foreach (var d in dirs) Directory.CreateDirectory(d);
        var windowMelodies = new Func<int, Melody>(i => space.Prepare(MelodyOf(set.Windows[i], space), "window").Melody);
        var paths = new[] { InterpolationPath.Smooth, InterpolationPath.Even };
        var smoothInputs = new int[2];
        var smoothEnds = new int[2];
        var repeats = new int[2];
        var away = new double[2];
        var meanToA = new double[2, 9];
        var meanToB = new double[2, 9];
        for (int p = 0; p < pairs; p++)
        {
            int a = order[2 * p], b = order[2 * p + 1], real = order[2 * pairs + p];
            var (m, bar) = set.Origins[a];
            var key = test[m].Key ?? Key.CMajor;
            var melodyA = WithKey(windowMelodies(a), key);
            var melodyB = WithKey(windowMelodies(b), key);
            for (int v = 0; v < paths.Length; v++)
            {
                var steps = space.Interpolate(melodyA, melodyB, 9, path: paths[v]).Steps;
                var toA = steps.Select(s => Hamming(s.Tokens, set.Windows[a])).ToList();
                var toB = steps.Select(s => Hamming(s.Tokens, set.Windows[b])).ToList();
                if (Monotonic(toA, rising: true) && Monotonic(toB, rising: false)) smoothInputs[v]++;
                for (int k = 0; k < 9; k++) { meanToA[v, k] += toA[k] / (double)pairs; meanToB[v, k] += toB[k] / (double)pairs; }
                var endA = steps.Select(s => Hamming(s.Tokens, steps[0].Tokens)).ToList();
                var endB = steps.Select(s => Hamming(s.Tokens, steps[^1].Tokens)).ToList();
                if (Monotonic(endA, rising: true) && Monotonic(endB, rising: false)) smoothEnds[v]++;
                for (int k = 1; k < 9; k++)
                {
                    if (steps[k].Tokens.SequenceEqual(steps[k - 1].Tokens)) repeats[v]++;
                    away[v] += Math.Abs(steps[k].Position - k / 8.0) * 8 / (7.0 * pairs);
                }
                string name = string.Create(ci, $"{p + 1:000}.mid");
                File.WriteAllBytes(Path.Combine(dirs[v == 0 ? 0 : 3], name), MidiMelody.Write(steps[4].Melody));
            }
            File.WriteAllBytes(Path.Combine(dirs[1], string.Create(ci, $"{p + 1:000}.mid")), MidiMelody.Write(WithKey(windowMelodies(real), test[set.Origins[real].Melody].Key ?? Key.CMajor)));
        }
        for (int v = 0; v < paths.Length; v++)
        {
            var label = paths[v].ToString().ToLowerInvariant();
            Console.WriteLine(string.Create(ci, $"{label} interpolation over {pairs} pairs, 9 steps: distance to A never falls and to B never rises for {smoothInputs[v] / (double)pairs:0.00} of pairs (Hamming distance of the grid tokens to the input windows), {smoothEnds[v] / (double)pairs:0.00} measured to the two reconstructions; {repeats[v]} of {8 * pairs} steps repeat the melody before them; inner steps lie {away[v]:0.00} steps from their even positions on average"));
            Console.WriteLine($"{label}: mean Hamming distance (of {config.Length} tokens) to A along the 9 steps: {string.Join(" ", Enumerable.Range(0, 9).Select(k => meanToA[v, k].ToString("0.0", ci)))}");
            Console.WriteLine($"{label}: mean Hamming distance (of {config.Length} tokens) to B along the 9 steps: {string.Join(" ", Enumerable.Range(0, 9).Select(k => meanToB[v, k].ToString("0.0", ci)))}");
        }

        if (ar is not null)
        {
            using var generator = MelodyGenerator.Load(ar);
            for (int p = 0; p < pairs; p++)
            {
                var key = test[set.Origins[order[2 * p]].Melody].Key ?? Key.CMajor;
                var g = generator.Generate(new GenerationRequest { Bars = config.Bars, Meter = TimeSignature.Parse(config.Meter), Key = key, Seed = seed * 1000 + p })[0];
                File.WriteAllBytes(Path.Combine(dirs[2], string.Create(ci, $"{p + 1:000}.mid")), MidiMelody.Write(g.Melody));
            }
            Console.WriteLine(string.Create(ci, $"wrote {pairs} {config.Bars}-bar melodies of {ar} in the same keys to {dirs[2]}"));
        }

        // Speed: a 9-step interpolation of two 4-bar melodies, warm.
        var x = WithKey(windowMelodies(order[0]), Key.CMajor);
        var y = WithKey(windowMelodies(order[1]), Key.CMajor);
        foreach (var path in paths)
        {
            for (int i = 0; i < 3; i++) space.Interpolate(x, y, 9, path: path);
            var times = new List<double>();
            for (int i = 0; i < 20; i++)
            {
                var t = Stopwatch.StartNew();
                space.Interpolate(x, y, 9, path: path);
                times.Add(t.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            Console.WriteLine(string.Create(ci, $"9-step {path.ToString().ToLowerInvariant()} interpolation of {config.Bars} bars, warm: median {times[10]:0.0} ms, min {times[0]:0.0} ms, max {times[^1]:0.0} ms (20 runs)"));
        }
        Console.WriteLine($"for melos compare: {dirs[0]} (midpoints of the smooth path), {dirs[3]} (midpoints of the even path), {dirs[1]} (real windows), {dirs[2]} (AR)");
        return 0;
    }

    private static Melody MelodyOf(int[] tokens, LatentSpace space)
    {
        var notes = space.Tokenizer.Decode(tokens);
        var meter = TimeSignature.Parse(space.Model.Config.Meter);
        return Melody.Create(notes, Key.CMajor, [new MeterChange(Duration.Zero, meter)], length: meter.BarLength * space.Bars);
    }

    private static Melody WithKey(Melody m, Key key) => m.WithKey(key);

    private static int Hamming(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        int d = 0;
        for (int i = 0; i < Math.Min(a.Count, b.Count); i++) if (a[i] != b[i]) d++;
        return d + Math.Abs(a.Count - b.Count);
    }

    private static bool Monotonic(IReadOnlyList<int> values, bool rising)
    {
        for (int i = 1; i < values.Count; i++)
            if (rising ? values[i] < values[i - 1] : values[i] > values[i - 1]) return false;
        return true;
    }
}
