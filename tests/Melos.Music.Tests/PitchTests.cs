using FsCheck.Xunit;
using Melos.Music;

namespace Melos.Music.Tests;

public sealed class PitchTests
{
    [Theory]
    [InlineData("C4", 60)]
    [InlineData("A4", 69)]
    [InlineData("F#5", 78)]
    [InlineData("Bb3", 58)]
    [InlineData("E##4", 66)]
    [InlineData("Cb4", 59)]
    [InlineData("B#3", 60)]
    [InlineData("C-1", 0)]
    [InlineData("G9", 127)]
    [InlineData("Dbb4", 60)]
    [InlineData("Fx4", 67)]
    [InlineData("60", 60)]
    public void ParsesScientificNames(string text, int midi) => Assert.Equal(midi, Pitch.Parse(text).Number);

    [Theory]
    [InlineData("")]
    [InlineData("H4")]
    [InlineData("C")]
    [InlineData("C#b4")]
    [InlineData("G#9")]
    [InlineData("Cb-1")]
    [InlineData("C###4")]
    [InlineData("128")]
    [InlineData("C4x")]
    public void RejectsInvalidNamesWithTypedException(string text)
    {
        Assert.False(Pitch.TryParse(text, out _));
        var e = Assert.Throws<InvalidPitchException>(() => Pitch.Parse(text));
        Assert.Equal(text, e.Input);
        Assert.Contains("C4", e.Expected);
    }

    [Property(Arbitrary = [typeof(MusicArbitraries)])]
    public bool ParseOfToStringRoundTripsNumberAndSpelling(Pitch p)
    {
        var back = Pitch.Parse(p.ToString());
        return back == p && back.IsSameSpelling(p) && back.Octave == p.Octave;
    }

    [Fact]
    public void EnharmonicsAreEqualButSpelledDifferently()
    {
        var fs = Pitch.Parse("F#4");
        var gb = Pitch.Parse("Gb4");
        Assert.Equal(fs, gb);
        Assert.False(fs.IsSameSpelling(gb));
        Assert.Equal("Gb4", gb.ToString());
    }

    [Fact]
    public void SpellingFollowsKey()
    {
        var p = Pitch.FromMidi(70); // A#4 / Bb4
        Assert.Equal("A#4", p.ToString());
        Assert.Equal("Bb4", p.SpelledIn(Key.Parse("F")).ToString());
        Assert.Equal("E#4", Pitch.FromMidi(65).SpelledIn(Key.Parse("F# major")).ToString());
    }

    [Fact]
    public void FromMidiRejectsOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Pitch.FromMidi(128));
        Assert.Throws<ArgumentOutOfRangeException>(() => Pitch.FromMidi(-1));
        Assert.Throws<ArgumentException>(() => Pitch.FromMidi(60, NoteName.Parse("D")));
    }
}
