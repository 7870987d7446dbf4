using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Melos.Formats.Midi;
using Melos.Music;

namespace Melos.Formats.Tests.Midi;

/// <summary>Random melodies and event lists for the round-trip properties.</summary>
public static class MidiArbitraries
{
    private static readonly Rational[] Lengths =
        [new(1, 4), new(1, 3), new(1, 2), new(2, 3), new(3, 4), 1, new(3, 2), 2, 3, 4, new(1, 5), new(1, 8), new(1, 6), new(7, 12)];
    private static readonly Rational[] Gaps = [0, 0, 0, new(1, 4), new(1, 2), 1, new(1, 3)];
    private static readonly string[] ChordNames = ["C", "Am", "G7", "D/F#", "Bbmaj7", "F#m7b5", "Ebdim7", "Csus4", "Dm7", "E", "Abaug"];
    private static readonly TimeSignature[] Meters = [new(4, 4), new(3, 4), new(6, 8), new(2, 2), new(5, 4), new(7, 8), new(3, 2), new(12, 16), new(1, 1)];

    private static Gen<Rational> At(Gen<Rational> steps) => steps;

    public static Gen<Melody> MelodyGen =>
        from noteSpecs in Gen.ListOf(Gen.Zip(Gen.Zip(Gen.Elements(Gaps), Gen.Elements(Lengths)), Gen.Zip(Gen.Choose(0, 127), Gen.Choose(1, 127))))
        from fifths in Gen.Choose(-7, 7)
        from mode in Gen.Elements(Enum.GetValues<Mode>())
        from hasKey in Gen.Elements(true, true, false)
        from meterSpecs in Gen.ListOf(Gen.Zip(Gen.Elements(Meters), Gen.Elements(Lengths)))
        from tempoSpecs in Gen.ListOf(Gen.Zip(Gen.Elements(Gaps), Gen.Choose(1, 0xFFFFFF)))
        from chordSpecs in Gen.ListOf(Gen.Zip(Gen.Elements(Gaps), Gen.Elements(ChordNames)))
        from title in Gen.Elements<string?>(null, "Ashover 1", "Reel", "Sí señor")
        from tail in Gen.Elements(Gaps)
        select Build(noteSpecs, hasKey ? new Key(NoteName.FromFifths(fifths), mode) : null, meterSpecs, tempoSpecs, chordSpecs, title, tail);

    private static Melody Build(IEnumerable<((Rational Gap, Rational Len), (int Pitch, int Vel))> notes, Key? key,
        IEnumerable<(TimeSignature, Rational)> meters, IEnumerable<(Rational, int)> tempos, IEnumerable<(Rational, string)> chords, string? title, Rational tail)
    {
        var list = new List<Note>();
        var t = Duration.Zero;
        foreach (var ((gap, len), (pitch, vel)) in notes)
        {
            var start = t + Duration.FromQuarters(gap);
            var n = new Note(Pitch.FromMidi(pitch), start, Duration.FromQuarters(len), vel);
            list.Add(n);
            t = n.End;
        }
        var meterList = new List<MeterChange>();
        var at = Duration.Zero;
        foreach (var (m, step) in meters)
        {
            meterList.Add(new MeterChange(at, m));
            at += Duration.FromQuarters(step);
        }
        var tempoList = new List<TempoChange>();
        at = Duration.Zero;
        foreach (var (step, us) in tempos)
        {
            at += Duration.FromQuarters(step);
            tempoList.Add(new TempoChange(at, us));
        }
        var chordList = new List<ChordChange>();
        at = Duration.Zero;
        var end = t + Duration.FromQuarters(tail);
        foreach (var (step, name) in chords)
        {
            at += Duration.FromQuarters(step);
            if (at > end) break; // chords within the melody (format 0 stores the length as the track's end)
            chordList.Add(new ChordChange(at, ChordSymbol.Parse(name)));
        }
        return Music.Melody.Create(list, key, meterList, tempoList, chordList, new MelodyInfo { Title = title }, t + Duration.FromQuarters(tail));
    }

    public static Arbitrary<Music.Melody> Melody() => Arb.From(MelodyGen);

    /// <summary>A random track of every kind of event, in tick order.</summary>
    public static Arbitrary<MidiTrack> Track() => Arb.From(
        from specs in Gen.ListOf(Gen.Zip(Gen.Zip(Gen.Choose(0, 2000), Gen.Choose(0, 9)), Gen.Zip(Gen.Choose(0, 15), Gen.Zip(Gen.Choose(0, 127), Gen.Choose(0, 127)))))
        from tail in Gen.Choose(0, 100)
        select MakeTrack(specs, tail));

