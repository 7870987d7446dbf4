using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Melos.Formats.Abc;
using Melos.Formats.MusicXml;
using Melos.Formats.Tests.Abc;
using Melos.Music;

namespace Melos.Formats.Tests.MusicXml;

/// <summary>Random melodies (triplets, ties across bar lines, pickups, meter and tempo changes, chords) -> MusicXML -> melodies.</summary>
public sealed class MusicXmlRoundTripProperties
{
    internal static string Show(Melody m) =>
        $"{string.Join(" ", m.Notes.Select(n => $"{n}v{n.Velocity}"))} key {m.Key} meters {string.Join(",", m.Meters.Select(x => $"{x.Meter}@{x.At}"))} tempos {string.Join(",", m.Tempos.Select(x => $"{x.MicrosecondsPerQuarter}@{x.At}"))} chords {string.Join(",", m.Chords.Select(x => $"{x.Chord}@{x.At}"))} length {m.Length}";

    internal static bool SameMusic(Melody a, Melody b) =>
        a.Notes.SequenceEqual(b.Notes) && a.Notes.Zip(b.Notes).All(p => p.First.Pitch.IsSameSpelling(p.Second.Pitch)) &&
        a.Key == b.Key && a.Meters.SequenceEqual(b.Meters) && a.Tempos.SequenceEqual(b.Tempos) &&
        a.Chords.SequenceEqual(b.Chords) && a.Length == b.Length && a.Info.Title == b.Info.Title;

    // The ABC property's melodies, with velocities varied and some notes lengthened to cross bar lines.
    private static Melody Build(byte[] cells, byte key, byte meter, byte pickup, byte tempo, bool meterChange, bool flats, byte velocity)
    {
        var m = AbcRoundTripProperties.Build(cells, key, meter, pickup, tempo, meterChange, flats);
        var notes = m.Notes.Select((n, i) => n with { Velocity = (i * 37 + velocity) % 3 == 0 ? Note.DefaultVelocity : 1 + (i * 53 + velocity) % 127 }).ToList();
        return Melody.Create(notes, m.Key, m.Meters, m.Tempos, m.Chords, m.Info, m.Length);
    }

    [Property(MaxTest = 300)]
    public Property Reading_a_written_melody_gives_it_back(NonEmptyArray<byte> cells, byte key, byte meter, byte pickup, byte tempo, bool meterChange, bool flats, byte velocity)
    {
        var melody = Build(cells.Get, key, meter, pickup, tempo, meterChange, flats, velocity);
        var xml = MusicXmlWriter.Write(melody);
        var back = MusicXmlReader.Parse(xml, settings: MusicXmlReadSettings.Strict).Melody;
        return SameMusic(melody, back).ToProperty().Label(xml + "\nexpected " + Show(melody) + "\nactual   " + Show(back));
    }

    [Property(MaxTest = 60)]
    public Property Compressed_files_read_back_the_same(NonEmptyArray<byte> cells, byte key, byte meter, byte pickup)
    {
        var melody = Build(cells.Get, key, meter, pickup, 1, false, false, 0);
        var back = MusicXmlReader.Read(MusicXmlWriter.WriteCompressed(melody), settings: MusicXmlReadSettings.Strict).Melody;
        return SameMusic(melody, back).ToProperty().Label("expected " + Show(melody) + "\nactual   " + Show(back));
    }

    [Property(MaxTest = 100)]
    public Property Writing_is_stable_after_one_round_trip(NonEmptyArray<byte> cells, byte key, byte meter, byte pickup, bool meterChange)
    {
        var melody = Build(cells.Get, key, meter, pickup, 2, meterChange, false, 7);
        var once = MusicXmlWriter.Write(MusicXmlReader.Parse(MusicXmlWriter.Write(melody)).Melody);
        var twice = MusicXmlWriter.Write(MusicXmlReader.Parse(once).Melody);
        return (once == twice).ToProperty().Label(once + "\n---\n" + twice);
    }

    [Property(MaxTest = 200)]
    public Property Every_written_note_value_matches_its_duration_and_types_sum_to_the_length(PositiveInt numerator, byte denominatorIndex)
    {
        long[] dens = [1, 2, 3, 4, 6, 8, 12, 16, 24, 5, 10, 7, 32, 48];
        var length = Duration.FromQuarters(1 + numerator.Get % 40, dens[denominatorIndex % dens.Length]);
        var pieces = NoteValues.Split(length);
        var sum = pieces.Aggregate(Duration.Zero, (a, p) => a + p.Length);
        bool typed = pieces.All(p => NoteValues.TryQuartersOf(p.Type, out var q) &&
            q * (p.Dots == 1 ? new Rational(3, 2) : Rational.One) * new Rational(p.NormalNotes, p.ActualNotes) == p.Length.Quarters);
        bool longestFirst = pieces.Zip(pieces.Skip(1)).All(x => x.First.Length >= x.Second.Length);
        return (sum == length && typed && longestFirst).ToProperty().Label($"{length}: {string.Join(" + ", pieces)}");
    }

    public static Arbitrary<ChordSymbol> Chords() =>
        (from root in Gen.Elements(Enum.GetValues<Step>())
         from alter in Gen.Choose(-1, 1)
         from quality in Gen.Elements(Enum.GetValues<ChordQuality>())
         from exts in Gen.SubListOf(Extensions(quality))
         from hasBass in Gen.Elements(true, false)
         from bassStep in Gen.Elements(Enum.GetValues<Step>())
         from bassAlter in Gen.Choose(-1, 1)
         select new ChordSymbol(new NoteName(root, alter), quality, exts.Take(2), hasBass ? new NoteName(bassStep, bassAlter) : null)).ToArbitrary();

    private static string[] Extensions(ChordQuality q) => q switch
    {
        ChordQuality.Dominant7 or ChordQuality.Major7 or ChordQuality.Minor7 or ChordQuality.MinorMajor7 or ChordQuality.HalfDiminished7
            or ChordQuality.Diminished7 or ChordQuality.Augmented7 or ChordQuality.Dominant7Suspended4 or ChordQuality.Major6 or ChordQuality.Minor6
            => ["9", "11", "13", "b9", "#9", "#11", "b13", "add9"],
        ChordQuality.Major => ["add9", "add11", "add2"],
        _ => ["add9", "b5", "#5", "add13"],
    };

    [Property(MaxTest = 500, Arbitrary = [typeof(MusicXmlRoundTripProperties)])]
    public Property Every_chord_symbol_survives_harmony_and_its_structure_alone_keeps_its_tones(ChordSymbol chord)
    {
        var h = MusicXmlHarmony.From(chord);
        var back = h.ToChord();
        var structural = (h with { Text = null }).ToChord();
        bool sameTones = structural is not null && structural.PitchClasses.Order().SequenceEqual(chord.PitchClasses.Order()) && structural.Root == chord.Root && structural.Bass == chord.Bass;
        return (chord.Equals(back) && sameTones).ToProperty().Label($"{chord}: kind {h.Kind} text '{h.Text}' degrees {string.Join(",", h.Degrees)} -> {back} / structural {structural}");
    }
}
