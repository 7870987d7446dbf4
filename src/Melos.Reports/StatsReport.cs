using System.Globalization;
using System.Net;
using System.Text;
using Melos.Data.Statistics;
using ScottPlot;

namespace Melos.Reports;

/// <summary>Writes the corpus report: one PNG bar chart per distribution and an HTML page that shows them with the warnings.</summary>
public static class StatsReport
{
    /// <summary>The charts drawn: file stem, title, axis label and how to read the distribution from the statistics.</summary>
    private static readonly (string File, string Title, string XLabel, Func<CorpusStatistics, IReadOnlyList<KeyValuePair<string, double>>> Values)[] Charts =
    [
        ("keys", "Keys", "key", s => Top(s.Keys, 24)),
        ("modes", "Modes", "mode", s => Top(s.Modes, 10)),
        ("meters", "Time signatures", "meter", s => Top(s.Meters, 12)),
        ("styles", "Styles", "style", s => Top(s.ByStyle, 20)),
        ("collections", "Collections", "collection", s => Top(s.ByCollection, 20)),
        ("pitch-classes", "Pitch classes (weighted by length)", "pitch class", s => [.. s.PitchClasses.Select(kv => KeyValuePair.Create(kv.Key, kv.Value))]),
        ("degrees", "Pitch classes above the tonic (weighted by length)", "semitones above tonic", s => [.. s.PitchClassesFromTonic.Select(kv => KeyValuePair.Create(kv.Key, kv.Value))]),
        ("intervals", "Melodic intervals", "semitones", s => [.. s.Intervals.Select(kv => KeyValuePair.Create(kv.Key, (double)kv.Value))]),
        ("rhythms", "Note lengths", "quarter notes", s => Top(s.Rhythms, 16)),
        ("length", "Length", "bars", s => [.. s.LengthBars.Select(kv => KeyValuePair.Create(kv.Key, (double)kv.Value))]),
        ("range", "Pitch span", "semitones", s => [.. s.PitchRange.Select(kv => KeyValuePair.Create(kv.Key, (double)kv.Value))]),
        ("tempo", "Tempo", "BPM", s => [.. s.Tempo.Select(kv => KeyValuePair.Create(kv.Key, (double)kv.Value))]),
    ];

    private static IReadOnlyList<KeyValuePair<string, double>> Top(IReadOnlyDictionary<string, int> d, int n) =>
        [.. d.Take(n).Select(kv => KeyValuePair.Create(kv.Key, (double)kv.Value))];

    /// <summary>
    /// Writes <c>index.html</c>, <c>stats.json</c> and one PNG per chart into <paramref name="dir"/>. With a second set of
    /// statistics, every chart shows both side by side as shares (so corpora of different sizes compare).
    /// </summary>
    /// <returns>The paths of the files written.</returns>
    public static IReadOnlyList<string> Write(string dir, string name, CorpusStatistics stats, string? otherName = null, CorpusStatistics? other = null)
    {
        Directory.CreateDirectory(dir);
        var written = new List<string>();
        ReportFont.Use();
        foreach (var (file, title, xlabel, values) in Charts)
        {
            var path = Path.Combine(dir, file + ".png");
            DrawChart(path, title, xlabel, name, values(stats), otherName, other is null ? null : values(other));
            written.Add(path);
        }
        var json = Path.Combine(dir, "stats.json");
        File.WriteAllText(json, stats.ToJson());
        written.Add(json);
        var html = Path.Combine(dir, "index.html");
        File.WriteAllText(html, Html(name, stats, otherName, other));
        written.Add(html);
        return written;
    }

