using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using Melos.Data.Tokenizers;

namespace Melos.Data.Corpus;

/// <summary>What one split of an export holds.</summary>
/// <param name="Tunes">Melodies written.</param>
/// <param name="Tokens">Tokens written.</param>
public sealed record ExportedSplit(long Tunes, long Tokens);

/// <summary>What <see cref="CorpusExport.Export"/> wrote and what it discarded.</summary>
/// <param name="Directory">The export folder.</param>
/// <param name="Splits">Per split (train, valid, test).</param>
/// <param name="Discarded">Melodies that do not fit the tokenizer, counted by reason.</param>
public sealed record CorpusExportResult(string Directory, ImmutableSortedDictionary<string, ExportedSplit> Splits, ImmutableSortedDictionary<string, int> Discarded);

/// <summary>
/// Writes a corpus's tokenized splits in a form PyTorch (or any NumPy reader) loads without Melos: per split, the tokens of
/// every melody end to end (<c>SPLIT.tokens.npy</c>, int32), where each melody starts (<c>SPLIT.offsets.npy</c>, int64,
/// one more than the melodies: melody i is <c>tokens[offsets[i]:offsets[i+1]]</c>), the conditioning of every token
/// (<c>SPLIT.conditioning.npy</c>, int32 [tokens, 5]: chord, position, meter, key, style, as <see cref="ConditionStep"/>),
/// the note count of every melody (<c>SPLIT.notes.npy</c>) and the melody ids (<c>SPLIT.ids.txt</c>), plus
/// <c>tokenizer.json</c>, <c>conditioning.json</c> and <c>export.json</c>. The corpus is streamed: one melody is in memory at a time.
/// </summary>
public static class CorpusExport
{
    /// <summary>The format version of <c>export.json</c> and the files beside it.</summary>
    public const int FormatVersion = 1;

    /// <summary>The description file's name.</summary>
    public const string DescriptionFile = "export.json";

    /// <summary>The conditioning columns, in order.</summary>
    public static ImmutableArray<string> ConditioningColumns { get; } = ["chord", "position", "meter", "key", "style"];

