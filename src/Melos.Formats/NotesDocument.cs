using System.Text.Json;
using System.Text.Json.Serialization;

namespace Melos.Formats;

/// <summary>
/// The notes of a file as <c>melos notes --json</c> prints them, whatever the format:
/// <c>{"format":1,"division":1024,"tempos":[...],"tracks":[{"index":0,"name":"MELODY","notes":[...]}]}</c>.
/// Notes are in onset order, then pitch; <c>start</c>/<c>end</c> are seconds.
/// </summary>
/// <param name="Format">The MIDI file format (0, 1 or 2); for ABC, 1.</param>
/// <param name="Division">Ticks per quarter note of the reading.</param>
/// <param name="Tempos">Tempo changes.</param>
/// <param name="Tracks">Tracks with their notes.</param>
public sealed record NotesDocument(int Format, int Division, IReadOnlyList<NotesTempo> Tempos, IReadOnlyList<NotesTrack> Tracks)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The document as compact JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Reads a document written by <see cref="ToJson"/>.</summary>
    public static NotesDocument FromJson(string json) =>
        JsonSerializer.Deserialize<NotesDocument>(json, Options) ?? throw new JsonException("Empty notes document.");
}

/// <summary>A tempo change.</summary>
/// <param name="Tick">Where it takes effect.</param>
/// <param name="Bpm">Quarter notes per minute, or null for a tempo of 0 microseconds per quarter (a malformed file's; time
/// stands still under it, as mido reads it), which has no finite value (and JSON has no infinity).</param>
public sealed record NotesTempo(long Tick, double? Bpm);

/// <summary>A track and its notes.</summary>
/// <param name="Index">The track's index in the file.</param>
/// <param name="Name">The track name, or null.</param>
/// <param name="Notes">The notes, in onset order then pitch.</param>
public sealed record NotesTrack(int Index, string? Name, IReadOnlyList<NotesNote> Notes);

/// <summary>One note.</summary>
/// <param name="Channel">MIDI channel 0..15.</param>
/// <param name="Pitch">MIDI pitch.</param>
/// <param name="Velocity">MIDI velocity.</param>
/// <param name="StartTick">Onset in ticks.</param>
/// <param name="EndTick">Release in ticks.</param>
/// <param name="Start">Onset in seconds.</param>
/// <param name="End">Release in seconds.</param>
public sealed record NotesNote(int Channel, int Pitch, int Velocity, long StartTick, long EndTick, double Start, double End);
