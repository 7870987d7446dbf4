using Melos.Data.Tokenizers;
using Melos.Generation.Explanation;
using Melos.Models;
using Melos.Music;

namespace Melos.Generation.Tests.Explanation;

public sealed class ExplainerTests
{
    private static MelodyGenerator Generator => TinyModel.Shared.Generator;

    private static Melody Tune(string notes, params string[] chords) =>
        Melody.Create(NoteSequence.Parse(notes), Key.CMajor, [new MeterChange(Duration.Zero, TimeSignature.CommonTime)],
            chords: chords.Select((c, b) => new ChordChange(Duration.FromQuarters(4 * b), ChordSymbol.Parse(c))),
            info: new MelodyInfo { Styles = ["reel"] });

    private static double[] Softmax(float[] logits)
    {
        double max = logits.Max();
        var e = logits.Select(x => Math.Exp(x - max)).ToArray();
        double sum = e.Sum();
        return [.. e.Select(x => x / sum)];
    }

    [Fact]
    public void NoteFiguresMatchAStepByStepHandComputation()
    {
        var melody = Tune("C4 E4 G4 E4 D4/2 F4/2 A4 G4 r", "C", "G");
        var explanation = new Explainer(Generator).Explain(melody);
        Assert.Equal(melody.Notes.Length, explanation.Notes.Count);

        // Independently: step the model token by token and read each onset's distribution.
        var tokenized = Generator.Tokenizer.Encode(melody);
        var conditioning = Generator.Vocabulary.Encode(melody, tokenized);
        using var state = Generator.Model.CreateState();
        int note = 0;
        double totalBits = 0;
        for (int k = 1; k < tokenized.Count; k++)
        {
            var p = Softmax(Generator.Model.Step(state, tokenized.Tokens[k - 1], conditioning[k]));
            Assert.Equal(1.0, p.Sum(), 9);
            int token = tokenized.Tokens[k];
            totalBits += -Math.Log2(p[token]);
            if (Generator.Grid.PitchOf(token) is null) continue;
            var n = explanation.Notes[note++];
            Assert.Equal(p[token], n.Probability, 5);
            Assert.Equal(-Math.Log2(p[token]), n.SurprisalBits, 4);
            Assert.Equal(-p.Where(x => x > 0).Sum(x => x * Math.Log2(x)), n.EntropyBits, 4);
            Assert.Equal(1 + p.Count(x => x > p[token] + 1e-7), n.Rank);
            Assert.Equal(5, n.Alternatives.Count);
            Assert.DoesNotContain(n.Alternatives, a => a.Token == Pitch.FromMidi(Generator.Grid.PitchOf(token)!.Value).ToString());
            Assert.True(n.Alternatives.Zip(n.Alternatives.Skip(1)).All(x => x.First.Probability >= x.Second.Probability));
            Assert.True(n.Alternatives.Sum(a => a.Probability) + n.Probability <= 1 + 1e-9);
        }
        Assert.Equal(melody.Notes.Length, note);
        Assert.Equal(totalBits, explanation.TotalBits, 3);
        Assert.Equal(tokenized.Count - 1, explanation.Tokens);
        Assert.Equal(explanation.TotalBits, explanation.Bars.Sum(b => b.TokenSurprisalBits), 6);
        Assert.Equal(explanation.Notes.OrderByDescending(n => n.SurprisalBits).First().Index, explanation.MostSurprising[0]);
    }

    [Fact]
    public void TotalBitsAgreeWithTheEvaluator()
    {
        var melody = Tune("G4 A4 B4/2 C5/2 D5 E5 D5 B4 G4 r", "G", "D");
        var explanation = new Explainer(Generator).Explain(melody);
        var report = Evaluator.Evaluate(Generator.Model, Generator.Tokenizer, Generator.Vocabulary, [melody], null, out int skipped);
        Assert.Equal(0, skipped);
        // Generation steps read 16-bit weights (LstmModel.QuantizedGeneration), the evaluator float32: within 1e-3 bits.
        Assert.Equal(report.Overall.TotalNll / Math.Log(2), explanation.TotalBits, tolerance: 1e-3);
    }

