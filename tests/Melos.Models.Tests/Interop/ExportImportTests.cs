using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Melos.Data.Tokenizers;
using Melos.Models.Interop;
using Melos.Models.Training;

namespace Melos.Models.Tests.Interop;

/// <summary>melos model export / import without Python: a round trip keeps every logit, and bad input is one clear error with nothing written.</summary>
public sealed class ExportImportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-interop-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly ConditioningVocabulary Vocabulary = Toy.Vocabulary;

    private string Model(ModelConfig config, string name = "model", int seed = 3)
    {
        var dir = Path.Combine(_dir, name);
        using var model = ModelFactory.Create(config, 12, 0, Vocabulary, seed);
        PyTorchInterop.SaveModelFolder(dir, model, new GridTokenizerConfig { StepsPerQuarter = 4 }, seed);
        return dir;
    }

    private static readonly LstmConfig Lstm = new() { EmbeddingSize = 8, Hidden = 16, Layers = 2, Attention = true, AttentionLength = 4 };
    private static readonly TransformerConfig Transformer = new() { Layers = 1, Width = 16, Heads = 2, FeedForward = 32, MaxRelativeDistance = 8 };

    private static TokenBatch Batch() => TokenBatch.Create([Toy.Sequence([1, 5, 7, 3, 9, 2, 4, 6, 8, 10, 11, 2])], 0);

    [Fact]
    public void ExportThenImport_GivesTheSameLogits_ForBothArchitectures()
    {
        foreach (var (config, name) in new (ModelConfig, string)[] { (Lstm, "lstm"), (Transformer, "transformer") })
        {
            var source = Model(config, name);
            var exchange = Path.Combine(_dir, name + "-x");
            var exported = PyTorchInterop.Export(source, exchange);
            Assert.True(exported.Tensors > 5);
            Assert.Equal(new FileInfo(Path.Combine(exchange, PyTorchInterop.WeightsFile)).Length, exported.WeightsBytes);
            var back = Path.Combine(_dir, name + "-back");
            var imported = PyTorchInterop.Import(exchange, back);
            Assert.Equal(exported.Parameters, imported.Parameters);
            using var a = (TorchSequenceModel)Checkpoint.LoadModel(source);
            using var b = (TorchSequenceModel)Checkpoint.LoadModel(back);
            Assert.Equal(a.Forward(Batch()).Values, b.Forward(Batch()).Values);
            var config2 = JsonNode.Parse(File.ReadAllText(Path.Combine(back, Checkpoint.ConfigFile)))!;
            Assert.Equal(imported.Sha256, config2["provenance"]!["weightsSha256"]!.GetValue<string>());
            Assert.Contains("Provenance", File.ReadAllText(Path.Combine(back, ModelCard.FileName)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Export_ToAnExistingFolder_IsRefusedWithoutForce()
    {
        var source = Model(Lstm);
        var exchange = Path.Combine(_dir, "x");
        Directory.CreateDirectory(exchange);
        File.WriteAllText(Path.Combine(exchange, "keep.txt"), "mine");
        var e = Assert.Throws<IOException>(() => PyTorchInterop.Export(source, exchange));
        Assert.Contains("--force", e.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(exchange, "keep.txt")));
        PyTorchInterop.Export(source, exchange, force: true);
        Assert.False(File.Exists(Path.Combine(exchange, "keep.txt")));
        Assert.True(File.Exists(Path.Combine(exchange, PyTorchInterop.WeightsFile)));
    }

    private string Exchange(ModelConfig config, string name = "x")
    {
        var exchange = Path.Combine(_dir, name);
        PyTorchInterop.Export(Model(config, name + "-model"), exchange);
        return exchange;
    }

    private InteropFormatException ImportFails(string exchange)
    {
        var target = Path.Combine(_dir, "imported");
        var e = Assert.Throws<InteropFormatException>(() => PyTorchInterop.Import(exchange, target));
        Assert.False(Directory.Exists(target));
        Assert.Empty(Directory.GetDirectories(_dir, ".imported*"));
        Assert.Contains("nothing was written", e.Message, StringComparison.Ordinal);
        return e;
    }

    [Fact]
    public void Import_OfATruncatedFile_NamesTheTensorPastTheEnd()
    {
        var exchange = Exchange(Lstm);
        var weights = Path.Combine(exchange, PyTorchInterop.WeightsFile);
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length - 10)]);
        var e = ImportFails(exchange);
        Assert.Equal("head.bias", e.Tensor);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        File.WriteAllBytes(weights, bytes[..5]);
        Assert.Contains("truncated", ImportFails(exchange).Message, StringComparison.Ordinal);
    }

    /// <summary>Rewrites one tensor of an exchange folder's weights (a copy of every tensor, one changed).</summary>
    private static void Rewrite(string exchange, Func<string, long[], float[], (string, long[], float[])?> change)
    {
        var weights = Path.Combine(exchange, PyTorchInterop.WeightsFile);
        var (entries, metadata, start) = SafeTensors.ReadHeader(weights);
        var tensors = new List<(string, long[], float[])>();
        foreach (var e in entries)
            if (change(e.Name, e.Shape, SafeTensors.ReadFloats(weights, e, start)) is { } t) tensors.Add(t);
        using var fs = new FileStream(weights, FileMode.Create);
        SafeTensors.Write(fs, tensors, metadata.ToDictionary());
    }

    [Fact]
    public void Import_OfNaNWeights_NamesTheTensor()
    {
        var exchange = Exchange(Lstm);
        Rewrite(exchange, (n, s, v) =>
        {
            if (n == "lstm.weight_hh_l1") v[3] = float.NaN;
            return (n, s, v);
        });
        var e = ImportFails(exchange);
        Assert.Equal("lstm.weight_hh_l1", e.Tensor);
        Assert.Contains("NaN", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_OfAWrongShape_OrAMissingTensor_NamesIt()
    {
        var exchange = Exchange(Lstm);
        Rewrite(exchange, (n, s, v) => n == "head.weight" ? (n, [s[1], s[0]], v) : (n, s, v));
        var e = ImportFails(exchange);
        Assert.Equal("head.weight", e.Tensor);
        Assert.Contains("has shape [16, 12], expected [12, 16]", e.Message, StringComparison.Ordinal);

        var exchange2 = Exchange(Lstm, "x2");
        Rewrite(exchange2, (n, s, v) => n == "embedding.weight" ? null : (n, s, v));
        var missing = ImportFails(exchange2);
        Assert.Equal("embedding.weight", missing.Tensor);
        Assert.Contains("missing", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_OfAnotherArchitecture_IsRefused()
    {
        // Transformer weights beside an LSTM configuration: declared architecture differs.
        var lstm = Exchange(Lstm, "l");
        var transformer = Exchange(Transformer, "t");
        File.Copy(Path.Combine(transformer, PyTorchInterop.WeightsFile), Path.Combine(lstm, PyTorchInterop.WeightsFile), overwrite: true);
        Assert.Contains("holds a transformer checkpoint", ImportFails(lstm).Message, StringComparison.Ordinal);

        // Without the metadata, the first tensor the LSTM does not have is named.
        Rewrite(lstm, (n, s, v) => (n, s, v));
        var weights = Path.Combine(lstm, PyTorchInterop.WeightsFile);
        var (entries, _, start) = SafeTensors.ReadHeader(weights);
        var tensors = entries.Select(e => (e.Name, e.Shape, SafeTensors.ReadFloats(weights, e, start))).ToList();
        using (var fs = new FileStream(weights, FileMode.Create)) SafeTensors.Write(fs, tensors);
        var e = ImportFails(lstm);
        Assert.StartsWith("layers.0.", e.Tensor, StringComparison.Ordinal);
        Assert.Contains("is not a weight of the lstm", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SafeTensors_HeaderIsEightByteAlignedJson_WithLittleEndianData()
    {
        using var ms = new MemoryStream();
        SafeTensors.Write(ms, [("a", [2], [1f, -2f])], new Dictionary<string, string> { ["k"] = "v" });
        var bytes = ms.ToArray();
        long n = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        Assert.Equal(0, n % 8);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n))!;
        Assert.Equal("F32", header["a"]!["dtype"]!.GetValue<string>());
        Assert.Equal("v", header["__metadata__"]!["k"]!.GetValue<string>());
        Assert.Equal(-2f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + (int)n + 4)));
    }
}
