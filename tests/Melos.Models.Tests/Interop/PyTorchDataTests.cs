using System.Text.Json.Nodes;
using Melos.Data.Corpus;
using Melos.Data.Tokenizers;
using Melos.Models.Training;
using Melos.Tests;

namespace Melos.Models.Tests.Interop;

/// <summary>The PyTorch loader reads an export as Melos's trainer sees the same sequences: same windows, same batches.</summary>
public sealed class PyTorchDataTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-pydata-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [PyTorchFact]
    public void Loader_CutsTheSameWindows_AndBuildsTheSameBatches_AsMelos()
    {
        var (tokenizer, sequences) = Toy.Riffs(5);
        var shortAndLong = sequences.Select((s, i) => i == 2 ? s with { Tokens = s.Tokens[..3], Conditioning = s.Conditioning[..3] } : s).ToList();
        CorpusExport.WriteSplit(_dir, "train", shortAndLong);
        CorpusExport.WriteDescription(_dir, tokenizer, Toy.Vocabulary, new JsonObject(), new Dictionary<string, ExportedSplit>(), new Dictionary<string, int>());
        const int maxLength = 20;
        using var model = ModelFactory.Create(new LstmConfig { EmbeddingSize = 4, Hidden = 4, Layers = 1 }, tokenizer, Toy.Vocabulary, 1);
        using var trainer = new Trainer(model, new TrainingConfig { MaxSequenceLength = maxLength }, tokenizer.Config, Toy.Vocabulary);
        var windows = trainer.Windows(shortAndLong);

        var script = $$"""
            import json
            from melos_torch.data import ExportedCorpus, batch
            s = ExportedCorpus({{JsonValue.Create(_dir).ToJsonString()}}).split("train")
            ws = [s.window(w) for w in s.windows({{maxLength}})]
            i, t, c = batch(ws[:3], 0)
            print(json.dumps({"windows": [[int(x) for x in w[0]] for w in ws], "inputs": i.tolist(), "targets": t.tolist(), "cond": c.tolist()}))
            """;
        var result = JsonNode.Parse(PyTorch.Run(PyTorch.Python, "-c", script))!;
        var pyWindows = result["windows"]!.AsArray().Select(w => w!.AsArray().Select(x => x!.GetValue<int>()).ToArray()).ToList();
        Assert.Equal(windows.Count, pyWindows.Count);
        for (int i = 0; i < windows.Count; i++) Assert.Equal(windows[i].Tokens, pyWindows[i]);

        var melos = TokenBatch.Create([.. windows.Take(3)], tokenizer.Pad);
        Assert.Equal(melos.Inputs, result["inputs"]!.AsArray().SelectMany(r => r!.AsArray().Select(x => x!.GetValue<long>())));
        Assert.Equal(melos.Targets, result["targets"]!.AsArray().SelectMany(r => r!.AsArray().Select(x => x!.GetValue<long>())));
        var cond = result["cond"]!.AsArray().SelectMany(r => r!.AsArray().Select(s => s!.AsArray().Select(x => x!.GetValue<int>()).ToArray())).ToList();
        Assert.Equal(melos.Conditioning.Select(c => new[] { c.Chord, c.Position, c.Meter, c.Key, c.Style }), cond);
    }
}
