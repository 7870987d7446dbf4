using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Melos.Data.Tokenizers;
using Melos.Music;

namespace Melos.Generation.Tests;

/// <summary>How the property's request searches: plain sampling, beam search or best-of-N.</summary>
public enum SearchMode { Sample, Beam, BestOf }

/// <summary>A random request for the property: key, range, leap, density, bars, meter, search, seed.</summary>
public sealed record RequestSpec(Key Key, int Low, int Span, int MaxLeap, int Bars, int Seed, bool Chromatic, TimeSignature Meter,
    int? MinDensity, int? MaxDensity, SearchMode Search, int Width, string? Form = null)
{
    public GenerationRequest ToRequest() => new()
    {
        Key = Key,
        Pitches = new() { Low = Pitch.FromMidi(Low), High = Pitch.FromMidi(Low + Span), MaxLeap = MaxLeap, Chromatic = Chromatic },
        Bars = Bars,
        Seed = Seed,
        Meter = Meter,
        Sampling = new() { Temperature = 1.5 },
        MinNotesPerBar = MinDensity,
        MaxNotesPerBar = MaxDensity,
        BeamWidth = Search == SearchMode.Beam ? Width : null,
        BestOf = Search == SearchMode.BestOf ? Width : null,
        Form = Form is null || Search == SearchMode.Beam ? null : MelodyForm.Parse(Form),
    };
}

public static class GenerationArbitraries
{
    private static readonly string[] Keys = ["C", "G", "D", "F", "Bb", "Am", "Em", "Ddor", "F#m", "Eb"];
    private static readonly TimeSignature[] Meters = [new(4, 4), new(3, 4), new(6, 8), new(2, 4)];

    public static Arbitrary<RequestSpec> Specs() => Arb.From(
        from key in Gen.Elements(Keys)
        from low in Gen.Choose(48, 66)
        from span in Gen.Choose(12, 18)
        from leap in Gen.Choose(1, 12)
        from bars in Gen.Choose(1, 4)
        from seed in Gen.Choose(0, 1_000_000)
        from chromatic in Gen.Elements(false, false, false, true)
        from meter in Gen.Elements(Meters)
        from min in Gen.Elements<int?>(null, 0, 1, 2, 3, 5)
        from extra in Gen.Elements<int?>(null, 0, 1, 3)
        from search in Gen.Elements(SearchMode.Sample, SearchMode.Sample, SearchMode.Beam, SearchMode.BestOf)
        from width in Gen.Choose(2, 3)
        from form in Gen.Elements<string?>(null, null, "A.A.", "AABB", "ABAB")
        select new RequestSpec(Key.Parse(key), low, span, leap, bars, seed, chromatic, meter,
            min, extra is { } e ? Math.Max(1, (min ?? 0) + e) : null, search, width, form));
}

public sealed class MelodyGeneratorTests
{
    private static MelodyGenerator Generator => TinyModel.Shared.Generator;

