using FsCheck.Xunit;
using Melos.Music;

namespace Melos.Music.Tests;

public sealed class KeyMeterTests
{
    [Theory]
    [InlineData("G", "G", Mode.Major, 1, "G A B C D E F#")]
    [InlineData("A minor", "A", Mode.Minor, 0, "A B C D E F G")]
    [InlineData("Am", "A", Mode.Minor, 0, "A B C D E F G")]
    [InlineData("Ador", "A", Mode.Dorian, 1, "A B C D E F# G")]
    [InlineData("D mix", "D", Mode.Mixolydian, 1, "D E F# G A B C")]
    [InlineData("Emin", "E", Mode.Minor, 1, "E F# G A B C D")]
    [InlineData("Bb", "Bb", Mode.Major, -2, "Bb C D Eb F G A")]
    [InlineData("F#m", "F#", Mode.Minor, 3, "F# G# A B C# D E")]
    [InlineData("Ephr", "E", Mode.Phrygian, 0, "E F G A B C D")]
    [InlineData("F lydian", "F", Mode.Lydian, 0, "F G A B C D E")]
    [InlineData("Bloc", "B", Mode.Locrian, 0, "B C D E F G A")]
    [InlineData("C# major", "C#", Mode.Major, 7, "C# D# E# F# G# A# B#")]
    [InlineData("Cb", "Cb", Mode.Major, -7, "Cb Db Eb Fb Gb Ab Bb")]
    public void ParsesKeysWithSpelledScalesAndSignatures(string text, string tonic, Mode mode, int fifths, string scale)
    {
        var k = Key.Parse(text);
        Assert.Equal(NoteName.Parse(tonic), k.Tonic);
        Assert.Equal(mode, k.Mode);
        Assert.Equal(fifths, k.Fifths);
        Assert.Equal(scale, k.Scale.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("H major")]
    [InlineData("G blues")]
    [InlineData("minor")]
    public void RejectsInvalidKeys(string text)
    {
        Assert.False(Key.TryParse(text, out _));
        var e = Assert.Throws<InvalidKeyException>(() => Key.Parse(text));
        Assert.Contains("mode", e.Expected);
    }

    [Property(Arbitrary = [typeof(MusicArbitraries)])]
    public bool KeyParseOfToStringRoundTrips(Key k) => Key.Parse(k.ToString()) == k;

    [Property(Arbitrary = [typeof(MusicArbitraries)])]
    public bool ScaleHasSevenDistinctPitchClassesOnConsecutiveLetters(Key k)
    {
        var names = k.Scale.Names;
        return names.Select(n => n.PitchClass).Distinct().Count() == 7
            && names.Select(n => n.Step).Distinct().Count() == 7
            && k.Scale.Contains(k.Tonic.PitchClass);
    }

    [Fact]
    public void RelativeAndTransposeKeepSignatures()
    {
        Assert.Equal(Key.Parse("C"), Key.Parse("A minor").Relative(Mode.Major));
        Assert.Equal(Key.Parse("E dorian"), Key.Parse("D").Relative(Mode.Dorian));
        Assert.Equal(Key.Parse("Bb"), Key.Parse("Ab").Transpose(2));
        Assert.Equal(Key.Parse("F# minor"), Key.Parse("E minor").Transpose(2));
    }

    [Theory]
    [InlineData("4/4", 4, 4, "4", false, 4)]
    [InlineData("3/4", 3, 4, "3", false, 3)]
    [InlineData("6/8", 6, 8, "3", true, 2)]
    [InlineData("9/8", 9, 8, "9/2", true, 3)]
    [InlineData("12/8", 12, 8, "6", true, 4)]
    [InlineData("3/2", 3, 2, "6", false, 3)]
    [InlineData("C", 4, 4, "4", false, 4)]
    [InlineData("C|", 2, 2, "4", false, 2)]
    public void ParsesMeters(string text, int n, int d, string barQuarters, bool compound, int beats)
    {
        var t = TimeSignature.Parse(text);
        Assert.Equal((n, d), (t.Numerator, t.Denominator));
        Assert.Equal(Duration.Parse(barQuarters), t.BarLength);
        Assert.Equal(compound, t.IsCompound);
        Assert.Equal(beats, t.BeatsPerBar);
    }

    [Theory]
    [InlineData("4/3")]
    [InlineData("0/4")]
    [InlineData("4")]
    [InlineData("x/8")]
    [InlineData("65/4")]
    public void RejectsInvalidMeters(string text)
    {
        Assert.False(TimeSignature.TryParse(text, out _));
        Assert.Throws<InvalidTimeSignatureException>(() => TimeSignature.Parse(text));
    }

    [Property(Arbitrary = [typeof(MusicArbitraries)])]
    public bool MeterParseOfToStringRoundTrips(TimeSignature t) => TimeSignature.Parse(t.ToString()) == t;
}

public sealed class KeyEqualityTests
{
    [Fact]
    public void CachedScaleDataDoesNotAffectEquality()
    {
        var a = Key.Parse("E minor");
        var b = Key.Parse("E minor");
        _ = a.Scale;
        _ = a.Spell(6);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, Key.Parse("E dorian"));
    }
}
