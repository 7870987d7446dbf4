using FsCheck.Xunit;
using Melos.Music;

namespace Melos.Music.Tests;

public sealed class ChordSymbolTests
{
    [Theory]
    [InlineData("Am", "A", ChordQuality.Minor, "", null, "A C E")]
    [InlineData("G7", "G", ChordQuality.Dominant7, "", null, "G B D F")]
    [InlineData("D/F#", "D", ChordQuality.Major, "", "F#", "D F# A")]
    [InlineData("Cmaj7", "C", ChordQuality.Major7, "", null, "C E G B")]
    [InlineData("Bdim", "B", ChordQuality.Diminished, "", null, "B D F")]
    [InlineData("Eaug", "E", ChordQuality.Augmented, "", null, "E G# C")]
    [InlineData("Fsus4", "F", ChordQuality.Suspended4, "", null, "F A# C")]
    [InlineData("Cd", "C", ChordQuality.Diminished, "", null, "C D# F#")]
    [InlineData("Ca", "C", ChordQuality.Augmented, "", null, "C E G#")]
    [InlineData("C/e", "C", ChordQuality.Major, "", "E", "C E G")]
    [InlineData("D/f+", "D", ChordQuality.Major, "", "F#", "D F# A")]
    [InlineData("Gm/bb", "G", ChordQuality.Minor, "", "Bb", "G A# D")]
    [InlineData("(E7)", "E", ChordQuality.Dominant7, "", null, "E G# B D")]
    [InlineData("Fa7", "F", ChordQuality.Augmented7, "", null, "F A C# D#")]
    [InlineData("E7b9", "E", ChordQuality.Dominant7, "b9", null, "E G# B D F")]
    [InlineData("G9", "G", ChordQuality.Dominant7, "9", null, "G B D F A")]
    [InlineData("Cmaj9", "C", ChordQuality.Major7, "9", null, "C E G B D")]
    [InlineData("Cadd9", "C", ChordQuality.Major, "add9", null, "C E G D")]
    [InlineData("Bbd", "Bb", ChordQuality.Diminished, "", null, "A# C# E")]
    [InlineData("Am7/g", "A", ChordQuality.Minor7, "", "G", "A C E G")]
    [InlineData("Bm7b5", "B", ChordQuality.HalfDiminished7, "", null, "B D F A")]
    public void ParsesCommonAndNottinghamForms(string text, string root, ChordQuality quality, string ext, string? bass, string tones)
    {
        var c = ChordSymbol.Parse(text);
        Assert.Equal(NoteName.Parse(root), c.Root);
        Assert.Equal(quality, c.Quality);
        Assert.Equal(ext, string.Join(' ', c.Extensions));
        Assert.Equal(bass is null ? null : NoteName.Parse(bass), c.Bass);
        Assert.Equal(tones, string.Join(' ', c.PitchClasses.Select(pc => NoteName.FromPitchClass(pc).ToString())));
    }

    [Theory]
    [InlineData("")]
    [InlineData("X7")]
    [InlineData("am")]
    [InlineData("C/")]
    [InlineData("Cfoo")]
    [InlineData("C/H")]
    [InlineData("^Segno")]
    public void RejectsNonChordsWithTypedException(string text)
    {
        Assert.False(ChordSymbol.TryParse(text, out _));
        var e = Assert.Throws<InvalidChordSymbolException>(() => ChordSymbol.Parse(text));
        Assert.Equal(text, e.Input);
    }

    [Property(Arbitrary = [typeof(MusicArbitraries)])]
    public bool ParseOfToStringRoundTrips(ChordSymbol c) => ChordSymbol.Parse(c.ToString()) == c;

    [Fact]
    public void TransposeMovesRootAndBass()
    {
        var c = ChordSymbol.Parse("D/F#").Transpose(2);
        Assert.Equal("E/G#", c.ToString());
        Assert.Equal("Bb7", ChordSymbol.Parse("Ab7").Transpose(2).ToString());
    }

    [Fact]
    public void ConstructorRefusesAmbiguousExtensions()
    {
        Assert.Throws<ArgumentException>(() => new ChordSymbol(NoteName.Parse("C"), ChordQuality.Major, ["9"]));
        Assert.Throws<ArgumentException>(() => new ChordSymbol(NoteName.Parse("C"), ChordQuality.Major, ["b9"]));
        Assert.Throws<ArgumentException>(() => new ChordSymbol(NoteName.Parse("C"), ChordQuality.Dominant7, ["x"]));
    }

    [Theory]
    [InlineData("C", new[] { 48, 52, 55 })]
    [InlineData("G7", new[] { 55, 59, 62, 65 })]
    [InlineData("Am", new[] { 57, 60, 64 })]
    [InlineData("C/E", new[] { 40, 48, 55 })]
    [InlineData("D/C", new[] { 36, 50, 54, 57 })]
    public void VoicingPutsTheRootFromC3AndASlashBassAnOctaveLower(string chord, int[] midi) =>
        Assert.Equal(midi, ChordSymbol.Parse(chord).Voicing());
}