    /// <summary>
    /// Exports <paramref name="corpusPath"/>. With no <paramref name="conditioning"/> vocabulary, one first pass collects the
    /// training split's style labels as <c>melos train</c> does (<see cref="ConditioningVocabulary.FromMelodies"/>).
    /// The folder is written beside its final place and renamed when complete.
    /// </summary>
    /// <param name="corpusPath">A corpus file.</param>
    /// <param name="outDirectory">The folder to write; it must not exist unless <paramref name="force"/>.</param>
    /// <param name="tokenizer">The tokenizer (as training would use it).</param>
    /// <param name="conditioning">The conditioning vocabulary (a model's, to score with it), or null to build it from the training split.</param>
    /// <param name="force">Replace an existing folder.</param>
    /// <param name="progress">Called with (melodies done, melodies in the corpus).</param>
    /// <exception cref="IOException">The folder exists and <paramref name="force"/> is not set.</exception>
    /// <exception cref="CorpusFormatException">The corpus file is damaged.</exception>
    public static CorpusExportResult Export(string corpusPath, string outDirectory, TokenizerConfig tokenizer, ConditioningVocabulary? conditioning = null,
        bool force = false, Action<int, int>? progress = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(corpusPath);
        ArgumentException.ThrowIfNullOrEmpty(outDirectory);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var full = Path.GetFullPath(outDirectory).TrimEnd(Path.DirectorySeparatorChar);
        if (!force && (Directory.Exists(full) || File.Exists(full))) throw new IOException($"{outDirectory} exists; use --force to replace it");
        var (header, _) = CorpusFile.ReadInfo(corpusPath);
        var coder = tokenizer.Create();
        conditioning ??= ConditioningVocabulary.FromMelodies(CorpusFile.Stream(corpusPath).Where(e => e.Split == CorpusSplit.Train).Select(e => e.Melody), coder.Config.StepsPerQuarter);
        conditioning.Validate();

        var parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Path.GetFileName(full)}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        var discarded = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var splits = new SortedDictionary<string, ExportedSplit>(StringComparer.Ordinal);
        try
        {
            var writers = Enum.GetValues<CorpusSplit>().ToDictionary(s => s, s => new SplitWriter(temp, Name(s)));
            try
            {
                int done = 0;
                foreach (var entry in CorpusFile.Stream(corpusPath))
                {
                    if (coder.TryEncode(entry.Melody, out var tokens, out var error))
                        writers[entry.Split].Add(entry.Id, tokens!.Tokens, conditioning.Encode(entry.Melody, tokens), entry.Melody.Notes.Length);
                    else
                    {
                        var reason = TokenizationException.Describe(error?.Kind);
                        discarded[reason] = discarded.GetValueOrDefault(reason) + 1;
                    }
                    progress?.Invoke(++done, header.Count);
                }
            }
            finally
            {
                foreach (var w in writers.Values) w.Dispose();
            }
            foreach (var (split, w) in writers) splits[Name(split)] = new ExportedSplit(w.Tunes, w.Tokens);

            WriteDescription(temp, coder, conditioning, new JsonObject { ["file"] = Path.GetFileName(corpusPath), ["contentHash"] = header.ContentHash, ["melodies"] = header.Count },
                splits, discarded);
            if (Directory.Exists(full)) Directory.Delete(full, recursive: true);
            Directory.Move(temp, full);
        }
        catch
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw;
        }
        return new CorpusExportResult(outDirectory, splits.ToImmutableSortedDictionary(StringComparer.Ordinal), discarded.ToImmutableSortedDictionary(StringComparer.Ordinal));
    }

    /// <summary>
    /// Writes <c>tokenizer.json</c>, <c>conditioning.json</c> and <c>export.json</c> (vocabulary size, PAD, conditioning columns
    /// and sizes, tunes and tokens per split, discards by reason) into an export folder.
    /// </summary>
    public static void WriteDescription(string directory, ITokenizer tokenizer, ConditioningVocabulary conditioning, JsonObject corpus,
        IReadOnlyDictionary<string, ExportedSplit> splits, IReadOnlyDictionary<string, int> discarded)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(conditioning);
        ArgumentNullException.ThrowIfNull(splits);
        ArgumentNullException.ThrowIfNull(discarded);
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), tokenizer.Config.ToJson());
        File.WriteAllText(Path.Combine(directory, "conditioning.json"), conditioning.ToJson());
        var description = new JsonObject
        {
            ["formatVersion"] = FormatVersion,
            ["corpus"] = corpus,
            ["vocabularySize"] = tokenizer.VocabularySize,
            ["pad"] = tokenizer.Pad,
            ["conditioningColumns"] = new JsonArray([.. ConditioningColumns.Select(c => (JsonNode)c)]),
            ["conditioningSizes"] = new JsonArray(conditioning.ChordCount, conditioning.PositionCount, conditioning.MeterCount, conditioning.KeyCount, conditioning.StyleCount),
            ["splits"] = new JsonObject(splits.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)new JsonObject { ["tunes"] = kv.Value.Tunes, ["tokens"] = kv.Value.Tokens }))),
            ["discarded"] = new JsonObject(discarded.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["files"] = "SPLIT.tokens.npy (int32), SPLIT.offsets.npy (int64, tunes + 1), SPLIT.conditioning.npy (int32 [tokens, 5]), SPLIT.notes.npy (int32), SPLIT.ids.txt",
        };
        File.WriteAllText(Path.Combine(directory, DescriptionFile), description.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Writes already encoded sequences as one split of an export folder (for tests and tools that hold encoded melodies).</summary>
    public static ExportedSplit WriteSplit(string directory, string split, IEnumerable<EncodedSequence> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        Directory.CreateDirectory(directory);
        using var w = new SplitWriter(directory, split);
        int i = 0;
        foreach (var s in sequences) w.Add((i++).ToString(System.Globalization.CultureInfo.InvariantCulture), s.Tokens, s.Conditioning, s.NoteCount);
        return new ExportedSplit(w.Tunes, w.Tokens);
    }

    private static string Name(CorpusSplit split) => split.ToString().ToLowerInvariant();

    private sealed class SplitWriter : IDisposable
    {
        private readonly NpyWriter _tokens, _offsets, _conditioning, _notes;
        private readonly StreamWriter _ids;

        public SplitWriter(string directory, string split)
        {
            _tokens = new NpyWriter(Path.Combine(directory, $"{split}.tokens.npy"), wide: false);
            _offsets = new NpyWriter(Path.Combine(directory, $"{split}.offsets.npy"), wide: true);
            _conditioning = new NpyWriter(Path.Combine(directory, $"{split}.conditioning.npy"), wide: false, columns: 5);
            _notes = new NpyWriter(Path.Combine(directory, $"{split}.notes.npy"), wide: false);
            _ids = new StreamWriter(Path.Combine(directory, $"{split}.ids.txt"));
            _offsets.Write(0);
        }

        public long Tunes { get; private set; }
        public long Tokens { get; private set; }

        public void Add(string id, ImmutableArray<int> tokens, ImmutableArray<ConditionStep> conditioning, int notes)
        {
            if (conditioning.Length != tokens.Length) throw new ArgumentException($"{tokens.Length} tokens but {conditioning.Length} conditioning steps", nameof(conditioning));
            foreach (var t in tokens) _tokens.Write(t);
            foreach (var c in conditioning)
            {
                _conditioning.Write(c.Chord);
                _conditioning.Write(c.Position);
                _conditioning.Write(c.Meter);
                _conditioning.Write(c.Key);
                _conditioning.Write(c.Style);
            }
            Tokens += tokens.Length;
            Tunes++;
            _offsets.Write(Tokens);
            _notes.Write(notes);
            _ids.WriteLine(id.ReplaceLineEndings(" "));
        }

        public void Dispose()
        {
            _tokens.Dispose();
            _offsets.Dispose();
            _conditioning.Dispose();
            _notes.Dispose();
            _ids.Dispose();
        }
    }
}
