using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Melos.Data.Corpus;
using Melos.Music;

namespace Melos.Data.Statistics;

/// <summary>How uneven one attribute's groups are.</summary>
/// <param name="Groups">Number of distinct groups.</param>
/// <param name="LargestGroup">The biggest group.</param>
/// <param name="LargestShare">Its share of melodies, 0..1.</param>
/// <param name="NormalizedEntropy">Shannon entropy divided by log(groups): 1 = perfectly even, 0 = one group.</param>
public sealed record Imbalance(int Groups, string LargestGroup, double LargestShare, double NormalizedEntropy);

/// <summary>Summary numbers of a numeric attribute.</summary>
/// <param name="Mean">Mean.</param>
/// <param name="Median">Median.</param>
/// <param name="Min">Minimum.</param>
/// <param name="Max">Maximum.</param>
public sealed record NumericSummary(double Mean, double Median, double Min, double Max);

/// <summary>
/// The dataset bias and diversity report of a corpus (<c>melos corpus stats</c>). Counts are melodies unless named
/// otherwise; distributions are ordered largest first (histograms in their natural order).
/// </summary>
public sealed record CorpusStatistics
{
    /// <summary>Melodies kept.</summary>
    public int Melodies { get; init; }
    /// <summary>Tunes discarded at build time, by reason.</summary>
    public IReadOnlyDictionary<string, int> Discarded { get; init; } = new Dictionary<string, int>();
    /// <summary>Melodies by style label.</summary>
    public IReadOnlyDictionary<string, int> ByStyle { get; init; } = new Dictionary<string, int>();
    /// <summary>Melodies by collection.</summary>
    public IReadOnlyDictionary<string, int> ByCollection { get; init; } = new Dictionary<string, int>();
    /// <summary>Melodies by split.</summary>
    public IReadOnlyDictionary<string, int> BySplit { get; init; } = new Dictionary<string, int>();
    /// <summary>Melodies by key.</summary>
    public IReadOnlyDictionary<string, int> Keys { get; init; } = new Dictionary<string, int>();
    /// <summary>Melodies by mode.</summary>
    public IReadOnlyDictionary<string, int> Modes { get; init; } = new Dictionary<string, int>();
    /// <summary>Melodies by opening time signature.</summary>
    public IReadOnlyDictionary<string, int> Meters { get; init; } = new Dictionary<string, int>();
    /// <summary>Share of melodies whose key was estimated.</summary>
    public double KeysEstimatedShare { get; init; }
    /// <summary>Opening tempo in BPM, bucketed by 20 (e.g. <c>100-119</c>); melodies without a tempo count as 120.</summary>
    public IReadOnlyDictionary<string, int> Tempo { get; init; } = new Dictionary<string, int>();
    /// <summary>Opening tempo summary.</summary>
    public NumericSummary? TempoBpm { get; init; }
    /// <summary>Length in bars, bucketed by 8.</summary>
    public IReadOnlyDictionary<string, int> LengthBars { get; init; } = new Dictionary<string, int>();
    /// <summary>Length summary in bars.</summary>
    public NumericSummary? LengthBarsSummary { get; init; }
    /// <summary>Notes per melody summary.</summary>
    public NumericSummary? NotesPerMelody { get; init; }
    /// <summary>Pitch span (highest minus lowest) in semitones, bucketed by 4.</summary>
    public IReadOnlyDictionary<string, int> PitchRange { get; init; } = new Dictionary<string, int>();
    /// <summary>Lowest and highest pitch over the corpus.</summary>
    public string? OverallRange { get; init; }
    /// <summary>Notes per bar summary.</summary>
    public NumericSummary? NoteDensity { get; init; }
    /// <summary>Melodic intervals in semitones (notes), from -12 to +12, with larger leaps pooled as <c>&lt;-12</c> and <c>&gt;12</c>.</summary>
    public IReadOnlyDictionary<string, int> Intervals { get; init; } = new Dictionary<string, int>();
    /// <summary>Pitch classes (notes weighted by length in quarters), C first.</summary>
    public IReadOnlyDictionary<string, double> PitchClasses { get; init; } = new Dictionary<string, double>();
    /// <summary>Scale degrees relative to each melody's tonic (notes weighted by length), 0 = tonic.</summary>
    public IReadOnlyDictionary<string, double> PitchClassesFromTonic { get; init; } = new Dictionary<string, double>();
    /// <summary>Note lengths in quarter notes (notes), e.g. <c>1/2</c>.</summary>
    public IReadOnlyDictionary<string, int> Rhythms { get; init; } = new Dictionary<string, int>();
    /// <summary>Share of melodies with a chord track.</summary>
    public double WithChordsShare { get; init; }
    /// <summary>Imbalance per attribute (style, collection, key, mode, meter).</summary>
    public IReadOnlyDictionary<string, Imbalance> Imbalance { get; init; } = new Dictionary<string, Imbalance>();
    /// <summary>Plain-language warnings about the corpus's skew.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The statistics as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Computes the statistics of corpus entries (and the discard counts of their build, when given).</summary>
    public static CorpusStatistics Compute(IReadOnlyList<CorpusEntry> entries, BuildSummary? summary = null)
    {
        var melodies = entries.Select(e => e.Melody).ToList();
        int n = entries.Count;
        var ci = CultureInfo.InvariantCulture;

        var intervals = new Dictionary<string, int>();
        var rhythms = new Dictionary<string, int>();
        var pcs = new double[12];
        var degrees = new double[12];
        var lengthsBars = new List<double>();
        var density = new List<double>();
        var notesPer = new List<double>();
        var spans = new List<int>();
        var tempi = new List<double>();
        int lowest = 127, highest = 0;
        foreach (var m in melodies)
        {
            notesPer.Add(m.Notes.Length);
            int bars = Math.Max(1, m.BarCount);
            lengthsBars.Add(bars);
            density.Add((double)m.Notes.Length / bars);
            tempi.Add(m.Tempos.IsEmpty ? 120 : Math.Round(m.Tempos[0].Bpm, 1));
            if (m.Notes.IsEmpty) continue;
            int lo = m.Notes.Min(x => x.Pitch.Number), hi = m.Notes.Max(x => x.Pitch.Number);
            spans.Add(hi - lo);
            lowest = Math.Min(lowest, lo);
            highest = Math.Max(highest, hi);
            int tonic = m.Key?.Tonic.PitchClass ?? 0;
            for (int i = 0; i < m.Notes.Length; i++)
            {
                var note = m.Notes[i];
                double w = note.Length.ToQuarterDouble();
                pcs[note.Pitch.PitchClass] += w;
                degrees[((note.Pitch.PitchClass - tonic) % 12 + 12) % 12] += w;
                Increment(rhythms, note.Length.ToString());
                if (i > 0)
                {
                    int iv = note.Pitch.Number - m.Notes[i - 1].Pitch.Number;
                    Increment(intervals, iv < -12 ? "<-12" : iv > 12 ? ">12" : iv.ToString(ci));
                }
            }
        }

        var byStyle = Count(entries.Select(e => e.Style));
        var byCollection = Count(entries.Select(e => e.Collection));
        var keys = Count(entries.Select(e => e.Melody.Key?.ToString() ?? "unknown"));
        var modes = Count(entries.Select(e => e.Melody.Key?.Mode.ToString().ToLowerInvariant() ?? "unknown"));
        var meters = Count(entries.Select(e => e.Melody.Meter.ToString()));
        var imbalance = new Dictionary<string, Imbalance>
        {
            ["style"] = ImbalanceOf(byStyle), ["collection"] = ImbalanceOf(byCollection), ["key"] = ImbalanceOf(keys),
            ["mode"] = ImbalanceOf(modes), ["meter"] = ImbalanceOf(meters),
        };
        double keysEstimated = n == 0 ? 0 : (double)entries.Count(e => e.KeyEstimated) / n;

        var stats = new CorpusStatistics
        {
            Melodies = n,
            Discarded = summary?.DiscardedByReason ?? (IReadOnlyDictionary<string, int>)new Dictionary<string, int>(),
            ByStyle = byStyle,
            ByCollection = byCollection,
            BySplit = Count(entries.Select(e => e.Split.ToString().ToLowerInvariant())),
            Keys = keys,
            Modes = modes,
            Meters = meters,
            KeysEstimatedShare = keysEstimated,
            Tempo = Histogram(tempi, 20, "0"),
            TempoBpm = Summarize(tempi),
            LengthBars = Histogram(lengthsBars, 8, "0"),
            LengthBarsSummary = Summarize(lengthsBars),
            NotesPerMelody = Summarize(notesPer),
            PitchRange = Histogram(spans.Select(s => (double)s).ToList(), 4, "0"),
            OverallRange = spans.Count == 0 ? null : $"{Pitch.FromMidi(lowest)}-{Pitch.FromMidi(highest)}",
            NoteDensity = Summarize(density),
            Intervals = intervals.OrderBy(kv => IntervalOrder(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value),
            PitchClasses = Enumerable.Range(0, 12).ToDictionary(pc => NoteName.FromPitchClass(pc).ToString(), pc => Math.Round(pcs[pc], 3)),
            PitchClassesFromTonic = Enumerable.Range(0, 12).ToDictionary(d => d.ToString(ci), d => Math.Round(degrees[d], 3)),
            Rhythms = rhythms.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value),
            WithChordsShare = n == 0 ? 0 : (double)melodies.Count(m => !m.Chords.IsEmpty) / n,
            Imbalance = imbalance,
        };
        return stats with { Warnings = BiasWarnings.For(stats) };
    }

