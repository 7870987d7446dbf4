using FsCheck.Xunit;
using Melos.Data.Tokenizers;
using Melos.Music;

namespace Melos.Data.Tests.Tokenizers;

public sealed class ConditioningTests
{
    private static readonly ConditioningVocabulary Vocabulary = new() { StepsPerQuarter = 4, MaxBarSteps = 32, Styles = ["jig", "reel"] };

    [Property(Arbitrary = [typeof(TokenizerArbitraries)])]
    public bool StreamsHaveOneStepPerTokenAndIdsInRange(GridMelody m)
    {
        var vocabulary = Vocabulary with { StepsPerQuarter = m.StepsPerQuarter, MaxBarSteps = 8 * m.StepsPerQuarter };
        foreach (ITokenizer t in new ITokenizer[] { new GridTokenizer(new GridTokenizerConfig { StepsPerQuarter = m.StepsPerQuarter }), new NoteTokenizer(new NoteTokenizerConfig { StepsPerQuarter = m.StepsPerQuarter }) })
        {
            var seq = EncodedSequence.Encode(t, vocabulary, m.Melody);
            if (seq.Conditioning.Length != seq.Tokens.Length) return false;
            if (!seq.Conditioning.All(c => c.Chord >= 0 && c.Chord < vocabulary.ChordCount && c.Position >= 0 && c.Position < vocabulary.PositionCount
                    && c.Meter >= 0 && c.Meter < vocabulary.MeterCount && c.Key >= 0 && c.Key < vocabulary.KeyCount && c.Style >= 0 && c.Style < vocabulary.StyleCount))
                return false;
        }
        return true;
    }

    [Fact]
    public void GridStreamsFollowChordsPositionsKeyAndStyle()
    {
        var melody = Melody.Create(NoteSequence.Parse("A4 B4 C5 D5 E5"), Key.Parse("A minor"),
            [new MeterChange(Duration.Zero, TimeSignature.Parse("3/4"))],
            chords: [new ChordChange(Duration.Zero, ChordSymbol.Parse("Am")), new ChordChange(Duration.FromQuarters(3), ChordSymbol.Parse("E7"))],
            info: new MelodyInfo { Styles = ["reel"] });
        var t = new GridTokenizer(new GridTokenizerConfig { StepsPerQuarter = 4 });
        var seq = EncodedSequence.Encode(t, Vocabulary, melody, "reel");
        Assert.Equal(seq.Tokens.Length, seq.Conditioning.Length);
        // Token 1 is step 0; token 13 is step 12 = bar 2, beat 1 (3/4 bars are 12 steps).
        Assert.Equal(new ConditionStep(1 + 9 * 7 + (int)ChordClass.Minor, 0, 1 + Vocabulary.Meters.IndexOf("3/4"), 1 + 9 * 2 + 1, 2), seq.Conditioning[1]);
        Assert.Equal(5, seq.Conditioning[6].Position);
        Assert.Equal(0, seq.Conditioning[13].Position);
        Assert.Equal(1 + 4 * 7 + (int)ChordClass.Dominant, seq.Conditioning[13].Chord);
        Assert.Equal(5, seq.NoteCount);
        Assert.Equal("reel", seq.Group);
    }

    [Fact]
    public void MissingChordKeyStyleAndUnknownMeterAreIdZero()
    {
        var melody = Melody.Create(NoteSequence.Parse("C4 D4"), meters: [new MeterChange(Duration.Zero, TimeSignature.Parse("11/8"))]);
        var c = Vocabulary.At(melody, Duration.FromQuarters(1));
        Assert.Equal(new ConditionStep(0, 4, 0, 0, 0), c);
        Assert.Equal(16, Vocabulary.BarSteps(0));
        Assert.Equal(12, Vocabulary.BarSteps(1 + Vocabulary.Meters.IndexOf("6/8")));
    }

    [Fact]
    public void VocabularyFromMelodiesListsStylesAndRoundTripsThroughJson()
    {
        var melodies = new[]
        {
            Melody.Create(NoteSequence.Parse("C4"), info: new MelodyInfo { Styles = ["reel", "folk"] }),
            Melody.Create(NoteSequence.Parse("C4"), info: new MelodyInfo { Styles = ["jig"] }),
        };
        var v = ConditioningVocabulary.FromMelodies(melodies);
        Assert.Equal(["folk", "jig", "reel"], v.Styles.ToArray());
        Assert.Equal(3, v.StyleId(melodies[0].Info));
        var back = ConditioningVocabulary.FromJson(v.ToJson());
        Assert.Equal(v.Styles.ToArray(), back.Styles.ToArray());
        Assert.Equal(v.ToJson(), back.ToJson());
        var e = Assert.Throws<IncompatibleFormatException>(() => ConditioningVocabulary.FromJson(v.ToJson().Replace("\"formatVersion\": 1", "\"formatVersion\": 2")));
        Assert.Equal("formatVersion", e.Field);
    }

    [Fact]
    public void EncodeAllSkipsMelodiesThatDoNotFit()
    {
        var t = new GridTokenizer();
        var fits = Melody.Create(NoteSequence.Parse("C4 D4"));
        var low = Melody.Create(NoteSequence.Parse("C1"));
        var list = EncodedSequence.EncodeAll(t, Vocabulary, [fits, low, fits], m => "x", out int skipped);
        Assert.Equal(2, list.Count);
        Assert.Equal(1, skipped);
    }
}
