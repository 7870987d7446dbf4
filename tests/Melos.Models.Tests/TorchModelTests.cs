using Melos.Data.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Melos.Models.Tests;

public sealed class TorchModelTests
{
    private static readonly TransformerConfig SmallTransformer = new() { Layers = 2, Width = 16, Heads = 4, FeedForward = 32, Dropout = 0.1, MaxRelativeDistance = 6 };

    private static EncodedSequence RandomSequence(int length, int vocab, int seed)
    {
        var rng = new Random(seed);
        return Toy.Sequence([1, .. Enumerable.Range(0, length - 1).Select(_ => rng.Next(3, vocab))]);
    }

    [Fact]
    public void SkewingGivesTheRelativeLogitOfEachQueryKeyPair()
    {
        torch.manual_seed(7);
        const int t = 5;
        using var q = randn(2, 3, t, 4);
        using var rows = randn(t, 4); // row r stands for distance t-1-r
        using var srel = RelativeDecoderLayer.SkewedLogits(q, rows);
        Assert.Equal([2L, 3, t, t], srel.shape);
        for (int i = 0; i < t; i++)
            for (int j = 0; j <= i; j++)
            {
                float expected = 0;
                for (int c = 0; c < 4; c++) expected += q[1, 2, i, c].item<float>() * rows[t - 1 - (i - j), c].item<float>();
                Assert.Equal(expected, srel[1, 2, i, j].item<float>(), 1e-5f);
            }
    }

    [Fact]
    public void TransformerKeyValueCacheGivesTheSameLogitsAsTheFullForwardPass()
    {
        torch.manual_seed(11);
        using var model = new TransformerModel(SmallTransformer, 12, 0, Toy.Vocabulary);
        var seq = RandomSequence(20, 12, 3); // longer than the maximum relative distance: clipping is exercised
        var full = model.Forward(TokenBatch.Create([seq], 0));
        using var state = model.CreateState();
        for (int t = 0; t < seq.Tokens.Length - 1; t++)
        {
            var step = model.Step(state, seq.Tokens[t], seq.Conditioning[t + 1]);
            var expected = full.At(0, t).ToArray();
            for (int v = 0; v < step.Length; v++) Assert.Equal(expected[v], step[v], 1e-4);
        }
        Assert.Equal(seq.Tokens.Length - 1, state.Length);
    }

    [Fact]
    public void TransformerIsCausalAndPaddingDoesNotChangeRealPositions()
    {
        torch.manual_seed(12);
        using var model = new TransformerModel(SmallTransformer, 12, 0, Toy.Vocabulary);
        var a = RandomSequence(10, 12, 1);
        var b = RandomSequence(16, 12, 2);
        var alone = model.Forward(TokenBatch.Create([a], 0));
        var padded = model.Forward(TokenBatch.Create([a, b], 0));
        for (int t = 0; t < 9; t++)
            for (int v = 0; v < 12; v++) Assert.Equal(alone.At(0, t)[v], padded.At(0, t)[v], 1e-4);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void LstmStepGivesTheSameLogitsAsTheFullForwardPass(bool attention, bool lookback)
    {
        torch.manual_seed(13);
        var config = new LstmConfig { EmbeddingSize = 8, Hidden = 16, Layers = 2, Dropout = 0.2, Attention = attention, AttentionLength = 4, Lookback = lookback, Conditioning = ConditioningMode.Concat };
        using var model = new LstmModel(config, 12, 0, Toy.Vocabulary);
        var seq = RandomSequence(40, 12, 5); // longer than two 16-step bars: lookback is exercised
        var full = model.Forward(TokenBatch.Create([seq], 0));
        using var state = model.CreateState();
        for (int t = 0; t < seq.Tokens.Length - 1; t++)
        {
            var step = model.Step(state, seq.Tokens[t], seq.Conditioning[t + 1]);
            var expected = full.At(0, t).ToArray();
            for (int v = 0; v < step.Length; v++) Assert.Equal(expected[v], step[v], 1e-4);
        }
    }

    [Fact]
    public void SameSeedGivesTheSameInitialWeights()
    {
        torch.manual_seed(3);
        using var a = new TransformerModel(SmallTransformer, 12, 0, Toy.Vocabulary);
        torch.manual_seed(3);
        using var b = new TransformerModel(SmallTransformer, 12, 0, Toy.Vocabulary);
        var seq = RandomSequence(8, 12, 9);
        Assert.Equal(a.Forward(TokenBatch.Create([seq], 0)).Values, b.Forward(TokenBatch.Create([seq], 0)).Values);
    }

    [Fact]
    public void ImpossibleConfigsNameTheField()
    {
        Assert.Equal("Width", Assert.Throws<InvalidConfigurationException>(() => new TransformerModel(SmallTransformer with { Width = 18 }, 12, 0, Toy.Vocabulary)).Field);
        Assert.Equal("Layers", Assert.Throws<InvalidConfigurationException>(() => new TransformerModel(SmallTransformer with { Layers = 0 }, 12, 0, Toy.Vocabulary)).Field);
        Assert.Equal("Dropout", Assert.Throws<InvalidConfigurationException>(() => new TransformerModel(SmallTransformer with { Dropout = -0.1 }, 12, 0, Toy.Vocabulary)).Field);
        Assert.Equal("Layers", Assert.Throws<InvalidConfigurationException>(() => new LstmModel(new LstmConfig { Layers = 0 }, 12, 0, Toy.Vocabulary)).Field);
        Assert.Equal("Dropout", Assert.Throws<InvalidConfigurationException>(() => new LstmModel(new LstmConfig { Dropout = -1 }, 12, 0, Toy.Vocabulary)).Field);
        Assert.Contains("Heads", Assert.Throws<InvalidConfigurationException>(() => (SmallTransformer with { Heads = 5 }).Validate()).Message);
    }

    [Fact]
    public void ModelConfigsRoundTripThroughJsonWithArchitecture()
    {
        var lstm = new LstmConfig { Attention = true, Lookback = true, Conditioning = ConditioningMode.Concat };
        var json = lstm.ToJson();
        Assert.Contains("\"architecture\": \"lstm\"", json);
        Assert.Equal(lstm, ModelConfig.FromJson(json));
        Assert.Equal(SmallTransformer, ModelConfig.FromJson(SmallTransformer.ToJson()));
        var e = Assert.Throws<IncompatibleFormatException>(() => ModelConfig.FromJson(json.Replace("\"lstm\"", "\"gru\"")));
        Assert.Equal("architecture", e.Field);
    }
}
