using System.Globalization;
using Melos.Models.Interop;
using Melos.Models.Training;
using Melos.Tests;
using Xunit.Abstractions;

namespace Melos.Models.Tests.Interop;

/// <summary>
/// Same weights, same numbers: next-token log-probabilities of the PyTorch package (interop/pytorch) and of Melos agree
/// to 1e-4 on 100 test tunes, for the shipped whole-tune LSTM and small random Transformer and LSTM (attention, lookback,
/// concatenated conditioning) models, with weights going Melos -> PyTorch (melos model export) and PyTorch -> Melos
/// (melos_torch.init, melos model import).
/// </summary>
public sealed class PyTorchParityTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-4;
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-parity-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Data()
    {
        var data = Path.Combine(_dir, "data");
        if (!Directory.Exists(data)) InteropTunes.WriteExport(data);
        return data;
    }

    private double PyTorchLogProbsAgainst(TorchSequenceModel model, string exchange, string name)
    {
        var npy = Path.Combine(_dir, name + ".npy");
        PyTorch.Module("logprobs", "--model", exchange, "--data", Data(), "--split", "test", "--out", npy);
        double diff = InteropTunes.MaxDifference(model, npy);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {InteropTunes.Tunes.Count} tunes ({InteropTunes.Tunes.Sum(t => t.Tokens.Length - 1)} positions) from {InteropTunes.Source}: max |log p difference| = {diff:E2}"));
        return diff;
    }

    /// <summary>Melos model folder -> export -> PyTorch scores what Melos scores.</summary>
    private void MelosToPyTorch(string modelDirectory, string name)
    {
        var exchange = Path.Combine(_dir, name + "-export");
        PyTorchInterop.Export(modelDirectory, exchange);
        using var model = (TorchSequenceModel)Checkpoint.LoadModel(modelDirectory);
        Assert.InRange(PyTorchLogProbsAgainst(model, exchange, name + "-melos-to-pytorch"), 0, Tolerance);
    }

    /// <summary>PyTorch-initialised weights for the same configuration -> import -> Melos scores what PyTorch scores.</summary>
    private void PyTorchToMelos(string modelDirectory, string name)
    {
        var exchange = Path.Combine(_dir, name + "-pytorch");
        PyTorch.Module("init", "--config", Path.Combine(modelDirectory, Checkpoint.ConfigFile), "--seed", "7", "--out", exchange);
        var imported = Path.Combine(_dir, name + "-imported");
        PyTorchInterop.Import(exchange, imported);
        using var model = (TorchSequenceModel)Checkpoint.LoadModel(imported);
        using var original = (TorchSequenceModel)Checkpoint.LoadModel(modelDirectory);
        // The imported weights are PyTorch's, not a copy of the model the configuration came from.
        Assert.NotEqual(original.Forward(Batch()).Values, model.Forward(Batch()).Values);
        Assert.InRange(PyTorchLogProbsAgainst(model, exchange, name + "-pytorch-to-melos"), 0, Tolerance);
    }

    private static TokenBatch Batch() => TokenBatch.Create([InteropTunes.Tunes[0]], 0);

    private string SmallModel(ModelConfig config, string name)
    {
        var info = InteropTunes.Info;
        var dir = Path.Combine(_dir, name);
        using var model = ModelFactory.Create(config, info.VocabularySize, info.Pad, info.Conditioning, seed: 11);
        PyTorchInterop.SaveModelFolder(dir, model, info.Tokenizer, 11);
        return dir;
    }

    [PyTorchFact]
    public void ShippedLstm_MelosToPyTorch() => MelosToPyTorch(InteropTunes.DefaultModel, "shipped-lstm");

    [PyTorchFact]
    public void ShippedLstm_PyTorchToMelos() => PyTorchToMelos(InteropTunes.DefaultModel, "shipped-lstm");

    private static readonly TransformerConfig SmallTransformer = new() { Layers = 2, Width = 32, Heads = 4, FeedForward = 64, MaxRelativeDistance = 64, Dropout = 0.1 };

    [PyTorchFact]
    public void Transformer_MelosToPyTorch() => MelosToPyTorch(SmallModel(SmallTransformer, "transformer"), "transformer");

    [PyTorchFact]
    public void Transformer_PyTorchToMelos() => PyTorchToMelos(SmallModel(SmallTransformer, "transformer"), "transformer");

    private static readonly LstmConfig RichLstm = new()
    {
        EmbeddingSize = 16, Hidden = 32, Layers = 2, Attention = true, AttentionLength = 8, Lookback = true, Conditioning = ConditioningMode.Concat,
    };

    [PyTorchFact]
    public void LstmWithAttentionAndLookback_BothDirections()
    {
        var dir = SmallModel(RichLstm, "rich-lstm");
        MelosToPyTorch(dir, "rich-lstm");
        PyTorchToMelos(dir, "rich-lstm");
    }
}