    private static MidiTrack MakeTrack(IEnumerable<((int Delta, int Kind), (int Ch, (int A, int B)))> specs, int tail)
    {
        long tick = 0;
        var events = new List<MidiEvent>();
        foreach (var ((delta, kind), (ch, (a, b))) in specs)
        {
            tick += delta;
            events.Add(kind switch
            {
                < 7 => MidiEvent.ChannelMessage(tick, 0x80 + 0x10 * kind, ch, a, (kind is 4 or 5) ? 0 : b),
                7 => MidiEvent.MetaText(tick, (byte)(1 + a % 7), new string('a', b % 20)),
                8 => new MidiEvent(tick, MidiEventKind.SysEx, 0xF0, 0, 0, 0, Enumerable.Range(0, b % 200).Select(i => (byte)(i & 0x7F)).Append((byte)0xF7).ToArray()),
                _ => MidiEvent.Tempo(tick, 1 + a * 1000 + b),
            });
        }
        return new MidiTrack([.. events], tick + tail);
    }
}

public sealed class RoundTripTests
{
    private static void AssertSame(Melody expected, Melody actual)
    {
        Assert.Equal(expected.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length, n.Velocity)), actual.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length, n.Velocity)));
        Assert.Equal(expected.Tempos.ToArray(), actual.Tempos.ToArray());
        Assert.Equal(expected.Meters.ToArray(), actual.Meters.ToArray());
        Assert.Equal(expected.Key, actual.Key);
        Assert.Equal(expected.Chords.ToArray(), actual.Chords.ToArray());
        Assert.Equal(expected.Length, actual.Length);
        Assert.Equal(expected.Info.Title, actual.Info.Title);
        Assert.True(expected.Equals(actual));
    }

    [Property(Arbitrary = [typeof(MidiArbitraries)], MaxTest = 200)]
    public void Format_1_round_trip_reproduces_the_melody(Melody melody) =>
        AssertSame(melody, MidiMelody.Read(MidiMelody.Write(melody), new MidiMelodyReadOptions { ReadSettings = MidiReadSettings.Strict }));

    [Property(Arbitrary = [typeof(MidiArbitraries)], MaxTest = 200)]
    public void Format_0_round_trip_reproduces_the_melody(Melody melody)
    {
        // In one track the melody is told from the chords by its channel; with no melody notes only the chords would be left.
        if (melody.Notes.IsEmpty) return;
        // One track ends once: conductor and chord events past the melody's end lengthen it, so the melody is taken that long.
        var last = melody.Meters.Select(m => m.At).Concat(melody.Tempos.Select(t => t.At)).Concat(melody.Chords.Select(c => c.At)).Append(melody.Length).Max();
        melody = Melody.Create(melody.Notes, melody.Key, melody.Meters, melody.Tempos, melody.Chords, melody.Info, last);
        var bytes = MidiMelody.Write(melody, new MidiMelodyWriteOptions { Format = 0 });
        Assert.Equal(0, MidiReader.Read(bytes).File.Format);
        AssertSame(melody, MidiMelody.Read(bytes, new MidiMelodyReadOptions { ReadSettings = MidiReadSettings.Strict }));
    }

    [Property(Arbitrary = [typeof(MidiArbitraries)], MaxTest = 100)]
    public void Round_trip_without_running_status_or_chords(Melody melody)
    {
        var options = new MidiMelodyWriteOptions { IncludeChords = false, WriteSettings = new MidiWriteSettings { UseRunningStatus = false } };
        var back = MidiMelody.Read(MidiMelody.Write(melody, options));
        Assert.Equal(melody.Notes.ToArray(), back.Notes.ToArray());
        Assert.Empty(back.Chords);
    }

    [Property(Arbitrary = [typeof(MidiArbitraries)], MaxTest = 200)]
    public void Any_track_survives_write_then_read_event_for_event(MidiTrack track, bool runningStatus)
    {
        var file = new MidiFile(1, MidiDivision.PerQuarter(96), [track]);
        var bytes = MidiWriter.Write(file, new MidiWriteSettings { UseRunningStatus = runningStatus });
        var back = MidiReader.Read(bytes, MidiReadSettings.Strict).File.Tracks[0];
        Assert.Equal(track.EndTick, back.EndTick);
        Assert.Equal(track.Events.Length, back.Events.Length);
        for (int i = 0; i < track.Events.Length; i++)
        {
            var (a, b) = (track.Events[i], back.Events[i]);
            Assert.Equal((a.Tick, a.Kind, a.Status, a.Data1, a.Data2, a.MetaType), (b.Tick, b.Kind, b.Status, b.Data1, b.Data2, b.MetaType));
            Assert.Equal(a.Data.ToArray(), b.Data.ToArray());
        }
    }

    [Fact]
    public void Running_status_makes_the_file_smaller()
    {
        // A fixed melody with a chord track: each block chord is several note-ons in a row on one channel, where running
        // status saves a byte each (melody notes alternate note-on/note-off statuses and save nothing).
        var melody = Melody.Create(NoteSequence.Parse("C4 D4 E4/2 F4/2 G4 A4 B4 C5:2"),
            chords: [new ChordChange(Duration.Zero, ChordSymbol.Parse("C")), new ChordChange(Duration.FromQuarters(4), ChordSymbol.Parse("G7"))]);
        var with = MidiMelody.Write(melody);
        var without = MidiMelody.Write(melody, new MidiMelodyWriteOptions { WriteSettings = new MidiWriteSettings { UseRunningStatus = false } });
        Assert.True(with.Length < without.Length);
    }
}
