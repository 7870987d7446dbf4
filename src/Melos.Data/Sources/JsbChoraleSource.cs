using System.Text.Json;
using Melos.Data.Corpus;
using Melos.Music;

namespace Melos.Data.Sources;

/// <summary>
/// Reads the soprano line of the Bach chorales in the separated-voices JSON format
/// (<c>{"train": [[[s, a, t, b], ...], ...], "valid": ..., "test": ...}</c> at sixteenth-note frames, -1 for silence).
/// The format does not tell held from repeated notes, so equal consecutive soprano frames become one note.
/// Chorales are read in 4/4 with no key given (the builder estimates it).
/// </summary>
public sealed class JsbChoraleSource : ITuneSource
{
    /// <inheritdoc/>
    /// <remarks>Checks the whole structure: an object of splits holding chorales whose every frame has exactly four whole numbers.
    /// Piano-roll JSON files (frames of any number of sounding pitches) are not this format and are left alone.</remarks>
    public bool CanRead(string path)
    {
        if (!path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return false;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return false;
            int chorales = 0;
            foreach (var split in doc.RootElement.EnumerateObject())
            {
                if (split.Value.ValueKind != JsonValueKind.Array) return false;
                foreach (var chorale in split.Value.EnumerateArray())
                {
                    if (chorale.ValueKind != JsonValueKind.Array) return false;
                    foreach (var frame in chorale.EnumerateArray())
                    {
                        if (frame.ValueKind != JsonValueKind.Array || frame.GetArrayLength() != 4) return false;
                        foreach (var v in frame.EnumerateArray())
                            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out _)) return false;
                    }
                    chorales++;
                }
            }
            return chorales > 0;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public IEnumerable<SourceTune> Read(string path, string relativeId)
    {
        Dictionary<string, int[][][]>? data;
        string? error = null;
        data = null;
        try
        {
            data = JsonSerializer.Deserialize<Dictionary<string, int[][][]>>(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            error = $"not a chorale JSON at {e.LineNumber + 1}:{e.BytePositionInLine + 1}: {e.Message}";
        }
        if (data is null)
        {
            yield return SourceTune.Failed(relativeId, DiscardReason.ParseError, error ?? "empty JSON");
            yield break;
        }
        foreach (var split in new[] { "train", "valid", "test" })
        {
            if (!data.TryGetValue(split, out var chorales)) continue;
            for (int c = 0; c < chorales.Length; c++)
            {
                var id = $"{relativeId}#{split}/{c}";
                var frames = chorales[c];
                var notes = new List<Note>();
                int i = 0;
                var step = Duration.Sixteenth;
                while (i < frames.Length)
                {
                    int p = frames[i].Length > 0 ? frames[i][0] : -1;
                    int j = i + 1;
                    while (j < frames.Length && frames[j].Length > 0 && frames[j][0] == p) j++;
                    if (p is >= 0 and <= 127) notes.Add(new Note(Pitch.FromMidi(p), step * i, step * (j - i)));
                    i = j;
                }
                if (notes.Count == 0)
                {
                    yield return SourceTune.Failed(id, DiscardReason.NoMelody, "soprano voice is silent");
                    continue;
                }
                var melody = Melody.Create(notes, meters: [new MeterChange(Duration.Zero, TimeSignature.CommonTime)],
                    info: new MelodyInfo { Title = $"Chorale {split} {c}", Source = id });
                yield return SourceTune.Found(id, melody);
            }
        }
    }
}
