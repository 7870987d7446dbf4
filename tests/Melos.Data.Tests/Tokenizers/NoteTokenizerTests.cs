using FsCheck.Xunit;
using Melos.Data.Tokenizers;
using Melos.Music;

namespace Melos.Data.Tests.Tokenizers;

public sealed class NoteTokenizerTests
{
    private static NoteTokenizer Tokenizer(int spq) => new(new NoteTokenizerConfig { StepsPerQuarter = spq });

    [Property(Arbitrary = [typeof(BarMelodyArbitraries)])]
    public bool DecodeOfEncodeGivesTheNotesBack(GridMelody m)
    {
        var tokenizer = Tokenizer(m.StepsPerQuarter);
        var encoded = tokenizer.Encode(m.Melody);
        return tokenizer.Decode(encoded.Tokens).SequenceEqual(m.Melody.Notes);
    }

    [Property(Arbitrary = [typeof(BarMelodyArbitraries)])]
    public bool OneBarTokenPerBarAndTimesNeverGoBack(GridMelody m)
    {
        var t = Tokenizer(m.StepsPerQuarter);
        var encoded = t.Encode(m.Melody);
        int bars = encoded.Tokens.Count(id => id == NoteTokenizer.BarId);
        bool ordered = encoded.Times.Zip(encoded.Times.Skip(1)).Take(encoded.Count - 2).All(p => p.First <= p.Second);
        return bars == m.Melody.BarCount && ordered && encoded.Times.Length == encoded.Tokens.Length;
    }

    [Fact]
    public void NotesBecomePositionPitchDuration()
    {
        var t = Tokenizer(12);
        var encoded = t.Encode(Melody.Create(NoteSequence.Parse("C4 D4/2 E4 r G4:5")));
        Assert.Equal(
            ["BOS", "BAR", "METER(4/4)", "POSITION(0)", "PITCH(60)", "DURATION(12)", "POSITION(12)", "PITCH(62)", "DURATION(6)",
             "POSITION(18)", "PITCH(64)", "DURATION(12)", "POSITION(42)", "PITCH(67)", "DURATION(60)", "BAR", "BAR", "EOS"],
            encoded.Tokens.Select(t.TokenName));
    }

    [Fact]
    public void LongLengthsAreSumsOfDurationTokens()
    {
        var t = Tokenizer(12);
        var melody = Melody.Create([new Note(Pitch.FromMidi(60), Duration.Zero, Duration.FromQuarters(100, 12))], meters: [new MeterChange(Duration.Zero, TimeSignature.Parse("12/8"))]);
        var encoded = t.Encode(melody);
        Assert.Equal(["BOS", "BAR", "METER(12/8)", "POSITION(0)", "PITCH(60)", "DURATION(96)", "DURATION(4)", "BAR", "EOS"], encoded.Tokens.Select(t.TokenName));
        Assert.Equal(melody.Notes, t.Decode(encoded.Tokens));
    }

    [Fact]
    public void MeterTokensFollowTheBarWhereTheMeterChanges()
    {
        var t = Tokenizer(4);
        var melody = Melody.Create(NoteSequence.Parse("C4 D4 E4 F4 G4 A4"),
            meters: [new MeterChange(Duration.Zero, TimeSignature.Parse("3/4")), new MeterChange(Duration.FromQuarters(3), TimeSignature.Parse("2/4"))]);
        var names = t.Encode(melody).Tokens.Select(t.TokenName).ToList();
        Assert.Equal(["BAR", "METER(3/4)", "BAR", "METER(2/4)", "BAR"], names.Where(n => n.StartsWith("BAR") || n.StartsWith("METER")));
        Assert.Equal(melody.Notes, t.Decode(t.Encode(melody).Tokens));
    }

    [Fact]
    public void MeterOffTheBarLineOrUnknownIsATypedError()
    {
        var t = Tokenizer(12);
        var offLine = Melody.Create(NoteSequence.Parse("C4 D4 E4 F4 G4"),
            meters: [new MeterChange(Duration.Zero, TimeSignature.Parse("4/4")), new MeterChange(Duration.FromQuarters(2), TimeSignature.Parse("3/4"))]);
        var e = Assert.Throws<TokenizationException>(() => t.Encode(offLine));
        Assert.Contains("bar line", e.Message);
        var odd = Melody.Create(NoteSequence.Parse("C4"), meters: [new MeterChange(Duration.Zero, TimeSignature.Parse("11/16"))]);
        Assert.False(t.TryEncode(odd, out _, out var error));
        Assert.Contains("11/16", error!.Message);
    }

    [Fact]
    public void OffGridNotesNameTheNote()
    {
        var melody = Melody.Create(NoteSequence.Parse("C4:1/5 D4"));
        var e = Assert.Throws<TokenizationException>(() => Tokenizer(12).Encode(melody));
        Assert.Equal(melody.Notes[0], e.Note);
        Assert.Contains("C4", e.Message);
        Assert.Contains("length", e.Message);
        var late = Melody.Create([new Note(Pitch.FromMidi(62), Duration.FromQuarters(1, 5), Duration.Quarter)]);
        e = Assert.Throws<TokenizationException>(() => Tokenizer(12).Encode(late));
        Assert.Equal(late.Notes[0], e.Note);
        Assert.Contains("onset", e.Message);
    }

