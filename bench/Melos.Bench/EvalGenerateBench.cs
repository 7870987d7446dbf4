using System.Diagnostics;
using System.Globalization;
using Melos.Data.Corpus;
using Melos.Evaluation;
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

    public string Description => "MODEL CORPUS.corpus[:SPLIT] OUT [--protocol free] [--collection C] [--count 100] [--bars 16] [--seed 1] [--temperature T] [--top-p P] [--forms CORPUS.corpus[:SPLIT]|reference] [--style S] [--chromatic true] [--end-on-tonic true] [--best-of N]: melodies with the split's keys and meters, for melos compare";

    public int Run(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: eval-generate MODEL CORPUS.corpus[:SPLIT] OUT [--protocol free] [--collection C] [--count 100] [--bars 16] [--seed 1] [--temperature T] [--top-p P] [--forms CORPUS.corpus[:SPLIT]|reference] [--style S] [--chords reference] [--chromatic true] [--end-on-tonic true] [--best-of N]");
            return 2;
        }
        var ci = CultureInfo.InvariantCulture;
        string model = args[0], corpusArg = args[1], output = args[2];
        int count = 100, bars = 16, seed = 1;
        double temperature = 1;
        double? topP = null;
        int? bestOf = null;
        string? formsArg = null, style = null, collection = null;
        bool referenceChords = false, free = false, countGiven = false, chromatic = false, endOnTonic = false;
        for (int i = 3; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--protocol") { free = args[i + 1] == "free" ? true : throw new ArgumentException("--protocol takes 'free'"); continue; }
            if (args[i] == "--collection") { collection = args[i + 1]; continue; }
            if (args[i] == "--count") countGiven = true;
            if (args[i] == "--forms") { formsArg = args[i + 1]; continue; }
            if (args[i] == "--style") { style = args[i + 1]; continue; }
            if (args[i] == "--chromatic") { chromatic = bool.Parse(args[i + 1]); continue; }
            if (args[i] == "--end-on-tonic") { endOnTonic = bool.Parse(args[i + 1]); continue; }
            if (args[i] == "--chords") { referenceChords = args[i + 1] == "reference" ? true : throw new ArgumentException("--chords takes 'reference'"); continue; }
            double value = double.Parse(args[i + 1], ci);
            switch (args[i])
            {
                case "--count": count = (int)value; break;
                case "--bars": bars = (int)value; break;
                case "--seed": seed = (int)value; break;
                case "--temperature": temperature = value; break;
                case "--top-p": topP = value; break;
                case "--best-of": bestOf = (int)value; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        var entries = ReadEntries(corpusArg, CorpusSplit.Test).Where(e => collection is null || e.Collection == collection).ToList();
        var reference = entries.Select(e => e.Melody).ToList();
        if (reference.Count == 0)
        {
            Console.Error.WriteLine($"{corpusArg}: the split is empty{(collection is null ? "" : $" for the collection {collection}")}");
            return 1;
        }
        if (free) return Free(model, corpusArg, output, entries, countGiven ? count : entries.Count, seed, temperature, topP, chromatic, endOnTonic, bestOf);
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
        int groupIndex = 0, notes = 0, copiedBars = 0, plannedBars = 0;
        // With --forms, melody i follows the form of a random melody of that corpus (same meter when there is one),
        // pickup dropped: one request per melody, since a request has one form.
        bool referenceForms = formsArg == "reference";
        var forms = formsArg is null || referenceForms ? null : ReadSplit(formsArg, CorpusSplit.Train).Select(MelodySet.DropPickup)
            .Where(m => m.BarCount >= bars).Select(m => (m.Meter, Form: MelodyForm.Of(m, bars))).ToList();
        var formRng = new Random(seed);
        foreach (var g in groups)
        {
            var indices = g.Select(x => x.i).ToList();
            for (int start = 0; start < indices.Count; start += GenerationRequest.MaxCount)
            {
                var chunk = indices.Skip(start).Take(GenerationRequest.MaxCount).ToList();
                int groupSeed = seed + 1000 * groupIndex++;
                var request = new GenerationRequest { Bars = bars, Count = chunk.Count, Key = g.Key.Key, Meter = g.Key.Meter, Seed = groupSeed, Style = style, Sampling = new() { Temperature = temperature, TopP = topP } };
                IReadOnlyList<GeneratedMelody> melodies;
                if (forms is null && !referenceChords && !referenceForms) melodies = generator.Generate(request);
                else
                {
                    var sameMeter = forms?.Where(f => f.Meter == g.Key.Meter).Select(f => f.Form).ToList() ?? [];
                    var pool = sameMeter.Count > 0 ? sameMeter : [.. (forms ?? []).Select(f => f.Form)];
                    melodies = [.. chunk.Select((index, k) =>
                    {
                        var cropped = MelodySet.DropPickup(reference[index % reference.Count]);
                        var form = referenceForms ? MelodyForm.Of(cropped, bars) : pool.Count > 0 ? pool[formRng.Next(pool.Count)] : null;
                        plannedBars += form?.RepeatedBars ?? 0;
                        var chords = referenceChords ? ChordsOf(cropped, bars) : [];
                        var one = generator.Generate(request with { Count = 1, Seed = groupSeed + k, Form = form, Chords = chords })[0];
                        copiedBars += one.CopiedBars;
                        return one;
                    })];
                }
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
        if (formsArg is not null) Console.WriteLine(string.Create(ci, $"forms from {formsArg}: {copiedBars} bars copied whole, {plannedBars} planned by the forms"));
        Console.WriteLine(string.Create(ci, $"wrote {count} melodies ({notes} notes) to {output} in {clock.Elapsed.TotalSeconds:0.0} s"));
        return 0;
    }

    /// <summary>
    /// The chords of a melody's first <paramref name="bars"/> bars as a progression: each chord change lasts until the
    /// next, rounded to whole beats (at least one); a stretch without chord keeps the previous chord. Empty without chords.
    /// </summary>
    private static System.Collections.Immutable.ImmutableArray<ProgressionChord> ChordsOf(Melody melody, int bars)
    {
        var meter = melody.Meter;
        var end = meter.BarLength * new Rational(bars, 1);
        var changes = melody.Chords.Where(c => c.At < end && c.Chord is not null).ToList();
        if (changes.Count == 0) return [];
        double beat = meter.BeatLength.Quarters.ToDouble();
        int total = (int)Math.Round(end.Quarters.ToDouble() / beat);
        var starts = changes.Select((c, i) => i == 0 ? 0 : (int)Math.Round(c.At.Quarters.ToDouble() / beat)).ToList();
        var result = new List<ProgressionChord>();
        for (int i = 0; i < changes.Count; i++)
        {
            int beats = (i + 1 < changes.Count ? starts[i + 1] : total) - starts[i];
            if (beats >= 1) result.Add(new ProgressionChord(changes[i].Chord!, beats));
        }
        return [.. result];
    }

    /// <summary>
    /// The free protocol: melody i gets only reference i's style label (when the model knows it), key, meter and number
    /// of bars (at most the model's longest tune): no chords, no form, no notes. One request per melody, seeded seed + i.
    /// </summary>
    private static int Free(string model, string corpusArg, string output, List<CorpusEntry> entries, int count, int seed, double temperature, double? topP,
        bool chromatic, bool endOnTonic, int? bestOf)
    {
        var ci = CultureInfo.InvariantCulture;
        using var generator = MelodyGenerator.Load(model);
        int maxBars = generator.Tokenizer is Melos.Data.Tokenizers.NoteTokenizer { NumbersBars: true } nt ? nt.NoteConfig.MaxBars : GenerationRequest.MaxBars;
        Directory.CreateDirectory(output);
        Console.WriteLine(string.Create(ci, $"model {model}; free protocol: {count} melodies with the style, key, meter and bars of {corpusArg} ({entries.Count} melodies); seed {seed}; temperature {temperature}; top-p {(topP is { } p ? p.ToString(ci) : "off")}; {(chromatic ? "any pitch the model chooses" : "the key's scale")}{(endOnTonic ? "; ending on the tonic" : "")}{(bestOf is { } b ? $"; the most likely of {b} samples" : "")}"));
        var clock = Stopwatch.StartNew();
        int notes = 0, unknownStyle = 0, shortened = 0, copied = 0, bars = 0;
        for (int i = 0; i < count; i++)
        {
            var entry = entries[i % entries.Count];
            var m = entry.Melody;
            string? style = generator.Vocabulary.Styles.Contains(entry.Style) ? entry.Style : null;
            if (style is null) unknownStyle++;
            int n = Math.Clamp(m.BarCount, 1, maxBars);
            if (n < m.BarCount) shortened++;
            var request = new GenerationRequest { Bars = n, Key = m.Key ?? Key.CMajor, Meter = m.Meter, Style = style, Seed = seed + i, Sampling = new() { Temperature = temperature, TopP = topP },
                Pitches = new() { Chromatic = chromatic }, EndOnTonic = endOnTonic, BestOf = bestOf };
            var g = generator.Generate(request)[0];
            File.WriteAllBytes(Path.Combine(output, string.Create(ci, $"melody-{i + 1:000}.mid")), MidiMelody.Write(g.Melody));
            notes += g.Melody.Notes.Length;
            copied += g.CopiedBars;
            bars += n;
        }
        clock.Stop();
        Console.WriteLine(string.Create(ci, $"wrote {count} melodies ({notes} notes, {bars} bars, {copied} written as copies of earlier bars) to {output} in {clock.Elapsed.TotalSeconds:0.0} s; {unknownStyle} without a style the model knows, {shortened} shortened to {maxBars} bars"));
        return 0;
    }

    /// <summary>The entries of CORPUS.corpus[:SPLIT] (<paramref name="fallback"/> when no split is named).</summary>
    private static List<CorpusEntry> ReadEntries(string arg, CorpusSplit fallback)
    {
        var split = fallback;
        var path = arg;
        int colon = arg.LastIndexOf(':');
        if (colon > 0 && !File.Exists(arg))
        {
            path = arg[..colon];
            split = Enum.Parse<CorpusSplit>(arg[(colon + 1)..], ignoreCase: true);
        }
        return [.. CorpusFile.Read(path).Split(split)];
    }

    /// <summary>The melodies of CORPUS.corpus[:SPLIT] (<paramref name="fallback"/> when no split is named).</summary>
    private static List<Melody> ReadSplit(string arg, CorpusSplit fallback) => [.. ReadEntries(arg, fallback).Select(e => e.Melody)];
}