    [Property(Arbitrary = [typeof(GenerationArbitraries)], MaxTest = 40)]
    public void Every_generated_note_obeys_the_constraints_and_the_seed_decides_the_output(RequestSpec spec)
    {
        var request = spec.ToRequest();
        var generated = Generator.Generate(request).Single();
        var melody = generated.Melody;
        Assert.Equal(spec.Meter.BarLength.Quarters * spec.Bars, melody.Length.Quarters);
        Assert.Equal(spec.Bars, melody.BarCount);
        Assert.Equal(spec.Meter, melody.Meter);
        Assert.Single(melody.Meters);
        // Every bar's count of note onsets is within the density bounds (no step fell back: a pitch was always possible).
        Assert.Equal(0, generated.FallbackSteps);
        var perBar = new int[spec.Bars];
        foreach (var note in melody.Notes) perBar[melody.BarOf(note.Start).Bar]++;
        for (int bar = 0; bar < spec.Bars; bar++)
        {
            if (spec.MinDensity is { } min) Assert.True(perBar[bar] >= min, $"bar {bar + 1} has {perBar[bar]} notes, fewer than {min}");
            if (spec.MaxDensity is { } max) Assert.True(perBar[bar] <= max, $"bar {bar + 1} has {perBar[bar]} notes, more than {max}");
        }
        int? previous = null;
        foreach (var note in melody.Notes)
        {
            Assert.InRange(note.Pitch.Number, spec.Low, spec.Low + spec.Span);
            if (!spec.Chromatic) Assert.True(spec.Key.Scale.Contains(note.Pitch), $"{note.Pitch} is outside {spec.Key}");
            if (previous is { } p) Assert.True(Math.Abs(note.Pitch.Number - p) <= spec.MaxLeap, $"leap {p} -> {note.Pitch.Number} exceeds {spec.MaxLeap}");
            Assert.True(note.End <= melody.Length);
            previous = note.Pitch.Number;
        }
        var again = Generator.Generate(request).Single();
        Assert.Equal(melody.Notes.ToArray(), again.Melody.Notes.ToArray());
        Assert.Equal(generated.Tokens, again.Tokens);
    }

