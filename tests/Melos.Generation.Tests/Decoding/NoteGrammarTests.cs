using FsCheck.Xunit;
using Melos.Data.Tokenizers;
using Melos.Generation.Decoding;
using Melos.Models;
using Melos.Music;

namespace Melos.Generation.Tests.Decoding;

public sealed class NoteGrammarTests
{
    private static TinyNoteModel Tiny => TinyNoteModel.Shared;

    private static readonly string[] Meters = ["4/4", "3/4", "6/8", "2/4"];
    private static readonly string[] Keys = ["C", "G", "D", "Am", "F", "Em"];

    /// <summary>A random request built from one seed: every control drawn, some left out.</summary>
    private static GenerationRequest RandomRequest(int seed)
    {
        var r = new Random(seed);
        int? low = r.Next(3) == 0 ? 55 + r.Next(8) : null;
        int? high = r.Next(3) == 0 ? 67 + r.Next(12) : null;
        int? max = r.Next(3) == 0 ? 2 + r.Next(6) : null;
        int? min = r.Next(4) == 0 ? 1 + r.Next(Math.Min(3, max ?? 3)) : null;
        return new GenerationRequest
        {
            Bars = 1 + r.Next(10),
            Meter = TimeSignature.Parse(Meters[r.Next(Meters.Length)]),
            Key = Key.Parse(Keys[r.Next(Keys.Length)]),
            MinNotesPerBar = min,
            MaxNotesPerBar = max,
            EndOnTonic = r.Next(2) == 0,
            Style = r.Next(3) switch { 0 => "reel", 1 => "waltz", _ => null },
            Seed = seed & int.MaxValue, // seeds are 0 or more
            Sampling = new() { Temperature = 0.6 + r.NextDouble(), TopP = r.Next(3) == 0 ? 0.9 : null },
            Pitches = new() { Low = low is { } l ? Pitch.FromMidi(l) : null, High = high is { } h ? Pitch.FromMidi(h) : null, MaxLeap = r.Next(3) == 0 ? 2 + r.Next(8) : null, Chromatic = r.Next(5) == 0 },
        };
    }

    /// <summary>The broken rule, or null: range, scale, leap, density, exact length, end on the tonic.</summary>
    private static string? Broken(GenerationRequest q, GeneratedMelody g)
    {
        var m = g.Melody;
        if (m.Length != q.Length) return $"length {m.Length} for {q.Length}";
        if (m.Notes.Any(n => n.End > q.Length)) return "a note past the end";
        for (int i = 0; i < m.Notes.Length; i++)
        {
            int p = m.Notes[i].Pitch.Number;
            if (q.Pitches.Low is { } lo && p < lo.Number || q.Pitches.High is { } hi && p > hi.Number) return $"note {i} outside the range";
            if (!q.Pitches.Chromatic && !q.Key.Scale.Contains(p)) return $"note {i} outside the scale";
            if (i > 0 && q.Pitches.MaxLeap is { } leap && Math.Abs(p - m.Notes[i - 1].Pitch.Number) > leap) return $"leap into note {i}";
        }
        for (int bar = 0; bar < q.Bars; bar++)
        {
            int count = m.Notes.Count(n => m.BarOf(n.Start).Bar == bar);
            if (q.MaxNotesPerBar is { } most && count > most) return $"bar {bar} has {count} notes";
            if (q.MinNotesPerBar is { } least && count < least && g.FallbackSteps == 0) return $"bar {bar} has {count} notes, fewer than {least}";
        }
        if (q.EndOnTonic && g.FallbackSteps == 0 && m.Notes.Length > 0 && m.Notes[^1].Pitch.Number % 12 != q.Key.Tonic.PitchClass) return "last note not the tonic";
        return null;
    }

    [Property(MaxTest = 40)]
    public bool Every_constraint_holds_on_every_generated_note(int seed)
    {
        var request = RandomRequest(seed);
        var melodies = Tiny.Generator.Generate(request with { Count = 2 });
        foreach (var g in melodies)
        {
            if (Broken(request, g) is { } why) throw new Xunit.Sdk.XunitException($"{why}: {NoteSequence.Format(g.Melody.Notes)} ({string.Join(" ", g.Tokens.Select(Tiny.Tokenizer.TokenName))})");
            if (g.Tokens[^1] != Tiny.Tokenizer.Eos) return false;
            if (g.Tokens.Count(t => Tiny.Tokenizer.KindOf(t) == NoteTokenKind.Bar) != request.Bars) return false;
        }
        return true;
    }

    [Property(MaxTest = 15)]
    public bool The_same_seed_gives_the_same_tokens(int seed)
    {
        var request = RandomRequest(seed);
        var a = Tiny.Generator.Generate(request);
        var b = Tiny.Generator.Generate(request);
        return a[0].Tokens.SequenceEqual(b[0].Tokens) && a[0].LogLikelihood == b[0].LogLikelihood;
    }

