using Melos.Formats;
using Melos.Reports.Rendering;

namespace Melos.Reports;

/// <summary>Where Melos programs (the <c>melos</c> command, the corpus builder, <c>compare</c>) find their melody file formats.</summary>
public static class MelodyFiles
{
    /// <summary>
    /// Every melody file format: <see cref="FormatRegistry.Default"/> (MIDI, ABC, MusicXML, WAV) and the piano roll
    /// picture, which lives here beside its plotting library (so that only programs that reference Melos.Reports carry
    /// ScottPlot and SkiaSharp).
    /// </summary>
    public static FormatRegistry Formats { get; } = FormatRegistry.Default.With(PianoRollFormat.Instance);
}