    [Fact]
    public void SaliencyNeverReachesPositionsTheModelCannotSee()
    {
        var melody = Tune("C4 E4 G4 E4 D4 F4 A4 F4", "C", "G");
        var sequence = EncodedSequence.Encode(Generator.Tokenizer, Generator.Vocabulary, melody);
        var batch = TokenBatch.Create([sequence], 0);
        int[] positions = [3, 10, batch.Length - 1];
        var saliency = ((TorchSequenceModel)Generator.Model).Saliency(batch, positions);
        for (int i = 0; i < positions.Length; i++)
        {
            for (int t = positions[i] + 1; t < batch.Length; t++) Assert.Equal(0.0, saliency[i][t]);
            Assert.True(saliency[i].Take(positions[i] + 1).Sum() > 0);
        }
        var explanation = new Explainer(Generator).Explain(melody);
        foreach (var n in explanation.Notes)
        {
            Assert.NotNull(n.Saliency);
            Assert.All(n.Saliency!, a => Assert.True(a.Note < n.Index, $"note {n.Index} drew on note {a.Note}"));
            Assert.True(n.Saliency!.Sum(a => a.Share) <= 1 + 1e-9);
        }
        Assert.Null(explanation.Notes[0].Attention); // an LSTM has no attention
    }

    [Fact]
    public void ATuneBuiltByRepeatingBarOneIsReportedAsARepetition()
    {
        var melody = Tune("C4 E4 G4 E4 C4 E4 G4 E4 F4 A4 C5 A4 G4/2 F4/2 E4 D4 C4");
        var plain = RepetitionFinder.Find(melody);
        Assert.Equal(["bar 2 repeats bar 1 exactly", "bar 3 repeats bar 1 up a fourth"], plain.Select(r => r.Text));
        var explained = new Explainer(Generator).Explain(melody);
        Assert.Equal([2, 3], explained.Repetitions.Select(r => r.Bar));
        Assert.All(explained.Repetitions, r => Assert.NotNull(r.AttributionShare));
        Assert.Equal(5, explained.Repetitions.Single(r => r.Bar == 3).Semitones);
        Assert.Equal("down a minor third", RepetitionFinder.Interval(-3));
    }

    [Fact]
    public void TransformerAttentionIsCausalAndRolloutRowsSumToOne()
    {
        TorchSharp.torch.manual_seed(4);
        using var model = new TransformerModel(new TransformerConfig { Layers = 2, Width = 16, Heads = 2, FeedForward = 32, MaxRelativeDistance = 32, Dropout = 0 },
            Generator.Tokenizer.VocabularySize, 0, Generator.Vocabulary);
        var melody = Tune("C4 D4 E4 F4 G4 F4 E4 D4", "C", "G");
        var batch = TokenBatch.Create([EncodedSequence.Encode(Generator.Tokenizer, Generator.Vocabulary, melody)], 0);
        var weights = model.AttentionWeights(batch);
        Assert.Equal(2, weights.Length);
        foreach (var layer in weights)
            foreach (var head in layer)
                for (int i = 0; i < head.Length; i++)
                {
                    Assert.Equal(1.0, head[i].Sum(), 4);
                    for (int j = i + 1; j < head[i].Length; j++) Assert.Equal(0f, head[i][j]);
                }
        var rollout = Explainer.Rollout(weights, [0, 5, batch.Length - 1]);
        Assert.All(rollout, r => Assert.Equal(1.0, r.Sum(), 4));
        Assert.Equal(1.0, rollout[0][0], 6); // the first position can only attend to itself

        var explanation = new Explainer(model, Generator.Grid, Generator.Vocabulary).Explain(melody);
        Assert.Equal("transformer", explanation.Model);
        Assert.NotNull(explanation.AttentionByNote);
        Assert.All(explanation.Notes.Skip(1), n => Assert.All(n.Attention!, a => Assert.True(a.Note < n.Index)));
    }

    [Fact]
    public void InfluenceIsMeasuredForTheConditionsTheMelodyHas()
    {
        var withChords = new Explainer(Generator).Explain(Tune("C4 E4 G4 E4 D4 F4 A4 F4", "C", "G"));
        Assert.All(withChords.Notes, n =>
        {
            Assert.NotNull(n.Influence!.ChordBits);
            Assert.True(n.Influence.ChordBits >= 0);
            Assert.NotNull(n.Influence.StyleBits);
            Assert.InRange(n.Influence.OutOfKeyMass!.Value, 0, 1);
        });
        var noChords = new Explainer(Generator).Explain(Tune("C4 E4 G4 E4 D4 F4 A4 F4"));
        Assert.All(noChords.Notes, n => Assert.Null(n.Influence!.ChordBits));
    }
}
