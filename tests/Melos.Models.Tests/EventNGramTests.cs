using Melos.Data.Tokenizers;
using Melos.Models.Training;
using Melos.Music;

namespace Melos.Models.Tests;

/// <summary>The n-gram whose order counts the tokenizer's events (<see cref="NGramUnit.Event"/>).</summary>
public sealed class EventNGramTests
{
    /// <summary>
    /// Vocabulary: 0 PAD, 1 BOS, 2 EOS, 3 A, 4 B (pitches: each begins an event), 5 D (a duration: continues the event).
    /// </summary>
    private sealed class PitchDurationTokenizer : ITokenizer
    {
        public TokenizerConfig Config { get; } = new GridTokenizerConfig();
        public int VocabularySize => 6;
        public int Pad => 0;
        public int Bos => 1;
        public int Eos => 2;
        public TokenizedMelody Encode(Melody melody) => throw new NotSupportedException();
        public bool TryEncode(Melody melody, out TokenizedMelody? result, out TokenizationException? error) => throw new NotSupportedException();
        public IReadOnlyList<Note> Decode(IEnumerable<int> tokens) => throw new NotSupportedException();
        public string TokenName(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        public bool StartsEvent(int previous, int token) => token != 5;
    }

    // BOS | A D | B D | EOS and BOS | A D | A D | EOS.
    private static readonly int[][] Corpus = [[1, 3, 5, 4, 5, 2], [1, 3, 5, 3, 5, 2]];

    private static NGramModel Bigram() => NGramModel.Fit(new NGramConfig { Order = 2, Unit = NGramUnit.Event, Discount = 0.5 }, new PitchDurationTokenizer(), Corpus);

    [Fact]
    public void ProbabilitiesMatchAHandComputedKneserNey()
    {
        var model = Bigram();
        // Order 2 in events: contexts are (previous event + current event), (current event), (last token when the current
        // event has two or more), (nothing), then uniform over 6 tokens. D = 0.5 everywhere.
        // Counts (the longest context: raw; shorter ones: distinct longer contexts followed by the token):
        //   nothing:  A 2 (after [BOS] and [D]), D 2 (after [A] and [B]), B 1 (after [D]), EOS 1 (after [D]) -> total 6, 4 types
        //   [D]:      A 1, B 1 (after [A D]), EOS 2 (after [B D], [A D]) -> total 4, 3 types
        //   [A D]:    A 1, B 1 (after [BOS A D]), EOS 1 (after [A D A D]) -> total 3, 3 types
        //   [B D]:    EOS 1 (after [A D B D]) -> total 1, 1 type
        //   [A D B D] (longest): EOS 1;  [BOS A D] (longest, reaches BOS): A 1, B 1
        double uniform = 1.0 / 6;
        double p0Eos = (1 - 0.5) / 6 + 0.5 * 4 / 6 * uniform;          // 0.138889
        double p1Eos = (2 - 0.5) / 4 + 0.5 * 3 / 4 * p0Eos;            // 0.427083
        double p2Eos = (1 - 0.5) / 1 + 0.5 * 1 / 1 * p1Eos;            // 0.713542
        double p3Eos = (1 - 0.5) / 1 + 0.5 * 1 / 1 * p2Eos;            // 0.856771
        Assert.Equal(0.8567708333, p3Eos, 9);
        Assert.Equal(p3Eos, model.Probability([1, 3, 5, 4, 5], 2), 12);

        // After BOS A D: the longest context reaches BOS and keeps raw counts.
        double p0B = (1 - 0.5) / 6 + 0.5 * 4 / 6 * uniform;            // 0.138889
        double p1B = (1 - 0.5) / 4 + 0.5 * 3 / 4 * p0B;                // 0.177083
        double p2B = (1 - 0.5) / 3 + 0.5 * 3 / 3 * p1B;                // 0.255208
        double p3B = (1 - 0.5) / 2 + 0.5 * 2 / 2 * p2B;                // 0.377604
        Assert.Equal(0.3776041667, p3B, 9);
        Assert.Equal(p3B, model.Probability([1, 3, 5], 4), 12);

        // Unseen longest context (B D A D): back off to the current event [A D].
        double p2EosAfterAD = (1 - 0.5) / 3 + 0.5 * 3 / 3 * p1Eos;     // 0.380208
        Assert.Equal(0.3802083333, p2EosAfterAD, 9);
        Assert.Equal(p2EosAfterAD, model.Probability([1, 4, 5, 3, 5], 2), 12);
        // PAD is never seen: only the uniform share, scaled by every level's back-off weight.
        Assert.Equal(0.5 * 1 / 1 * 0.5 * 1 / 1 * 0.5 * 3 / 4 * 0.5 * 4 / 6 * uniform, model.Probability([1, 3, 5, 4, 5], 0), 12);
    }

    [Fact]
    public void TheOrderCountsEventsNotTokens()
    {
        var model = Bigram();
        // Same last two events (A D | B D), different and longer histories before them: the same distribution.
        Assert.Equal(model.Distribution([1, 3, 5, 4, 5]), model.Distribution([1, 4, 5, 4, 5, 3, 5, 4, 5]));
        Assert.Equal(model.Distribution([1, 3, 5, 4, 5]), model.Distribution([1, 3, 5, 3, 5, 3, 5, 4, 5]));
        // The event 4 tokens back still counts: A D | B D and B D | B D differ.
        Assert.NotEqual(model.Distribution([1, 3, 5, 4, 5]), model.Distribution([1, 4, 5, 4, 5]));
    }

