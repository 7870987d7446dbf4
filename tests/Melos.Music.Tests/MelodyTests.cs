using Melos.Music;

namespace Melos.Music.Tests;

public sealed class MelodyTests
{
    private static Melody Line(string notes, string meter = "4/4") =>
        Melody.Create(NoteSequence.Parse(notes), meters: [new MeterChange(Duration.Zero, TimeSignature.Parse(meter))]);

    [Fact]
    public void RejectsOverlappingNotes()
    {
        var a = new Note(Pitch.Parse("C4"), Duration.Zero, Duration.Half);
        var b = new Note(Pitch.Parse("E4"), Duration.Quarter, Duration.Quarter);
        var e = Assert.Throws<ArgumentException>(() => Melody.Create([a, b]));
        Assert.Contains("overlap", e.Message);
    }

    [Fact]
    public void NoteValidatesEvenThroughWith()
    {
        var n = new Note(Pitch.Parse("C4"), Duration.Zero, Duration.Quarter);
        Assert.Throws<ArgumentOutOfRangeException>(() => n with { Length = Duration.Zero });
        Assert.Throws<ArgumentOutOfRangeException>(() => n with { Velocity = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new Note(Pitch.Parse("C4"), Duration.FromQuarters(-1), Duration.Quarter));
    }

    [Fact]
    public void EventsListRestsBetweenNotes()
    {
        var m = Line("C4 r D4/2 r/2 E4");
        var kinds = m.Events.Select(e => e is Note n ? n.Pitch.ToString() : $"rest {((Rest)e).Length}").ToList();
        Assert.Equal(["C4", "rest 1", "D4", "rest 1/2", "E4"], kinds);
    }

    [Fact]
    public void BarArithmeticFollowsMeterChanges()
    {
        // Two bars of 3/4 (6 quarters), then 6/8 bars of 3 quarters each.
        var m = Melody.Create(
            [new Note(Pitch.Parse("C4"), Duration.Zero, Duration.Quarter), new Note(Pitch.Parse("D4"), Duration.FromQuarters(10), Duration.Quarter)],
            meters: [new MeterChange(Duration.Zero, TimeSignature.Parse("3/4")), new MeterChange(Duration.FromQuarters(6), TimeSignature.Parse("6/8"))]);
        Assert.Equal((0, Duration.Zero), m.BarOf(Duration.Zero));
        Assert.Equal((1, Duration.FromQuarters(2)), m.BarOf(Duration.FromQuarters(5)));
        Assert.Equal((2, Duration.Zero), m.BarOf(Duration.FromQuarters(6)));
        Assert.Equal((3, Duration.FromQuarters(1)), m.BarOf(Duration.FromQuarters(10)));
        Assert.Equal(Duration.FromQuarters(9), m.BarStart(3));
        Assert.Equal(Duration.FromQuarters(3), m.BarStart(1));
        Assert.Equal(4, m.BarCount);
    }

    [Fact]
    public void MeterChangeInsideABarEndsThatBar()
    {
        var m = Melody.Create([new Note(Pitch.Parse("C4"), Duration.FromQuarters(5), Duration.Quarter)],
            meters: [new MeterChange(Duration.Zero, TimeSignature.Parse("4/4")), new MeterChange(Duration.FromQuarters(2), TimeSignature.Parse("3/4"))]);
        // Bar 0 is the partial bar [0, 2); bar 1 is [2, 5) in 3/4; bar 2 starts at 5.
        Assert.Equal((1, Duration.FromQuarters(1)), m.BarOf(Duration.FromQuarters(3)));
        Assert.Equal((2, Duration.Zero), m.BarOf(Duration.FromQuarters(5)));
        Assert.Equal(Duration.FromQuarters(2), m.BarStart(1));
        Assert.Equal(Duration.FromQuarters(5), m.BarStart(2));
    }

    [Fact]
    public void TransposeMovesNotesKeyAndChordsAndRespells()
    {
        var m = Melody.Create(NoteSequence.Parse("F4 A4 C5"), key: Key.Parse("F"),
            chords: [new ChordChange(Duration.Zero, ChordSymbol.Parse("F"))]);
        var t = m.Transpose(5);
        Assert.Equal(Key.Parse("Bb"), t.Key);
        Assert.Equal("Bb4 D5 F5", string.Join(' ', t.Notes.Select(n => n.Pitch.ToString())));
        Assert.Equal("Bb", t.Chords[0].Chord.ToString());
        Assert.Equal("Bb", ChordSymbol.Parse("F").Transpose(5).ToString());
        Assert.Equal("F#m", ChordSymbol.Parse("Em").Transpose(2).ToString());
        Assert.Equal(m, t.Transpose(-5).WithKey(m.Key).WithChords(m.Chords));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Transpose(80));
        Assert.False(m.CanTranspose(80));
    }

    [Fact]
    public void ChordAtAndMeterAtFollowTheTimeline()
    {
        var m = Melody.Create(NoteSequence.Parse("C4 D4 E4 F4 G4"),
            chords: [new ChordChange(Duration.Zero, ChordSymbol.Parse("C")), new ChordChange(Duration.FromQuarters(2), ChordSymbol.Parse("G7"))]);
        Assert.Equal("C", m.ChordAt(Duration.FromQuarters(1))!.ToString());
        Assert.Equal("G7", m.ChordAt(Duration.FromQuarters(4))!.ToString());
        Assert.Equal(TimeSignature.CommonTime, m.MeterAt(Duration.FromQuarters(3)));
    }

    [Fact]
    public void EqualityComparesContent()
    {
        Assert.Equal(Line("C4 D4"), Line("C4 D4"));
        Assert.NotEqual(Line("C4 D4"), Line("C4 E4"));
        Assert.NotEqual(Line("C4 D4"), Line("C4 D4", "3/4"));
    }
}
