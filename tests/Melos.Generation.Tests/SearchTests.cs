using Melos.Data.Tokenizers;
using Melos.Models;
using Melos.Music;

namespace Melos.Generation.Tests;

public sealed class SearchTests
{
    private static MelodyGenerator Generator => TinyModel.Shared.Generator;

    private static readonly GenerationRequest[] Requests =
    [
        new() { Bars = 2, Seed = 1 },
        new() { Bars = 3, Key = Key.Parse("G"), Pitches = new() { MaxLeap = 4 }, Seed = 2 },
        new() { Bars = 2, Key = Key.Parse("Am"), Meter = new TimeSignature(3, 4), EndOnTonic = true, Seed = 3 },
        new() { Bars = 2, Primer = [.. NoteSequence.Parse("E4 D4 C4/2")], Chords = [ChordSymbol.Parse("C"), ChordSymbol.Parse("G7")], Seed = 4 },
        new() { Bars = 2, MinNotesPerBar = 3, MaxNotesPerBar = 5, Style = "reel", Seed = 5 },
    ];

    /// <summary>The log-likelihood of tokens recomputed step by step, independently of the search that produced them.</summary>
    private static double Rescore(GenerationRequest request, IReadOnlyList<int> tokens)
    {
        var template = MelodyGenerator.Template(request);
        var conditioning = (Func<IReadOnlyList<int>, Melos.Data.Tokenizers.ConditionStep>)(t => Generator.Vocabulary.At(template, Duration.FromQuarters(t.Count - 1, Generator.Grid.GridConfig.StepsPerQuarter)));
        using var state = Generator.Model.CreateState();
        double total = 0;
        for (int i = 1; i < tokens.Count; i++)
        {
            var logits = Generator.Model.Step(state, tokens[i - 1], conditioning(tokens.Take(i).ToList()));
            total += TokenSampling.LogProbability(logits, tokens[i]);
        }
        return total;
    }

    [Fact]
    public void A_beam_of_one_is_greedy_decoding_and_a_wider_beam_is_at_least_as_likely()
    {
        bool strictlyBetter = false;
        foreach (var request in Requests)
        {
            var greedy = Generator.Generate(request with { Sampling = request.Sampling with { TopK = 1 } }).Single();
            var one = Generator.Generate(request with { BeamWidth = 1 }).Single();
            Assert.Equal(greedy.Tokens, one.Tokens);
            Assert.Equal(greedy.LogLikelihood, one.LogLikelihood);

            var wide = Generator.Generate(request with { BeamWidth = 4 }).Single();
            Assert.True(wide.LogLikelihood >= greedy.LogLikelihood, $"beam {wide.LogLikelihood} < greedy {greedy.LogLikelihood} for {request}");
            // The reported log-likelihood is the model's, recomputed from scratch.
            Assert.Equal(Rescore(request, wide.Tokens), wide.LogLikelihood, 3);
            strictlyBetter |= wide.LogLikelihood > greedy.LogLikelihood + 1e-9;
        }
        Assert.True(strictlyBetter, "the beam never found anything more likely than greedy decoding");
    }

    [Fact]
    public void Scoring_a_generated_melody_teacher_forced_gives_its_log_likelihood()
    {
        foreach (var request in Requests.Where(r => r.Primer.IsEmpty))
        {
            var generated = Generator.Generate(request).Single();
            var perStep = Generator.Score(generated.Melody);
            Assert.Equal(generated.Tokens.Count - 1, perStep.Length);
            Assert.Equal(generated.LogLikelihood, perStep.Sum(), 2);
        }
    }

