using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Melos.Data.Corpus;
using Melos.Data.Tokenizers;
using Melos.Models;
using Melos.Models.Interop;
using Melos.Models.Training;
using Melos.Music;
using static Melos.Tests.CliRun;

namespace Melos.Cli.Tests;

/// <summary>melos corpus export and melos model export|import from the command line (no Python needed).</summary>
public sealed class InteropCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-cli-interop-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Corpus()
    {
        var entries = new List<CorpusEntry>();
        for (int i = 0; i < 10; i++)
        {
            // Tune 7 reaches MIDI 100, outside the note tokenizer's range: it is discarded and counted.
            var notes = Enumerable.Range(0, 8 + i).Select(k => new Note(Pitch.FromMidi(i == 7 && k == 3 ? 100 : 60 + k % 5), Duration.FromQuarters(k, 2), Duration.Eighth));
            var m = Melody.Create(notes, Key.Parse("C"), [new MeterChange(Duration.Zero, TimeSignature.CommonTime)], info: new MelodyInfo { Collection = "toy", Styles = [i % 2 == 0 ? "reel" : "jig"] });
            entries.Add(new CorpusEntry($"toy/{i}", "toy", "", i < 6 ? CorpusSplit.Train : i < 8 ? CorpusSplit.Valid : CorpusSplit.Test, m, 0, false));
        }
        var path = Path.Combine(_dir, "toy.corpus");
        CorpusFile.Write(path, new CorpusData(entries, new BuildSummary { MelodiesKept = entries.Count }, new CorpusHeader { ContentHash = "x" }));
        return path;
    }

    private static (string Descr, long[] Shape, byte[] Data) Npy(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0x93, bytes[0]);
        Assert.Equal("NUMPY", Encoding.ASCII.GetString(bytes, 1, 5));
        int n = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        Assert.Equal(0, (10 + n) % 64);
        var header = Encoding.ASCII.GetString(bytes, 10, n);
        var descr = header.Split('\'')[3];
        var shape = header[(header.IndexOf('(') + 1)..header.IndexOf(')')].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        return (descr, shape, bytes[(10 + n)..]);
    }

    [Fact]
    public void CorpusExport_WritesNpySplitsThatMatchTheTokenizer_AndCountsDiscards()
    {
        var corpus = Corpus();
        var outDir = Path.Combine(_dir, "export");
        var (code, output, err) = Run("corpus", "export", corpus, "--out", outDir, "--tokenizer", "note");
        Assert.True(code == 0, err);
        Assert.Contains("train 6 tunes", output, StringComparison.Ordinal);
        Assert.Contains("valid 1 tunes", output, StringComparison.Ordinal);
        Assert.Contains("with a pitch outside the tokenizer's range: 1", output, StringComparison.Ordinal);

        var tokenizer = new NoteTokenizer(new NoteTokenizerConfig());
        var data = CorpusFile.Read(corpus);
        var vocabulary = ConditioningVocabulary.FromMelodies(data.Split(CorpusSplit.Train).Select(e => e.Melody));
        var expected = data.Split(CorpusSplit.Train).Select(e => EncodedSequence.Encode(tokenizer, vocabulary, e.Melody)).ToList();
        var (descr, shape, bytes) = Npy(Path.Combine(outDir, "train.tokens.npy"));
        Assert.Equal("<i4", descr);
        Assert.Equal([expected.Sum(s => (long)s.Tokens.Length)], shape);
        var tokens = Enumerable.Range(0, (int)shape[0]).Select(i => BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4 * i))).ToArray();
        Assert.Equal(expected.SelectMany(s => s.Tokens), tokens);
        var (odescr, oshape, obytes) = Npy(Path.Combine(outDir, "train.offsets.npy"));
        Assert.Equal("<i8", odescr);
        Assert.Equal([7L], oshape);
        Assert.Equal(expected[0].Tokens.Length, BinaryPrimitives.ReadInt64LittleEndian(obytes.AsSpan(8)));
        var (_, cshape, cbytes) = Npy(Path.Combine(outDir, "train.conditioning.npy"));
        Assert.Equal([shape[0], 5L], cshape);
        var c = expected[0].Conditioning[1];
        Assert.Equal([c.Chord, c.Position, c.Meter, c.Key, c.Style], Enumerable.Range(5, 5).Select(i => BinaryPrimitives.ReadInt32LittleEndian(cbytes.AsSpan(4 * i))));
        Assert.True(c.Style > 0);
        var description = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "export.json")))!;
        Assert.Equal(tokenizer.VocabularySize, description["vocabularySize"]!.GetValue<int>());
        Assert.Equal(1, description["discarded"]!["with a pitch outside the tokenizer's range"]!.GetValue<int>());
        Assert.Equal(["jig", "reel"], ConditioningVocabulary.FromJson(File.ReadAllText(Path.Combine(outDir, "conditioning.json"))).Styles.ToArray());

        var again = Run("corpus", "export", corpus, "--out", outDir, "--tokenizer", "note");
        Assert.Equal(1, again.Code);
        Assert.Contains("--force", again.Err, StringComparison.Ordinal);
        Assert.Equal(0, Run("corpus", "export", corpus, "--out", outDir, "--tokenizer", "grid", "--force").Code);
    }

    [Fact]
    public void ModelExportAndImport_RefuseExistingFolders_AndABadCheckpointIsOneErrorLine()
    {
        var model = Path.Combine(_dir, "model");
        using (var m = ModelFactory.Create(new LstmConfig { EmbeddingSize = 8, Hidden = 8, Layers = 1 }, 10, 0, new ConditioningVocabulary(), 1))
            PyTorchInterop.SaveModelFolder(model, m, new GridTokenizerConfig(), 1);
        var exchange = Path.Combine(_dir, "x");
        var (code, output, err) = Run("model", "export", model, "--out", exchange);
        Assert.True(code == 0, err);
        Assert.Contains("model.safetensors", output, StringComparison.Ordinal);
        var refused = Run("model", "export", model, "--out", exchange);
        Assert.Equal(1, refused.Code);
        Assert.Contains("exists; use --force", refused.Err, StringComparison.Ordinal);

        var weights = Path.Combine(exchange, "model.safetensors");
        File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..^4]);
        var bad = Run("model", "import", exchange, "--out", Path.Combine(_dir, "imported"));
        Assert.Equal(1, bad.Code);
        Assert.Single(bad.Err.Trim().Split('\n'));
        Assert.Contains("tensor 'head.bias'", bad.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "imported")));
    }
}