    [Fact]
    public void The_decoders_log_likelihood_of_a_forced_sequence_is_the_models_score()
    {
        // A training tune as the primer: its tokens are forced, and their log-probabilities must be the model's own
        // teacher-forced scores with the conditioning the tokenizer gives them.
        var tune = Tiny.Melodies[0];
        var request = new GenerationRequest { Bars = tune.BarCount, Meter = tune.Meter, Key = tune.Key!, Primer = tune.Notes, Seed = 3 };
        var grammar = Grammars.For(Tiny.Tokenizer, request, Tiny.Generator.Vocabulary, out var forced);
        var decoder = new Decoder(Tiny.Generator.Model, grammar, forced, DecodingPolicy.Of(request), new Random(3));
        foreach (var _ in decoder.Run()) { }
        var plain = Melody.Create(tune.Notes, tune.Key, tune.Meters, length: tune.Length);
        var encoded = EncodedSequence.Encode(Tiny.Tokenizer, Tiny.Generator.Vocabulary, plain);
        Assert.Equal(encoded.Tokens.Skip(1).Take(forced.Length), forced);
        var logits = Tiny.Generator.Model.Forward(TokenBatch.Create([encoded], Tiny.Tokenizer.Pad));
        for (int i = 0; i < forced.Length; i++)
            Assert.Equal(TokenSampling.LogProbability(logits.At(0, i), forced[i]), decoder.TokenLogProbabilities[i], tolerance: 1e-4); // 16-bit generation weights vs float32
        Assert.True(forced.Count(t => Tiny.Tokenizer.KindOf(t) == NoteTokenKind.Copy) >= 2, "the AABB tune is written with copies");
        // The melody written is the primer, note for note.
        Assert.Equal(tune.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)),
            Tiny.Tokenizer.Decode(decoder.Grammar.Tokens).Take(tune.Notes.Length).Select(n => (n.Pitch.Number, n.Start, n.Length)));
    }

    [Fact]
    public void End_on_the_tonic_makes_the_last_note_a_tonic_and_leaves_the_rest_of_the_last_bar_free()
    {
        int otherPitches = 0;
        for (int seed = 1; seed <= 12; seed++)
        {
            var request = new GenerationRequest { Bars = 4, Key = Key.Parse(Keys[seed % Keys.Length]), Seed = seed, EndOnTonic = true, Sampling = new() { Temperature = 1.5 } };
            var g = Tiny.Generator.Generate(request).Single();
            Assert.Equal(0, g.FallbackSteps);
            Assert.Null(Broken(request, g));
            var lastBar = g.Melody.Notes.Where(n => g.Melody.BarOf(n.Start).Bar == 3).ToList();
            otherPitches += lastBar.Count(n => n.Pitch.Number % 12 != request.Key.Tonic.PitchClass);
        }
        // Only the last note is bound: the notes before it in the last bar are the model's choice, not all tonics.
        Assert.True(otherPitches > 0, "every note of every last bar was a tonic");
    }

    [Fact]
    public void Bars_numbered_from_the_end_count_down_in_generation_primers_infilling_and_variation()
    {
        var m = TinyNoteModel.FromEnd;
        int[] BarNumbers(IEnumerable<int> tokens) => [.. tokens.Where(t => m.Tokenizer.KindOf(t) == NoteTokenKind.Bar).Select(m.Tokenizer.ValueOf)];
        var request = new GenerationRequest { Bars = 6, Key = Key.CMajor, Seed = 4, Count = 2, EndOnTonic = true };
        foreach (var g in m.Generator.Generate(request))
        {
            Assert.Equal([5, 4, 3, 2, 1, 0], BarNumbers(g.Tokens));
            Assert.Null(Broken(request, g));
        }
        // A training tune as the primer: the grammar forces exactly the encoder's tokens, bar numbers included.
        var tune = m.Melodies[0];
        var primed = new GenerationRequest { Bars = tune.BarCount, Meter = tune.Meter, Key = tune.Key!, Primer = tune.Notes, Seed = 3 };
        Grammars.For(m.Tokenizer, primed, m.Generator.Vocabulary, out var forced);
        var encoded = m.Tokenizer.Encode(Melody.Create(tune.Notes, tune.Key, tune.Meters, length: tune.Length));
        Assert.Equal(encoded.Tokens.Skip(1).Take(forced.Length), forced);
        Assert.Equal(tune.BarCount - 1, m.Tokenizer.ValueOf(forced.First(t => m.Tokenizer.KindOf(t) == NoteTokenKind.Bar)));
        // Infilling bars 2-3 of 8 and varying a tune keep the countdown of the whole tune.
        var infilled = m.Generator.Infill(new InfillRequest(tune, 2, 3) { Seed = 2 }).Single();
        Assert.Equal(tune.Notes.Where(n => tune.BarOf(n.Start).Bar < 1), infilled.Melody.Notes.Where(n => infilled.Melody.BarOf(n.Start).Bar < 1));
        var varied = m.Generator.Vary(new VariationRequest(tune, 0.3) { Seed = 2 }).Single();
        Assert.Equal([.. Enumerable.Range(0, tune.BarCount).Reverse()], BarNumbers(varied.Tokens));
    }

    [Fact]
    public void A_primer_is_kept_and_the_melody_continues_after_it()
    {
        var primer = NoteSequence.Parse("C4 D4 E4 F4 G4/2 A4/2");
        var request = new GenerationRequest { Bars = 4, Key = Key.CMajor, Primer = [.. primer], Seed = 5, Count = 3 };
        foreach (var g in Tiny.Generator.Generate(request))
        {
            Assert.Equal(primer, g.Melody.Notes.Take(primer.Count));
            Assert.Null(Broken(request, g));
        }
    }

    [Fact]
    public void Beam_search_and_best_of_n_run_on_the_note_grammar()
    {
        var request = new GenerationRequest { Bars = 4, Meter = TimeSignature.Parse("3/4"), Key = Key.Parse("G"), Seed = 2 };
        var greedy = Tiny.Generator.Generate(request with { BeamWidth = 1 })[0];
        var beam = Tiny.Generator.Generate(request with { BeamWidth = 4, Count = 2 });
        Assert.Equal(2, beam.Count);
        Assert.True(beam[0].LogLikelihood >= greedy.LogLikelihood - 1e-9);
        Assert.True(beam[0].LogLikelihood >= beam[1].LogLikelihood);
        foreach (var g in beam) Assert.Null(Broken(request, g));
        var best = Tiny.Generator.Generate(request with { BestOf = 6 })[0];
        var candidates = SearchTests.BestOfCandidates(Tiny.Generator, request, 6)[0];
        Assert.Equal(candidates.Max(c => c.LogLikelihood), best.LogLikelihood);
        Assert.Null(Broken(request, best));
    }

    [Fact]
    public void A_form_writes_its_repeated_bars_as_copies()
    {
        // The first four bars of a training tune, then the form repeats three of them.
        var primer = Tiny.Melodies[0].Notes.Where(n => n.End <= Duration.FromQuarters(16));
        var request = new GenerationRequest { Bars = 8, Key = Key.CMajor, Primer = [.. primer], Form = MelodyForm.Parse("ABCD ABCE"), Seed = 9, Count = 3 };
        foreach (var g in Tiny.Generator.Generate(request))
        {
            var m = g.Melody;
            Assert.True(g.CopiedBars >= 3, $"{g.CopiedBars} bars copied: {string.Join(" ", g.Tokens.Select(Tiny.Tokenizer.TokenName))}");
            for (int bar = 4; bar < 7; bar++)
            {
                var shift = m.BarStart(bar) - m.BarStart(bar - 4);
                var here = m.Notes.Where(n => m.BarOf(n.Start).Bar == bar).Select(n => (n.Pitch.Number, n.Start - shift, n.Length));
                var there = m.Notes.Where(n => m.BarOf(n.Start).Bar == bar - 4).Select(n => (n.Pitch.Number, n.Start, n.Length));
                Assert.Equal(there, here);
            }
        }
    }

    [Fact]
    public void A_request_the_tokenizer_cannot_write_is_refused_naming_the_option()
    {
        var e = Assert.Throws<InvalidRequestException>(() => Tiny.Generator.Check(new GenerationRequest { Bars = 40 }));
        Assert.Equal(RequestField.Bars, e.Field);
        Assert.Contains("at most 32 bars", e.Reason);
        e = Assert.Throws<InvalidRequestException>(() => Tiny.Generator.Check(new GenerationRequest { Bars = 2, MinNotesPerBar = 17 }));
        Assert.Equal(RequestField.MinNotesPerBar, e.Field);
        Assert.Contains("17", e.Reason);
    }

    [Fact]
    public void Explain_scores_every_note_of_a_whole_tune_copies_included()
    {
        var tune = Tiny.Melodies[1];
        var explanation = new Melos.Generation.Explanation.Explainer(Tiny.Generator).Explain(tune);
        Assert.Equal(tune.Notes.Length, explanation.Notes.Count);
        var encoded = Tiny.Tokenizer.Encode(tune);
        var deciding = Tiny.Tokenizer.NoteTokenIndices(encoded.Tokens);
        Assert.Equal(tune.Notes.Length, deciding.Count);
        // The notes of a copied bar share the probability of their COPY token; every other note has its PITCH token's.
        var logits = Tiny.Generator.Model.Forward(TokenBatch.Create([EncodedSequence.Encode(Tiny.Tokenizer, Tiny.Generator.Vocabulary, tune)], Tiny.Tokenizer.Pad));
        for (int i = 0; i < deciding.Count; i++)
        {
            var kind = Tiny.Tokenizer.KindOf(encoded.Tokens[deciding[i]]);
            Assert.True(kind is NoteTokenKind.Pitch or NoteTokenKind.Copy, kind.ToString());
            Assert.Equal(Math.Exp(TokenSampling.LogProbability(logits.At(0, deciding[i] - 1), encoded.Tokens[deciding[i]])), explanation.Notes[i].Probability, 5);
        }
        Assert.Contains(deciding, k => Tiny.Tokenizer.KindOf(encoded.Tokens[k]) == NoteTokenKind.Copy);
    }
}
