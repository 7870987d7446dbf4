using Melos.Data.Tokenizers;
using TorchSharp;

namespace Melos.Models.Tests;

/// <summary>Forked generation states continue exactly like the original, independently of it.</summary>
public sealed class ForkTests
{
    private static EncodedSequence RandomSequence(int length, int vocab, int seed)
    {
        var rng = new Random(seed);
        return Toy.Sequence([1, .. Enumerable.Range(0, length - 1).Select(_ => rng.Next(3, vocab))]);
    }

    /// <summary>Feeds half the sequence, forks, then feeds the rest to both and to a fork of the fork, after driving the original elsewhere.</summary>
    private static void AssertForkContinuesLikeTheOriginal(ISequenceModel model)
    {
        var seq = RandomSequence(30, 12, 21);
        var other = RandomSequence(30, 12, 22);
        using var reference = model.CreateState();
        var expected = new List<float[]>();
        for (int t = 0; t < seq.Tokens.Length - 1; t++) expected.Add(model.Step(reference, seq.Tokens[t], seq.Conditioning[t + 1]));

        using var state = model.CreateState();
        const int half = 12;
        for (int t = 0; t < half; t++) model.Step(state, seq.Tokens[t], seq.Conditioning[t + 1]);
        using var fork = Assert.IsAssignableFrom<IForkableGenerationState>(state).Fork();
        Assert.Equal(state.Length, fork.Length);
        // Driving the original down another path must not disturb the fork.
        for (int t = half; t < 20; t++) model.Step(state, other.Tokens[t], other.Conditioning[t + 1]);
        for (int t = half; t < seq.Tokens.Length - 1; t++)
        {
            var step = model.Step(fork, seq.Tokens[t], seq.Conditioning[t + 1]);
            for (int v = 0; v < step.Length; v++) Assert.Equal(expected[t][v], step[v], 1e-5);
        }
    }

    [Fact]
    public void Lstm_states_fork()
    {
        torch.manual_seed(31);
        using var model = new LstmModel(new LstmConfig { EmbeddingSize = 8, Hidden = 16, Layers = 2, Attention = true, AttentionLength = 4, Lookback = true }, 12, 0, Toy.Vocabulary);
        AssertForkContinuesLikeTheOriginal(model);
    }

    [Fact]
    public void Transformer_states_fork()
    {
        torch.manual_seed(32);
        using var model = new TransformerModel(new TransformerConfig { Layers = 2, Width = 16, Heads = 4, FeedForward = 32, MaxRelativeDistance = 6 }, 12, 0, Toy.Vocabulary);
        AssertForkContinuesLikeTheOriginal(model);
    }

    [Fact]
    public void NGram_states_fork()
    {
        var sequences = Enumerable.Range(0, 5).Select(i => RandomSequence(30, 12, i)).ToList();
        var model = NGramModel.Fit(new NGramConfig { Order = 3 }, 12, 1, sequences.Select(s => (IReadOnlyList<int>)s.Tokens));
        AssertForkContinuesLikeTheOriginal(model);
    }
}
