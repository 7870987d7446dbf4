using System.Diagnostics;
using System.Globalization;
using Melos.Data.Corpus;
using Melos.Formats.Midi;
using Melos.Generation;
using Melos.Music;

namespace Melos.Bench;

/// <summary>
/// Writes generated melodies for <c>melos compare</c> under the conditions of a reference split: the i-th melody gets the
/// key and meter of the i-th reference melody (cycling when more are asked for), so the generated and the reference sets
/// have the same key and meter distribution. Each (key, meter) group is one request to <see cref="MelodyGenerator"/>
/// with every other setting at <c>melos generate</c>'s default (temperature 1 unless given, no top-k, top-p only when
/// given, the key's scale mask, no chords or primer), i.e. the same as
/// <c>melos generate --key K --meter M --bars N --count C --seed S [--temperature T] [--top-p P]</c>.
/// </summary>
public sealed class EvalGenerateBench : IBenchmark
{
    public string Name => "eval-generate";

    public string Description => "MODEL CORPUS.corpus[:SPLIT] OUT [--count 100] [--bars 16] [--seed 1] [--temperature T] [--top-p P]: melodies with the split's keys and meters, for melos compare";

    public int Run(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: eval-generate MODEL CORPUS.corpus[:SPLIT] OUT [--count 100] [--bars 16] [--seed 1] [--temperature T] [--top-p P]");
            return 2;
        }
        var ci = CultureInfo.InvariantCulture;
        string model = args[0], corpusArg = args[1], output = args[2];
        int count = 100, bars = 16, seed = 1;
        double temperature = 1;
        double? topP = null;
        for (int i = 3; i + 1 < args.Length; i += 2)
        {
            double value = double.Parse(args[i + 1], ci);
            switch (args[i])
            {
                case "--count": count = (int)value; break;
                case "--bars": bars = (int)value; break;
                case "--seed": seed = (int)value; break;
                case "--temperature": temperature = value; break;
                case "--top-p": topP = value; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        var split = CorpusSplit.Test;
        var corpusPath = corpusArg;
        int colon = corpusArg.LastIndexOf(':');
        if (colon > 0 && !File.Exists(corpusArg))
        {
            corpusPath = corpusArg[..colon];
            split = Enum.Parse<CorpusSplit>(corpusArg[(colon + 1)..], ignoreCase: true);
        }
        var reference = CorpusFile.Read(corpusPath).Split(split).Select(e => e.Melody).ToList();
        if (reference.Count == 0)
        {
            Console.Error.WriteLine($"{corpusArg}: the split is empty");
            return 1;
        }
        var conditions = Enumerable.Range(0, count).Select(i => reference[i % reference.Count])
            .Select(m => (Key: m.Key ?? Key.CMajor, Meter: m.Meter)).ToList();
        var groups = conditions.Select((c, i) => (c, i)).GroupBy(x => x.c).ToList();

        var load = Stopwatch.StartNew();
        using var generator = MelodyGenerator.Load(model);
        load.Stop();
        Directory.CreateDirectory(output);
        Console.WriteLine(string.Create(ci, $"model {model}; {count} melodies of {bars} bars with the keys and meters of {corpusArg} ({reference.Count} melodies); seed {seed}; temperature {temperature}; top-p {(topP is { } p ? p.ToString(ci) : "off")}; load {load.Elapsed.TotalSeconds:0.00} s"));
        Console.WriteLine("| key | meter | melodies | seed |");
        Console.WriteLine("|---|---|---|---|");
        var clock = Stopwatch.StartNew();
        int groupIndex = 0, notes = 0;
        foreach (var g in groups)
        {
            var indices = g.Select(x => x.i).ToList();
            for (int start = 0; start < indices.Count; start += GenerationRequest.MaxCount)
            {
                var chunk = indices.Skip(start).Take(GenerationRequest.MaxCount).ToList();
                int groupSeed = seed + 1000 * groupIndex++;
                var request = new GenerationRequest { Bars = bars, Count = chunk.Count, Key = g.Key.Key, Meter = g.Key.Meter, Seed = groupSeed, Temperature = temperature, TopP = topP };
                var melodies = generator.Generate(request);
                for (int k = 0; k < chunk.Count; k++)
                {
                    var path = Path.Combine(output, string.Create(ci, $"melody-{chunk[k] + 1:000}.mid"));
                    File.WriteAllBytes(path, MidiMelody.Write(melodies[k].Melody));
                    notes += melodies[k].Melody.Notes.Length;
                }
                Console.WriteLine(string.Create(ci, $"| {g.Key.Key} | {g.Key.Meter} | {chunk.Count} | {groupSeed} |"));
            }
        }
        clock.Stop();
        Console.WriteLine(string.Create(ci, $"wrote {count} melodies ({notes} notes) to {output} in {clock.Elapsed.TotalSeconds:0.0} s"));
        return 0;
    }
}
