using Melos.Data.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Melos.Models.Tests;

/// <summary>
/// The fast generation paths (managed LSTM stepping, primer prefill, batched stepping) give the logits of the plain
/// TorchSharp forward pass and of token-by-token stepping.
/// </summary>
public sealed class GenerationPathTests
{
    private const double Tolerance = 1e-5;

    private static readonly TransformerConfig SmallTransformer = new() { Layers = 2, Width = 16, Heads = 4, FeedForward = 32, Dropout = 0.1, MaxRelativeDistance = 6 };

    private static EncodedSequence RandomSequence(int length, int vocab, int seed)
    {
        var rng = new Random(seed);
        return Toy.Sequence([1, .. Enumerable.Range(0, length - 1).Select(_ => rng.Next(3, vocab))]);
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance = Tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int v = 0; v < expected.Length; v++) Assert.Equal(expected[v], actual[v], tolerance);
    }

    private static LstmModel Lstm(ConditioningMode conditioning, bool attention, bool lookback, int embedding = 12, int hidden = 20, int layers = 2)
    {
        var config = new LstmConfig
        {
            EmbeddingSize = embedding, Hidden = hidden, Layers = layers, Dropout = 0.2, Attention = attention, AttentionLength = 4,
            Lookback = lookback, Conditioning = conditioning,
        };
        // Float32 generation weights: these tests hold the managed paths to the TorchSharp forward pass at 1e-5.
        return new LstmModel(config, 12, 0, Toy.Vocabulary) { QuantizedGeneration = false };
    }

    public static TheoryData<ConditioningMode, bool, bool> LstmVariants()
    {
        var data = new TheoryData<ConditioningMode, bool, bool>();
        foreach (var mode in new[] { ConditioningMode.None, ConditioningMode.Sum, ConditioningMode.Concat })
            foreach (bool attention in new[] { false, true })
                foreach (bool lookback in new[] { false, true })
                    data.Add(mode, attention, lookback);
        return data;
    }

    [Theory]
    [MemberData(nameof(LstmVariants))]
    public void ManagedLstmStepGivesTheTorchForwardLogits(ConditioningMode conditioning, bool attention, bool lookback)
    {
        torch.manual_seed(21);
        // Widths that are not multiples of the vector size exercise the scalar tails of the kernels.
        using var model = Lstm(conditioning, attention, lookback);
        var seq = RandomSequence(40, 12, 5);
        var full = model.Forward(TokenBatch.Create([seq], 0));
        using var state = model.CreateState();
        for (int t = 0; t < seq.Tokens.Length - 1; t++)
            AssertClose(full.At(0, t), model.Step(state, seq.Tokens[t], seq.Conditioning[t + 1]));
        Assert.Equal(seq.Tokens.Length - 1, state.Length);
    }

    [Fact]
    public void ManagedLstmStepMatchesTorchAtTheShippedModelsWidths()
    {
        torch.manual_seed(22);
        using var model = Lstm(ConditioningMode.Sum, attention: false, lookback: false, embedding: 64, hidden: 256);
        var seq = RandomSequence(30, 12, 6);
        var full = model.Forward(TokenBatch.Create([seq], 0));
        using var state = model.CreateState();
        for (int t = 0; t < seq.Tokens.Length - 1; t++)
            AssertClose(full.At(0, t), model.Step(state, seq.Tokens[t], seq.Conditioning[t + 1]));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void GenerationThreadsChangeNoBitOfTheLogits(int threads)
    {
        torch.manual_seed(29);
        // Hidden 256: the recurrent products (1024 rows) are large enough to be split; 3 threads split them unevenly.
        using var model = Lstm(ConditioningMode.Sum, attention: false, lookback: true, embedding: 64, hidden: 256);
        var seqs = Enumerable.Range(0, 5).Select(i => RandomSequence(30, 12, 80 + i)).ToArray();
        var full = model.Forward(TokenBatch.Create([seqs[0]], 0));
        (List<float[]> Steps, float[] Prefill, List<float[]> Batch) Run()
        {
            var steps = new List<float[]>();
            using (var state = model.CreateState())
                for (int t = 0; t < 29; t++) steps.Add(model.Step(state, seqs[0].Tokens[t], seqs[0].Conditioning[t + 1]));
            float[] prefill;
            using (var state = model.CreateState())
                prefill = model.Prefill(state, seqs[1].Tokens[..20], seqs[1].Conditioning[1..21]).At(0, 19).ToArray();
            var states = seqs.Select(_ => model.CreateState()).ToArray();
            var batch = new List<float[]>();
            for (int t = 0; t < 6; t++)
                batch.Add(model.StepBatch(states, [.. seqs.Select(s => s.Tokens[t])], [.. seqs.Select(s => s.Conditioning[t + 1])]).At(4, 0).ToArray());
            foreach (var s in states) s.Dispose();
            return (steps, prefill, batch);
        }
        model.GenerationThreads = 1;
        var one = Run();
        model.GenerationThreads = threads;
        var many = Run();
        for (int t = 0; t < 29; t++)
        {
            Assert.True(one.Steps[t].AsSpan().SequenceEqual(many.Steps[t]), $"step {t}");
            AssertClose(full.At(0, t), many.Steps[t]);
        }
        Assert.True(one.Prefill.AsSpan().SequenceEqual(many.Prefill), "prefill");
        for (int t = 0; t < 6; t++) Assert.True(one.Batch[t].AsSpan().SequenceEqual(many.Batch[t]), $"batched step {t}");
        Assert.Throws<ArgumentOutOfRangeException>(() => model.GenerationThreads = 0);
    }

    [QuantizedKernelsFact]
    public void QuantizedGenerationStaysCloseToTheTorchForwardAndBatchesBitForBit()
    {
        torch.manual_seed(30);
        using var model = Lstm(ConditioningMode.Sum, attention: false, lookback: true, embedding: 64, hidden: 252);
        var seqs = Enumerable.Range(0, 5).Select(i => RandomSequence(30, 12, 90 + i)).ToArray();
        var full = model.Forward(TokenBatch.Create([seqs[0]], 0));
        float[] Steps(int threads, List<float[]> into)
        {
            model.GenerationThreads = threads;
            using var state = model.CreateState();
            for (int t = 0; t < 29; t++) into.Add(model.Step(state, seqs[0].Tokens[t], seqs[0].Conditioning[t + 1]));
            return into[^1];
        }
        var exact = new List<float[]>();
        Steps(1, exact);
        model.QuantizedGeneration = true;
        var quantized = new List<float[]>();
        Steps(1, quantized);
        double largest = 0;
        for (int t = 0; t < 29; t++)
        {
            AssertClose(full.At(0, t), quantized[t], 2e-3);
            for (int v = 0; v < 12; v++) largest = Math.Max(largest, Math.Abs(exact[t][v] - quantized[t][v]));
        }
        Assert.True(largest > 0, "the 16-bit weights were not used");
        using (var fresh = new LstmModel(new LstmConfig { EmbeddingSize = 4, Hidden = 8, Layers = 1 }, 12, 0, Toy.Vocabulary))
            Assert.True(fresh.QuantizedGeneration, "16-bit generation weights are the default");
        var threaded = new List<float[]>();
        Steps(3, threaded);
        for (int t = 0; t < 29; t++) Assert.True(quantized[t].AsSpan().SequenceEqual(threaded[t]), $"step {t} on 3 threads");
        // Batched steps (4x4 tiles and a remainder) give each state its single-step logits bit for bit.
        var states = seqs.Select(_ => model.CreateState()).ToArray();
        var singles = seqs.Select(_ => model.CreateState()).ToArray();
        for (int t = 0; t < 8; t++)
        {
            var batch = model.StepBatch(states, [.. seqs.Select(q => q.Tokens[t])], [.. seqs.Select(q => q.Conditioning[t + 1])]);
            for (int b = 0; b < seqs.Length; b++)
                Assert.True(model.Step(singles[b], seqs[b].Tokens[t], seqs[b].Conditioning[t + 1]).AsSpan().SequenceEqual(batch.At(b, 0)), $"state {b}, step {t}");
        }
        foreach (var st in states.Concat(singles)) st.Dispose();
        PrefillMatchesStepping(model, seqs[1], 17, 1e-4);
        model.QuantizedGeneration = false;
        var back = new List<float[]>();
        Steps(1, back);
        for (int t = 0; t < 29; t++) Assert.True(exact[t].AsSpan().SequenceEqual(back[t]), $"step {t} back in float32");
    }

    [Fact]
    public void ANewStateSeesWeightsChangedAfterTheLastOne()
    {
        torch.manual_seed(23);
        using var model = Lstm(ConditioningMode.Sum, attention: false, lookback: false);
        var seq = RandomSequence(5, 12, 7);
        using (var before = model.CreateState()) model.Step(before, seq.Tokens[0], seq.Conditioning[1]);
        using (no_grad())
            foreach (var p in model.parameters()) p.add_(0.25f);
        var full = model.Forward(TokenBatch.Create([seq], 0));
        using var after = model.CreateState();
        AssertClose(full.At(0, 0), model.Step(after, seq.Tokens[0], seq.Conditioning[1]));
    }

    /// <summary>Feeds tokens [0, split) with Prefill, the rest with Step, and compares every row with stepping alone.</summary>
    private static void PrefillMatchesStepping(ISequenceModel model, EncodedSequence seq, int split, double tolerance = Tolerance)
    {
        int n = seq.Tokens.Length - 1;
        var stepped = new List<float[]>();
        using (var reference = model.CreateState())
            for (int t = 0; t < n; t++) stepped.Add(model.Step(reference, seq.Tokens[t], seq.Conditioning[t + 1]));
        using var state = model.CreateState();
        var tokens = seq.Tokens.Take(split).ToArray();
        var next = seq.Conditioning.Skip(1).Take(split).ToArray();
        var prefilled = model.Prefill(state, tokens, next);
        Assert.Equal((1, split, model.VocabularySize), (prefilled.BatchSize, prefilled.Length, prefilled.Vocabulary));
        Assert.Equal(split, state.Length);
        for (int t = 0; t < split; t++) AssertClose(stepped[t], prefilled.At(0, t), tolerance);
        for (int t = split; t < n; t++) AssertClose(stepped[t], model.Step(state, seq.Tokens[t], seq.Conditioning[t + 1]), tolerance);
    }

    [Theory]
    [MemberData(nameof(LstmVariants))]
    public void LstmPrefillGivesTheLogitsOfSteppingTokenByToken(ConditioningMode conditioning, bool attention, bool lookback)
    {
        torch.manual_seed(24);
        using var model = Lstm(conditioning, attention, lookback);
        PrefillMatchesStepping(model, RandomSequence(40, 12, 8), 25);
        PrefillMatchesStepping(model, RandomSequence(10, 12, 9), 1);
    }

    [Fact]
    public void TransformerPrefillFillsTheCacheLikeStepping()
    {
        torch.manual_seed(25);
        using var model = new TransformerModel(SmallTransformer, 12, 0, Toy.Vocabulary);
        // 14 prefilled tokens: longer than the maximum relative distance, so clipping is exercised in the prefill too.
        PrefillMatchesStepping(model, RandomSequence(24, 12, 10), 14, 1e-4);
        PrefillMatchesStepping(model, RandomSequence(8, 12, 11), 1, 1e-4);
    }

    [Fact]
    public void TransformerPrefillOnAStartedStateContinuesIt()
    {
        torch.manual_seed(26);
        using var model = new TransformerModel(SmallTransformer, 12, 0, Toy.Vocabulary);
        var seq = RandomSequence(12, 12, 12);
        var full = model.Forward(TokenBatch.Create([seq], 0));
        using var state = model.CreateState();
        model.Prefill(state, seq.Tokens[..4].ToArray(), seq.Conditioning[1..5].ToArray());
        var rest = model.Prefill(state, seq.Tokens[4..11].ToArray(), seq.Conditioning[5..12].ToArray());
        for (int t = 4; t < 11; t++) AssertClose(full.At(0, t), rest.At(0, t - 4), 1e-4);
        Assert.Equal(11, state.Length);
    }

    [Fact]
    public void NGramPrefillGivesTheLogitsOfSteppingTokenByToken()
    {
        var data = Enumerable.Range(0, 20).Select(i => (IReadOnlyList<int>)RandomSequence(30, 12, 100 + i).Tokens.ToArray());
        using var model = NGramModel.Fit(new NGramConfig { Order = 3 }, 12, 1, data);
        PrefillMatchesStepping(model, RandomSequence(20, 12, 13), 9);
    }

    /// <summary>Advances three states (lengths 0, 3 and 7 when <paramref name="equalLengths"/> is false) with StepBatch and compares with single steps.</summary>
    private static void BatchMatchesSingleSteps(ISequenceModel model, bool equalLengths, double tolerance = Tolerance)
    {
        var seqs = Enumerable.Range(0, 3).Select(i => RandomSequence(16, 12, 30 + i)).ToArray();
        int[] starts = equalLengths ? [5, 5, 5] : [0, 3, 7];
        var batched = seqs.Select(_ => model.CreateState()).ToArray();
        var single = seqs.Select(_ => model.CreateState()).ToArray();
        try
        {
            for (int b = 0; b < seqs.Length; b++)
                for (int t = 0; t < starts[b]; t++)
                {
                    model.Step(batched[b], seqs[b].Tokens[t], seqs[b].Conditioning[t + 1]);
                    model.Step(single[b], seqs[b].Tokens[t], seqs[b].Conditioning[t + 1]);
                }
            for (int k = 0; k < 6; k++)
            {
                var tokens = Enumerable.Range(0, seqs.Length).Select(b => seqs[b].Tokens[starts[b] + k]).ToArray();
                var next = Enumerable.Range(0, seqs.Length).Select(b => seqs[b].Conditioning[starts[b] + k + 1]).ToArray();
                var logits = model.StepBatch(batched, tokens, next);
                Assert.Equal((seqs.Length, 1), (logits.BatchSize, logits.Length));
                for (int b = 0; b < seqs.Length; b++)
                {
                    AssertClose(model.Step(single[b], tokens[b], next[b]), logits.At(b, 0), tolerance);
                    Assert.Equal(single[b].Length, batched[b].Length);
                }
            }
        }
        finally
        {
            foreach (var s in batched.Concat(single)) s.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(LstmVariants))]
    public void LstmStepBatchGivesTheLogitsOfSingleSteps(ConditioningMode conditioning, bool attention, bool lookback)
    {
        torch.manual_seed(27);
        using var model = Lstm(conditioning, attention, lookback);
        BatchMatchesSingleSteps(model, equalLengths: false);
    }

    [Theory]
    [MemberData(nameof(LstmVariants))]
    public void LstmPrefillBatchGivesEachStateItsOwnPrefillBitForBit(ConditioningMode conditioning, bool attention, bool lookback)
    {
        torch.manual_seed(31);
        using var model = Lstm(conditioning, attention, lookback);
        // Six states (a full 4x4 kernel tile and a remainder while all are fed), primers of different lengths, two of
        // them on states that had already heard tokens.
        int[] lengths = [9, 1, 14, 5, 14, 3];
        int[] before = [0, 0, 2, 0, 4, 0];
        var seqs = lengths.Select((_, i) => RandomSequence(24, 12, 60 + i)).ToArray();
        var alone = seqs.Select(_ => model.CreateState()).ToArray();
        var together = seqs.Select(_ => model.CreateState()).ToArray();
        try
        {
            for (int b = 0; b < seqs.Length; b++)
                for (int t = 0; t < before[b]; t++)
                {
                    model.Step(alone[b], seqs[b].Tokens[t], seqs[b].Conditioning[t + 1]);
                    model.Step(together[b], seqs[b].Tokens[t], seqs[b].Conditioning[t + 1]);
                }
            IReadOnlyList<int> Tokens(int b) => seqs[b].Tokens[before[b]..(before[b] + lengths[b])].ToArray();
            IReadOnlyList<ConditionStep> Next(int b) => seqs[b].Conditioning[(before[b] + 1)..(before[b] + lengths[b] + 1)].ToArray();
            var expected = Enumerable.Range(0, seqs.Length).Select(b => model.Prefill(alone[b], Tokens(b), Next(b))).ToArray();
            var got = model.PrefillBatch(together, [.. Enumerable.Range(0, seqs.Length).Select(Tokens)], [.. Enumerable.Range(0, seqs.Length).Select(Next)]);
            Assert.Equal(seqs.Length, got.Count);
            for (int b = 0; b < seqs.Length; b++)
            {
                Assert.Equal((1, lengths[b]), (got[b].BatchSize, got[b].Length));
                for (int t = 0; t < lengths[b]; t++) Assert.True(expected[b].At(0, t).SequenceEqual(got[b].At(0, t)), $"state {b}, token {t}");
                Assert.Equal(alone[b].Length, together[b].Length);
                // The states continue alike: the next step's logits are the same bits.
                int k = before[b] + lengths[b];
                Assert.True(model.Step(alone[b], seqs[b].Tokens[k], seqs[b].Conditioning[k + 1]).AsSpan()
                    .SequenceEqual(model.Step(together[b], seqs[b].Tokens[k], seqs[b].Conditioning[k + 1])), $"state {b} after its prefill");
            }
            Assert.Throws<ArgumentException>(() => model.PrefillBatch([together[0], together[0]], [Tokens(0), Tokens(0)], [Next(0), Next(0)]));
            Assert.Throws<ArgumentException>(() => model.PrefillBatch([together[0]], [Array.Empty<int>()], [Array.Empty<ConditionStep>()]));
        }
        finally
        {
            foreach (var s in alone.Concat(together)) s.Dispose();
        }
    }

    [Fact]
    public void LstmStepBatchOfFiveStatesUsesTheFullKernelTile()
    {
        torch.manual_seed(28);
        using var model = Lstm(ConditioningMode.Sum, attention: false, lookback: false, embedding: 16, hidden: 32);
        var seqs = Enumerable.Range(0, 5).Select(i => RandomSequence(10, 12, 40 + i)).ToArray();
        var states = seqs.Select(_ => model.CreateState()).ToArray();
        var fulls = seqs.Select(s => model.Forward(TokenBatch.Create([s], 0))).ToArray();
        for (int t = 0; t < 9; t++)
        {
            var logits = model.StepBatch(states, [.. seqs.Select(s => s.Tokens[t])], [.. seqs.Select(s => s.Conditioning[t + 1])]);
            for (int b = 0; b < seqs.Length; b++) AssertClose(fulls[b].At(0, t), logits.At(b, 0));
        }
        foreach (var s in states) s.Dispose();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TransformerStepBatchGivesTheLogitsOfSingleSteps(bool equalLengths)
    {
        torch.manual_seed(29);
        using var model = new TransformerModel(SmallTransformer, 12, 0, Toy.Vocabulary);
        BatchMatchesSingleSteps(model, equalLengths, 1e-4);
    }

    [Fact]
    public void TransformerStepBatchFromEmptyStatesMatchesTheForwardPass()
    {
        torch.manual_seed(30);
        using var model = new TransformerModel(SmallTransformer, 12, 0, Toy.Vocabulary);
        var seqs = Enumerable.Range(0, 3).Select(i => RandomSequence(12, 12, 50 + i)).ToArray();
        var full = model.Forward(TokenBatch.Create(seqs, 0));
        var states = seqs.Select(_ => model.CreateState()).ToArray();
        for (int t = 0; t < 11; t++)
        {
            var logits = model.StepBatch(states, [.. seqs.Select(s => s.Tokens[t])], [.. seqs.Select(s => s.Conditioning[t + 1])]);
            for (int b = 0; b < seqs.Length; b++) AssertClose(full.At(b, t), logits.At(b, 0), 1e-4);
        }
        foreach (var s in states) s.Dispose();
    }

    [Fact]
    public void TransformerCacheGrowsPastItsFirstCapacity()
    {
        torch.manual_seed(32);
        using var model = new TransformerModel(SmallTransformer, 12, 0, Toy.Vocabulary);
        var seq = RandomSequence(150, 12, 14);
        var full = model.Forward(TokenBatch.Create([seq], 0));
        using var state = model.CreateState();
        var first = model.Prefill(state, seq.Tokens[..70].ToArray(), seq.Conditioning[1..71].ToArray());
        for (int t = 0; t < 70; t++) AssertClose(full.At(0, t), first.At(0, t), 1e-4);
        for (int t = 70; t < 149; t++) AssertClose(full.At(0, t), model.Step(state, seq.Tokens[t], seq.Conditioning[t + 1]), 1e-4);
    }

    [Fact]
    public void TransformerStatesMoveBetweenBatchesAndSingleStepsWithoutLosingTheirCache()
    {
        torch.manual_seed(33);
        using var model = new TransformerModel(SmallTransformer, 12, 0, Toy.Vocabulary);
        var seqs = Enumerable.Range(0, 4).Select(i => RandomSequence(90, 12, 60 + i)).ToArray();
        var fulls = seqs.Select(s => model.Forward(TokenBatch.Create([s], 0))).ToArray();
        var states = seqs.Select(_ => model.CreateState()).ToArray();
        var rng = new Random(5);
        void Check(int[] chosen, bool single)
        {
            var tokens = chosen.Select(b => seqs[b].Tokens[states[b].Length]).ToArray();
            var next = chosen.Select(b => seqs[b].Conditioning[states[b].Length + 1]).ToArray();
            var positions = chosen.Select(b => states[b].Length).ToArray();
            var logits = single
                ? new LogitsBatch(1, 1, 12, model.Step(states[chosen[0]], tokens[0], next[0]))
                : model.StepBatch([.. chosen.Select(b => states[b])], tokens, next);
            for (int i = 0; i < chosen.Length; i++) AssertClose(fulls[chosen[i]].At(0, positions[i]), logits.At(i, 0), 1e-4);
        }
        try
        {
            // One batch of four past the first capacity (64), a single step of a state in the batch, a batch of three.
            for (int round = 0; round < 66; round++) Check([0, 1, 2, 3], single: false);
            Check([2], single: true);
            Check([3, 1, 0], single: false);
            Check([2, 3, 0, 1], single: false);
            for (int round = 0; round < 200; round++)
            {
                // A random subset in a random order: batched when their lengths agree, else stepped one by one.
                var chosen = Enumerable.Range(0, 4).Where(_ => rng.Next(3) > 0).OrderBy(_ => rng.Next()).Where(b => states[b].Length < 89).ToArray();
                if (chosen.Length > 0) Check(chosen, chosen.Length == 1 && rng.Next(2) == 0);
            }
            Assert.All(states, s => Assert.Equal(89, s.Length));
        }
        finally
        {
            foreach (var s in states) s.Dispose();
        }
    }

    [Fact]
    public void NGramStepBatchGivesTheLogitsOfSingleSteps()
    {
        var data = Enumerable.Range(0, 20).Select(i => (IReadOnlyList<int>)RandomSequence(30, 12, 200 + i).Tokens.ToArray());
        using var model = NGramModel.Fit(new NGramConfig { Order = 3 }, 12, 1, data);
        BatchMatchesSingleSteps(model, equalLengths: false);
    }

    [Fact]
    public void BatchAndPrefillArgumentsAreChecked()
    {
        torch.manual_seed(31);
        using var model = Lstm(ConditioningMode.Sum, attention: false, lookback: false);
        using var a = model.CreateState();
        var c = Toy.Sequence([1]).Conditioning[0];
        Assert.Throws<ArgumentException>(() => model.StepBatch([a, a], [1, 2], [c, c]));
        Assert.Throws<ArgumentException>(() => model.StepBatch([a], [1, 2], [c]));
        Assert.Throws<ArgumentException>(() => model.StepBatch([], [], []));
        Assert.Throws<ArgumentException>(() => model.Prefill(a, [], []));
        Assert.Throws<ArgumentException>(() => model.Prefill(a, [1, 2], [c]));
        using var transformer = new TransformerModel(SmallTransformer, 12, 0, Toy.Vocabulary);
        using var foreign = transformer.CreateState();
        Assert.Throws<ArgumentException>(() => model.Step(foreign, 1, c));
        Assert.Throws<ArgumentException>(() => transformer.StepBatch([a, foreign], [1, 1], [c, c]));
        Assert.Equal(0, a.Length);
    }
}

/// <summary>A fact that needs the 16-bit weight kernels (AVX2 and FMA); skipped with the reason elsewhere.</summary>
public sealed class QuantizedKernelsFactAttribute : FactAttribute
{
    /// <summary>Skips where the processor lacks the kernels.</summary>
    public QuantizedKernelsFactAttribute()
    {
        if (!(System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported))
            Skip = "16-bit generation weights need AVX2 and FMA; this processor generates with float32 weights";
    }
}
