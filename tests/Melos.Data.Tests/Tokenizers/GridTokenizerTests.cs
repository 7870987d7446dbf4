using FsCheck.Xunit;
using Melos.Data.Tokenizers;
using Melos.Music;

namespace Melos.Data.Tests.Tokenizers;

public sealed class GridTokenizerTests
{
    private static GridTokenizer Tokenizer(int spq) => new(new GridTokenizerConfig { StepsPerQuarter = spq });

    [Property(Arbitrary = [typeof(TokenizerArbitraries)])]
    public bool DecodeOfEncodeGivesTheNotesBack(GridMelody m)
    {
        var tokenizer = Tokenizer(m.StepsPerQuarter);
        var encoded = tokenizer.Encode(m.Melody);
        return tokenizer.Decode(encoded.Tokens).SequenceEqual(m.Melody.Notes) && encoded.Times.Length == encoded.Tokens.Length;
    }

    [Property(Arbitrary = [typeof(TokenizerArbitraries)])]
    public bool OneTokenPerGridStepBetweenBosAndEos(GridMelody m)
    {
        var encoded = Tokenizer(m.StepsPerQuarter).Encode(m.Melody);
        var steps = m.Melody.Length.Quarters * m.StepsPerQuarter;
        return encoded.Tokens.Length == steps.Numerator + 2 && encoded.Tokens[0] == GridTokenizer.BosId && encoded.Tokens[^1] == GridTokenizer.EosId;
    }

    [Fact]
    public void NotesBecomeNoteOnThenHolds()
    {
        var t = Tokenizer(4);
        var encoded = t.Encode(Melody.Create(NoteSequence.Parse("C4 D4/2 E4")));
        Assert.Equal(["BOS", "NOTE_ON(60)", "HOLD", "HOLD", "HOLD", "NOTE_ON(62)", "HOLD", "NOTE_ON(64)", "HOLD", "HOLD", "HOLD", "EOS"],
            encoded.Tokens.Select(t.TokenName));
        Assert.Equal(Duration.FromQuarters(6, 4), encoded.Times[7]);
    }

    [Fact]
    public void RestsAndTrailingSilenceBecomeNoteOff()
    {
        var t = Tokenizer(4);
        var notes = NoteSequence.Parse("C4/2 r/2 D4/2");
        var encoded = t.Encode(Melody.Create(notes, length: Duration.FromQuarters(2)));
        Assert.Equal(["BOS", "NOTE_ON(60)", "HOLD", "NOTE_OFF", "HOLD", "NOTE_ON(62)", "HOLD", "NOTE_OFF", "HOLD", "EOS"],
            encoded.Tokens.Select(t.TokenName));
        Assert.Equal(notes, t.Decode(encoded.Tokens));
    }

    [Fact]
    public void TripletsFitTwelveStepsButNotFour()
    {
        var triplets = Melody.Create(NoteSequence.Parse("C4:1/3 D4:1/3 E4:1/3 F4"));
        Assert.Equal(triplets.Notes, Tokenizer(12).Decode(Tokenizer(12).Encode(triplets).Tokens));
        Assert.False(Tokenizer(4).TryEncode(triplets, out var result, out var error));
        Assert.Null(result);
        Assert.Equal(triplets.Notes[0], error!.Note);
        Assert.Contains("grid", error.Message);
        Assert.Contains("C4", error.Message);
    }

    [Fact]
    public void PitchOutsideRangeRaisesATypedExceptionNamingTheNote()
    {
        var melody = Melody.Create(NoteSequence.Parse("C4 C2 D4"));
        var e = Assert.Throws<TokenizationException>(() => Tokenizer(12).Encode(melody));
        Assert.Equal(36, e.Note!.Pitch.Number);
        Assert.Contains("48..84", e.Message);
        Assert.Contains("C2", e.Message);
    }

    [Fact]
    public void TokenIdsAreStableAndNamed()
    {
        var t = Tokenizer(12);
        Assert.Equal(5 + 37, t.VocabularySize);
        Assert.Equal("PAD", t.TokenName(0));
        Assert.Equal("NOTE_OFF", t.TokenName(GridTokenizer.NoteOffId));
        Assert.Equal("NOTE_ON(48)", t.TokenName(5));
        Assert.Equal("NOTE_ON(84)", t.TokenName(t.VocabularySize - 1));
        Assert.Equal(60, t.PitchOf(t.NoteOn(60)));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.TokenName(t.VocabularySize));
    }

    [Fact]
    public void DecodeSkipsPadAndStopsAtEos()
    {
        var t = Tokenizer(4);
        int[] tokens = [GridTokenizer.BosId, t.NoteOn(60), GridTokenizer.HoldId, GridTokenizer.EosId, t.NoteOn(62), GridTokenizer.PadId];
        var notes = t.Decode(tokens);
        Assert.Equal([new Note(Pitch.FromMidi(60), Duration.Zero, Duration.Eighth)], notes);
    }

    [Fact]
    public void ConfigRoundTripsThroughJsonWithKindAndFormatVersion()
    {
        var config = new GridTokenizerConfig { StepsPerQuarter = 4, MinPitch = 40, MaxPitch = 90 };
        var json = config.ToJson();
        Assert.Contains("\"kind\": \"grid\"", json);
        Assert.Contains("\"formatVersion\": 1", json);
        Assert.Equal(config, TokenizerConfig.FromJson(json));
        var e = Assert.Throws<IncompatibleFormatException>(() => TokenizerConfig.FromJson(json.Replace("\"formatVersion\": 1", "\"formatVersion\": 7")));
        Assert.Equal("formatVersion", e.Field);
    }

    [Fact]
    public void ImpossibleConfigNamesTheField()
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => new GridTokenizer(new GridTokenizerConfig { MinPitch = 70, MaxPitch = 60 }));
        Assert.Equal("MaxPitch", e.Field);
        e = Assert.Throws<InvalidConfigurationException>(() => new GridTokenizer(new GridTokenizerConfig { StepsPerQuarter = 0 }));
        Assert.Equal("StepsPerQuarter", e.Field);
    }
}