    private static (NoteTokenizer Tokenizer, List<EncodedSequence> Sequences) Tunes()
    {
        var tokenizer = new NoteTokenizer(NoteTokenizerConfig.WholeTune);
        var vocabulary = Toy.Vocabulary with { StepsPerQuarter = 12 };
        string[] tunes =
        [
            "C4 E4/2 G4/2 C5 r/2 G4/2 C4 E4/2 G4/2 C5 r/2 G4/2 F4 A4 G4 E4 D4 C4 D4 E4",
            "G4 G4 A4 B4 C5 B4/2 A4/2 G4 r E4 F4/2 G4/2 A4 B4 C5 C5 C5 C5",
            "E4/2 D4/2 C4 D4 E4 E4 E4 r D4 D4 D4 r E4 G4 G4 r",
        ];
        var list = new List<EncodedSequence>();
        for (int i = 0; i < 6; i++)
        {
            var melody = Melody.Create(NoteSequence.Parse(tunes[i % 3]), Key.CMajor).Transpose(i / 3 * 2);
            list.Add(EncodedSequence.Encode(tokenizer, vocabulary, melody));
        }
        return (tokenizer, list);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void NoteTokenizerDistributionsSumToOneWithEveryTokenPossible(int order)
    {
        var (tokenizer, data) = Tunes();
        var model = ModelFactory.FitNGram(new NGramConfig { Order = order, Unit = NGramUnit.Event }, tokenizer, data);
        var seq = data[1].Tokens;
        foreach (int cut in new[] { 1, 2, 5, 9, seq.Length - 1 })
        {
            var p = model.Distribution(seq.Take(cut).ToList());
            Assert.Equal(1.0, p.Sum(), 9);
            Assert.All(p, x => Assert.True(x > 0, $"every token needs a non-zero probability, got {x}"));
        }
        // An unseen history too.
        var odd = model.Distribution([tokenizer.Bos, .. seq.Skip(1).Take(8).Reverse()]);
        Assert.Equal(1.0, odd.Sum(), 9);
        Assert.All(odd, x => Assert.True(x > 0));
    }

    [Fact]
    public void StepEqualsForwardAndForksKeepTheirEvents()
    {
        var (tokenizer, data) = Tunes();
        var model = ModelFactory.FitNGram(new NGramConfig { Order = 4, Unit = NGramUnit.Event }, tokenizer, data);
        var seq = data[2];
        var logits = model.Forward(TokenBatch.Create([seq], 0));
        var state = model.CreateState();
        IGenerationState? fork = null;
        for (int t = 0; t < seq.Tokens.Length - 1; t++)
        {
            var step = model.Step(state, seq.Tokens[t], seq.Conditioning[t + 1]);
            Assert.Equal(logits.At(0, t).ToArray(), step);
            if (t == 6) fork = ((IForkableGenerationState)state).Fork();
        }
        Assert.Equal(logits.At(0, 7).ToArray(), model.Step(fork!, seq.Tokens[7], seq.Conditioning[8]));
    }

    [Fact]
    public void CheckpointRoundTripGivesIdenticalLogits()
    {
        var (tokenizer, data) = Tunes();
        var model = ModelFactory.FitNGram(new NGramConfig { Order = 4, Unit = NGramUnit.Event }, tokenizer, data);
        var dir = Path.Combine(Path.GetTempPath(), "melos-event-ngram-" + Guid.NewGuid().ToString("N"));
        try
        {
            Checkpoint.SaveNGram(dir, model, tokenizer.Config, Toy.Vocabulary with { StepsPerQuarter = 12 });
            var loaded = Assert.IsType<NGramModel>(Checkpoint.LoadModel(dir));
            Assert.Equal(NGramUnit.Event, loaded.NGramConfig.Unit);
            var batch = TokenBatch.Create(data, 0);
            Assert.Equal(model.Forward(batch).Values, loaded.Forward(batch).Values);
            Assert.Equal(model.Discounts, loaded.Discounts);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void EventUnitNeedsTheTokenizer()
    {
        var config = new NGramConfig { Order = 3, Unit = NGramUnit.Event };
        Assert.Equal("Unit", Assert.Throws<InvalidConfigurationException>(() => NGramModel.Fit(config, 6, 1, Corpus)).Field);
        var json = NGramModel.Fit(config, new PitchDurationTokenizer(), Corpus).ToJson();
        Assert.Equal("tokenizer", Assert.Throws<IncompatibleFormatException>(() => NGramModel.FromJson(json)).Field);
    }

    [Fact]
    public void UnitIsReadCaseInsensitivelyAndOldConfigsMeanTokens()
    {
        var config = Assert.IsType<NGramConfig>(ModelConfig.FromJson("""{ "architecture": "ngram", "formatVersion": 1, "order": 4, "unit": "event" }"""));
        Assert.Equal(NGramUnit.Event, config.Unit);
        var old = Assert.IsType<NGramConfig>(ModelConfig.FromJson("""{ "architecture": "ngram", "formatVersion": 1, "order": 5, "discount": null }"""));
        Assert.Equal(NGramUnit.Token, old.Unit);
        Assert.Equal(config, ModelConfig.FromJson(config.ToJson()));
    }
}
