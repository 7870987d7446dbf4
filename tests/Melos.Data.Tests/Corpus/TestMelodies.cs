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

    /// <summary>Four entries whose statistics the tests work out by hand.</summary>
    public static List<CorpusEntry> HandMade() =>
    [
        // Three C-major scales in 4/4 (8 quarters = 2 bars, 8 notes, span 12), one A-minor arpeggio in 3/4.
        Entry(Line("C4 D4 E4 F4 G4 A4 B4 C5", "C", chords: ["C", "G"]), "a", "folk", "nottingham"),
        Entry(Line("C4 D4 E4 F4 G4 A4 B4 C5", "C"), "b", "folk", "nottingham"),
        Entry(Line("C4 D4 E4 F4 G4 A4 B4 C5", "C"), "c", "folk", "oneills"),
        Entry(Line("A4 C5 E5 A5 E5 C5", "A minor", "3/4"), "d", "pop", "pop909", keyEstimated: true),
    ];

    /// <summary>Writes a tiny chorale JSON (separated voices, sixteenth frames) with the given soprano lines.</summary>
    public static void WriteChoraleJson(string path, params int[][] sopranoLines)
    {
        var chorales = sopranoLines.Select(line => "[" + string.Join(",", line.Select(p => $"[{p},60,55,48]")) + "]");
        File.WriteAllText(path, "{\"train\":[" + string.Join(",", chorales) + "],\"valid\":[],\"test\":[]}");
    }
}
