using Melos.Data.Rendering;
using Melos.Formats;

namespace Melos.Data;

/// <summary>Where Melos programs (the <c>melos</c> command, the corpus builder, <c>compare</c>) find their melody file formats.</summary>
public static class MelodyFiles
{
    /// <summary>
    /// Every melody file format: <see cref="FormatRegistry.Default"/> (MIDI, ABC, MusicXML, WAV) and the piano roll
    /// picture, which lives here beside its plotting library.
    /// </summary>
    public static FormatRegistry Formats { get; } = FormatRegistry.Default.With(PianoRollFormat.Instance);
}
