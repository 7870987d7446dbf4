using Melos.Data.Corpus;
using Melos.Music;

namespace Melos.Data.Sources;

/// <summary>A tune read from a file: a melody candidate, or the reason it could not be had.</summary>
public sealed record SourceTune
{
    private SourceTune(string id, Melody? melody, Discard? discard, int droppedForOneLine, int notesBeforeOneLine)
    {
        Id = id;
        Melody = melody;
        Discard = discard;
        DroppedForOneLine = droppedForOneLine;
        NotesBeforeOneLine = notesBeforeOneLine;
    }

    /// <summary>A melody read from a tune.</summary>
    /// <param name="id">The tune's identity within its file (e.g. <c>jigs.abc#12</c>).</param>
    /// <param name="melody">The melody (times may be off the grid; the builder quantizes).</param>
    /// <param name="droppedForOneLine">Notes dropped to make one line from polyphony.</param>
    /// <param name="notesBeforeOneLine">Notes before that reduction.</param>
    public static SourceTune Found(string id, Melody melody, int droppedForOneLine = 0, int notesBeforeOneLine = 0) =>
        new(id, melody, null, droppedForOneLine, Math.Max(notesBeforeOneLine, melody.Notes.Length));

    /// <summary>A tune that could not be read.</summary>
    public static SourceTune Failed(string id, DiscardReason reason, string detail) => new(id, null, new Discard(reason, id, detail), 0, 0);

    /// <summary>The tune's identity within its file.</summary>
    public string Id { get; }

    /// <summary>The melody, or null when the tune failed.</summary>
    public Melody? Melody { get; }

    /// <summary>Why the tune failed, or null.</summary>
    public Discard? Discard { get; }

    /// <summary>Notes dropped to make one line.</summary>
    public int DroppedForOneLine { get; }

    /// <summary>Notes before making one line.</summary>
    public int NotesBeforeOneLine { get; }
}

/// <summary>A file format the corpus builder reads tunes from.</summary>
public interface ITuneSource
{
    /// <summary>True when this source reads the file (by name, and for shared endings like .json, by a look inside).</summary>
    bool CanRead(string path);

    /// <summary>Reads the file's tunes. Failures come back as <see cref="SourceTune.Failed"/>, never as exceptions.</summary>
    /// <param name="path">The file.</param>
    /// <param name="relativeId">The file's path relative to its input folder, used to build tune ids.</param>
    IEnumerable<SourceTune> Read(string path, string relativeId);
}