    private static void DrawChart(string path, string title, string xlabel, string name, IReadOnlyList<KeyValuePair<string, double>> a,
        string? otherName, IReadOnlyList<KeyValuePair<string, double>>? b)
    {
        var plot = new Plot();
        var labels = a.Select(kv => kv.Key).ToList();
        if (b is not null) foreach (var kv in b) if (!labels.Contains(kv.Key)) labels.Add(kv.Key);
        bool compare = b is not null;
        double totalA = Math.Max(1e-12, a.Sum(kv => kv.Value)), totalB = compare ? Math.Max(1e-12, b!.Sum(kv => kv.Value)) : 1;
        double width = compare ? 0.4 : 0.8;
        var posA = labels.Select((_, i) => compare ? i - 0.2 : (double)i).ToArray();
        var valA = labels.Select(l => a.FirstOrDefault(kv => kv.Key == l).Value / (compare ? totalA : 1)).ToArray();
        var barsA = plot.Add.Bars(posA, valA);
        foreach (var bar in barsA.Bars) bar.Size = width;
        barsA.Color = Colors.SteelBlue;
        if (compare) barsA.LegendText = name;
        if (compare)
        {
            var posB = labels.Select((_, i) => i + 0.2).ToArray();
            var valB = labels.Select(l => b!.FirstOrDefault(kv => kv.Key == l).Value / totalB).ToArray();
            var barsB = plot.Add.Bars(posB, valB);
            foreach (var bar in barsB.Bars) bar.Size = width;
            barsB.Color = Colors.DarkOrange;
            barsB.LegendText = otherName ?? "other";
            plot.ShowLegend(Alignment.UpperRight);
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. labels.Select((_, i) => (double)i)], [.. labels]);
        if (labels.Count > 8 || labels.Any(l => l.Length > 6))
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
            plot.Axes.Bottom.MinimumSize = 30 + 6.5f * labels.Max(l => l.Length);
        }
        plot.Axes.Margins(bottom: 0);
        plot.Title(title);
        plot.XLabel(xlabel);
        plot.YLabel(compare ? "share" : "count");
        plot.SavePng(path, 900, 450);
    }

    private static string Html(string name, CorpusStatistics s, string? otherName, CorpusStatistics? other)
    {
        var ci = CultureInfo.InvariantCulture;
        string E(string t) => WebUtility.HtmlEncode(t);
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Corpus report: ").Append(E(name)).Append("</title>");
        sb.Append("<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.warn{background:#fff4e5;border-left:4px solid #f90;padding:8px 12px;margin:6px 0}img{max-width:100%}</style></head><body>");
        sb.Append("<h1>Corpus report: ").Append(E(name)).Append(other is null ? "" : " vs " + E(otherName ?? "other")).Append("</h1>");
        sb.Append("<h2>Summary</h2><table><tr><th></th><th>").Append(E(name)).Append("</th>");
        if (other is not null) sb.Append("<th>").Append(E(otherName ?? "other")).Append("</th>");
        sb.Append("</tr>");
        void Row(string label, Func<CorpusStatistics, string> f)
        {
            sb.Append("<tr><td>").Append(E(label)).Append("</td><td>").Append(E(f(s))).Append("</td>");
            if (other is not null) sb.Append("<td>").Append(E(f(other))).Append("</td>");
            sb.Append("</tr>");
        }
        Row("melodies", x => x.Melodies.ToString(ci));
        Row("discarded", x => x.Discarded.Count == 0 ? "none" : string.Join(", ", x.Discarded.Select(kv => $"{kv.Key} {kv.Value}")));
        Row("splits", x => string.Join(", ", x.BySplit.Select(kv => $"{kv.Key} {kv.Value}")));
        Row("notes per melody (mean)", x => x.NotesPerMelody?.Mean.ToString("0.0", ci) ?? "-");
        Row("length in bars (median)", x => x.LengthBarsSummary?.Median.ToString("0", ci) ?? "-");
        Row("notes per bar (mean)", x => x.NoteDensity?.Mean.ToString("0.00", ci) ?? "-");
        Row("overall range", x => x.OverallRange ?? "-");
        Row("with chords", x => (x.WithChordsShare * 100).ToString("0", ci) + "%");
        Row("keys estimated", x => (x.KeysEstimatedShare * 100).ToString("0", ci) + "%");
        foreach (var attr in s.Imbalance.Keys)
            Row($"{attr}: groups / largest share / normalized entropy", x => x.Imbalance.TryGetValue(attr, out var im)
                ? $"{im.Groups} / {im.LargestGroup} {(im.LargestShare * 100).ToString("0", ci)}% / {im.NormalizedEntropy.ToString("0.00", ci)}" : "-");
        sb.Append("</table>");
        sb.Append("<h2>Warnings</h2>");
        if (s.Warnings.Count == 0) sb.Append("<p>None.</p>");
        foreach (var w in s.Warnings) sb.Append("<div class=\"warn\">").Append(E(w)).Append("</div>");
        if (other is not null)
            foreach (var w in other.Warnings) sb.Append("<div class=\"warn\">").Append(E(otherName ?? "other")).Append(": ").Append(E(w)).Append("</div>");
        sb.Append("<h2>Distributions</h2>");
        foreach (var (file, title, _, _) in Charts)
            sb.Append("<h3>").Append(E(title)).Append("</h3><img src=\"").Append(file).Append(".png\" alt=\"").Append(E(title)).Append("\">");
        sb.Append("<p>Raw figures: <a href=\"stats.json\">stats.json</a>.</p></body></html>");
        return sb.ToString();
    }
}
