using Melos.Data.Transcription;
using Melos.Music;

namespace Melos.Data.Tests.Transcription;

public sealed class NoteScoreTests
{
    private static TimedNote N(double on, double off, double midi) => new(on, off, midi);

    [Fact]
    public void Onset_and_pitch_tolerances_are_50_ms_and_50_cents_inclusive()
    {
        TimedNote[] reference = [N(1.00, 1.50, 60), N(2.00, 2.50, 62), N(3.00, 3.50, 64), N(4.00, 4.50, 65)];
        TimedNote[] estimated = [N(1.05, 1.40, 60.5), N(2.051, 2.5, 62), N(3.0, 3.5, 64.51), N(4.02, 4.9, 65)];
        // Matches: note 1 (exactly at both tolerances) and note 4; note 2 is 51 ms late; note 3 is 51 cents sharp.
        var s = NoteScore.Score(reference, estimated);
        Assert.Equal((2, 4, 4), (s.Matched, s.Reference, s.Estimated));
        Assert.Equal((0.5, 0.5, 0.5), (s.Precision, s.Recall, s.F));
    }

    [Fact]
    public void Offsets_must_be_within_the_larger_of_50_ms_and_a_fifth_of_the_reference_length()
    {
        TimedNote[] reference = [N(0, 1.0, 60), N(2, 2.1, 62), N(3, 3.1, 64)];
        // Note 1: offset 0.2 late = 20% of 1 s, allowed. Note 2: 0.05 late, allowed (the 50 ms floor). Note 3: 0.06 late, refused.
        TimedNote[] estimated = [N(0, 1.2, 60), N(2, 2.15, 62), N(3, 3.16, 64)];
        Assert.Equal(3, NoteScore.Score(reference, estimated).Matched);
        var s = NoteScore.Score(reference, estimated, withOffsets: true);
        Assert.Equal(2, s.Matched);
        Assert.Equal(2.0 / 3, s.F, 10);
    }

    [Fact]
    public void Each_note_matches_once_and_the_matching_is_maximum()
    {
        // Greedy would give the first estimate to the first reference and leave the second unmatched.
        TimedNote[] reference = [N(1.00, 1.2, 60), N(1.06, 1.3, 60)];
        TimedNote[] estimated = [N(1.03, 1.2, 60), N(0.98, 1.2, 60)];
        Assert.Equal(2, NoteScore.Score(reference, estimated).Matched);
        // Two estimates for one reference: one match, precision 1/2.
        var s = NoteScore.Score([N(1, 2, 60)], [N(1, 2, 60), N(1.01, 2, 60)]);
        Assert.Equal((1, 0.5, 1.0), (s.Matched, s.Precision, s.Recall));
        Assert.Equal(0, NoteScore.Score([], []).F);
    }

    private static Melody M(params (int Pitch, int Start8, int Length8)[] notes) => Melody.Create(
        notes.Select(n => new Note(Pitch.FromMidi(n.Pitch), Duration.FromQuarters(n.Start8, 2), Duration.FromQuarters(n.Length8, 2))),
        null, [new MeterChange(Duration.Zero, new TimeSignature(2, 4))]);

    [Fact]
    public void Exact_bars_compare_each_bars_notes_and_allow_a_whole_bar_shift()
    {
        // Three bars of 2/4 in eighths.
        var score = M((60, 0, 2), (62, 2, 2), (64, 4, 1), (65, 5, 1), (67, 6, 2), (69, 8, 4));
        Assert.Equal(1.0, NoteScore.ExactBarShare(score, score));
        // The same a bar later (a pickup bar was added): still all bars.
        var shifted = M((60, 4, 2), (62, 6, 2), (64, 8, 1), (65, 9, 1), (67, 10, 2), (69, 12, 4));
        Assert.Equal(1.0, NoteScore.ExactBarShare(score, shifted));
        // One wrong length in bar 2 and a wrong pitch in bar 3: a third of the bars.
        var wrong = M((60, 0, 2), (62, 2, 2), (64, 4, 2), (67, 6, 2), (70, 8, 4));
        Assert.Equal(1.0 / 3, NoteScore.ExactBarShare(score, wrong), 10);
    }
}
