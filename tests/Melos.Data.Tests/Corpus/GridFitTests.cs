using Melos.Data.Corpus;
using Melos.Music;

namespace Melos.Data.Tests.Corpus;

/// <summary><see cref="GridFit"/>: a melody quantized on its way into a model only when it is off the model's grid.</summary>
public sealed class GridFitTests
{
    private static Melody Line(params (Rational Start, Rational Length)[] notes) =>
        Melody.Create(notes.Select((n, i) => new Note(Pitch.FromMidi(60 + i), Duration.FromQuarters(n.Start), Duration.FromQuarters(n.Length))), Key.CMajor,
            [new MeterChange(Duration.Zero, TimeSignature.CommonTime)]);

    [Fact]
    public void A_melody_on_the_grid_is_returned_as_it_is_with_nothing_to_report()
    {
        // 1/12 lies on a grid of 12 steps but is neither a sixteenth nor a triplet: the corpus grid would move it.
        var melody = Line((new Rational(0, 1), new Rational(1, 12)), (new Rational(1, 12), new Rational(11, 12)), (new Rational(1, 1), new Rational(1, 1)));
        var fit = GridFit.To(melody, 12);
        Assert.Same(melody, fit.Melody);
        Assert.False(fit.Quantized);
        Assert.Null(fit.Summary);
        Assert.True(GridFit.IsOnGrid(melody, 12));
        Assert.False(GridFit.IsOnGrid(melody, 4));
    }

    [Fact]
    public void A_melody_a_tick_late_is_snapped_back_to_sixteenths_and_triplets_and_the_error_reported()
    {
        var tick = new Rational(1, 480);
        var expected = Line((new Rational(0, 1), new Rational(1, 3)), (new Rational(1, 3), new Rational(2, 3)), (new Rational(1, 1), new Rational(1, 4)));
        var late = Line((tick, new Rational(1, 3)), (new Rational(1, 3) + tick, new Rational(2, 3)), (new Rational(1, 1) + tick, new Rational(1, 4)));
        var fit = GridFit.To(late, 12);
        Assert.True(fit.Quantized);
        Assert.Equal(expected.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)), fit.Melody.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)));
        Assert.Equal(1.0 / 480, fit.Report!.MeanOnsetError, 12);
        Assert.Equal(1.0 / 480, fit.Report.MaxOnsetError, 12);
        Assert.Equal("quantized to 12 steps per quarter: mean onset error 0.0021 quarters, max 0.0021 quarters", fit.Summary);
        Assert.True(GridFit.IsOnGrid(fit.Melody, 12));
    }

    [Fact]
    public void A_model_grid_the_corpus_grid_does_not_fit_is_snapped_to_its_own_steps_and_dropped_notes_are_counted()
    {
        // A triplet does not fit 4 steps per quarter; two notes that snap to one onset leave one.
        var melody = Line((new Rational(0, 1), new Rational(1, 16)), (new Rational(1, 16), new Rational(3, 16)), (new Rational(1, 3), new Rational(2, 3)));
        var fit = GridFit.To(melody, 4);
        Assert.True(GridFit.IsOnGrid(fit.Melody, 4));
        Assert.Equal([Duration.Zero, Duration.FromQuarters(1, 4)], fit.Melody.Notes.Select(n => n.Start));
        Assert.EndsWith("; 1 of 3 notes dropped to make one line", fit.Summary, StringComparison.Ordinal);
    }
}
