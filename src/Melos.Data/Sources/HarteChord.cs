using System.Globalization;
using Melos.Music;

namespace Melos.Data.Sources;

/// <summary>
/// Chord labels in Harte's syntax as POP909 writes them: <c>C:maj</c>, <c>A:min7</c>, <c>G:maj/3</c>, <c>F:sus4(b7)</c>,
/// <c>B:hdim7</c>, and <c>N</c> for no chord. The bass after <c>/</c> is a scale degree of the root.
/// </summary>
public static class HarteChord
{
    private static readonly Dictionary<string, ChordQuality> Qualities = new(StringComparer.Ordinal)
    {
        ["maj"] = ChordQuality.Major, ["min"] = ChordQuality.Minor, ["dim"] = ChordQuality.Diminished, ["aug"] = ChordQuality.Augmented,
        ["7"] = ChordQuality.Dominant7, ["maj7"] = ChordQuality.Major7, ["min7"] = ChordQuality.Minor7, ["hdim7"] = ChordQuality.HalfDiminished7,
        ["dim7"] = ChordQuality.Diminished7, ["minmaj7"] = ChordQuality.MinorMajor7, ["maj6"] = ChordQuality.Major6, ["min6"] = ChordQuality.Minor6,
        ["sus2"] = ChordQuality.Suspended2, ["sus4"] = ChordQuality.Suspended4, ["sus4(b7)"] = ChordQuality.Dominant7Suspended4,
        ["aug7"] = ChordQuality.Augmented7, ["5"] = ChordQuality.Power, ["1"] = ChordQuality.Power,
    };

    private static readonly Dictionary<string, int> Degrees = new(StringComparer.Ordinal)
    {
        ["1"] = 0, ["b2"] = 1, ["2"] = 2, ["#2"] = 3, ["b3"] = 3, ["3"] = 4, ["4"] = 5, ["#4"] = 6, ["b5"] = 6, ["5"] = 7,
        ["#5"] = 8, ["b6"] = 8, ["6"] = 9, ["bb7"] = 9, ["b7"] = 10, ["7"] = 11, ["b9"] = 1, ["9"] = 2, ["#9"] = 3, ["11"] = 5, ["#11"] = 6, ["13"] = 9,
    };

    /// <summary>Parses a label; <c>N</c> (no chord) gives null. False when the label is not understood.</summary>
    public static bool TryParse(string label, out ChordSymbol? chord)
    {
        chord = null;
        label = label.Trim();
        if (label is "N" or "X" or "") return label != "";
        int colon = label.IndexOf(':');
        string rootText = colon < 0 ? label : label[..colon];
        string rest = colon < 0 ? "maj" : label[(colon + 1)..];
        if (!NoteName.TryParse(rootText, out var root)) return false;
        string? bassDegree = null;
        int slash = rest.LastIndexOf('/');
        if (slash >= 0)
        {
            bassDegree = rest[(slash + 1)..];
            rest = rest[..slash];
        }
        if (!Qualities.TryGetValue(rest, out var quality)) return false;
        NoteName? bass = null;
        if (bassDegree is not null)
        {
            if (!Degrees.TryGetValue(bassDegree, out int semis)) return false;
            if (semis != 0) bass = NoteName.Simplest(root.PitchClass + semis);
        }
        chord = new ChordSymbol(root, quality, null, bass);
        return true;
    }

    /// <summary>Reads a POP909 annotation file of <c>start end label</c> lines (seconds).</summary>
    public static IReadOnlyList<(double Start, double End, string Label)> ReadTimedLabels(string path)
    {
        var list = new List<(double, double, string)>();
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 3) continue;
            if (!double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var s)) continue;
            if (!double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var e)) continue;
            list.Add((s, e, parts[2]));
        }
        return list;
    }
}
