namespace Melos.Formats;

/// <summary>What <c>melos notes</c> asks of a file reader.</summary>
/// <param name="Tune">For files holding many tunes (ABC), the tune's <c>X:</c> number; null for the first.</param>
public sealed record NotesReadOptions(int? Tune = null);

/// <summary>A file format that can list a file's notes as a <see cref="NotesDocument"/>.</summary>
public interface INotesReader
{
    /// <summary>The format whose files this reader lists (and whose endings choose it).</summary>
    MelodyFormat Format { get; }

    /// <summary>Reads the file's notes.</summary>
    NotesDocument Read(string path, NotesReadOptions options);
}

/// <summary>The readers <c>melos notes</c> knows, chosen by file name ending.</summary>
public static class NotesReaders
{
    /// <summary>Every registered reader.</summary>
    public static IReadOnlyList<INotesReader> All { get; } =
    [
        new Midi.MidiNotesReader(),
        new Abc.AbcNotesReader(),
        new MusicXml.MusicXmlNotesReader(),
    ];

    /// <summary>The reader for <paramref name="path"/>, or null when no reader handles its ending.</summary>
    public static INotesReader? For(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return All.FirstOrDefault(r => r.Format.Matches(path));
    }

    /// <summary>The reader for <paramref name="path"/>.</summary>
    /// <exception cref="UnknownFormatException">No reader handles its ending; the message lists the endings that are read.</exception>
    public static INotesReader ForReading(string path) =>
        For(path) ?? throw new UnknownFormatException(path, "read", All.SelectMany(r => r.Format.Endings), "readable");
}