    [Fact]
    public void DurationVocabularyWithoutAOneStepTokenRefusesLengthsItCannotSum()
    {
        var t = new NoteTokenizer(new NoteTokenizerConfig { StepsPerQuarter = 4, DurationSteps = [2, 4] });
        var e = Assert.Throws<TokenizationException>(() => t.Encode(Melody.Create(NoteSequence.Parse("C4:3/4"))));
        Assert.Contains("duration vocabulary", e.Message);
        Assert.Equal(NoteSequence.Parse("C4:3/2"), t.Decode(t.Encode(Melody.Create(NoteSequence.Parse("C4:3/2"))).Tokens));
    }

    [Fact]
    public void ConfigRoundTripsThroughJson()
    {
        var config = new NoteTokenizerConfig { StepsPerQuarter = 4, DurationSteps = [1, 2, 4, 8], Meters = ["3/4", "4/4"] };
        var json = config.ToJson();
        Assert.Contains("\"kind\": \"note\"", json);
        var back = Assert.IsType<NoteTokenizerConfig>(TokenizerConfig.FromJson(json));
        Assert.Equal(config.DurationSteps.ToArray(), back.DurationSteps.ToArray());
        Assert.Equal(config.Meters.ToArray(), back.Meters.ToArray());
        Assert.Equal(json, back.ToJson());
        Assert.Equal(new NoteTokenizer(config).VocabularySize, back.Create().VocabularySize);
    }

