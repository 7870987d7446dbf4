using Melos.Data.Tokenizers;

namespace Melos.Models.Tests;

public sealed class NGramModelTests
{
    // Vocabulary: 0 PAD, 1 BOS, 2 EOS, 3 a, 4 b.
    private static readonly int[][] Corpus = [[1, 3, 4, 2], [1, 3, 3, 2]];

    private static NGramModel Bigram() => NGramModel.Fit(new NGramConfig { Order = 2, Discount = 0.5 }, 5, 1, Corpus);

    [Fact]
    public void BigramProbabilityMatchesAHandComputation()
    {
        var model = Bigram();
        // Unigram continuation counts: a follows 2 distinct tokens (BOS, a), b 1 (a), EOS 2 (a, b): total 5, 3 types.
        double unigramB = (1 - 0.5) / 5 + 0.5 * 3 / 5 * (1.0 / 5);
        // After a: a, b and EOS once each (total 3, 3 types).
        double expected = (1 - 0.5) / 3 + 0.5 * 3 / 3 * unigramB;
        Assert.Equal(0.2466666667, expected, 9);
        Assert.Equal(expected, model.Probability([1, 3], 4), 12);
        // Unseen context (EOS is never followed): back off to the unigram; PAD only gets the uniform share.
        Assert.Equal(unigramB, model.Probability([1, 3, 4, 2], 4), 12);
        Assert.Equal(0.5 * 3 / 5 * (1.0 / 5), model.Probability([1, 3, 4, 2], 0), 12);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void DistributionsSumToOneForSeenAndUnseenContexts(int order)
    {
        var model = NGramModel.Fit(new NGramConfig { Order = order }, 5, 1, Corpus);
        int[][] histories = [[1], [1, 3], [1, 3, 4], [1, 3, 3, 2], [1, 4, 4, 4], [1, 2, 0, 2]];
        foreach (var h in histories)
        {
            var p = model.Distribution(h);
            Assert.Equal(1.0, p.Sum(), 9);
            Assert.All(p, x => Assert.True(x > 0, $"every token needs a non-zero probability, got {x}"));
        }
    }

    [Fact]
    public void EstimatedDiscountsAreInRangeAndMoreDataMakesTheSeenContinuationLikelier()
    {
        var (tokenizer, sequences) = Toy.Riffs(10);
        var model = NGramModel.Fit(new NGramConfig { Order = 5 }, tokenizer.VocabularySize, tokenizer.Bos, sequences.Select(s => (IReadOnlyList<int>)s.Tokens));
        Assert.All(model.Discounts, d => Assert.InRange(d, 0.05, 0.95));
        var seq = sequences[0].Tokens;
        var history = seq.Take(20).ToList();
        Assert.True(model.Probability(history, seq[20]) > 0.5, "a 5-gram model of a repeated riff should predict it");
    }

    [Fact]
    public void NllOnTrainingDataIsFarBelowUniform()
    {
        var (tokenizer, sequences) = Toy.Riffs(10);
        var model = NGramModel.Fit(new NGramConfig(), tokenizer.VocabularySize, tokenizer.Bos, sequences.Select(s => (IReadOnlyList<int>)s.Tokens));
        var report = Evaluator.Evaluate(model, sequences);
        Assert.True(report.Overall.NllPerToken < 0.2 * Math.Log(tokenizer.VocabularySize), $"NLL {report.Overall.NllPerToken} vs uniform {Math.Log(tokenizer.VocabularySize)}");
    }

    [Fact]
    public void StepGivesTheSameLogProbabilitiesAsForward()
    {
        var model = Bigram();
        var seq = Toy.Sequence([1, 3, 4, 3, 2]);
        var logits = model.Forward(TokenBatch.Create([seq], 0));
        var state = model.CreateState();
        for (int t = 0; t < 4; t++)
        {
            var step = model.Step(state, seq.Tokens[t], seq.Conditioning[t + 1]);
            Assert.Equal(logits.At(0, t).ToArray(), step);
        }
    }

    [Fact]
    public void JsonRoundTripKeepsEveryProbability()
    {
        var model = NGramModel.Fit(new NGramConfig { Order = 3 }, 5, 1, Corpus);
        var back = NGramModel.FromJson(model.ToJson());
        foreach (int[] h in new[] { new[] { 1 }, [1, 3], [1, 3, 3], [1, 4, 2] })
            Assert.Equal(model.Distribution(h), back.Distribution(h));
        Assert.Equal(model.Discounts, back.Discounts);
    }

    [Fact]
    public void ImpossibleOrderNamesTheField()
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => NGramModel.Fit(new NGramConfig { Order = 0 }, 5, 1, Corpus));
        Assert.Equal("Order", e.Field);
        e = Assert.Throws<InvalidConfigurationException>(() => NGramModel.Fit(new NGramConfig { Discount = 1.5 }, 5, 1, Corpus));
        Assert.Equal("Discount", e.Field);
    }
}