    private static int IntervalOrder(string k) => k switch { "<-12" => -13, ">12" => 13, _ => int.Parse(k, CultureInfo.InvariantCulture) };

    private static void Increment(Dictionary<string, int> d, string key) => d[key] = d.GetValueOrDefault(key) + 1;

    private static Dictionary<string, int> Count(IEnumerable<string> values) =>
        values.GroupBy(v => v).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());

    private static Dictionary<string, int> Histogram(List<double> values, int width, string format)
    {
        var ci = CultureInfo.InvariantCulture;
        return values.GroupBy(v => (int)Math.Floor(v / width)).OrderBy(g => g.Key)
            .ToDictionary(g => $"{(g.Key * width).ToString(format, ci)}-{(g.Key * width + width - 1).ToString(format, ci)}", g => g.Count());
    }

    private static NumericSummary? Summarize(List<double> values)
    {
        if (values.Count == 0) return null;
        var sorted = values.Order().ToList();
        double median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
        return new NumericSummary(Math.Round(values.Average(), 3), median, sorted[0], sorted[^1]);
    }

    /// <summary>The imbalance of a group count table.</summary>
    public static Imbalance ImbalanceOf(IReadOnlyDictionary<string, int> counts)
    {
        int total = counts.Values.Sum();
        if (total == 0) return new Imbalance(0, "", 0, 0);
        var largest = counts.MaxBy(kv => kv.Value);
        double h = 0;
        foreach (var c in counts.Values)
        {
            if (c == 0) continue;
            double p = (double)c / total;
            h -= p * Math.Log(p);
        }
        double norm = counts.Count > 1 ? h / Math.Log(counts.Count) : 0;
        return new Imbalance(counts.Count, largest.Key, Math.Round((double)largest.Value / total, 4), Math.Round(norm, 4));
    }
}
