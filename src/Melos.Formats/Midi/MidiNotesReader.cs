namespace Melos.Formats.Midi;

/// <summary>
/// <c>melos notes</c> for MIDI files: every track with its paired notes (see <see cref="MidiNotes"/>), timed by the file's
/// tempo map. <c>division</c> is the header field as a signed number (ticks per quarter, negative for SMPTE, as mido gives it).
/// </summary>
public sealed class MidiNotesReader : INotesReader
{
    /// <inheritdoc/>
    public MelodyFormat Format => MelodyFormat.Midi;

    /// <inheritdoc/>
    public NotesDocument Read(string path, NotesReadOptions options) => ToDocument(MidiReader.Read(path).File);

    /// <summary>The notes document of a file read already.</summary>
    public static NotesDocument ToDocument(MidiFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var tempos = file.TempoMap.EffectiveChanges.Select(t => new NotesTempo(t.Tick, t.MicrosecondsPerQuarter > 0 ? t.Bpm : null)).ToList();
        var tracks = new List<NotesTrack>(file.Tracks.Length);
        for (int i = 0; i < file.Tracks.Length; i++)
        {
            var track = file.Tracks[i];
            var map = file.TempoMapFor(i);
            var notes = MidiNotes.Pair(track).Notes
                .Select(n => new NotesNote(n.Channel, n.Pitch, n.Velocity, n.StartTick, n.EndTick, map.ToSeconds(n.StartTick), map.ToSeconds(n.EndTick)))
                .ToList();
            tracks.Add(new NotesTrack(i, track.Name, notes));
        }
        int division = file.Division.IsSmpte ? file.Division.Signed : file.Division.TicksPerQuarter;
        return new NotesDocument(file.Format, division, tempos, tracks);
    }
}
