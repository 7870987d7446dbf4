using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Melos.Generation.Tuning;
using Melos.Music;

namespace Melos.Generation.Tests.Tuning;

public sealed class RewardRuleTests
{
    /// <summary>A 4/4 melody in <paramref name="key"/> from a note string ("C4 D4/2 r E4"), with optional chords per bar.</summary>
    private static Melody M(string notes, string key = "C", string? chords = null, string meter = "4/4", double? quarters = null)
    {
        var ts = TimeSignature.Parse(meter);
        var changes = chords?.Split(' ').Select((c, b) => new ChordChange(ts.BarLength * b, ChordSymbol.Parse(c)));
        return Melody.Create(NoteSequence.Parse(notes), Key.Parse(key), [new MeterChange(Duration.Zero, ts)], chords: changes,
            length: quarters is { } q ? Duration.FromQuarters((long)(q * 2), 2) : null);
    }

    private static (int Checks, int Violations) S(IRewardRule rule, Melody m)
    {
        var s = rule.Score(m);
        return (s.Checks, s.Violations);
    }

    [Fact]
    public void InKeyCountsNotesOutsideTheScale()
    {
        Assert.Equal((4, 1), S(new InKeyRule(), M("C4 F#4 G4 C5")));
        Assert.Equal((4, 0), S(new InKeyRule(), M("D4 F#4 A4 C#5", "D")));
        Assert.Equal((4, 1), S(new InKeyRule(), M("A4 C5 G#4 F4", "Am")));      // natural minor: G# is out, F is in
        Assert.Equal((3, 0), S(new InKeyRule(), M("D4 F4 B4", "D dorian")));
        Assert.Equal((0, 0), S(new InKeyRule(), M("C4 D4").WithKey(null)));
    }

    [Fact]
    public void TonicEndsChecksTheFirstAndLastNote()
    {
        Assert.Equal((2, 0), S(new TonicEndsRule(), M("G4 B4 D5 G5", "G")));
        Assert.Equal((2, 1), S(new TonicEndsRule(), M("D4 B4 D5 G4", "G")));
        Assert.Equal((2, 2), S(new TonicEndsRule(), M("D4 B4 D5 A4", "G")));
        Assert.Equal((2, 0), S(new TonicEndsRule(), M("C4")));
        Assert.Equal((0, 0), S(new TonicEndsRule(), Melody.Create([], Key.CMajor)));
    }

