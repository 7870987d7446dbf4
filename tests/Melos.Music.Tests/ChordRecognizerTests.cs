using Melos.Music;

namespace Melos.Music.Tests;

public sealed class ChordRecognizerTests
{
    [Theory]
    [InlineData(new[] { 48, 52, 55 }, "C")]
    [InlineData(new[] { 45, 48, 52 }, "Am")]
    [InlineData(new[] { 43, 47, 50, 53 }, "G7")]
    [InlineData(new[] { 42, 50, 57 }, "D/F#")]
    [InlineData(new[] { 47, 50, 53 }, "Bdim")]
    [InlineData(new[] { 48, 52, 55, 59 }, "Cmaj7")]
    [InlineData(new[] { 50, 53, 57, 60 }, "Dm7")]
    [InlineData(new[] { 55, 59, 62, 67, 71 }, "G")]
    [InlineData(new[] { 43, 50 }, "G5")]
    public void NamesCommonBlockChords(int[] pitches, string expected) =>
        Assert.Equal(ChordSymbol.Parse(expected), ChordRecognizer.Recognize(pitches));

    [Fact]
    public void SinglePitchClassIsNoChord()
    {
        Assert.Null(ChordRecognizer.Recognize([60]));
        Assert.Null(ChordRecognizer.Recognize([48, 60, 72]));
        Assert.Null(ChordRecognizer.Recognize([]));
    }

    [Fact]
    public void RecognizesEveryVoicingItWasGivenAsATriad()
    {
        foreach (var chord in new[] { "C", "Dm", "Em", "F", "G", "Am", "Bb", "F#m", "Eb" })
        {
            var c = ChordSymbol.Parse(chord);
            // Root position: the root lowest, the other tones above it within the octave.
            var pitches = c.PitchClasses.Select(pc => 48 + c.Root.PitchClass + ((pc - c.Root.PitchClass + 12) % 12)).ToArray();
            Assert.Equal(c, ChordRecognizer.Recognize(pitches));
        }
    }
}
