using Melos.Formats.Abc;
using Melos.Formats.Midi;
using Melos.Music;

namespace Melos.Generation.Tests;

public sealed class InfillVaryTests
{
    private static MelodyGenerator Generator => TinyModel.Shared.Generator;

    /// <summary>Eight bars of C major on the tiny model's grid, no note tied over a bar line.</summary>
    public const string Tune = """
        X:1
        T:Test tune
        M:4/4
        L:1/8
        Q:1/4=100
        K:C
        "C"C2 EG c2 GE | "F"F2 Ac "G"B2 GD | "C"E2 Gc e2 cG | "G"D2 GB d4 |
        "C"c2 GE C2 EG | "F"A2 FA "G"G2 Bd | "C"c2 ec "G"B2 dB | "C"c4 C4 |]
        """;

    /// <summary>Bar 2 ends with a note tied into bar 3; bar 4 ends with a note tied into bar 5.</summary>
    public const string TiedTune = """
        X:2
        T:Tied
        M:4/4
        L:1/8
        K:C
        C2 EG c2 GE | F2 Ac e4- | e2 cG E2 CE | D2 GB d4- | d2 cB c4 |]
        """;

    public static Melody Read(string abc) => AbcReader.ReadTune(abc).Melody;

    /// <summary>The text of each bar of an ABC tune written by <see cref="AbcWriter"/> (the body split at bar lines).</summary>
    public static string[] AbcBars(string abc)
    {
        var body = abc[(abc.IndexOf("\nK:", StringComparison.Ordinal) + 1)..];
        body = body[(body.IndexOf('\n') + 1)..];
        return body.Split('|');
    }

    /// <summary>A comparable view of a MIDI event (its data bytes as text).</summary>
    public static string Show(MidiEvent e) => $"{e.Tick} {e.Kind} {e.Status} {e.Data1} {e.Data2} {e.MetaType} {Convert.ToHexString(e.Data.Span)}";