    [Fact]
    public void Beam_search_is_deterministic_and_returns_distinct_melodies_best_first()
    {
        var request = new GenerationRequest { Bars = 2, Count = 3, BeamWidth = 4, Key = Key.Parse("D"), Seed = 8 };
        var a = Generator.Generate(request);
        var b = Generator.Generate(request);
        var otherSeed = Generator.Generate(request with { Seed = 99 });
        Assert.Equal(3, a.Count);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(a[i].Tokens, b[i].Tokens);
            Assert.Equal(a[i].Tokens, otherSeed[i].Tokens);
            Assert.Equal($"Melos {i + 1}", a[i].Melody.Info.Title);
        }
        Assert.True(a[0].LogLikelihood >= a[1].LogLikelihood && a[1].LogLikelihood >= a[2].LogLikelihood);
        Assert.Equal(3, a.Select(m => string.Join(',', m.Tokens)).Distinct().Count());
        // The best of three equals the single best.
        Assert.Equal(a[0].Tokens, Generator.Generate(request with { Count = 1 }).Single().Tokens);
    }

    /// <summary>
    /// The candidates best-of-N draws for each melody of <paramref name="request"/>: candidate c of melody i is the plain
    /// sample seeded by the request's generator's (i * N + c)-th draw.
    /// </summary>
    internal static List<GeneratedMelody[]> BestOfCandidates(MelodyGenerator generator, GenerationRequest request, int n)
    {
        var rng = new Random(request.Seed);
        return [.. Enumerable.Range(0, request.Count).Select(_ => Enumerable.Range(0, n).Select(_ => rng.Next()).ToArray()
            .Select(seed => generator.Generate(request with { Count = 1, BestOf = null, Seed = seed }).Single()).ToArray())];
    }

    [Fact]
    public void Best_of_n_returns_the_most_likely_of_its_n_seeded_samples_and_the_seed_decides_it()
    {
        foreach (var request in Requests)
        {
            const int n = 4;
            var best = Generator.Generate(request with { Count = 2, BestOf = n });
            var candidates = BestOfCandidates(Generator, request with { Count = 2 }, n);
            for (int i = 0; i < 2; i++)
            {
                var group = candidates[i];
                var expected = group.First(m => m.LogLikelihood == group.Max(g => g.LogLikelihood));
                Assert.Equal(expected.Tokens, best[i].Tokens);
                Assert.Equal(expected.LogLikelihood, best[i].LogLikelihood);
            }
            Assert.Equal(best.Select(m => m.Tokens), Generator.Generate(request with { Count = 2, BestOf = n }).Select(m => m.Tokens));
        }
    }

    [Fact]
    public void Best_of_n_steps_its_candidates_together_through_a_shared_batching_model_and_answers_as_alone()
    {
        var alone = Generator;
        // Each model call takes at least a millisecond, so the candidates' threads overlap even on a loaded machine (the
        // tiny model's steps are fast enough for one thread to finish its melody before the next one starts).
        using var batching = new Melos.Generation.Decoding.BatchingModel(new SlowCalls(alone.Model), maxBatch: 16);
        var shared = new MelodyGenerator(batching, alone.Tokenizer, alone.Vocabulary, ownsModel: false, alone.ContextTokens);
        foreach (var request in Requests)
        {
            var expected = alone.Generate(request with { Count = 2, BestOf = 6 });
            long steps = batching.Steps, batches = batching.Batches;
            var got = shared.Generate(request with { Count = 2, BestOf = 6 });
            Assert.Equal(expected.Select(m => m.Tokens), got.Select(m => m.Tokens));
            Assert.Equal(expected.Select(m => m.LogLikelihood), got.Select(m => m.LogLikelihood));
            Assert.True(batching.Batches - batches < batching.Steps - steps,
                $"{batching.Steps - steps} steps in {batching.Batches - batches} calls: the candidates were not stepped together");
        }
    }

    [Fact]
    public async Task Streaming_a_searched_request_yields_the_first_result()
    {
        foreach (var request in new[] { Requests[1] with { BeamWidth = 3 }, Requests[1] with { BestOf = 3 } })
        {
            var streamed = new List<Note>();
            await foreach (var n in Generator.StreamAsync(request)) streamed.Add(n);
            Assert.Equal(Generator.Generate(request)[0].Melody.Notes, streamed);
        }
    }

    [Fact]
    public void Search_settings_are_checked()
    {
        Assert.Equal(RequestField.BeamWidth, Assert.Throws<InvalidRequestException>(() => new GenerationRequest { BeamWidth = 0 }).Field);
        Assert.Equal(RequestField.BeamWidth, Assert.Throws<InvalidRequestException>(() => new GenerationRequest { BeamWidth = 65 }).Field);
        Assert.Equal(RequestField.BestOf, Assert.Throws<InvalidRequestException>(() => new GenerationRequest { BestOf = 0 }).Field);
        var combined = Assert.Throws<InvalidRequestException>(() => new GenerationRequest { BeamWidth = 2, BestOf = 2 }.Validate());
        Assert.Equal((RequestField.BeamWidth, true), (combined.Field, combined.Reason.Contains("cannot be combined", StringComparison.Ordinal)));
        var narrow = Assert.Throws<InvalidRequestException>(() => new GenerationRequest { BeamWidth = 2, Count = 3 }.Validate());
        Assert.Equal((RequestField.Count, true), (narrow.Field, narrow.Reason.Contains("widen the beam to at least 3", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_density_mask_caps_full_bars_and_forces_notes_on_the_last_sixteenths()
    {
        var tokenizer = Generator.Grid; // 4 steps per quarter: a step is a sixteenth
        var constraints = new TokenConstraints(new GenerationRequest { Bars = 2, MinNotesPerBar = 3, MaxNotesPerBar = 4 }, tokenizer);
        Assert.Equal(1, constraints.SlotSteps);
        bool AnyNoteOn(bool[] mask) => Enumerable.Range(48, 37).Any(p => mask[tokenizer.NoteOn(p)]);

        // Four notes in the bar: nothing may start, holding is fine, and that is not a fallback.
        var full = constraints.Allowed(new GenerationContext(5, 60, true, NotesInBar: 4), false, out bool fallback);
        Assert.False(AnyNoteOn(full));
        Assert.True(full[GridTokenizer.HoldId] && full[GridTokenizer.NoteOffId]);
        Assert.False(fallback);
        // The bar turns over: the count is per bar.
        Assert.True(AnyNoteOn(constraints.Allowed(new GenerationContext(16, 60, true, NotesInBar: 0), false, out _)));

        // One note so far, three sixteenths left (steps 13, 14, 15) and two missing: still free at 13 with three left...
        var free = constraints.Allowed(new GenerationContext(13, 60, true, NotesInBar: 1), false, out _);
        Assert.True(free[GridTokenizer.HoldId]);
        // ... but at 14 two are left for two missing notes: a note must start.
        var forced = constraints.Allowed(new GenerationContext(14, 60, true, NotesInBar: 1), false, out _);
        Assert.False(forced[GridTokenizer.HoldId] || forced[GridTokenizer.NoteOffId]);
        Assert.True(AnyNoteOn(forced));

        // On a 12-step grid forced notes wait for sixteenth positions.
        var fine = new GridTokenizer(new GridTokenizerConfig { StepsPerQuarter = 12, MinPitch = 48, MaxPitch = 84 });
        var twelve = new TokenConstraints(new GenerationRequest { Bars = 1, MinNotesPerBar = 2 }, fine);
        Assert.Equal(3, twelve.SlotSteps);
        Assert.True(twelve.Allowed(new GenerationContext(44, 60, true, 1), false, out _)[GridTokenizer.HoldId]);   // not a sixteenth
        Assert.False(twelve.Allowed(new GenerationContext(45, 60, true, 1), false, out _)[GridTokenizer.HoldId]);  // the last sixteenth
        Assert.False(twelve.Allowed(new GenerationContext(42, 60, true, 0), false, out _)[GridTokenizer.HoldId]);  // two missing, two left

        Assert.Contains("holds 8 sixteenths", Assert.Throws<InvalidRequestException>(() => new GenerationRequest { Meter = new TimeSignature(2, 4), MinNotesPerBar = 9 }.Validate()).Reason);
        Assert.Contains("inverted", Assert.Throws<InvalidRequestException>(() => new GenerationRequest { MinNotesPerBar = 4, MaxNotesPerBar = 2 }.Validate()).Reason);
        Assert.Equal(RequestField.MaxNotesPerBar, Assert.Throws<InvalidRequestException>(() => new GenerationRequest { MaxNotesPerBar = 0 }).Field);
        Assert.Equal(RequestField.MinNotesPerBar, Assert.Throws<InvalidRequestException>(() => new GenerationRequest { MinNotesPerBar = -1 }).Field);
    }

    [Fact]
    public void Chord_progressions_take_one_bar_per_chord_or_beats_and_repeat()
    {
        var plain = ChordProgression.Parse("G D/F# Em C");
        Assert.Equal(["G", "D/F#", "Em", "C"], plain.Select(c => c.ToString()));
        Assert.All(plain, c => Assert.Null(c.Beats));
        var timed = ChordProgression.Parse(" G:2  D:2 Em C ");
        Assert.Equal(["G:2", "D:2", "Em", "C"], timed.Select(c => c.ToString()));

        // 4/4: beats are quarters; the three-bar progression repeats in bar 4.
        var layout = ChordProgression.Layout(timed, TimeSignature.CommonTime, Duration.FromQuarters(16));
        Assert.Equal([(0, "G"), (2, "D"), (4, "Em"), (8, "C"), (12, "G"), (14, "D")], layout.Select(c => ((int)c.At.Quarters.Floor(), c.Chord.ToString())));
        // 6/8: a beat is a dotted quarter, so G:1 D:1 splits each bar in two.
        var compound = ChordProgression.Layout(ChordProgression.Parse("G:1 D:1"), new TimeSignature(6, 8), Duration.FromQuarters(6));
        Assert.Equal([Duration.Zero, Duration.FromQuarters(3, 2), Duration.FromQuarters(3), Duration.FromQuarters(9, 2)], compound.Select(c => c.At));

        // The request lays the progression out in the template and the generated melody.
        var request = new GenerationRequest { Bars = 2, Chords = timed, Seed = 1 };
        var m = Generator.Generate(request).Single().Melody;
        Assert.Equal(["G", "D", "Em"], m.Chords.Select(c => c.Chord.ToString()));
        Assert.Equal([0, 2, 4], m.Chords.Select(c => (int)c.At.Quarters.Floor()));

        Assert.Contains("Invalid chord symbol 'Xq'", Assert.Throws<InvalidChordSymbolException>(() => ChordProgression.Parse("G Xq")).Message);
        Assert.Contains("'0' is not a number of beats", Assert.Throws<InvalidChordProgressionException>(() => ChordProgression.Parse("G:0 D")).Message);
        Assert.Contains("'x' is not a number of beats", Assert.Throws<InvalidChordProgressionException>(() => ChordProgression.Parse("G:x")).Message);
        Assert.Contains("'-2' is not a number of beats", Assert.Throws<InvalidChordProgressionException>(() => ChordProgression.Parse("G:-2")).Message);
        Assert.Throws<InvalidChordProgressionException>(() => ChordProgression.Parse("   "));
    }

    [Fact]
    public void A_meter_the_model_does_not_know_and_a_primer_beyond_its_context_are_refused()
    {
        Assert.Equal(64, Generator.ContextTokens);
        var meter = Assert.Throws<InvalidRequestException>(() => Generator.Generate(new GenerationRequest { Meter = new TimeSignature(11, 8) }));
        Assert.Equal(RequestField.Meter, meter.Field);
        Assert.Contains("does not know the meter 11/8", meter.Reason);
        // 17 quarters at 4 steps per quarter: 68 steps, more than the 64 tokens the tiny model was trained on.
        var longPrimer = new GenerationRequest { Bars = 8, Primer = [.. NoteSequence.Parse("C4:4 D4:4 E4:4 F4:4 G4")] };
        var context = Assert.Throws<InvalidRequestException>(() => Generator.Generate(longPrimer));
        Assert.Equal(RequestField.Primer, context.Field);
        Assert.Contains("more than the model's context of 64 tokens", context.Reason);
        // 16 quarters fit exactly.
        Assert.NotEmpty(Generator.Generate(longPrimer with { Primer = [.. NoteSequence.Parse("C4:4 D4:4 E4:4 F4:4")] }).Single().Melody.Notes);
    }

    /// <summary>The model with a millisecond's pause before every step, so that concurrent callers meet.</summary>
    private sealed class SlowCalls(ISequenceModel inner) : ForwardingAllModel(inner)
    {
        public override float[] Step(IGenerationState state, int token, ConditionStep next)
        {
            Thread.Sleep(1);
            return base.Step(state, token, next);
        }

        public override LogitsBatch StepBatch(IReadOnlyList<IGenerationState> states, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next)
        {
            Thread.Sleep(1);
            return base.StepBatch(states, tokens, next);
        }
    }
}
