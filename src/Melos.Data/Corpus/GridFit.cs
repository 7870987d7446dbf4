using System.Globalization;
using Melos.Music;

namespace Melos.Data.Corpus;

/// <summary>
/// A melody brought onto a model's time grid on its way in: unchanged when every note, chord and meter change already
/// lies on the grid, else quantized as <see cref="CorpusBuilder"/> quantizes a corpus (so performed MIDI, or a file whose
/// notes start a tick late, reads like the music the model learnt from), with the error that cost.
/// </summary>
/// <param name="Melody">The melody on the grid.</param>
/// <param name="StepsPerQuarter">The grid: whole steps of 1/<paramref name="StepsPerQuarter"/> quarter.</param>
/// <param name="Report">What quantization changed, or null when the melody was on the grid already.</param>
public sealed record GridFit(Melody Melody, int StepsPerQuarter, QuantizationReport? Report)
{
    /// <summary>True when the melody had to be quantized.</summary>
    public bool Quantized => Report is not null;

    /// <summary>
    /// One line for the user when the melody was quantized (<c>quantized to 12 steps per quarter: mean onset error
    /// 0.0021 quarters, max 0.0021 quarters</c>, and the notes dropped, if any), else null.
    /// </summary>
    public string? Summary => Report is not { } r ? null : string.Create(CultureInfo.InvariantCulture,
        $"quantized to {StepsPerQuarter} steps per quarter: mean onset error {r.MeanOnsetError:0.0000} quarters, max {r.MaxOnsetError:0.0000} quarters")
        + (r.NotesKept < r.NotesIn ? string.Create(CultureInfo.InvariantCulture, $"; {r.NotesIn - r.NotesKept} of {r.NotesIn} notes dropped to make one line") : "");

    /// <summary>
    /// The melody on the grid of <paramref name="stepsPerQuarter"/> steps per quarter: as it is when it lies on it,
    /// else quantized to the corpus grid (<paramref name="corpusGrid"/>, by default <see cref="QuantizationGrid.Default"/>)
    /// when that grid lies on the model's, or to the model's own steps when it does not.
    /// </summary>
    /// <param name="melody">The melody as read.</param>
    /// <param name="stepsPerQuarter">The model's steps per quarter (its tokenizer's), 1 or more.</param>
    /// <param name="corpusGrid">The grid corpora are quantized to.</param>
    public static GridFit To(Melody melody, int stepsPerQuarter, QuantizationGrid? corpusGrid = null)
    {
        ArgumentNullException.ThrowIfNull(melody);
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerQuarter, 1);
        if (IsOnGrid(melody, stepsPerQuarter)) return new GridFit(melody, stepsPerQuarter, null);
        corpusGrid ??= QuantizationGrid.Default;
        var grid = stepsPerQuarter % corpusGrid.FinestStepsPerQuarter == 0 ? corpusGrid
            : new QuantizationGrid(Enumerable.Range(1, Math.Min(96, stepsPerQuarter)).Last(d => stepsPerQuarter % d == 0));
        var (quantized, report) = CorpusBuilder.Quantize(melody, grid);
        return new GridFit(quantized, stepsPerQuarter, report);
    }

    /// <summary>True when every note's start and end, every chord change and every meter change is a whole number of steps.</summary>
    public static bool IsOnGrid(Melody melody, int stepsPerQuarter)
    {
        ArgumentNullException.ThrowIfNull(melody);
        bool On(Duration d) => (d.Quarters * stepsPerQuarter).Denominator == 1;
        return melody.Notes.All(n => On(n.Start) && On(n.End)) && melody.Chords.All(c => On(c.At)) && melody.Meters.All(m => On(m.At));
    }
}