    [Fact]
    public void Infilled_bars_change_and_every_other_bar_stays_byte_identical_in_midi_and_abc()
    {
        var input = Read(Tune);
        var request = new InfillRequest(input, 3, 5) { Candidates = 6, Count = 2, Seed = 4, Sampling = new() { Temperature = 1.2 } };
        var results = Generator.Infill(request);
        Assert.Equal(2, results.Count);
        var gapStart = Duration.FromQuarters(8);
        var gapEnd = Duration.FromQuarters(20);
        var inputAbc = AbcWriter.Write(input);
        var inputMidi = MidiReader.Read(MidiMelody.Write(input)).File;
        foreach (var result in results)
        {
            var output = result.Melody;
            // The notes outside bars 3-5 are the input's, verbatim (same spelling, timing and velocity).
            Assert.Equal(input.Notes.Where(n => n.Start < gapStart || n.Start >= gapEnd), output.Notes.Where(n => n.Start < gapStart || n.Start >= gapEnd));
            Assert.All(output.Notes.Where(n => n.Start >= gapStart && n.Start < gapEnd), n => Assert.True(n.End <= gapEnd));
            Assert.Equal(input.Chords, output.Chords);
            Assert.Equal(input.Key, output.Key);
            Assert.Equal(input.Length, output.Length);

            // ABC: the text of bars 1-2 and 6-8 is byte for byte the same as the input's written the same way.
            var inBars = AbcBars(inputAbc);
            var outBars = AbcBars(AbcWriter.Write(output));
            Assert.Equal(inBars.Length, outBars.Length);
            foreach (int bar in new[] { 0, 1, 5, 6, 7, 8 }) Assert.Equal(inBars[bar], outBars[bar]);

            // MIDI: the conductor and chord tracks are identical, and so is every melody event before the gap and
            // every note-on after it; read back, the untouched bars hold the same notes.
            var midi = MidiReader.Read(MidiMelody.Write(output)).File;
            Assert.Equal(inputMidi.Tracks[0].Events.Select(Show), midi.Tracks[0].Events.Select(Show));
            Assert.Equal(inputMidi.Tracks[2].Events.Select(Show), midi.Tracks[2].Events.Select(Show));
            long startTick = gapStart.ToTicks(inputMidi.Division.TicksPerQuarter), endTick = gapEnd.ToTicks(inputMidi.Division.TicksPerQuarter);
            Assert.Equal(inputMidi.Tracks[1].Events.Where(e => e.Tick < startTick).Select(Show), midi.Tracks[1].Events.Where(e => e.Tick < startTick).Select(Show));
            Assert.Equal(inputMidi.Tracks[1].Events.Where(e => e.Tick >= endTick && e.IsNoteOn).Select(Show), midi.Tracks[1].Events.Where(e => e.Tick >= endTick && e.IsNoteOn).Select(Show));
            var back = MidiMelody.Read(MidiMelody.Write(output));
            Assert.Equal(output.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length, n.Velocity)), back.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length, n.Velocity)));
        }
        Assert.NotEqual(results[0].Melody.Notes, results[1].Melody.Notes);
        Assert.Contains(results, r => !r.Melody.Notes.SequenceEqual(input.Notes));
    }

    [Fact]
    public void Infilling_keeps_the_best_candidate_of_each_group_by_the_chosen_scoring_and_the_seed_decides()
    {
        var input = Read(Tune);
        var request = new InfillRequest(input, 4, 5) { Candidates = 5, Count = 2, Seed = 11, Sampling = new() { Temperature = 1.5 } };
        var all = Generator.InfillCandidates(request);
        Assert.Equal(10, all.Count);
        foreach (var scoring in new[] { InfillScoring.BothSides, InfillScoring.LeftOnly })
        {
            var chosen = Generator.Infill(request with { Scoring = scoring });
            for (int g = 0; g < 2; g++)
            {
                var group = all.Where(c => c.Group == g).ToList();
                double best = group.Max(c => c.Score(scoring));
                Assert.Equal(best, chosen[g].Score(scoring));
                Assert.Equal(group.First(c => c.Score(scoring) == best).Tokens, chosen[g].Tokens);
            }
        }
        foreach (var c in all)
        {
            // The parts add up: left context + gap + right context = the whole tune.
            Assert.True(c.GapLogLikelihood < 0 && c.RightLogLikelihood < 0);
            Assert.True(c.LogLikelihood < c.GapLogLikelihood + c.RightLogLikelihood);
        }
        // Same request, same candidates; another seed, other candidates.
        Assert.Equal(all.Select(c => c.Tokens), Generator.InfillCandidates(request).Select(c => c.Tokens));
        Assert.NotEqual(all.Select(c => string.Join(',', c.Tokens)), Generator.InfillCandidates(request with { Seed = 12 }).Select(c => string.Join(',', c.Tokens)));
    }

    [Fact]
    public void The_teacher_forced_scores_agree_with_the_step_by_step_model()
    {
        var input = Read(Tune);
        var candidate = Generator.InfillCandidates(new InfillRequest(input, 2, 2) { Candidates = 1, Seed = 3 }).Single();
        var conditioning = (Func<IReadOnlyList<int>, Melos.Data.Tokenizers.ConditionStep>)(t => Generator.Vocabulary.At(candidate.Melody, Duration.FromQuarters(t.Count - 1, Generator.Grid.GridConfig.StepsPerQuarter)));
        using var state = Generator.Model.CreateState();
        double stepwise = 0;
        for (int i = 1; i < candidate.Tokens.Count; i++)
            stepwise += TokenSampling.LogProbability(Generator.Model.Step(state, candidate.Tokens[i - 1], conditioning(candidate.Tokens.Take(i).ToList())), candidate.Tokens[i]);
        Assert.Equal(stepwise, candidate.LogLikelihood, 2);
        Assert.Equal(Generator.Tokenizer.Decode(candidate.Tokens).Select(n => (n.Pitch.Number, n.Start, n.Length)),
            candidate.Melody.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)));
    }

    [Fact]
    public void New_notes_obey_key_range_and_leap_and_the_join_is_preferred_within_the_leap()
    {
        var input = Read(Tune);
        foreach (int seed in new[] { 1, 2, 3 })
        {
            var request = new InfillRequest(input, 2, 4)
            {
                Candidates = 4,
                Seed = seed,
                Key = Key.Parse("G"),
                Sampling = new() { Temperature = 2 },
                Pitches = new() { Low = Pitch.Parse("D4"), High = Pitch.Parse("D5"), MaxLeap = 5 },
            };
            foreach (var c in Generator.InfillCandidates(request))
            {
                var notes = c.Melody.Notes;
                int? previous = null;
                foreach (var n in notes)
                {
                    bool isNew = n.Start >= Duration.FromQuarters(4) && n.Start < Duration.FromQuarters(16);
                    if (isNew)
                    {
                        Assert.InRange(n.Pitch.Number, 62, 74);
                        Assert.True(Key.Parse("G").Scale.Contains(n.Pitch), $"{n.Pitch} is not in G major");
                        if (previous is { } p) Assert.True(Math.Abs(n.Pitch.Number - p) <= 5, $"leap {p} -> {n.Pitch.Number}");
                    }
                    previous = n.Pitch.Number;
                }
                var last = notes.Last(n => n.Start < Duration.FromQuarters(16));
                var next = notes.First(n => n.Start >= Duration.FromQuarters(16));
                Assert.Equal(Math.Abs(next.Pitch.Number - last.Pitch.Number) <= 5, c.JoinsWithinLeap);
            }
            var chosen = Generator.Infill(request).Single();
            var group = Generator.InfillCandidates(request);
            if (group.Any(c => c.JoinsWithinLeap)) Assert.True(chosen.JoinsWithinLeap);
        }
    }

    [Fact]
    public void A_note_tied_into_the_gap_is_kept_whole_and_one_tied_out_of_it_is_replaced()
    {
        var input = Read(TiedTune);
        Assert.Contains(input.Notes, n => n.Start == Duration.FromQuarters(6) && n.End == Duration.FromQuarters(9)); // e4- | e2
        Assert.Contains(input.Notes, n => n.Start == Duration.FromQuarters(14) && n.End == Duration.FromQuarters(17)); // d4- | d2
        foreach (var c in Generator.InfillCandidates(new InfillRequest(input, 3, 4) { Candidates = 4, Seed = 5 }))
        {
            var notes = c.Melody.Notes;
            // The tied note from bar 2 is untouched; new notes start when it ends (quarter 9).
            Assert.Contains(input.Notes.Single(n => n.Start == Duration.FromQuarters(6)), notes);
            Assert.All(notes.Where(n => n.Start > Duration.FromQuarters(6) && n.Start < Duration.FromQuarters(16)), n => Assert.True(n.Start >= Duration.FromQuarters(9)));
            // The note tied out of bar 4 is replaced: nothing new sounds past the gap, and bar 5's own notes are kept.
            Assert.All(notes.Where(n => n.Start < Duration.FromQuarters(16)), n => Assert.True(n.End <= Duration.FromQuarters(16)));
            Assert.Equal(input.Notes.Where(n => n.Start >= Duration.FromQuarters(16)), notes.Where(n => n.Start >= Duration.FromQuarters(16)));
        }
    }

    [Fact]
    public void Impossible_infills_are_refused_before_any_model_step()
    {
        var input = Read(Tune);
        (RequestField, string) Refusal(Action act) => Assert.Throws<InvalidRequestException>(act) is var e ? (e.Field, e.Reason) : default;
        bool Says((RequestField Field, string Reason) refusal, RequestField field, string text) =>
            refusal.Field == field && refusal.Reason.Contains(text, StringComparison.Ordinal);
        Assert.True(Says(Refusal(() => Generator.Infill(new InfillRequest(input, 7, 9))), RequestField.LastBar, "outside the tune: it has 8 bars"));
        Assert.True(Says(Refusal(() => Generator.Infill(new InfillRequest(input, 5, 4))), RequestField.FirstBar, "inverted"));
        Assert.Equal(RequestField.FirstBar, Refusal(() => _ = new InfillRequest(input, 0, 2)).Item1);
        Assert.Equal(RequestField.Candidates, Refusal(() => _ = new InfillRequest(input, 1, 2) { Candidates = 0 }).Item1);
        var held = Melody.Create(NoteSequence.Parse("C4:2 D4:8 E4:6"), Key.CMajor);
        Assert.True(Says(Refusal(() => Generator.Infill(new InfillRequest(held, 2, 2))), RequestField.FirstBar, "nothing to regenerate"));
        var offGrid = Melody.Create(NoteSequence.Parse("C4:1/3 D4 E4 F4:4 G4:4"), Key.CMajor);
        Assert.True(Says(Refusal(() => Generator.Infill(new InfillRequest(offGrid, 2, 2))), RequestField.Melody, "The tune does not fit the model"));
        var high = Melody.Create(NoteSequence.Parse("C7 D4:3 E4:4"), Key.CMajor);
        Assert.True(Says(Refusal(() => Generator.Infill(new InfillRequest(high, 2, 2))), RequestField.Melody, "outside the tokenizer's range"));
        var odd = Read(Tune).WithMeters([new MeterChange(Duration.Zero, new TimeSignature(11, 8))]);
        Assert.True(Says(Refusal(() => Generator.Infill(new InfillRequest(odd, 1, 1))), RequestField.Meter, "does not know the meter 11/8"));
    }

    [Fact]
    public void Variation_redraws_the_chosen_share_of_pitches_keeps_the_rest_and_the_rhythm()
    {
        var input = Read(Tune);
        Assert.Equal(42, input.Notes.Length);
        var request = new VariationRequest(input, 0.25) { Count = 3, Seed = 6, Sampling = new() { Temperature = 1.3 } };
        var results = Generator.Vary(request);
        Assert.Equal(3, results.Count);
        int lowest = input.Notes.Min(n => n.Pitch.Number), highest = input.Notes.Max(n => n.Pitch.Number);
        foreach (var r in results)
        {
            Assert.Equal(11, r.Chosen.Count); // 0.25 x 42 = 10.5, rounded half away from zero
            Assert.Equal(r.Chosen.Count, r.Chosen.Distinct().Count());
            var output = r.Melody;
            Assert.Equal(input.Notes.Length, output.Notes.Length);
            for (int i = 0; i < input.Notes.Length; i++)
            {
                var (a, b) = (input.Notes[i], output.Notes[i]);
                Assert.Equal((a.Start, a.Length), (b.Start, b.Length));
                if (!r.Chosen.Contains(i)) Assert.Equal(a, b);
                else
                {
                    Assert.NotEqual(a.Pitch.Number, b.Pitch.Number);
                    Assert.InRange(b.Pitch.Number, lowest, highest);
                    Assert.True(Key.CMajor.Scale.Contains(b.Pitch));
                }
            }
            Assert.Equal(11, r.ChangedNotes);
            Assert.Equal(input.Chords, output.Chords);
            Assert.True(r.LogLikelihood < 0);
        }
        Assert.Equal(results.Select(r => r.Tokens), Generator.Vary(request).Select(r => r.Tokens));
        Assert.NotEqual(results[0].Chosen, results[1].Chosen);
    }

    [Fact]
    public void Rhythmic_variation_only_touches_the_chosen_notes_spans()
    {
        var input = Read(Tune);
        var request = new VariationRequest(input, 0.2) { Rhythm = true, Count = 4, Seed = 9, Sampling = new() { Temperature = 1.5 }, Pitches = new() { MaxLeap = 7 } };
        foreach (var r in Generator.Vary(request))
        {
            // A span runs from a chosen note's onset to the next note's onset.
            var spans = r.Chosen.Select(i => (From: input.Notes[i].Start, To: i + 1 < input.Notes.Length ? input.Notes[i + 1].Start : input.Length)).ToList();
            bool InSpan(Note n) => spans.Any(s => n.Start >= s.From && n.Start < s.To);
            Assert.Equal(input.Notes.Where(n => !InSpan(n)), r.Melody.Notes.Where(n => !InSpan(n)));
            Assert.All(r.Melody.Notes.Where(InSpan), n => Assert.True(Key.CMajor.Scale.Contains(n.Pitch)));
            foreach (var s in spans) Assert.Contains(r.Melody.Notes, n => n.Start == s.From);
        }
        Assert.Equal(1, new VariationRequest(input, 0.01).NotesToRedraw(36));
        Assert.Equal(36, new VariationRequest(input, 1).NotesToRedraw(36));
        Assert.Equal(RequestField.Amount, Assert.Throws<InvalidRequestException>(() => new VariationRequest(input, 0)).Field);
        Assert.Equal(RequestField.Amount, Assert.Throws<InvalidRequestException>(() => new VariationRequest(input, 1.5)).Field);
        var empty = Assert.Throws<InvalidRequestException>(() => Generator.Vary(new VariationRequest(Melody.Empty, 0.5)));
        Assert.Equal((RequestField.Melody, true), (empty.Field, empty.Reason.Contains("no notes", StringComparison.Ordinal)));
    }
}
