using Melos.Data.Tokenizers;
using Melos.Models;
using Melos.Music;

namespace Melos.Generation.Tests;

/// <summary>The generator feeds a primer with one Prefill call; the melodies are those of feeding it step by step.</summary>
public sealed class PrefillGenerationTests
{
    /// <summary>Forwards to a model but keeps the interface's token-by-token Prefill and counts the calls.</summary>
    private sealed class SteppingOnly(ISequenceModel inner) : ForwardingModel(inner)
    {
        public int Steps { get; private set; }

        public int Prefills { get; private set; }

        public override float[] Step(IGenerationState state, int token, ConditionStep next)
        {
            Steps++;
            return base.Step(state, token, next);
        }
    }

    /// <summary>Counts the Prefill calls of a model that keeps its own Prefill.</summary>
    private sealed class Counting(ISequenceModel inner) : ForwardingAllModel(inner)
    {
        public int Steps { get; private set; }

        public List<int> PrefillLengths { get; } = [];

        public override float[] Step(IGenerationState state, int token, ConditionStep next)
        {
            Steps++;
            return base.Step(state, token, next);
        }

        public override LogitsBatch Prefill(IGenerationState state, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next)
        {
            PrefillLengths.Add(tokens.Count);
            return base.Prefill(state, tokens, next);
        }
    }

    [Theory]
    [InlineData("E4 D4", 4, 3)]
    [InlineData("C4 E4 G4 C5 B4/2 A4/2 G4:2", 3, 8)]
    public void APrimedMelodyIsTheOneSteppingGives(string primer, int bars, int seed)
    {
        var tiny = TinyModel.Shared.Generator;
        var request = new GenerationRequest { Bars = bars, Count = 2, Seed = seed, Primer = [.. NoteSequence.Parse(primer)] };
        var stepping = new SteppingOnly(tiny.Model);
        var counting = new Counting(tiny.Model);
        var slow = new MelodyGenerator(stepping, tiny.Tokenizer, tiny.Vocabulary).Generate(request);
        var fast = new MelodyGenerator(counting, tiny.Tokenizer, tiny.Vocabulary).Generate(request);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(slow[i].Tokens, fast[i].Tokens);
            Assert.Equal(slow[i].LogLikelihood, fast[i].LogLikelihood, 1e-3);
        }
        long total = new TokenConstraints(request, tiny.Grid).TotalSteps;
        Assert.True(tiny.Tokenizer.TryEncode(Melody.Create(request.Primer), out var encoded, out _));
        int primerSteps = encoded!.Tokens.Length - 2; // without BOS and EOS
        // One Prefill per melody of BOS plus the primer; Step only for the steps after the first free one.
        Assert.Equal(2, counting.PrefillLengths.Count);
        int fed = primerSteps + 1;
        Assert.Equal([fed, fed], counting.PrefillLengths);
        Assert.Equal(2 * total, stepping.Steps);
        Assert.Equal(2 * (total - fed), counting.Steps);
    }

    [Fact]
    public void WithoutAPrimerNothingIsPrefilled()
    {
        var tiny = TinyModel.Shared.Generator;
        var counting = new Counting(tiny.Model);
        var request = new GenerationRequest { Bars = 2, Seed = 4 };
        var melody = new MelodyGenerator(counting, tiny.Tokenizer, tiny.Vocabulary).Generate(request).Single();
        Assert.Empty(counting.PrefillLengths);
        Assert.Equal(melody.Tokens.Count - 1, counting.Steps);
        Assert.Equal(tiny.Generate(request).Single().Tokens, melody.Tokens);
    }
}
