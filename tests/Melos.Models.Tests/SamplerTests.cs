using Melos.Data.Tokenizers;
using Melos.Models.Training;
using Melos.Music;

namespace Melos.Models.Tests;

public sealed class SamplerTests
{
    private static (GridTokenizer Tokenizer, NGramModel Model) Fitted()
    {
        var (tokenizer, data) = Toy.Riffs(10);
        return (tokenizer, ModelFactory.FitNGram(new NGramConfig { Order = 6 }, tokenizer, data));
    }

    [Fact]
    public void GreedySamplingReplaysTheRiffALearnedModelKnows()
    {
        var (tokenizer, model) = Fitted();
        var template = Melody.Create([], Key.CMajor, info: new MelodyInfo { Styles = ["a"] });
        var notes = Sampler.SampleGrid(model, tokenizer, Toy.Vocabulary, template, new SamplingOptions { Temperature = 0, MaxTokens = 16 });
        // One bar of the riff; ties between transpositions go to the lowest id (C).
        Assert.Equal(NoteSequence.Parse("C4 E4/2 G4/2 C5 r/2 G4/2").Take(5), notes.Take(5));
    }

    [Fact]
    public void SameSeedSameTokensAndEveryTokenIsInTheVocabulary()
    {
        var (tokenizer, model) = Fitted();
        Func<IReadOnlyList<int>, ConditionStep> cond = _ => default;
        var options = new SamplingOptions { Temperature = 1.5, MaxTokens = 60, Seed = 9 };
        var a = Sampler.Sample(model, tokenizer.Bos, tokenizer.Eos, cond, options);
        Assert.Equal(a, Sampler.Sample(model, tokenizer.Bos, tokenizer.Eos, cond, options));
        Assert.NotEqual(a, Sampler.Sample(model, tokenizer.Bos, tokenizer.Eos, cond, options with { Seed = 10 }));
        Assert.Equal(tokenizer.Bos, a[0]);
        Assert.True(a.Count <= 61);
        Assert.True(a[^1] == tokenizer.Eos || a.Count == 61);
        Assert.All(a, t => Assert.InRange(t, 0, tokenizer.VocabularySize - 1));
    }

    [Fact]
    public void TopOneIsGreedy()
    {
        var (tokenizer, model) = Fitted();
        Func<IReadOnlyList<int>, ConditionStep> cond = _ => default;
        var greedy = Sampler.Sample(model, tokenizer.Bos, tokenizer.Eos, cond, new SamplingOptions { Temperature = 0, MaxTokens = 30 });
        var topOne = Sampler.Sample(model, tokenizer.Bos, tokenizer.Eos, cond, new SamplingOptions { Temperature = 3, TopK = 1, MaxTokens = 30, Seed = 4 });
        Assert.Equal(greedy, topOne);
        Assert.Equal("TopK", Assert.Throws<InvalidConfigurationException>(() => Sampler.Sample(model, 1, 2, cond, new SamplingOptions { TopK = 0 })).Field);
    }

    [Fact]
    public void TorchModelsSampleThroughTheirIncrementalState()
    {
        var (tokenizer, _) = Toy.Riffs(1);
        using var model = ModelFactory.Create(new TransformerConfig { Layers = 1, Width = 16, Heads = 2, FeedForward = 16, MaxRelativeDistance = 8 }, tokenizer, Toy.Vocabulary, 3);
        var template = Melody.Create([], Key.CMajor);
        var cond = Sampler.GridConditioning(template, Toy.Vocabulary, 4);
        var tokens = Sampler.Sample(model, tokenizer.Bos, tokenizer.Eos, cond, new SamplingOptions { MaxTokens = 20, Seed = 1 });
        Assert.Equal(tokens, Sampler.Sample(model, tokenizer.Bos, tokenizer.Eos, cond, new SamplingOptions { MaxTokens = 20, Seed = 1 }));
        Assert.InRange(tokens.Count, 2, 21);
    }
}
