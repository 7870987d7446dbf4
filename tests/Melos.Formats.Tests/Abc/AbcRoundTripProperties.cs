using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Melos.Formats.Abc;
using Melos.Music;

namespace Melos.Formats.Tests.Abc;

/// <summary>Random melodies -> ABC -> melodies: the reading reproduces notes, key, meters, tempi, chords and length.</summary>
public sealed class AbcRoundTripProperties
{
    private static readonly Key?[] Keys =
    [
        null, Key.CMajor, Key.AMinor, Key.Parse("G"), Key.Parse("F"), Key.Parse("Bb"), Key.Parse("Eb"), Key.Parse("A"),
        Key.Parse("E"), Key.Parse("F#m"), Key.Parse("C#m"), Key.Parse("Ab"), Key.Parse("Db"), Key.Parse("D dorian"),
        Key.Parse("A mix"), Key.Parse("E phr"), Key.Parse("F lyd"), Key.Parse("B loc"), Key.Parse("F#"), Key.Parse("Gb"),
    ];

    private static readonly TimeSignature?[] Meters =
        [null, new(4, 4), new(3, 4), new(6, 8), new(2, 4), new(9, 8), new(12, 8), new(2, 2), new(5, 4), new(3, 8), new(7, 8)];

    private static readonly Rational[] Lengths =
    [
        new(1, 2), new(1, 2), new(1, 1), new(1, 4), new(3, 2), new(2, 1), new(3, 4), new(1, 3), new(2, 3), new(3, 1), new(4, 1), new(1, 8),
    ];

    private static readonly string[] ChordTexts = ["C", "Am", "G7", "D/F#", "Bbmaj7", "F#m7b5", "Edim", "Caug", "Dsus4", "Gm/Bb", "A7b9", "Eb6"];

    internal static Melody Build(byte[] cells, byte keyIdx, byte meterIdx, byte pickup, byte tempo, bool meterChange, bool flats)
    {
        var key = Keys[keyIdx % Keys.Length];
        var meter = Meters[meterIdx % Meters.Length];
        var t = Duration.Zero;
        if (meter is not null && pickup % 3 != 0)
        {
            // A pickup: a leading rest shorter than a bar.
            var eighths = (long)(meter.BarLength.Quarters * 2).Floor();
            t = Duration.FromQuarters(new Rational(1 + pickup % Math.Max(1, eighths - 1), 2));
            if (t >= meter.BarLength) t = Duration.Zero;
        }
        var notes = new List<Note>();
        var chords = new List<ChordChange>();
        foreach (var b in cells)
        {
            var len = Duration.FromQuarters(Lengths[(b / 7) % Lengths.Length]);
            if (b % 11 == 0) { t += len; continue; } // a rest
            int number = 36 + b % 60;
            var name = key?.Spell(number % 12) ?? NoteName.FromPitchClass(number, flats);
            if (b % 5 == 0) chords.Add(new ChordChange(t, ChordSymbol.Parse(ChordTexts[b % ChordTexts.Length])));
            notes.Add(new Note(Pitch.FromMidi(number, name), t, len));
            t += len;
        }
        var meters = new List<MeterChange>();
        if (meter is not null)
        {
            meters.Add(new MeterChange(Duration.Zero, meter));
            var probe = Melody.Create([], null, meters);
            var at = probe.BarStart(2);
            if (meterChange && at < t)
            {
                var other = Meters[(meterIdx + 3) % Meters.Length] is { } o && o != meter ? o : new TimeSignature(3, 4);
                if (other != meter) meters.Add(new MeterChange(at, other));
            }
        }
        var tempos = new List<TempoChange>();
        if (tempo % 4 != 0) tempos.Add(TempoChange.FromBpm(Duration.Zero, 40 + tempo));
        if (tempo % 4 == 1 && t > Duration.Quarter * 3) tempos.Add(TempoChange.FromBpm(Duration.Quarter * 3, 200 - tempo / 2));
        if (chords.Count > 0 && chords[^1].At >= t) chords.RemoveAt(chords.Count - 1);
        return Melody.Create(notes, key, meters, tempos, chords, new MelodyInfo { Title = "Random" }, t);
    }

    private static string Show(Melody m) =>
        $"{string.Join(" ", m.Notes)} key {m.Key} meters {string.Join(",", m.Meters.Select(x => $"{x.Meter}@{x.At}"))} tempos {string.Join(",", m.Tempos.Select(x => $"{x.MicrosecondsPerQuarter}@{x.At}"))} chords {string.Join(",", m.Chords.Select(x => $"{x.Chord}@{x.At}"))} length {m.Length}";

    private static bool SameMusic(Melody a, Melody b) =>
        a.Notes.SequenceEqual(b.Notes) && a.Key == b.Key && a.Meters.SequenceEqual(b.Meters) &&
        a.Tempos.SequenceEqual(b.Tempos) && a.Chords.SequenceEqual(b.Chords) && a.Length == b.Length;

    [Property(MaxTest = 300)]
    public Property Reading_a_written_melody_gives_it_back(NonEmptyArray<byte> cells, byte key, byte meter, byte pickup, byte tempo, bool meterChange, bool flats)
    {
        var melody = Build(cells.Get, key, meter, pickup, tempo, meterChange, flats);
        var text = AbcWriter.Write(melody);
        var back = AbcReader.ReadTune(text, settings: AbcReadSettings.Strict).Melody;
        return SameMusic(melody, back).ToProperty().Label(text + "\nexpected " + Show(melody) + "\nactual   " + Show(back));
    }

    [Property(MaxTest = 100)]
    public Property Writing_is_stable_after_one_round_trip(NonEmptyArray<byte> cells, byte key, byte meter, byte pickup)
    {
        var melody = Build(cells.Get, key, meter, pickup, 0, false, false);
        var once = AbcWriter.Write(AbcReader.ReadTune(AbcWriter.Write(melody)).Melody);
        var twice = AbcWriter.Write(AbcReader.ReadTune(once).Melody);
        return (once == twice).ToProperty().Label(once + "\n---\n" + twice);
    }
}
