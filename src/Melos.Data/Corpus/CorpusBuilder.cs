using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Melos.Data.Sources;
using Melos.Music;

namespace Melos.Data.Corpus;

/// <summary>How a corpus is built.</summary>
public sealed record CorpusBuildOptions
{
    /// <summary>Folders (searched recursively) or single files to read.</summary>
    public ImmutableArray<string> Inputs { get; init; } = [];
    /// <summary>A collection label for every melody (overrides sidecar files and folder names).</summary>
    public string? Collection { get; init; }
    /// <summary>A style label for every melody (overrides sidecar files and tune fields).</summary>
    public string? Style { get; init; }
    /// <summary>
    /// The licence of each collection's data, by collection name (it wins over a sidecar's <c>"licence"</c>); written into
    /// the corpus header for model cards.
    /// </summary>
    public ImmutableSortedDictionary<string, string> Licences { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    /// <summary>The quantization grid.</summary>
    public QuantizationGrid Grid { get; init; } = QuantizationGrid.Default;
    /// <summary>Melodies with fewer notes are discarded as too short.</summary>
    public int MinNotes { get; init; } = 8;
    /// <summary>Melodies whose mean onset shift under quantization exceeds this (quarter notes) are unquantizable.</summary>
    public double MaxMeanQuantizationError { get; init; } = 0.1;
    /// <summary>Melodies that lost more than this share of notes when reduced to one line are polyphonic beyond repair.</summary>
    public double MaxDroppedShare { get; init; } = 0.5;
    /// <summary>Validation and test shares.</summary>
    public SplitRatios Ratios { get; init; } = new();
    /// <summary>Keep melodies that repeat an earlier one up to transposition (by default they are discarded as duplicates).</summary>
    public bool KeepDuplicates { get; init; }
    /// <summary>Files larger than this (bytes) are not read and are discarded as <see cref="DiscardReason.OverLimit"/> (default 16 MiB).</summary>
    public long MaxFileBytes { get; init; } = 16L * 1024 * 1024;
    /// <summary>A file whose reading and processing takes longer than this is discarded as <see cref="DiscardReason.OverLimit"/>
    /// (default 60 s). Readers bound their own work by their limits; this is the backstop for a file that still runs away: the
    /// build stops waiting for it and goes on (its worker thread is abandoned and ends when the process does).</summary>
    public TimeSpan MaxTimePerFile { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Worker threads (default: all cores).</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">No inputs, or a value out of range.</exception>
    public void Validate()
    {
        if (Inputs.IsEmpty) throw new ArgumentException("No input folders or files given.", nameof(Inputs));
        foreach (var i in Inputs)
            if (!Directory.Exists(i) && !File.Exists(i)) throw new DirectoryNotFoundException($"input not found: {i}");
        if (MinNotes < 1) throw new ArgumentOutOfRangeException(nameof(MinNotes), MinNotes, "MinNotes must be at least 1.");
        if (MaxFileBytes < 1) throw new ArgumentOutOfRangeException(nameof(MaxFileBytes), MaxFileBytes, "MaxFileBytes must be at least 1.");
        if (MaxTimePerFile <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(MaxTimePerFile), MaxTimePerFile, "MaxTimePerFile must be positive.");
        if (Parallelism < 1) throw new ArgumentOutOfRangeException(nameof(Parallelism), Parallelism, "Parallelism must be at least 1.");
        foreach (var (collection, licence) in Licences)
            if (string.IsNullOrWhiteSpace(collection) || string.IsNullOrWhiteSpace(licence))
                throw new ArgumentException($"A licence needs a collection name and a text, not '{collection}'='{licence}'.", nameof(Licences));
        Ratios.Validate();
    }
}

/// <summary>Progress of a build: files done out of total.</summary>
/// <param name="FilesDone">Files finished.</param>
/// <param name="FilesTotal">Files to read.</param>
public readonly record struct BuildProgress(int FilesDone, int FilesTotal);

/// <summary>
/// Builds a corpus from folders of music: reads every file a source understands (in parallel), extracts one line per tune,
/// quantizes it to the grid (recording the error), estimates missing keys, labels collection and style, discards exact
/// duplicates (same transposition-invariant fingerprint), groups near-duplicates into families (<see cref="TuneFamilies"/>)
/// and assigns each family one split from its representative's fingerprint, and counts every discard by reason.
/// </summary>
public sealed class CorpusBuilder(IReadOnlyList<ITuneSource> sources)
{
    /// <summary>The name of the optional sidecar file that labels the melodies of a folder: <c>{"style": "...", "collection": "..."}</c>.</summary>
    public const string SidecarName = "melos.json";

    /// <summary>Builds the corpus.</summary>
    public CorpusData Build(CorpusBuildOptions options, IProgress<BuildProgress>? progress = null)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        var files = new List<(string Path, string Root, string Relative, ITuneSource Source)>();
        foreach (var input in options.Inputs)
        {
            var full = Path.GetFullPath(input);
            IEnumerable<string> candidates = File.Exists(full) ? [full] : Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories);
            var root = File.Exists(full) ? Path.GetDirectoryName(full)! : full;
            foreach (var f in candidates.Order(StringComparer.Ordinal))
            {
                var src = sources.FirstOrDefault(s => s.CanRead(f));
                if (src is not null) files.Add((f, root, Path.GetRelativePath(root, f).Replace('\\', '/'), src));
            }
        }
        if (files.Count == 0)
            throw new FileNotFoundException($"No music files ({TuneSources.ReadableFiles}) found in {string.Join(", ", options.Inputs)}.");

        var results = new List<(CorpusEntry Entry, string Fingerprint)>?[files.Count];
        var discards = new ConcurrentBag<(int File, int Order, Discard D)>();
        int tunes = 0, done = 0;
        var sidecars = new ConcurrentDictionary<string, SidecarInfo?>();
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism }, i =>
        {
            var (path, root, rel, src) = files[i];
            var collection = options.Collection ?? CollectionOf(path, root, sidecars);
            var (kept, fileDiscards, found) = ReadFile(src, path, root, rel, collection, options, sidecars);
            Interlocked.Add(ref tunes, found);
            for (int k = 0; k < fileDiscards.Count; k++) discards.Add((i, k, fileDiscards[k]));
            results[i] = kept;
            progress?.Report(new BuildProgress(Interlocked.Increment(ref done), files.Count));
        });

        var entries = new List<CorpusEntry>();
        var fingerprints = new List<string>();
        var seen = new Dictionary<string, string>();
        var duplicates = new List<Discard>();
        foreach (var (e, fp) in results.SelectMany(r => r ?? []))
        {
            if (!options.KeepDuplicates && seen.TryGetValue(fp, out var first))
            {
                duplicates.Add(new Discard(DiscardReason.Duplicate, e.Id, $"same melody as {first}"));
                continue;
            }
            seen.TryAdd(fp, e.Id);
            entries.Add(e);
            fingerprints.Add(fp);
        }
        // Near-duplicates (other editions, formats, transpositions, ornaments) are kept but share their family's split.
        var family = TuneFamilies.Group([.. entries.Select(e => e.Melody)], fingerprints);
        for (int i = 0; i < entries.Count; i++)
            entries[i] = entries[i] with { Split = options.Ratios.Assign(fingerprints[family[i]]), Family = entries[family[i]].Id };
        var (families, inFamilies) = TuneFamilies.Count(family);
        var orderedDiscards = discards.OrderBy(d => d.File).ThenBy(d => d.Order).Select(d => d.D).Concat(duplicates).ToImmutableArray();
        var summary = new BuildSummary
        {
            FilesRead = files.Count,
            TunesFound = tunes,
            MelodiesKept = entries.Count,
            DiscardedByReason = orderedDiscards.GroupBy(d => d.Reason.ToString()).ToImmutableSortedDictionary(g => g.Key, g => g.Count()),
            Discards = orderedDiscards,
            BySplit = entries.GroupBy(e => e.Split.ToString()).ToImmutableSortedDictionary(g => g.Key, g => g.Count()),
            NearDuplicateFamilies = families,
            MelodiesInFamilies = inFamilies,
            KeysEstimated = entries.Count(e => e.KeyEstimated),
            MeanQuantizationError = entries.Count == 0 ? 0 : entries.Average(e => e.QuantizationError),
            Seconds = clock.Elapsed.TotalSeconds,
        };
        var header = new CorpusHeader
        {
            Created = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            Inputs = options.Inputs,
            GridStepsPerQuarter = [.. options.Grid.StepsPerQuarter],
            ContentHash = ContentHash(entries, fingerprints),
            Count = entries.Count,
            Licences = LicencesOf(entries, files, options, sidecars),
        };
        return new CorpusData(entries, summary, header);
    }

    /// <summary>One file's melodies and discards, within the options' size and time limits.</summary>
    private static (List<(CorpusEntry, string)> Kept, List<Discard> Discards, int Tunes) ReadFile(ITuneSource src, string path, string root, string rel,
        string collection, CorpusBuildOptions options, ConcurrentDictionary<string, SidecarInfo?> sidecars)
    {
        long length = new FileInfo(path).Length;
        if (length > options.MaxFileBytes)
            return ([], [new Discard(DiscardReason.OverLimit, $"{collection}/{rel}", $"file of {length} bytes exceeds the limit of {options.MaxFileBytes} bytes (--max-file-bytes)")], 1);
        var work = Task.Factory.StartNew(() =>
        {
            var kept = new List<(CorpusEntry, string)>();
            var dropped = new List<Discard>();
            int found = 0;
            foreach (var tune in SafeRead(src, path, rel))
            {
                found++;
                var id = $"{collection}/{tune.Id}";
                CorpusEntry? entry;
                string? fingerprint;
                Discard? discard;
                try
                {
                    (entry, fingerprint, discard) = Process(tune, id, collection, path, root, options, sidecars);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Like a reader's exception, a failure processing one tune (quantizing, fingerprinting) never stops the build.
                    (entry, fingerprint, discard) = (null, null, new Discard(DiscardReason.ParseError, id, $"{e.GetType().Name}: {e.Message}"));
                }
                if (entry is not null) kept.Add((entry, fingerprint!));
                else dropped.Add(discard! with { Source = id });
            }
            return (kept, dropped, found);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (work.Wait(options.MaxTimePerFile)) return work.Result;
        return ([], [new Discard(DiscardReason.OverLimit, $"{collection}/{rel}",
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"reading took longer than the limit of {options.MaxTimePerFile.TotalSeconds:0.###} s (--max-seconds-per-file)"))], 1);
    }

    private static IEnumerable<SourceTune> SafeRead(ITuneSource src, string path, string rel)
    {
        // A source should report failures as tunes; an exception still never stops the build.
        var list = new List<SourceTune>();
        try
        {
            foreach (var t in src.Read(path, rel)) list.Add(t);
        }
        catch (Exception e) when (e is Formats.Midi.MidiLimitException or Formats.Abc.AbcLimitException)
        {
            list.Add(SourceTune.Failed(rel, DiscardReason.OverLimit, e.Message));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            list.Add(SourceTune.Failed(rel, DiscardReason.ParseError, $"{e.GetType().Name}: {e.Message}"));
        }
        return list;
    }

    private static (CorpusEntry?, string? Fingerprint, Discard?) Process(SourceTune tune, string id, string collection, string path, string root,
        CorpusBuildOptions options, ConcurrentDictionary<string, SidecarInfo?> sidecars)
    {
        if (tune.Melody is not { } melody) return (null, null, tune.Discard);
        if (tune.NotesBeforeOneLine > 0 && tune.DroppedForOneLine > options.MaxDroppedShare * tune.NotesBeforeOneLine)
            return (null, null, new Discard(DiscardReason.PolyphonicBeyondRepair, id, $"{tune.DroppedForOneLine} of {tune.NotesBeforeOneLine} notes dropped to make one line"));
        if (melody.Notes.IsEmpty) return (null, null, new Discard(DiscardReason.NoMelody, id, "no notes"));

        var (quantized, error) = QuantizeMelody(melody, options.Grid);
        if (error > options.MaxMeanQuantizationError)
            return (null, null, new Discard(DiscardReason.Unquantizable, id, $"mean onset shift {error:0.000} quarters exceeds {options.MaxMeanQuantizationError}"));
        if (quantized.Notes.Length < options.MinNotes)
            return (null, null, new Discard(DiscardReason.TooShort, id, $"{quantized.Notes.Length} notes, fewer than {options.MinNotes}"));

        bool estimated = false;
        if (quantized.Key is null)
        {
            quantized = quantized.WithKey(KeyEstimator.Estimate(quantized.Notes).Key);
            estimated = true;
        }
        var style = options.Style ?? SidecarOf(Path.GetDirectoryName(path)!, root, sidecars)?.Style ?? StyleField(quantized) ?? collection;
        quantized = quantized.WithInfo(quantized.Info with
        {
            Collection = collection,
            Source = id,
            Styles = quantized.Info.Styles.Contains(style) ? quantized.Info.Styles : quantized.Info.Styles.Add(style),
        });
        var fingerprint = Fingerprint.Of(quantized);
        // The split is provisional: Build moves every melody to its family's split.
        var split = options.Ratios.Assign(fingerprint);
        return (new CorpusEntry(id, collection, style, split, quantized, error, estimated), fingerprint, null);
    }

    private static string? StyleField(Melody m) =>
        m.Info.Fields.TryGetValue("R", out var r) && !string.IsNullOrWhiteSpace(r) ? r.Trim().ToLowerInvariant() : null;

    /// <summary>Snaps a melody to the grid when it is off it; returns the melody and the mean onset shift (quarters).</summary>
    public static (Melody Melody, double MeanOnsetError) QuantizeMelody(Melody melody, QuantizationGrid grid)
    {
        int finest = grid.FinestStepsPerQuarter;
        bool OnGrid(Duration d)
        {
            var steps = d.Quarters * finest;
            if (steps.Denominator != 1) return false;
            var q = grid.Snap(d.ToQuarterDouble());
            return q == d;
        }
        if (melody.Notes.All(n => OnGrid(n.Start) && OnGrid(n.End)) && melody.Chords.All(c => OnGrid(c.At)) && melody.Meters.All(m => OnGrid(m.At)))
            return (melody, 0);
        var (quantized, report) = Quantize(melody, grid);
        return (quantized, report.MeanOnsetError);
    }

    /// <summary>
    /// Snaps a melody to the grid: its notes made one line by <see cref="Quantizer"/> (spelled in its key), its chords,
    /// meter changes, tempo changes and length snapped; with the quantizer's report of what moved and what was dropped.
    /// </summary>
    public static (Melody Melody, QuantizationReport Report) Quantize(Melody melody, QuantizationGrid grid)
    {
        ArgumentNullException.ThrowIfNull(melody);
        ArgumentNullException.ThrowIfNull(grid);
        var performed = melody.Notes.Select(n => new PerformedNote(n.Pitch.Number, n.Start.ToQuarterDouble(), n.End.ToQuarterDouble(), n.Velocity));
        var (notes, report) = Quantizer.Quantize(performed, grid);
        if (melody.Key is { } key) notes = [.. notes.Select(n => n with { Pitch = Pitch.FromMidi(n.Pitch.Number, key.Spell(n.Pitch.PitchClass)) })];
        var chords = melody.Chords.Select(c => c with { At = grid.Snap(c.At.ToQuarterDouble()) });
        var meters = new List<MeterChange>();
        foreach (var m in melody.Meters)
        {
            var at = grid.Snap(m.At.ToQuarterDouble());
            if (meters.Count > 0 && at <= meters[^1].At) continue;
            meters.Add(m with { At = meters.Count == 0 ? Duration.Zero : at });
        }
        var tempos = melody.Tempos.Select(t => new TempoChange(grid.Snap(t.At.ToQuarterDouble()), t.MicrosecondsPerQuarter)).OrderBy(t => t.At).ToList();
        var q = Melody.Create(notes, melody.Key, meters, tempos, chords, melody.Info, grid.Snap(melody.Length.ToQuarterDouble()));
        return (q, report);
    }

    private static string ContentHash(IReadOnlyList<CorpusEntry> entries, IReadOnlyList<string> fingerprints)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < entries.Count; i++) sb.Append(entries[i].Id).Append('|').Append(fingerprints[i]).Append('|').Append(entries[i].Split).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16];
    }

    private sealed record SidecarInfo(string? Style, string? Collection, string? Licence);

    /// <summary>Each kept collection's licence: the options' first, else the first sidecar (in file order) that names one.</summary>
    private static ImmutableSortedDictionary<string, string> LicencesOf(List<CorpusEntry> entries, List<(string Path, string Root, string Relative, ITuneSource Source)> files,
        CorpusBuildOptions options, ConcurrentDictionary<string, SidecarInfo?> sidecars)
    {
        var kept = entries.Select(e => e.Collection).ToHashSet(StringComparer.Ordinal);
        var licences = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (collection, licence) in options.Licences)
            if (kept.Contains(collection)) licences[collection] = licence;
        foreach (var (path, root, _, _) in files)
        {
            var sidecar = SidecarOf(Path.GetDirectoryName(path)!, root, sidecars);
            if (sidecar?.Licence is not { } licence) continue;
            var collection = options.Collection ?? sidecar.Collection ?? new DirectoryInfo(root).Name;
            if (kept.Contains(collection)) licences.TryAdd(collection, licence);
        }
        return licences.ToImmutable();
    }

    private static string CollectionOf(string path, string root, ConcurrentDictionary<string, SidecarInfo?> cache) =>
        SidecarOf(Path.GetDirectoryName(path)!, root, cache)?.Collection ?? new DirectoryInfo(root).Name;

    private static SidecarInfo? SidecarOf(string dir, string root, ConcurrentDictionary<string, SidecarInfo?> cache)
    {
        // The nearest melos.json between the file's folder and the input folder, inclusive.
        var d = dir;
        while (true)
        {
            var info = cache.GetOrAdd(d, ReadSidecar);
            if (info is not null) return info;
            if (string.Equals(Path.GetFullPath(d), Path.GetFullPath(root), StringComparison.Ordinal)) return null;
            var parent = Path.GetDirectoryName(d);
            if (parent is null || parent.Length < root.Length) return null;
            d = parent;
        }
    }

    private static SidecarInfo? ReadSidecar(string dir)
    {
        var f = Path.Combine(dir, SidecarName);
        if (!File.Exists(f)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(f));
            string? Get(string name) => doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return new SidecarInfo(Get("style"), Get("collection"), Get("licence"));
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
