using FsCheck.Xunit;
using Melos.Data.Tokenizers;
using Melos.Generation.Decoding;
using Melos.Generation.Tuning;
using Melos.Models;
using Melos.Music;

namespace Melos.Generation.Tests.Decoding;

/// <summary>
/// Infilling, variation, the studio's answer and tuning over random requests, for the grid model and the note-token
/// model alike: every path runs through the one decoder on the tokenizer's grammar.
/// </summary>
public sealed class EditPropertyTests
{
    private static MelodyGenerator Model(bool note) => note ? TinyNoteModel.Shared.Generator : TinyModel.Shared.Generator;

    private static readonly string[] Keys = ["C", "G", "F", "Am"];

    /// <summary>A tune the model itself writes (so it fits the tokenizer): 3-6 bars of 4/4 in a random key.</summary>
    private static Melody Tune(MelodyGenerator generator, Random r)
    {
        var key = Key.Parse(Keys[r.Next(Keys.Length)]);
        for (int attempt = 0; ; attempt++)
        {
            var tune = generator.Generate(new GenerationRequest { Bars = 3 + r.Next(4), Key = key, Seed = r.Next() })[0].Melody;
            if (tune.Notes.Length >= 4 || attempt == 20) return tune;
        }
    }

    private static string Show(Melody m) => NoteSequence.Format(m.Notes);

    [Property(MaxTest = 24)]
    public void An_infill_keeps_the_bars_around_the_gap_and_its_new_notes_obey_the_rules(bool note, int seed)
    {
        var generator = Model(note);
        var r = new Random(seed);
        var tune = Tune(generator, r);
        int bars = tune.BarCount;
        int first = 1 + r.Next(bars), last = first + r.Next(bars - first + 1);
        var request = new InfillRequest(tune, first, last)
        {
            Candidates = 1 + r.Next(3),
            Pitches = new PitchConstraints { MaxLeap = r.Next(2) == 0 ? 5 + r.Next(5) : null },
            Seed = seed & int.MaxValue, // seeds are 0 or more
        };
        var gapStart = tune.BarStart(first - 1);
        var gapEnd = last >= bars ? tune.Length : tune.BarStart(last);
        var left = tune.Notes.Where(n => n.Start < gapStart).ToList();
        if (left.Count > 0 && left[^1].End >= gapEnd) return; // the gap lies inside a kept note: nothing to write (refused)
        var result = generator.Infill(request)[0];
        var m = result.Melody;
        Assert.Equal(tune.Length, m.Length);
        Assert.Equal(left.Select(n => (n.Pitch.Number, n.Start, n.Length)), m.Notes.Where(n => n.Start < gapStart).Select(n => (n.Pitch.Number, n.Start, n.Length)));
        Assert.Equal(tune.Notes.Where(n => n.Start >= gapEnd).Select(n => (n.Pitch.Number, n.Start, n.Length)),
            m.Notes.Where(n => n.Start >= gapEnd).Select(n => (n.Pitch.Number, n.Start, n.Length)));
        var key = tune.Key!;
        int low = tune.Notes.Min(n => n.Pitch.Number), high = tune.Notes.Max(n => n.Pitch.Number);
        int? previous = left.LastOrDefault()?.Pitch.Number;
        foreach (var n in m.Notes.Where(n => n.Start >= gapStart && n.Start < gapEnd))
        {
            int p = n.Pitch.Number;
            Assert.True(key.Scale.Contains(p) && p >= low && p <= high && n.End <= gapEnd, $"{n} breaks key {key}, range {low}-{high} or the gap's end {gapEnd}: {Show(m)}");
            if (request.Pitches.MaxLeap is { } leap && previous is { } prev) Assert.True(Math.Abs(p - prev) <= leap, $"leap {prev} -> {p} over {leap}: {Show(m)}");
            previous = p;
        }
        // The same seed writes the same tokens; the scores are the teacher-forced model's (a gap that ends the tune is
        // scored by its decoder, whose float32 steps round differently from the pass: a relative 1e-6 over the tune).
        Assert.Equal(result.Tokens, generator.Infill(request)[0].Tokens);
        double forced = generator.Score(m).Sum();
        Assert.Equal(forced, result.LogLikelihood, 1e-6 * Math.Max(1, Math.Abs(forced)));
    }