    [Fact]
    public void The_same_request_gives_the_same_melodies_and_another_seed_other_ones()
    {
        var request = new GenerationRequest { Bars = 4, Count = 3, Seed = 11, Sampling = new() { Temperature = 1.3 } };
        var a = Generator.Generate(request);
        var b = Generator.Generate(request);
        Assert.Equal(3, a.Count);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(a[i].Tokens, b[i].Tokens);
            Assert.Equal(a[i].LogLikelihood, b[i].LogLikelihood);
        }
        var c = Generator.Generate(request with { Seed = 12 });
        Assert.NotEqual(a.Select(m => string.Join(',', m.Tokens)), c.Select(m => string.Join(',', m.Tokens)));
    }

    [Fact]
    public void Melodies_carry_key_meter_chords_tempo_style_and_the_exact_length()
    {
        var request = new GenerationRequest
        {
            Bars = 3, Key = Key.Parse("G"), Meter = new TimeSignature(3, 4), TempoBpm = 90, Style = "waltz", Seed = 2,
            Chords = [ChordSymbol.Parse("G"), ChordSymbol.Parse("D/F#")],
        };
        var g = Generator.Generate(request).Single();
        var m = g.Melody;
        Assert.Equal(Key.Parse("G"), m.Key);
        Assert.Equal(new TimeSignature(3, 4), m.Meter);
        Assert.Equal(90, m.Tempos.Single().Bpm, 3);
        Assert.Equal("waltz", Assert.Single(m.Info.Styles));
        Assert.Equal(["G", "D/F#", "G"], m.Chords.Select(c => c.Chord.ToString()));
        Assert.Equal([0, 3, 6], m.Chords.Select(c => (int)c.At.Quarters.Floor()));
        Assert.Equal(Duration.FromQuarters(9), m.Length);
        // One token per grid step after BOS (4 steps per quarter), and the tokens decode to the melody's notes.
        Assert.Equal(1 + 36, g.Tokens.Count);
        Assert.Equal(Generator.Tokenizer.Decode(g.Tokens), m.Notes);
        Assert.True(g.LogLikelihood < 0);
    }

    [Fact]
    public void The_primer_is_kept_verbatim_and_the_melody_continues_it()
    {
        var primer = NoteSequence.Parse("G4 A4 B4/2 D5/2 r C5");
        var request = new GenerationRequest { Bars = 3, Primer = [.. primer], Seed = 5, Pitches = new() { MaxLeap = 5 } };
        foreach (var seed in new[] { 1, 2, 3, 4 })
        {
            var m = Generator.Generate(request with { Seed = seed }).Single().Melody;
            Assert.Equal(primer, m.Notes.Take(primer.Count));
            Assert.All(m.Notes.Skip(primer.Count), n => Assert.True(n.Start >= primer[^1].End));
            if (m.Notes.Length > primer.Count) Assert.InRange(m.Notes[primer.Count].Pitch.Number, 72 - 5, 72 + 5);
        }
    }

    [Fact]
    public void End_on_tonic_makes_the_last_note_a_tonic()
    {
        foreach (var (key, seed) in new[] { ("C", 1), ("G", 2), ("Am", 3), ("F", 4), ("D", 5) })
        {
            var k = Key.Parse(key);
            var m = Generator.Generate(new GenerationRequest { Bars = 2, Key = k, EndOnTonic = true, Seed = seed, Sampling = new() { Temperature = 2 } }).Single().Melody;
            Assert.NotEmpty(m.Notes);
            Assert.Equal(k.Tonic.PitchClass, m.Notes[^1].Pitch.PitchClass);
        }
    }

    [Fact]
    public void When_the_constraints_leave_no_pitch_the_fallback_rests_instead_of_dead_ending()
    {
        // C#4 alone is the whole range, and it is not in C major: no pitch can ever start.
        var request = new GenerationRequest { Bars = 2, Seed = 3, Pitches = new() { Low = Pitch.Parse("C#4"), High = Pitch.Parse("C#4") } };
        var g = Generator.Generate(request).Single();
        Assert.Empty(g.Melody.Notes);
        Assert.Equal(32, g.FallbackSteps);
        Assert.Equal(Duration.FromQuarters(8), g.Melody.Length);
        Assert.All(g.Tokens.Skip(1), t => Assert.True(t is GridTokenizer.HoldId or GridTokenizer.NoteOffId));
    }

    [Fact]
    public async Task Streaming_yields_the_notes_of_the_first_generated_melody()
    {
        var request = new GenerationRequest { Bars = 4, Seed = 21, Count = 2, EndOnTonic = true, Primer = [.. NoteSequence.Parse("E4 D4")] };
        var streamed = new List<Note>();
        await foreach (var n in Generator.StreamAsync(request)) streamed.Add(n);
        Assert.Equal(Generator.Generate(request)[0].Melody.Notes, streamed);

        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in Generator.StreamAsync(request, cts.Token)) { }
        });
    }

    [Fact]
    public void Impossible_requests_are_refused_with_the_field_named()
    {
        RequestField Field(Action make) => Assert.Throws<InvalidRequestException>(make).Field;
        Assert.Equal(RequestField.Bars, Field(() => _ = new GenerationRequest { Bars = 0 }));
        Assert.Equal(RequestField.Bars, Field(() => _ = new GenerationRequest { Bars = 257 }));
        Assert.Equal(RequestField.Count, Field(() => _ = new GenerationRequest { Count = 0 }));
        Assert.Equal(RequestField.Count, Field(() => _ = new GenerationRequest { Count = 65 }));
        Assert.Equal(RequestField.Temperature, Field(() => _ = new GenerationRequest { Sampling = new() { Temperature = 0 } }));
        Assert.Equal(RequestField.TopK, Field(() => _ = new GenerationRequest { Sampling = new() { TopK = 0 } }));
        Assert.Equal(RequestField.TopP, Field(() => _ = new GenerationRequest { Sampling = new() { TopP = 0 } }));
        Assert.Equal(RequestField.TopP, Field(() => _ = new GenerationRequest { Sampling = new() { TopP = 1.5 } }));
        Assert.Equal(1.0, new GenerationRequest { Sampling = new() { TopP = 1.0 } }.Sampling.TopP);
        var longPrimer = new GenerationRequest { Bars = 1, Primer = [.. NoteSequence.Parse("C4 D4 E4 F4 G4")] };
        var tooLong = Assert.Throws<InvalidRequestException>(() => Generator.Generate(longPrimer));
        Assert.Equal(RequestField.Primer, tooLong.Field);
        Assert.Contains("longer than the 1 bars", tooLong.Reason);
        var style = Assert.Throws<InvalidRequestException>(() => Generator.Generate(new GenerationRequest { Style = "polka" }));
        Assert.Equal(RequestField.Style, style.Field);
        Assert.Contains("reel, waltz", style.Reason);
        var offGrid = new GenerationRequest { Bars = 2, Primer = [.. NoteSequence.Parse("C4:1/3 D4")] };
        var primer = Assert.Throws<InvalidRequestException>(() => Generator.Generate(offGrid));
        Assert.Equal(RequestField.Primer, primer.Field);
        Assert.Contains("does not fit the model", primer.Reason);
        var meter = Assert.Throws<InvalidRequestException>(() => Generator.Check(new GenerationRequest { Meter = new TimeSignature(11, 8) }));
        Assert.Equal(RequestField.Meter, meter.Field);
    }

    [Fact]
    public void Sampling_never_draws_a_masked_token_and_top_one_is_the_best_allowed()
    {
        float[] logits = [5, 4, 3, 2, 1];
        bool[] allowed = [false, true, true, true, false];
        var rng = new Random(1);
        for (int i = 0; i < 200; i++) Assert.InRange(TokenSampling.Draw(logits, allowed, 5, null, null, rng), 1, 3);
        Assert.Equal(1, TokenSampling.Draw(logits, allowed, 10, 1, null, new Random(2)));
        Assert.Equal(1, TokenSampling.Draw(logits, allowed, 1, null, 0.01, new Random(3)));
        Assert.Throws<ArgumentException>(() => TokenSampling.Draw(logits, new bool[5], 1, null, null, rng));
        Assert.Equal(Math.Log(1.0 / 5), TokenSampling.LogProbability([0, 0, 0, 0, 0], 2), 9);
    }

    [Fact]
    public void The_mask_forces_a_tonic_on_the_last_bar_and_forbids_hold_where_the_primer_ends()
    {
        var tokenizer = Generator.Grid;
        var constraints = new TokenConstraints(new GenerationRequest { Bars = 2, EndOnTonic = true, Pitches = new() { MaxLeap = 4 } }, tokenizer);
        Assert.Equal(16, constraints.BarSteps);
        Assert.Equal(32, constraints.TotalSteps);
        // Bar 1, after E4 (64): scale notes within 4 semitones, HOLD and NOTE_OFF.
        var early = constraints.Allowed(new GenerationContext(3, 64, true), false, out bool fallback);
        Assert.False(fallback);
        Assert.Equal([60, 62, 64, 65, 67], Enumerable.Range(48, 37).Where(p => early[tokenizer.NoteOn(p)]));
        Assert.True(early[GridTokenizer.HoldId] && early[GridTokenizer.NoteOffId]);
        Assert.False(early[GridTokenizer.EosId] || early[GridTokenizer.BosId] || early[GridTokenizer.PadId]);
        // Last bar after E4: only C4 (60) may start, and it must.
        var last = constraints.Allowed(new GenerationContext(16, 64, true), false, out _);
        Assert.Equal([tokenizer.NoteOn(60)], Enumerable.Range(0, last.Length).Where(i => last[i]));
        // Last bar after C4: tonics only, holding allowed.
        var settled = constraints.Allowed(new GenerationContext(20, 60, true), false, out _);
        Assert.True(settled[GridTokenizer.HoldId] && settled[tokenizer.NoteOn(60)] && !settled[tokenizer.NoteOn(62)]);
        // Where a primer's last note ends, HOLD is not allowed.
        var primerEnd = new TokenConstraints(new GenerationRequest { Bars = 2 }, tokenizer).Allowed(new GenerationContext(4, 60, true), true, out _);
        Assert.False(primerEnd[GridTokenizer.HoldId]);
        Assert.True(primerEnd[GridTokenizer.NoteOffId]);
    }
}
