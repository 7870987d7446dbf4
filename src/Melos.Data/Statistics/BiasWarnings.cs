using System.Globalization;

namespace Melos.Data.Statistics;

/// <summary>Turns corpus statistics into plain-language warnings about what the data is biased toward.</summary>
public static class BiasWarnings
{
    /// <summary>The warnings for a set of statistics, most important first.</summary>
    public static IReadOnlyList<string> For(CorpusStatistics s)
    {
        var w = new List<string>();
        if (s.Melodies == 0)
        {
            w.Add("The corpus holds no melodies.");
            return w;
        }
        var ci = CultureInfo.InvariantCulture;
        string Pct(double share) => (share * 100).ToString("0", ci) + "%";

        int majorLike = s.Modes.Where(kv => kv.Key is "major" or "lydian" or "mixolydian").Sum(kv => kv.Value);
        double majorShare = (double)majorLike / s.Melodies;
        if (majorShare >= 0.7) w.Add($"{Pct(majorShare)} of melodies are in a major mode; minor and modal music is scarce.");
        else if (majorShare <= 0.3) w.Add($"Only {Pct(majorShare)} of melodies are in a major mode.");

        // The fewest keys that cover 70% of melodies.
        int covered = 0, k = 0;
        var topKeys = new List<string>();
        foreach (var kv in s.Keys)
        {
            covered += kv.Value;
            k++;
            topKeys.Add(kv.Key);
            if (covered >= 0.7 * s.Melodies) break;
        }
        if (k <= 4 && s.Keys.Count > k) w.Add($"{k} key{(k == 1 ? "" : "s")} cover{(k == 1 ? "s" : "")} {Pct((double)covered / s.Melodies)} of melodies ({string.Join(", ", topKeys)}).");

        if (s.Imbalance.TryGetValue("meter", out var meter) && meter.LargestShare >= 0.6)
            w.Add($"{Pct(meter.LargestShare)} of melodies are in {meter.LargestGroup}.");
        if (s.Imbalance.TryGetValue("collection", out var coll) && coll.Groups > 1 && coll.LargestShare >= 0.5)
            w.Add($"{Pct(coll.LargestShare)} of melodies come from one collection ({coll.LargestGroup}).");
        if (s.Imbalance.TryGetValue("style", out var style) && style.Groups > 1 && style.NormalizedEntropy < 0.5)
            w.Add($"Style labels are very uneven: normalized entropy {style.NormalizedEntropy.ToString("0.00", ci)}, largest group {style.LargestGroup} ({Pct(style.LargestShare)}).");
        if (s.KeysEstimatedShare >= 0.5)
            w.Add($"The key of {Pct(s.KeysEstimatedShare)} of melodies was estimated, not given by the file.");
        if (s.WithChordsShare < 0.5)
            w.Add($"Only {Pct(s.WithChordsShare)} of melodies carry chords; chord-conditioned models will see few examples.");
        return w;
    }
}
