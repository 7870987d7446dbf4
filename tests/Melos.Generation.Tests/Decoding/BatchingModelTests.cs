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
        var results = new GeneratedMelody[12];
        using var start = new Barrier(12);
        var threads = Enumerable.Range(0, 12).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = shared.Generate(Request(i)).Single();
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        for (int i = 0; i < 12; i++)
        {
            Assert.Equal(expected[i].Tokens, results[i].Tokens);
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected[i].LogLikelihood), BitConverter.DoubleToInt64Bits(results[i].LogLikelihood));
        }
        // The steps were batched: fewer batched steps than steps.
        Assert.True(batching.Steps > batching.Batches, $"{batching.Steps} steps in {batching.Batches} batches");
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
