using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using Melos.Data.Corpus;
using Melos.Data.Sources;
using Melos.Data.Statistics;
using Melos.Reports;

namespace Melos.Cli.Commands;

/// <summary><c>melos corpus build|stats</c>.</summary>
public static class CorpusCommands
{
    /// <summary>Creates the <c>corpus</c> command group.</summary>
    public static Command Create(CliContext context) => new("corpus", "Build a training corpus from folders of music and report its biases.")
    {
        Build(context),
        Stats(context),
        InteropCommands.CorpusExport(context),
    };

    private static Command Build(CliContext context)
    {
        var inputs = new Argument<string[]>("INPUT") { Description = "Folders (read recursively) or files: .mid, .midi, .abc, chorale .json.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out", "-o") { Description = "The corpus file to write (e.g. nottingham.corpus).", Required = true };
        var style = new Option<string?>("--style") { Description = "A style label for every melody (default: a melos.json sidecar, the tune's rhythm field, or the collection)." };
        var collection = new Option<string?>("--collection") { Description = "A collection label for every melody (default: a melos.json sidecar, else the input folder's name)." };
        var minNotes = new Option<int>("--min-notes") { Description = "Discard melodies with fewer notes.", DefaultValueFactory = _ => 8 };
        var valid = new Option<double>("--valid") { Description = "Share of melodies in the validation split.", DefaultValueFactory = _ => 0.1 };
        var test = new Option<double>("--test") { Description = "Share of melodies in the test split.", DefaultValueFactory = _ => 0.1 };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing corpus file." };
        var maxFileBytes = new Option<long>("--max-file-bytes") { Description = "Files larger than this many bytes are skipped as over the limit.", DefaultValueFactory = _ => 16L * 1024 * 1024 };
        var maxSeconds = new Option<double>("--max-seconds-per-file") { Description = "A file that takes longer to read is skipped as over the limit.", DefaultValueFactory = _ => 60 };
        var keepDuplicates = new Option<bool>("--keep-duplicates") { Description = "Keep melodies that repeat an earlier one up to transposition (default: discard them)." };
        var licence = new Option<string[]>("--licence")
        {
            Description = "COLLECTION=TEXT: the licence of a collection's data, recorded in the corpus and quoted by the model cards of models trained on it (repeatable; default: a \"licence\" in the collection's melos.json sidecar).",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var cmd = new Command("build", "Read folders of music into a corpus: one quantized melody per tune, with chords, key, meter, style and split.")
            { inputs, output, style, collection, minNotes, valid, test, force, keepDuplicates, maxFileBytes, maxSeconds, licence };
        cmd.SetAction(pr => context.Guard(() =>
        {
            var outPath = pr.GetValue(output)!;
            if (File.Exists(outPath) && !pr.GetValue(force)) throw new CliError($"{outPath} exists; use --force to overwrite it");
            if (pr.GetValue(minNotes) is var least and < 1) throw new CliError($"--min-notes must be at least 1, not {least}");
            double validShare = pr.GetValue(valid), testShare = pr.GetValue(test);
            if (!(validShare >= 0 && testShare >= 0 && validShare + testShare < 1))
                throw new CliError(string.Create(CultureInfo.InvariantCulture, $"--valid {validShare} and --test {testShare} must be at least 0 and sum below 1 (the rest is the training split)"));
            var options = new CorpusBuildOptions
            {
                Inputs = [.. pr.GetValue(inputs)!],
                Style = pr.GetValue(style),
                Collection = pr.GetValue(collection),
                MinNotes = pr.GetValue(minNotes),
                Ratios = new SplitRatios(validShare, testShare),
                KeepDuplicates = pr.GetValue(keepDuplicates),
                Licences = Licences(pr.GetValue(licence) ?? []),
                MaxFileBytes = pr.GetValue(maxFileBytes) is > 0 and var mb ? mb : throw new CliError("--max-file-bytes must be positive"),
                MaxTimePerFile = pr.GetValue(maxSeconds) is > 0 and < 1e6 and var ms ? TimeSpan.FromSeconds(ms) : throw new CliError("--max-seconds-per-file must be positive"),
            };
            var builder = new CorpusBuilder(TuneSources.Default);
            var corpus = ConsoleUi.WithProgress(context, "reading files", report =>
                builder.Build(options, new SyncProgress<BuildProgress>(p => report(p.FilesDone, p.FilesTotal))));
            if (corpus.Entries.Count == 0)
            {
                PrintNothingKept(context.Err, corpus.Summary, outPath);
                return 1;
            }
            CorpusFile.Write(outPath, corpus);
            PrintSummary(context.Out, corpus.Summary, outPath);
            return 0;
        }));
        return cmd;
    }

    /// <summary>
    /// Reports a build that kept no melody (and wrote nothing): one <c>error:</c> line, then every discarded tune with
    /// its reason and detail, one a line.
    /// </summary>
    public static void PrintNothingKept(TextWriter w, BuildSummary s, string path)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(s);
        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"error: no melody kept from {s.TunesFound} tune{(s.TunesFound == 1 ? "" : "s")} in {s.FilesRead} file{(s.FilesRead == 1 ? "" : "s")}, so {TerminalText.Escape(path)} was not written; why each was discarded:"));
        foreach (var d in s.Discards) w.WriteLine($"  {TerminalText.Escape(d.Source)}: {d.Reason}: {TerminalText.Escape(d.Detail)}");
    }

    private static ImmutableSortedDictionary<string, string> Licences(IEnumerable<string> values)
    {
        var licences = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            int eq = value.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || string.IsNullOrWhiteSpace(value[(eq + 1)..]))
                throw new CliError($"--licence takes COLLECTION=TEXT (for example nottingham=\"GNU GPLv3\"), not '{TerminalText.Escape(value)}'");
            var name = value[..eq].Trim();
            if (!licences.TryAdd(name, value[(eq + 1)..].Trim())) throw new CliError($"--licence names the collection {TerminalText.Escape(name)} twice");
        }
        return licences.ToImmutable();
    }

    /// <summary>Prints a build summary: files, kept, discards by reason with a few examples, splits.</summary>
    public static void PrintSummary(TextWriter w, BuildSummary s, string path)
    {
        var ci = CultureInfo.InvariantCulture;
        w.WriteLine(string.Create(ci, $"wrote {TerminalText.Escape(path)}: {s.MelodiesKept} melodies from {s.TunesFound} tunes in {s.FilesRead} files ({s.Seconds:0.0} s)"));
        w.WriteLine("splits: " + string.Join(", ", s.BySplit.Select(kv => $"{kv.Key.ToLowerInvariant()} {kv.Value}")));
        w.WriteLine(s.NearDuplicateFamilies == 0 ? "near-duplicates: none"
            : $"near-duplicates: {s.MelodiesInFamilies} tunes in {s.NearDuplicateFamilies} families (each family in one split)");
        int discarded = s.DiscardedByReason.Values.Sum();
        w.WriteLine(discarded == 0 ? "discarded: none" : $"discarded: {discarded}");
        foreach (var (reason, count) in s.DiscardedByReason)
        {
            w.WriteLine($"  {reason}: {count}");
            foreach (var d in s.Discards.Where(d => d.Reason.ToString() == reason).Take(3)) w.WriteLine($"    {TerminalText.Escape(d.Source)}: {TerminalText.Escape(d.Detail)}");
        }
        w.WriteLine(string.Create(ci, $"keys estimated: {s.KeysEstimated}; mean quantization error {s.MeanQuantizationError:0.0000} quarters"));
    }

    private static Command Stats(CliContext context)
    {
        var corpus = new Argument<string>("CORPUS") { Description = "A corpus file from 'melos corpus build'." };
        var json = new Option<bool>("--json") { Description = "Print the statistics as JSON." };
        var report = new Option<string?>("--report") { Description = "Write PNG charts, stats.json and index.html into this folder." };
        var compare = new Option<string?>("--compare") { Description = "Another corpus file, or a folder of music (e.g. generated melodies), to put side by side." };
        var cmd = new Command("stats", "Report what a corpus is biased toward: styles, keys, modes, meters, ranges, rhythms.") { corpus, json, report, compare };
        cmd.SetAction(pr => context.Guard(() =>
        {
            var path = pr.GetValue(corpus)!;
            var data = CorpusFile.Read(FileArguments.RequireFile(path, "corpus file"));
            var stats = CorpusStatistics.Compute(data.Entries, data.Summary);
            CorpusStatistics? other = null;
            string? otherName = null;
            if (pr.GetValue(compare) is { } cmp)
            {
                otherName = Path.GetFileName(Path.TrimEndingDirectorySeparator(cmp));
                var otherData = File.Exists(cmp) && !Directory.Exists(cmp) && cmp.EndsWith(".corpus", StringComparison.OrdinalIgnoreCase)
                    ? CorpusFile.Read(cmp)
                    : new CorpusBuilder(TuneSources.Default).Build(new CorpusBuildOptions { Inputs = [cmp], MinNotes = 1 });
                other = CorpusStatistics.Compute(otherData.Entries, otherData.Summary);
            }
            if (pr.GetValue(report) is { } dir)
            {
                var files = StatsReport.Write(dir, Path.GetFileName(path), stats, otherName, other);
                context.Err.WriteLine($"report: {Path.Combine(dir, "index.html")} ({files.Count} files)");
            }
            if (pr.GetValue(json))
                context.Out.WriteLine(other is null ? stats.ToJson() : System.Text.Json.JsonSerializer.Serialize(new { corpus = stats, compare = other },
                    new System.Text.Json.JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase }));
            else PrintStats(context.Out, stats, otherName, other);
            return 0;
        }));
        return cmd;
    }

    private static void PrintStats(TextWriter w, CorpusStatistics s, string? otherName, CorpusStatistics? other)
    {
        var ci = CultureInfo.InvariantCulture;
        static string Top(IReadOnlyDictionary<string, int> d, int total, int n) =>
            string.Join(", ", d.Take(n).Select(kv => string.Create(CultureInfo.InvariantCulture, $"{TerminalText.Escape(kv.Key)} {100.0 * kv.Value / Math.Max(1, total):0}%")));
        void Block(string name, CorpusStatistics x)
        {
            w.WriteLine($"{TerminalText.Escape(name)}: {x.Melodies} melodies" + (x.Discarded.Count > 0 ? $" ({x.Discarded.Values.Sum()} discarded: {string.Join(", ", x.Discarded.Select(kv => $"{kv.Key} {kv.Value}"))})" : ""));
            w.WriteLine($"  collections: {Top(x.ByCollection, x.Melodies, 6)}");
            w.WriteLine($"  styles:      {Top(x.ByStyle, x.Melodies, 6)}");
            w.WriteLine($"  modes:       {Top(x.Modes, x.Melodies, 7)}");
            w.WriteLine($"  keys:        {Top(x.Keys, x.Melodies, 6)}");
            w.WriteLine($"  meters:      {Top(x.Meters, x.Melodies, 6)}");
            w.WriteLine(string.Create(ci, $"  length:      median {x.LengthBarsSummary?.Median ?? 0} bars, {x.NotesPerMelody?.Mean ?? 0:0} notes on average, {x.NoteDensity?.Mean ?? 0:0.0} notes per bar"));
            w.WriteLine($"  range:       {x.OverallRange ?? "-"}; chords on {(x.WithChordsShare * 100).ToString("0", ci)}% of melodies");
            foreach (var warn in x.Warnings) w.WriteLine($"  warning: {TerminalText.Escape(warn)}");
        }
        Block("corpus", s);
        if (other is not null) Block(otherName ?? "compare", other);
    }
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread (no synchronization-context hop).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
