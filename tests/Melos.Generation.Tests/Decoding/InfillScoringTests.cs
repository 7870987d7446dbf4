using Melos.Data.Tokenizers;
using Melos.Models;
using Melos.Music;

namespace Melos.Generation.Tests.Decoding;

/// <summary>
/// Infilling scores each candidate by a teacher-forced pass only when it must: a candidate with nothing after the gap is
/// scored by the decoder that wrote it (the studio's continuation), and the scores are those of the pass.
/// </summary>
public sealed class InfillScoringTests
{
    /// <summary>Forwards to a model, keeps its own Prefill, and counts the teacher-forced passes and their rows.</summary>
    private sealed class CountingForward(ISequenceModel inner) : ForwardingAllModel(inner)
    {
        public int Forwards { get; set; }

        public int Rows { get; set; }

        public override LogitsBatch Forward(TokenBatch batch)
        {
            Forwards++;
            Rows += batch.BatchSize;
            return base.Forward(batch);
        }
    }

    public static TheoryData<string, int> Cases => new() { { "grid", 3 }, { "note", 5 }, { "note-from-end", 8 } };

    private static MelodyGenerator Generator(string kind) => kind switch
    {
        "grid" => TinyModel.Shared.Generator,
        "note" => TinyNoteModel.Shared.Generator,
        _ => TinyNoteModel.FromEnd.Generator,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_last_bars_are_scored_by_their_decoder_and_agree_with_the_teacher_forced_pass(string kind, int seed)
    {
        var tiny = Generator(kind);
        var melody = Melody.Create(NoteSequence.Parse("C4 D4 E4 F4 G4/2 A4/2 G4 E4 C4 D4 E4 D4 C4 E4 G4 C5"), Key.CMajor,
            [new MeterChange(Duration.Zero, TimeSignature.CommonTime)]);
        var counting = new CountingForward(tiny.Model);
        var generator = new MelodyGenerator(counting, tiny.Tokenizer, tiny.Vocabulary, ownsModel: false, tiny.ContextTokens);

        var end = generator.InfillCandidates(new InfillRequest(melody, 3, 4) { Candidates = 3, Seed = seed, Scoring = InfillScoring.LeftOnly });
        Assert.Equal(3, end.Count);
        // Grid tokens always re-encode as decoded; a note-token decoder may spell a length in several DURATION tokens
        // that the tokenizer writes as one, and such a candidate is scored by the pass.
        Assert.True(kind == "grid" ? counting.Rows == 0 : counting.Rows < 3, $"{counting.Rows} of 3 candidates rescored");
        int rescored = counting.Rows;
        counting.Rows = 0;
        counting.Forwards = 0;
        foreach (var c in end)
        {
            var forced = tiny.Score(c.Melody);
            Assert.Equal(forced.Length, c.TokenLogProbabilities.Count);
            for (int t = 0; t < forced.Length; t++) Assert.Equal(forced[t], c.TokenLogProbabilities[t], tolerance: 1e-4); // 16-bit generation weights in the steps, float32 in the pass
            Assert.Equal(forced.Sum(), c.LogLikelihood, 3);
        }

        // A gap with bars after it is scored with them heard, in one teacher-forced pass for all its candidates.
        var middle = generator.InfillCandidates(new InfillRequest(melody, 2, 2) { Candidates = 3, Seed = seed });
        Assert.Equal(1, counting.Forwards);
        Assert.Equal(3, counting.Rows);
        foreach (var c in middle)
            Assert.Equal(tiny.Score(c.Melody), c.TokenLogProbabilities);
    }
}
