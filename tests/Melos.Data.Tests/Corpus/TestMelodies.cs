using Melos.Data.Corpus;
using Melos.Music;

namespace Melos.Data.Tests.Corpus;

internal static class TestMelodies
{
    public static Melody Line(string notes, string? key = null, string meter = "4/4", string[]? chords = null) =>
        Melody.Create(NoteSequence.Parse(notes), key is null ? null : Key.Parse(key),
            [new MeterChange(Duration.Zero, TimeSignature.Parse(meter))],
            chords: chords?.Select((c, i) => new ChordChange(Duration.FromQuarters(4 * i), ChordSymbol.Parse(c))));

    public static CorpusEntry Entry(Melody m, string id = "t", string style = "s", string collection = "c", CorpusSplit split = CorpusSplit.Train, bool keyEstimated = false) =>
        new(id, collection, style, split, m, 0, keyEstimated);

    /// <summary>Writes a tiny chorale JSON (separated voices, sixteenth frames) with the given soprano lines.</summary>
    public static void WriteChoraleJson(string path, params int[][] sopranoLines)
    {
        var chorales = sopranoLines.Select(line => "[" + string.Join(",", line.Select(p => $"[{p},60,55,48]")) + "]");
        File.WriteAllText(path, "{\"train\":[" + string.Join(",", chorales) + "],\"valid\":[],\"test\":[]}");
    }
}
