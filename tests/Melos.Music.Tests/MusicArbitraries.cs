using FsCheck;
using FsCheck.Fluent;
using Melos.Music;

namespace Melos.Music.Tests;

/// <summary>FsCheck generators for the domain types.</summary>
public static class MusicArbitraries
{
    public static Gen<NoteName> NoteNameGen { get; } =
        from step in Gen.Elements(Enum.GetValues<Step>())
        from alter in Gen.Choose(-2, 2)
        select new NoteName(step, alter);

    public static Arbitrary<NoteName> NoteName() => NoteNameGen.ToArbitrary();

    public static Arbitrary<Pitch> Pitch() =>
        (from n in NoteNameGen
         from octave in Gen.Choose(-1, 9)
         let number = 12 * (octave + 1) + Music.NoteName.SemitonesOf(n.Step) + n.Alter
         where number is >= 0 and <= 127
         select Music.Pitch.FromName(n, octave)).ToArbitrary();

    public static Arbitrary<Rational> Rational() =>
        (from num in Gen.Choose(-10_000, 10_000)
         from den in Gen.Elements(1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 24, 32, 48, 96, 384, 1000)
         select new Music.Rational(num, den)).ToArbitrary();

    public static Arbitrary<Key> Key() =>
        (from tonic in NoteNameGen.Where(n => Math.Abs(n.Alter) <= 1)
         from mode in Gen.Elements(Enum.GetValues<Mode>())
         select new Music.Key(tonic, mode)).ToArbitrary();

    public static Arbitrary<TimeSignature> TimeSignature() =>
        (from n in Gen.Choose(1, 64)
         from d in Gen.Elements(1, 2, 4, 8, 16, 32, 64)
         select new Music.TimeSignature(n, d)).ToArbitrary();

    private static readonly ChordQuality[] Sevenths =
    [
        ChordQuality.Dominant7, ChordQuality.Major7, ChordQuality.Minor7, ChordQuality.MinorMajor7, ChordQuality.HalfDiminished7,
        ChordQuality.Diminished7, ChordQuality.Augmented7, ChordQuality.Dominant7Suspended4, ChordQuality.Major6, ChordQuality.Minor6,
    ];

    public static Arbitrary<ChordSymbol> ChordSymbol() =>
        (from root in NoteNameGen.Where(n => Math.Abs(n.Alter) <= 1)
         from quality in Gen.Elements(Enum.GetValues<ChordQuality>())
         from extCount in Gen.Choose(0, 2)
         from exts in Gen.ArrayOf(Gen.Elements(ExtensionsFor(quality)), extCount)
         from hasBass in Gen.Elements(true, false)
         from bass in NoteNameGen.Where(n => Math.Abs(n.Alter) <= 1)
         select new Music.ChordSymbol(root, quality, exts.Distinct(), hasBass ? bass : null)).ToArbitrary();

    private static string[] ExtensionsFor(ChordQuality q) =>
        Sevenths.Contains(q) ? ["9", "11", "13", "b9", "#9", "#11", "b13", "add9"]
        : q == ChordQuality.Major ? ["add9", "add11", "add2"]
        : ["add9", "b5", "#5", "add13"];
}