    [Fact]
    public void ImpossibleConfigNamesTheField()
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => new NoteTokenizer(new NoteTokenizerConfig { DurationSteps = [0, 2] }));
        Assert.Equal("DurationSteps", e.Field);
        e = Assert.Throws<InvalidConfigurationException>(() => new NoteTokenizer(new NoteTokenizerConfig { Meters = ["4/4", "x"] }));
        Assert.Equal("Meters", e.Field);
    }

    [Fact]
    public void AnyTokenSequenceDecodesToOneLine()
    {
        var t = Tokenizer(4);
        // Two notes at step 0 of bar 1 (the second is dropped), one at step 2 inside a 4-step note (which is cut short),
        // one going back to step 1 (dropped), and a DURATION with no pitch (ignored).
        int[] tokens =
        [
            NoteTokenizer.BosId, NoteTokenizer.BarId, t.Position(0), t.PitchToken(60), t.DurationToken(3),
            t.Position(0), t.PitchToken(62), t.DurationToken(0), t.Position(2), t.PitchToken(64), t.DurationToken(1),
            t.Position(1), t.PitchToken(65), t.DurationToken(0), t.DurationToken(0), NoteTokenizer.EosId,
        ];
        var notes = t.Decode(tokens);
        Assert.Equal(NoteSequence.Parse("C4/2 E4/2"), notes);
        Assert.NotNull(Melody.Create(notes));
    }

    private static NoteTokenizer WholeTune(int spq) =>
        new(NoteTokenizerConfig.WholeTune with { StepsPerQuarter = spq, MaxBars = 512 });

    /// <summary>The melody followed by itself, shifted by its own whole number of bars: every bar of the second half repeats one of the first.</summary>
    private static Melody Doubled(Melody m)
    {
        var bars = Math.Max(1, m.BarCount);
        var shift = m.Meter.BarLength * bars;
        var notes = m.Notes.Concat(m.Notes.Select(n => n with { Start = n.Start + shift }));
        return Melody.Create(notes, m.Key, [new MeterChange(Duration.Zero, m.Meter)], length: shift * 2);
    }

    [Property(Arbitrary = [typeof(BarMelodyArbitraries)])]
    public bool WholeTuneTokensGiveTheNotesBack(GridMelody m)
    {
        var t = WholeTune(m.StepsPerQuarter);
        var encoded = t.Encode(m.Melody);
        var doubled = Doubled(Melody.Create(m.Melody.Notes, null, [new MeterChange(Duration.Zero, m.Melody.Meter)]));
        var twice = t.Encode(doubled);
        bool ordered = twice.Times.Zip(twice.Times.Skip(1)).All(p => p.First <= p.Second);
        return t.Decode(encoded.Tokens).SequenceEqual(m.Melody.Notes) && t.Decode(twice.Tokens).SequenceEqual(doubled.Notes) && ordered;
    }

    [Property(Arbitrary = [typeof(BarMelodyArbitraries)])]
    public bool ARepeatedHalfIsWrittenWithCopiesAndFewerTokens(GridMelody m)
    {
        var single = Melody.Create(m.Melody.Notes, null, [new MeterChange(Duration.Zero, m.Melody.Meter)]);
        int bars = Math.Max(1, single.BarCount);
        if (bars > 16 || single.Notes.IsEmpty) return true;
        var t = WholeTune(m.StepsPerQuarter);
        var doubled = Doubled(single);
        var encoded = t.Encode(doubled);
        int copies = encoded.Tokens.Count(id => t.KindOf(id) == NoteTokenKind.Copy);
        int barsWithNotes = Enumerable.Range(0, bars).Count(b => single.Notes.Any(n => single.BarOf(n.Start).Bar == b));
        // Every bar of the second half that has notes is a copy (of the first half, or of an equal bar nearer by).
        return copies >= barsWithNotes && encoded.Count < 2 * t.Encode(single).Count;
    }

    [Fact]
    public void WholeTuneTokensNumberBarsAndCopyRepeatedBars()
    {
        var t = new NoteTokenizer(NoteTokenizerConfig.WholeTune with { StepsPerQuarter = 4 });
        // Bar 1: C D E F; bar 2: G, rest, G; bar 3 = bar 1; bar 4 = bar 2.
        var notes = NoteSequence.Parse("C4 D4 E4 F4 G4 r G4 r C4 D4 E4 F4 G4 r G4 r");
        var melody = Melody.Create(notes, length: Duration.FromQuarters(16));
        var encoded = t.Encode(melody);
        Assert.Equal(
            ["BOS", "LENGTH(4)", "BAR(0)", "METER(4/4)", "PITCH(60)", "DURATION(4)", "PITCH(62)", "DURATION(4)", "PITCH(64)", "DURATION(4)",
             "PITCH(65)", "DURATION(4)", "BAR(1)", "PITCH(67)", "DURATION(4)", "POSITION(8)", "PITCH(67)", "DURATION(4)",
             "BAR(2)", "COPY(2)", "BAR(3)", "COPY(2)", "EOS"],
            encoded.Tokens.Select(t.TokenName));
        Assert.Equal(melody.Notes, t.Decode(encoded.Tokens));
        // Times are the cursor each token is chosen at: the second G's POSITION comes at the end of the first G.
        Assert.Equal(Duration.FromQuarters(5), encoded.Times[15]);
        Assert.Equal(Duration.FromQuarters(6), encoded.Times[16]);
    }

    [Fact]
    public void BarsNumberedFromTheEndCountDownToTheLastBar()
    {
        var t = new NoteTokenizer(NoteTokenizerConfig.WholeTune with { StepsPerQuarter = 4, NumberBarsFromEnd = true });
        var notes = NoteSequence.Parse("C4 D4 E4 F4 G4 r G4 r C4 D4 E4 F4 G4 r G4 r");
        var melody = Melody.Create(notes, length: Duration.FromQuarters(16));
        var encoded = t.Encode(melody);
        Assert.Equal(["BAR(3)", "BAR(2)", "BAR(1)", "BAR(0)"], encoded.Tokens.Where(id => t.KindOf(id) == NoteTokenKind.Bar).Select(t.TokenName));
        Assert.Equal("LENGTH(4)", t.TokenName(encoded.Tokens[1]));
        Assert.Equal(melody.Notes, t.Decode(encoded.Tokens));
        // The same bar of a longer tune has another token: the numbers say how far the end is.
        Assert.Equal(t.BarToken(0, 4) + 4, t.BarToken(0, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.BarToken(4, 4));
        // Numbering from the end needs numbered bars, and survives the JSON round trip.
        Assert.Throws<InvalidConfigurationException>(() => new NoteTokenizer(new NoteTokenizerConfig { NumberBarsFromEnd = true }));
        var json = t.Config.ToJson();
        Assert.Contains("\"numberBarsFromEnd\": true", json);
        Assert.True(((NoteTokenizerConfig)TokenizerConfig.FromJson(json)).NumberBarsFromEnd);
    }

    [Fact]
    public void TunesLongerThanTheBarNumbersAreRefused()
    {
        var t = new NoteTokenizer(NoteTokenizerConfig.WholeTune with { StepsPerQuarter = 4, MaxBars = 2 });
        Assert.False(t.TryEncode(Melody.Create(NoteSequence.Parse("C4:4 D4:4 E4:4")), out _, out var error));
        Assert.Contains("3 bars", error!.Message);
    }

    [Fact]
    public void EventsAreNotesAndBarLines()
    {
        var t = new NoteTokenizer(NoteTokenizerConfig.WholeTune with { StepsPerQuarter = 4 });
        var tokens = t.Encode(Melody.Create(NoteSequence.Parse("C4 r D4:2"))).Tokens;
        var starts = tokens.Select((id, i) => t.StartsEvent(i == 0 ? -1 : tokens[i - 1], id)).ToList();
        // BOS, LENGTH, BAR(0) [METER], PITCH [DURATION], POSITION [PITCH DURATION], EOS
        Assert.Equal([true, true, true, false, true, false, true, false, false, true], starts);
    }
}