    [Property(MaxTest = 24)]
    public void A_variation_keeps_every_note_it_did_not_choose(bool note, int seed)
    {
        var generator = Model(note);
        var r = new Random(seed);
        var tune = Tune(generator, r);
        bool rhythm = r.Next(2) == 0;
        var request = new VariationRequest(tune, 0.2 + 0.6 * r.NextDouble()) { Rhythm = rhythm, Pitches = new PitchConstraints { MaxLeap = r.Next(2) == 0 ? 7 : null }, Seed = seed & int.MaxValue };
        var v = generator.Vary(request)[0];
        var m = v.Melody;
        Assert.Equal(tune.Length, m.Length);
        var kept = Enumerable.Range(0, tune.Notes.Length).Where(i => !v.Chosen.Contains(i)).Select(i => tune.Notes[i]).ToList();
        var written = m.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)).ToHashSet();
        Assert.All(kept, n => Assert.True(written.Contains((n.Pitch.Number, n.Start, n.Length)), $"kept note {n} is missing: {Show(tune)} -> {Show(m)}"));
        Assert.All(m.Notes, n => Assert.True(n.End <= tune.Length, $"{n} passes the end: {Show(m)}"));
        if (!rhythm)
        {
            Assert.Equal(tune.Notes.Select(n => (n.Start, n.Length)), m.Notes.Select(n => (n.Start, n.Length)));
            foreach (int i in v.Chosen)
                Assert.True(tune.Key!.Scale.Contains(m.Notes[i].Pitch.Number) || m.Notes[i].Pitch.Number == tune.Notes[i].Pitch.Number,
                    $"note {i} redrawn outside {tune.Key}: {Show(m)}");
        }
        Assert.Equal(v.Tokens, generator.Vary(request)[0].Tokens);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_studios_answer_starts_on_the_bar_line_after_a_phrase_that_ends_in_a_rest(bool note)
    {
        var generator = Model(note);
        // Two bars whose second ends with a half-bar rest; the answer is two more bars.
        var phrase = NoteSequence.Parse("C4 E4 G4 E4 D4 F4").ToList();
        var melody = Melody.Create(phrase, Key.CMajor, [new MeterChange(Duration.Zero, TimeSignature.CommonTime)], length: Duration.FromQuarters(16));
        var answer = Melos.Studio.StudioContinuation.Continue(generator, melody, 2, 2, 1.0, null, 7, null, null, false);
        var notes = answer.Melody.Notes;
        Assert.Equal(phrase.Select(n => (n.Pitch.Number, n.Start, n.Length)), notes.Take(phrase.Count).Select(n => (n.Pitch.Number, n.Start, n.Length)));
        Assert.All(notes.Skip(phrase.Count), n => Assert.True(n.Start >= Duration.FromQuarters(8) && n.End <= Duration.FromQuarters(16), Show(answer.Melody)));
        Assert.True(notes.Length > phrase.Count, "the model answered with at least one note");
        Assert.Equal(notes.Length, answer.Probabilities.Count);
        Assert.All(answer.Probabilities, p => Assert.InRange(p, 1e-12, 1.0));
        Assert.True(answer.LogLikelihood < 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Tuning_replays_each_sample_through_its_grammar_so_every_token_was_allowed(bool note)
    {
        var dir = note ? TinyNoteModel.Shared.Directory : TinyModel.Shared.Directory;
        GenerationRequest[] requests =
        [
            new() { Bars = 2, Key = Key.CMajor, Pitches = new PitchConstraints { Chromatic = true }, Style = "reel" },
            new() { Bars = 3, Key = Key.Parse("G"), Pitches = new PitchConstraints { MaxLeap = 5 }, Style = "waltz" },
        ];
        using var tuner = RlTuner.Start(dir, RewardRegistry.CreateDefault().Parse("in-key=1"), requests,
            new TuningConfig { Steps = 3, BatchSize = 4, LearningRate = 1e-3, Kl = 0.1, Seed = 2 });
        var samples = tuner.Sample([(0, 1), (1, 2)]);
        // The KL under each sample's replayed masks is finite and small: a token outside a mask would cost 1e9.
        double kl = tuner.MeanKl([requests[0], requests[1]], samples);
        Assert.InRange(kl, 0, 1e-6);
        var state = tuner.Train();
        Assert.Equal(3, state.Step);
        Assert.True(Math.Abs(state.Loss!.Value) < 100, $"loss {state.Loss}");
        Assert.InRange(state.Kl!.Value, 0, 10);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_decoder_traces_every_tokens_probability_rank_and_alternatives_and_explain_reads_the_same(bool note)
    {
        var generator = Model(note);
        var request = new GenerationRequest { Bars = 4, Key = Key.Parse("G"), Seed = 9 };
        var grammar = Grammars.For(generator.Tokenizer, request, generator.Vocabulary, out var forced);
        var decoder = new Decoder(generator.Model, grammar, forced, DecodingPolicy.Of(request), new Random(9)) { TraceAlternatives = 3 };
        foreach (var _ in decoder.Run()) { }
        Assert.Equal(decoder.Grammar.Tokens.Count - 1, decoder.Choices.Count);
        for (int i = 0; i < decoder.Choices.Count; i++)
        {
            var c = decoder.Choices[i];
            Assert.Equal(decoder.Grammar.Tokens[i + 1], c.Token);
            Assert.Equal(Math.Exp(decoder.TokenLogProbabilities[i]), c.Probability, 9);
            Assert.Equal(1 + c.Alternatives.Count(a => a.Probability > c.Probability), Math.Min(c.Rank, 4));
            Assert.True(c.Alternatives.Count == 3 && c.Alternatives.All(a => a.Token != c.Token));
        }
        // Explain scores the generated melody through the decoder's forced prefill: a note's probability is its token's.
        var melody = generator.Generate(request)[0];
        var explained = new Melos.Generation.Explanation.Explainer(generator).Explain(melody.Melody);
        var sources = generator.Tokenizer.NoteTokenIndices(melody.Tokens);
        if (note) // (grid tokens of a generated melody equal its encoding; note tokens may write a bar as COPY only when encoded)
            Assert.Equal(explained.Notes.Count, melody.Melody.Notes.Length);
        else
            for (int i = 0; i < explained.Notes.Count; i++)
                Assert.Equal(Math.Exp(decoder.TokenLogProbabilities[sources[i] - 1]), explained.Notes[i].Probability, 4);
    }
}
