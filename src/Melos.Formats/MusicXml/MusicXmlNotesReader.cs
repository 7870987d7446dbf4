using Melos.Formats.Midi;
using Melos.Music;

namespace Melos.Formats.MusicXml;

/// <summary>
/// <c>melos notes FILE.musicxml</c> (also <c>.xml</c> and <c>.mxl</c>): the melody of the first part (its top line) as
/// one track named after the title, at the smallest multiple of 480 ticks per quarter that puts every note on a whole tick.
/// </summary>
public sealed class MusicXmlNotesReader : INotesReader
{
    /// <inheritdoc/>
    public MelodyFormat Format => MelodyFormat.MusicXml;

    /// <inheritdoc/>
    /// <exception cref="MusicXmlFormatException">The file is not MusicXML.</exception>
    public NotesDocument Read(string path, NotesReadOptions options) => ToDocument(MusicXmlReader.Load(path).Melody);

    /// <summary>The notes document of a melody: one track (format 0) with its notes timed by its tempi.</summary>
    public static NotesDocument ToDocument(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        var file = MidiMelody.ToMidiFile(melody, new MidiMelodyWriteOptions { Format = 0, IncludeChords = false });
        return MidiNotesReader.ToDocument(file);
    }
}