    [Fact]
    public void RepeatsCountsNotesBeyondTheRun()
    {
        Assert.Equal((8, 2), S(new RepeatedNotesRule(3), M("C4 C4 C4 C4 C4 D4 D4 D4")));
        Assert.Equal((6, 1), S(new RepeatedNotesRule(2), M("C4 C4 r C4 D4 C4 D4")));   // the rest does not break the run
        Assert.Equal((4, 3), S(new RepeatedNotesRule(1), M("E4 E4 E4 E4")));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RepeatedNotesRule(0));
    }

    [Fact]
    public void RestsFlagsBarsMostlySilent()
    {
        // Bar 1 sounds 4/4, bar 2 sounds 1 of 4 quarters (75% silent), bar 3 exactly half, bar 4 silent.
        var m = M("C4 D4 E4 F4 G4 r r r A4 r B4 r r r r r", quarters: 16);
        Assert.Equal((4, 2), S(new RestRule(), m));
        Assert.Equal((4, 3), S(new RestRule(0.49), m));
        // A note held over the bar line sounds in both bars.
        Assert.Equal((2, 0), S(new RestRule(), M("r r C4:4 r r")));
    }

    [Fact]
    public void ResolveLeapsNeedsAStepBack()
    {
        // C4-A4 (+9) then G4 (-2): resolved. G4-C4 (-7): not a leap above a fifth. C4-C5 (+12) then C5-E5 (+4): not resolved.
        Assert.Equal((2, 1), S(new ResolveLeapsRule(), M("C4 A4 G4 C4 C5 E5")));
        // A leap down resolved by a step up; a final leap with no note after is not checked.
        Assert.Equal((1, 0), S(new ResolveLeapsRule(), M("C5 D4 E4 E5")));
        // A step in the same direction does not resolve.
        Assert.Equal((1, 1), S(new ResolveLeapsRule(), M("C4 A4 B4")));
        Assert.Equal((1, 0), S(new ResolveLeapsRule(4), M("C4 G4 F4")));
    }

    [Fact]
    public void MotifsRewardsBarsThatReuseAnEarlierOpening()
    {
        // Bar 2 repeats bar 1's opening a tone higher (same rhythm and intervals); bar 3 changes the intervals; bar 4 has one note.
        var m = M("C4/2 D4/2 E4 G4 C5 D4/2 E4/2 F#4 A4 A4 G4/2 G4/2 G4 C4 C4 C4:2");
        Assert.Equal((2, 1), S(new MotifRule(), m));
        // Same intervals but another rhythm is not the motif.
        Assert.Equal((1, 1), S(new MotifRule(), M("C4/2 D4/2 E4 G4 C5 D4 E4/2 F#4/2 A4 A4")));
    }

    [Fact]
    public void BarCopiesAllowsTheGivenNumberOfExactCopies()
    {
        var bar = "C4 D4 E4 C4 ";
        var m = M(bar + bar + bar + "G4 G4 G4 G4 " + bar);
        Assert.Equal((5, 2), S(new BarCopiesRule(1), m));
        Assert.Equal((5, 0), S(new BarCopiesRule(3), m));
        Assert.Equal((5, 3), S(new BarCopiesRule(0), m));
        // Transposed copies are not exact copies.
        Assert.Equal((2, 0), S(new BarCopiesRule(0), M("C4 D4 E4 C4 D4 E4 F#4 D4")));
    }

    [Fact]
    public void RhythmVarietyNeedsTwoLengthsPerWindow()
    {
        // Window 1 (bars 1-2): quarters only; window 2 (bars 3-4): quarters and eighths.
        var m = M("C4 D4 E4 F4 G4 A4 B4 C5 C5/2 B4/2 A4 G4 F4 E4 D4 C4");
        Assert.Equal((2, 1), S(new RhythmVarietyRule(), m));
        Assert.Equal((4, 3), S(new RhythmVarietyRule(2, 1), m));
        Assert.Equal((2, 0), S(new RhythmVarietyRule(1), m));
    }

    [Fact]
    public void ChordTonesChecksDownbeatsAndTheMiddleOfFourBeatBars()
    {
        // C chord then G chord. Bar 1: beat 1 C4 (tone), beat 3 F4 (not). Bar 2: beat 1 B4 (tone), beat 3 rest (unchecked).
        var m = M("C4 D4 F4 E4 B4 A4 r r", chords: "C G");
        Assert.Equal((3, 1), S(new ChordTonesRule(), m));
        // 3/4: the downbeat only; a note held over it counts.
        var waltz = M("C4:2 D4 E4:3 G4:3", chords: "C G Am", meter: "3/4");
        Assert.Equal((3, 2), S(new ChordTonesRule(), waltz));   // C on C (tone), E on G (not), G on Am (not)
        Assert.Equal((0, 0), S(new ChordTonesRule(), M("C4 D4 E4 F4")));
    }

    [Fact]
    public void RuleScoreRatesAndSums()
    {
        var a = new RuleScore(4, 1);
        var b = new RuleScore(6, 4);
        Assert.Equal(0.25, a.ViolationRate);
        Assert.Equal(0.75, a.Satisfaction);
        Assert.Equal(new RuleScore(10, 5), a + b);
        Assert.Equal(1.0, new RuleScore().Satisfaction);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RuleScore(2, 3));
    }

    public static class Melodies
    {
        public static Arbitrary<Melody> Arb() =>
            (from count in Gen.Choose(0, 24)
             from pitches in Gen.Choose(55, 80).ArrayOf(count)
             from lengths in Gen.Elements(1, 2, 3, 4, 6, 8).ArrayOf(count)
             from rests in Gen.Elements(0, 0, 0, 2, 4).ArrayOf(count)
             from key in Gen.Elements("C", "G", "Am", "D dorian", "F")
             select Build(pitches, lengths, rests, key)).ToArbitrary();

        private static Melody Build(int[] pitches, int[] lengths, int[] rests, string key)
        {
            var notes = new List<Note>();
            long at = 0;
            for (int i = 0; i < pitches.Length; i++)
            {
                at += rests[i];
                notes.Add(new Note(Pitch.FromMidi(pitches[i]), Duration.FromQuarters(at, 4), Duration.FromQuarters(lengths[i], 4)));
                at += lengths[i];
            }
            var chords = Enumerable.Range(0, 8).Select(b => new ChordChange(Duration.FromQuarters(4 * b), ChordSymbol.Parse(b % 2 == 0 ? "C" : "G7")));
            return Melody.Create(notes, Key.Parse(key), [new MeterChange(Duration.Zero, TimeSignature.CommonTime)], chords: chords);
        }
    }

    [Property(Arbitrary = [typeof(Melodies)])]
    public void EveryRuleGivesAValidVerdictAndTheRewardIsTheWeightedSatisfaction(Melody melody)
    {
        var registry = RewardRegistry.CreateDefault();
        var reward = registry.Parse(string.Join(',', registry.Names.Select((n, i) => $"{n}={i + 1}")));
        var scores = reward.Scores(melody);
        double expected = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            Assert.InRange(scores[i].Violations, 0, scores[i].Checks);
            expected += (i + 1) * scores[i].Satisfaction;
        }
        Assert.Equal(expected, reward.Score(melody), 9);
        // Transposing the melody and its key changes nothing a rule looks at.
        if (melody.CanTranspose(5))
            Assert.Equal(scores, reward.Scores(melody.Transpose(5)));
    }

    [Fact]
    public void AMelodyInKeyWithResolvedLeapsScoresFullMarksOnThoseRules()
    {
        var reward = RewardRegistry.CreateDefault().Parse("in-key=1, resolve-leaps=0.5");
        Assert.Equal(1.5, reward.Score(M("C4 A4 G4 E4 C4")), 12);
        Assert.Equal(0.8, reward.Score(M("C4 A4 B4 F#4 G4")), 12); // F#4 out of key (1 of 5 notes), the leap C4-A4 unresolved (1 of 1)
    }
}
