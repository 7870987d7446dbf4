using System.Text.Json.Nodes;
using Melos.Data.Corpus;
using Melos.Data.Sources;
using Melos.Data.Tokenizers;
using Melos.Models.Training;
using Melos.Tests;

namespace Melos.Models.Tests.Interop;

/// <summary>Test tunes for the PyTorch interop tests, encoded with the shipped model's tokenizer and conditioning.</summary>
internal static class InteropTunes
{
    /// <summary>The shipped model folder.</summary>
    public static string DefaultModel => Path.Combine(Datasets.RepoRoot, "models", "default");

    private static readonly Lazy<(CheckpointInfo Info, IReadOnlyList<EncodedSequence> Tunes, string Source)> Lazy = new(Load);

    /// <summary>
    /// Up to 100 tunes: the test split, then the validation split, of the Nottingham ABC files when the shared datasets
    /// are present, else of the ABC files in the repository (fuzz/seeds/abc), encoded for the shipped model.
    /// </summary>
    public static IReadOnlyList<EncodedSequence> Tunes => Lazy.Value.Tunes;

    /// <summary>Where the tunes come from.</summary>
    public static string Source => Lazy.Value.Source;

    /// <summary>The shipped model's checkpoint information.</summary>
    public static CheckpointInfo Info => Lazy.Value.Info;

    private static (CheckpointInfo, IReadOnlyList<EncodedSequence>, string) Load()
    {
        var info = Checkpoint.ReadInfo(DefaultModel);
        string input = Datasets.Root is null ? Path.Combine(Datasets.RepoRoot, "fuzz", "seeds", "abc") : Datasets.PathOf("nottingham", "ABC_cleaned");
        var corpus = new CorpusBuilder(TuneSources.Default).Build(new CorpusBuildOptions { Inputs = [input] });
        var melodies = corpus.Entries.OrderBy(e => e.Split switch { CorpusSplit.Test => 0, CorpusSplit.Valid => 1, _ => 2 }).Select(e => e.Melody);
        var tunes = EncodedSequence.EncodeAll(info.Tokenizer.Create(), info.Conditioning, melodies, null, out _).Take(100).ToList();
        return (info, tunes, input);
    }

    /// <summary>Writes the tunes as the <c>test</c> split of an export folder (what <c>melos corpus export</c> writes).</summary>
    public static void WriteExport(string directory)
    {
        Directory.CreateDirectory(directory);
        var split = CorpusExport.WriteSplit(directory, "test", Tunes);
        CorpusExport.WriteDescription(directory, Info.Tokenizer.Create(), Info.Conditioning, new JsonObject { ["file"] = Source },
            new Dictionary<string, ExportedSplit> { ["test"] = split }, new Dictionary<string, int>());
    }

    /// <summary>
    /// The largest absolute difference between <paramref name="model"/>'s next-token log-probabilities on the tunes and
    /// those in a float32 [positions, vocabulary] .npy file written by <c>melos_torch.logprobs</c>.
    /// </summary>
    public static double MaxDifference(TorchSequenceModel model, string npy)
    {
        var (shape, values) = PyTorch.ReadNpyFloats(npy);
        int v = model.VocabularySize;
        long rows = Tunes.Sum(t => (long)t.Tokens.Length - 1);
        Xunit.Assert.Equal([rows, v], shape);
        // Tunes of similar length share a batch (little padding); each tune's rows start at its offset in the file.
        var offsets = new long[Tunes.Count];
        for (int i = 1; i < Tunes.Count; i++) offsets[i] = offsets[i - 1] + Tunes[i - 1].Tokens.Length - 1;
        double max = 0;
        long row = 0;
        foreach (var chunk in Enumerable.Range(0, Tunes.Count).OrderBy(i => Tunes[i].Tokens.Length).Chunk(16))
        {
            var logits = model.Forward(TokenBatch.Create([.. chunk.Select(i => Tunes[i])], model.Pad));
            for (int b = 0; b < chunk.Length; b++)
                for (int t = 0; t + 1 < Tunes[chunk[b]].Tokens.Length; t++, row++)
                {
                    var span = logits.At(b, t);
                    double top = double.NegativeInfinity, sum = 0;
                    foreach (var x in span) top = Math.Max(top, x);
                    foreach (var x in span) sum += Math.Exp(x - top);
                    double lse = top + Math.Log(sum);
                    long at = (offsets[chunk[b]] + t) * v;
                    for (int k = 0; k < v; k++) max = Math.Max(max, Math.Abs(span[k] - lse - values[at + k]));
                }
        }
        Xunit.Assert.Equal(rows, row);
        return max;
    }
}
