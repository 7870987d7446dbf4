using Melos.Music;

namespace Melos.Music.Tests;

public sealed class NoteSequenceQuantizerKeyTests
{
    [Fact]
    public void ParsesNoteStringsWithLengthsAndRests()
    {
        var notes = NoteSequence.Parse("G4 A4 B4/2 D5 r C5:3/2");
        Assert.Equal(["G4", "A4", "B4", "D5", "C5"], notes.Select(n => n.Pitch.ToString()));
        Assert.Equal(Duration.FromQuarters(1, 2), notes[2].Length);
        Assert.Equal(Duration.FromQuarters(7, 2), notes[3].Start + notes[3].Length);
        Assert.Equal(Duration.FromQuarters(9, 2), notes[4].Start);
        Assert.Equal(Duration.FromQuarters(3, 2), notes[4].Length);
        Assert.Equal("G4 A4 B4:1/2 D5 r C5:3/2", NoteSequence.Format(notes));
        Assert.Equal(notes, NoteSequence.Parse(NoteSequence.Format(notes)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("r r")]
    [InlineData("G4 Q4")]
    [InlineData("G4:0")]
    [InlineData("G4/0")]
    public void RejectsBadNoteStrings(string text) => Assert.Throws<InvalidNoteSequenceException>(() => NoteSequence.Parse(text));

    [Fact]
    public void QuantizerSnapsToSixteenthsAndTriplets()
    {
        var grid = QuantizationGrid.Default;
        Assert.Equal(Duration.FromQuarters(1, 3), grid.Snap(0.34));
        Assert.Equal(Duration.FromQuarters(1, 4), grid.Snap(0.26));
        Assert.Equal(Duration.FromQuarters(5, 2), grid.Snap(2.49));
        Assert.Equal(Duration.FromQuarters(3), grid.Snap(2.97));
        Assert.Equal(12, grid.FinestStepsPerQuarter);
    }

    [Fact]
    public void QuantizerMakesOneLineAndReportsWhatItChanged()
    {
        var performed = new[]
        {
            new PerformedNote(60, 0.02, 0.98),
            new PerformedNote(64, 0.01, 0.50),   // same onset, higher: wins
            new PerformedNote(67, 0.99, 2.40),   // overlaps the next note: truncated
            new PerformedNote(65, 2.01, 2.30),
        };
        var (notes, report) = Quantizer.Quantize(performed);
        Assert.Equal([64, 67, 65], notes.Select(n => n.Pitch.Number));
        Assert.Equal(Duration.FromQuarters(1), notes[1].Start);
        Assert.Equal(Duration.FromQuarters(1), notes[1].Length);
        Assert.Equal(1, report.DroppedSimultaneous);
        Assert.Equal(1, report.Truncated);
        Assert.Equal(3, report.NotesKept);
        Assert.InRange(report.MaxOnsetError, 0.0199, 0.0201);
        Melody.Create(notes); // a valid line
    }

    [Fact]
    public void KeyEstimatorFindsMajorAndMinorKeys()
    {
        // A G major scale up and down with tonic emphasis.
        var g = KeyEstimator.Estimate(NoteSequence.Parse("G4:2 A4 B4 C5 D5:2 E5 F#5 G5:2 D5 B4 G4:2"));
        Assert.Equal(Key.Parse("G"), g.Key);
        // A harmonic-minor line in D minor.
        var d = KeyEstimator.Estimate(NoteSequence.Parse("D4:2 E4 F4 G4 A4:2 Bb4 C#5 D5:2 A4 F4 D4:2"));
        Assert.Equal(Key.Parse("D minor"), d.Key);
        Assert.Equal(24, d.Candidates.Count);
        Assert.True(d.Margin > 0);
    }

    [Fact]
    public void KeyEstimatorRefusesEmptyInput() =>
        Assert.Throws<ArgumentException>(() => KeyEstimator.Estimate(Array.Empty<Note>()));
}
