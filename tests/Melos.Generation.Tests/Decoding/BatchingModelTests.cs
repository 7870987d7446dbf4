using Melos.Generation.Decoding;
using Melos.Music;

namespace Melos.Generation.Tests.Decoding;

/// <summary>Requests decoded together through one <see cref="BatchingModel"/> get the answers they get alone, bit for bit.</summary>
public sealed class BatchingModelTests
{
    private static GenerationRequest Request(int i) => new()
    {
        Bars = 2 + i % 3, Seed = 100 + i, Key = Key.Parse(i % 2 == 0 ? "C" : "G"), Sampling = new() { Temperature = 0.8 + 0.1 * (i % 4) },
    };

    [Fact]
    public void Twelve_generations_on_twelve_threads_are_stepped_in_batches_and_match_their_single_runs_bit_for_bit()
    {
        var alone = TinyModel.Shared.Generator;
        var expected = Enumerable.Range(0, 12).Select(i => alone.Generate(Request(i)).Single()).ToArray();

        using var batching = new BatchingModel(alone.Model, maxBatch: 16);
        var shared = new MelodyGenerator(batching, alone.Tokenizer, alone.Vocabulary, ownsModel: false, alone.ContextTokens);
        AssertSameBitForBit(expected, GenerateOnTwelveThreads(shared, Request));
        // The steps were batched: fewer batched steps than steps.
        Assert.True(batching.Steps > batching.Batches, $"{batching.Steps} steps in {batching.Batches} batches");
    }

    [Fact]
    public void Twelve_primed_generations_share_batched_prefills_and_match_their_single_runs_bit_for_bit()
    {
        string[] primers = ["E4 D4", "C4 E4 G4 C5 B4/2 A4/2 G4:2", "G4 A4 B4", "C5 B4 A4 G4 F4 E4 D4 C4"];
        GenerationRequest Primed(int i) => Request(i) with { Bars = 3 + i % 2, Primer = [.. NoteSequence.Parse(primers[i % primers.Length])] };
        var alone = TinyModel.Shared.Generator;
        var expected = Enumerable.Range(0, 12).Select(i => alone.Generate(Primed(i)).Single()).ToArray();

        // The first prefill holds the model thread long enough for the others to queue up behind it.
        var slowFirst = new SlowFirstPrefill(alone.Model);
        using var batching = new BatchingModel(slowFirst, maxBatch: 16);
        var shared = new MelodyGenerator(batching, alone.Tokenizer, alone.Vocabulary, ownsModel: false, alone.ContextTokens);
        AssertSameBitForBit(expected, GenerateOnTwelveThreads(shared, Primed));
        var (prefills, batches) = batching.PrefillCounts;
        Assert.Equal(12, prefills);
        Assert.True(batches < prefills, $"{prefills} prefills in {batches} calls: none was batched");
        Assert.True(slowFirst.LargestBatch > 1, "the model was never asked for a batched prefill");
    }

    /// <summary>Runs request i on thread i of twelve, all released at once, and returns each one's melody.</summary>
    private static GeneratedMelody[] GenerateOnTwelveThreads(MelodyGenerator shared, Func<int, GenerationRequest> request)
    {
        var results = new GeneratedMelody[12];
        using var start = new Barrier(12);
        var threads = Enumerable.Range(0, 12).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = shared.Generate(request(i)).Single();
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return results;
    }

    private static void AssertSameBitForBit(GeneratedMelody[] expected, GeneratedMelody[] results)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Tokens, results[i].Tokens);
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected[i].LogLikelihood), BitConverter.DoubleToInt64Bits(results[i].LogLikelihood));
        }
    }

    /// <summary>Forwards to a model; its first prefill waits 300 ms first; records the largest prefill batch.</summary>
    private sealed class SlowFirstPrefill(Melos.Models.ISequenceModel inner) : Melos.Models.ISequenceModel
    {
        private int _calls;

        public int LargestBatch { get; private set; }

        public string Architecture => inner.Architecture;

        public int VocabularySize => inner.VocabularySize;

        public Melos.Models.ModelConfig Config => inner.Config;

        public Melos.Models.LogitsBatch Forward(Melos.Models.TokenBatch batch) => inner.Forward(batch);

        public Melos.Models.IGenerationState CreateState() => inner.CreateState();

        public float[] Step(Melos.Models.IGenerationState state, int token, Melos.Data.Tokenizers.ConditionStep next) => inner.Step(state, token, next);

        public Melos.Models.LogitsBatch StepBatch(IReadOnlyList<Melos.Models.IGenerationState> states, IReadOnlyList<int> tokens,
            IReadOnlyList<Melos.Data.Tokenizers.ConditionStep> next) => inner.StepBatch(states, tokens, next);

        public Melos.Models.LogitsBatch Prefill(Melos.Models.IGenerationState state, IReadOnlyList<int> tokens, IReadOnlyList<Melos.Data.Tokenizers.ConditionStep> next)
        {
            if (Interlocked.Increment(ref _calls) == 1) Thread.Sleep(300);
            LargestBatch = Math.Max(LargestBatch, 1);
            return inner.Prefill(state, tokens, next);
        }

        public IReadOnlyList<Melos.Models.LogitsBatch> PrefillBatch(IReadOnlyList<Melos.Models.IGenerationState> states, IReadOnlyList<IReadOnlyList<int>> tokens,
            IReadOnlyList<IReadOnlyList<Melos.Data.Tokenizers.ConditionStep>> next)
        {
            Interlocked.Increment(ref _calls);
            LargestBatch = Math.Max(LargestBatch, states.Count);
            return inner.PrefillBatch(states, tokens, next);
        }

        public void Dispose() { }
    }

    [Fact]
    public void Infilling_through_the_batching_model_matches_the_model_alone_and_calls_after_dispose_fail()
    {
        var alone = TinyModel.Shared.Generator;
        var melody = alone.Generate(new GenerationRequest { Bars = 4, Seed = 5 }).Single().Melody;
        var request = new InfillRequest(melody, 2, 3) { Candidates = 3, Seed = 9 };
        var expected = alone.Infill(request).Single();
        var batching = new BatchingModel(alone.Model);
        var shared = new MelodyGenerator(batching, alone.Tokenizer, alone.Vocabulary, ownsModel: false, alone.ContextTokens);
        InfillCandidate? got = null;
        var thread = new Thread(() => got = shared.Infill(request).Single());
        thread.Start();
        thread.Join();
        Assert.Equal(expected.Tokens, got!.Tokens);
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected.GapLogLikelihood), BitConverter.DoubleToInt64Bits(got.GapLogLikelihood));
        batching.Dispose();
        Assert.Throws<ObjectDisposedException>(() => batching.CreateState());
    }
}
