using System.Collections.Immutable;
using Melos.Data.Tokenizers;

namespace Melos.Models.Tests;

public sealed class EvaluatorTests
{
    [Fact]
    public void NllBitsPerNoteAndAccuracyMatchAHandComputationOnABigram()
    {
        // Vocabulary: 0 PAD, 1 BOS, 2 EOS, 3 a, 4 b; bigram with discount 0.5 (see NGramModelTests for the counts).
        var model = NGramModel.Fit(new NGramConfig { Order = 2, Discount = 0.5 }, 5, 1, [[1, 3, 4, 2], [1, 3, 3, 2]]);
        double unigramA = 1.5 / 5 + 0.5 * 3 / 5 / 5, unigramB = 0.5 / 5 + 0.5 * 3 / 5 / 5, unigramEos = unigramA;
        double pAGivenBos = 1.5 / 2 + 0.5 * 1 / 2 * unigramA;   // 0.84
        double pBGivenA = 0.5 / 3 + 0.5 * unigramB;             // 0.24667
        double pEosGivenB = 0.5 / 1 + 0.5 * unigramEos;         // 0.68
        Assert.Equal(0.84, pAGivenBos, 12);
        Assert.Equal(0.68, pEosGivenB, 12);
        double nll = -(Math.Log(pAGivenBos) + Math.Log(pBGivenA) + Math.Log(pEosGivenB));

        var seq = new EncodedSequence([1, 3, 4, 2], [.. Enumerable.Repeat(default(ConditionStep), 4)], 2, "jig");
        var other = new EncodedSequence([1, 3, 2], [.. Enumerable.Repeat(default(ConditionStep), 3)], 1, "reel");
        var report = Evaluator.Evaluate(model, [seq, other]);
        var jig = report.ByGroup["jig"];
        Assert.Equal(3, jig.Tokens);
        Assert.Equal(nll / 3, jig.NllPerToken, 5);
        Assert.Equal(nll / Math.Log(2) / 2, jig.BitsPerNote, 5);
        Assert.Equal(Math.Exp(nll / 3), jig.Perplexity, 4);
        // Argmax after BOS is a (right); after a, a and EOS tie above b (wrong); after b, EOS (right).
        Assert.Equal(2.0 / 3, jig.Accuracy, 12);
        Assert.Equal(5, report.Overall.Tokens);
        Assert.Equal(report.ByGroup["jig"].TotalNll + report.ByGroup["reel"].TotalNll, report.Overall.TotalNll, 12);
        Assert.Equal(["jig", "reel"], report.ByGroup.Keys);
    }

    [Fact]
    public void WindowsScoreEveryTokenOnceAndCountNotesOnce()
    {
        var model = NGramModel.Fit(new NGramConfig { Order = 1 }, 5, 1, [[1, 3, 4, 2], [1, 3, 3, 2]]);
        var seq = new EncodedSequence([1, 3, 4, 3, 3, 4, 2], [.. Enumerable.Repeat(default(ConditionStep), 7)], 4, "g");
        var whole = Evaluator.Evaluate(model, [seq]);
        var windowed = Evaluator.Evaluate(model, [seq], maxLength: 2);
        // A unigram model ignores context, so windows change nothing but the bookkeeping.
        Assert.Equal(6, windowed.Overall.Tokens);
        Assert.Equal(4, windowed.Overall.Notes);
        Assert.Equal(1, windowed.Overall.Sequences);
        Assert.Equal(whole.Overall.TotalNll, windowed.Overall.TotalNll, 5);
    }
}
