using Melos.Data.Corpus;
using Melos.Data.Sources;
using Melos.Music;
using static Melos.Data.Tests.Corpus.TestMelodies;

namespace Melos.Data.Tests.Corpus;

public sealed class AugmentBalanceTests
{
    [Fact]
    public void TranspositionsStayInsideTheRange()
    {
        var m = Line("C4 E4 G4 C5", "C");
        var all = Augmentation.Transpositions(m, -5, 6, low: 55, high: 79).ToList();
        Assert.Equal([-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6], all.Select(t => t.Semitones));
        var narrow = Augmentation.Transpositions(m, -5, 6, low: 58, high: 74).ToList();
        Assert.Equal([-2, -1, 0, 1, 2], narrow.Select(t => t.Semitones));
        Assert.All(narrow, t => Assert.InRange(t.Melody.Notes.Max(n => n.Pitch.Number), 58, 74));
    }

    [Theory]
    [InlineData("G", 5, "C major")]
    [InlineData("F# minor", 3, "A minor")]
    [InlineData("D dorian", -5, "A dorian")]
    [InlineData("A mixolydian", 3, "C mixolydian")]
    [InlineData("Bb", 2, "C major")]
    public void KeyNormalizationMovesToCOrA(string key, int shift, string expected)
    {
        Assert.Equal(shift, Augmentation.NormalizingShift(Key.Parse(key)));
        var m = Line("A4 B4 C5 D5", key);
        Assert.Equal(Key.Parse(expected), Augmentation.NormalizeKey(m).Key);
    }

    [Fact]
    public void BalancingGivesEveryGroupTheSameTotalWeight()
    {
        var m = Line("C4 D4 E4");
        var entries = Enumerable.Range(0, 8).Select(i => Entry(m, $"f{i}", style: "folk"))
            .Concat(Enumerable.Range(0, 2).Select(i => Entry(m, $"p{i}", style: "pop"))).ToList();
        var w = Balancing.Weights(entries, BalanceBy.Style);
        Assert.Equal(10, w.Sum(), 9);
        Assert.Equal(5, w.Take(8).Sum(), 9);
        Assert.Equal(5, w.Skip(8).Sum(), 9);
        var picks = Balancing.Sample(w, 20_000, new Random(3));
        double popShare = picks.Count(i => i >= 8) / 20_000.0;
        Assert.InRange(popShare, 0.47, 0.53);
    }

    [Theory]
    [InlineData("C:maj", "C")]
    [InlineData("A:min7", "Am7")]
    [InlineData("G:maj/3", "G/B")]
    [InlineData("F:sus4(b7)", "F7sus4")]
    [InlineData("B:hdim7", "Bm7b5")]
    [InlineData("Db:maj/5", "Db/Ab")]
    [InlineData("E:min/b3", "Em/G")]
    public void ReadsHarteLabels(string label, string expected)
    {
        Assert.True(HarteChord.TryParse(label, out var c));
        Assert.Equal(ChordSymbol.Parse(expected), c);
    }

    [Fact]
    public void HarteNoChordAndGarbage()
    {
        Assert.True(HarteChord.TryParse("N", out var none));
        Assert.Null(none);
        Assert.False(HarteChord.TryParse("H:maj", out _));
        Assert.False(HarteChord.TryParse("C:weird", out _));
    }
}

public sealed class ChordDropoutTests
{
    private static Melody WithChords(int i) =>
        Melody.Create(NoteSequence.Parse("C4 D4 E4 F4"), Key.CMajor, chords: [new ChordChange(Duration.Zero, ChordSymbol.Parse(i % 2 == 0 ? "C" : "G7"))]);

    [Fact]
    public void A_share_of_the_melodies_with_chords_lose_them_the_same_way_for_a_seed()
    {
        var melodies = Enumerable.Range(0, 400).Select(WithChords).Append(Melody.Create(NoteSequence.Parse("C4"))).ToList();
        var half = Augmentation.DropChords(melodies, 0.5, 7);
        int dropped = half.Take(400).Count(m => m.Chords.IsEmpty);
        Assert.InRange(dropped, 160, 240);
        Assert.Equal(half.Select(m => m.Chords.IsEmpty), Augmentation.DropChords(melodies, 0.5, 7).Select(m => m.Chords.IsEmpty));
        Assert.NotEqual(half.Select(m => m.Chords.IsEmpty), Augmentation.DropChords(melodies, 0.5, 8).Select(m => m.Chords.IsEmpty));
        Assert.All(half.Zip(melodies), p => Assert.Equal(p.Second.Notes, p.First.Notes));
        Assert.All(Augmentation.DropChords(melodies, 1, 7), m => Assert.Empty(m.Chords));
        Assert.Equal(melodies.Select(m => m.Chords.Length), Augmentation.DropChords(melodies, 0, 7).Select(m => m.Chords.Length));
        Assert.Throws<ArgumentOutOfRangeException>(() => Augmentation.DropChords(melodies, 1.5, 7));
    }
}
