using System.Globalization;
using System.Net;
using System.Text;
using Melos.Evaluation;
using ScottPlot;

namespace Melos.Reports;

/// <summary>
/// Writes the comparison report: <c>index.html</c> with the headline figures and tables, <c>compare.json</c>, and PNG
/// charts: one per Yang and Lerch feature with the three distance densities side by side, the mean pitch-class and
/// note-length histograms of both sets, and the novelty of both sets' windows.
/// </summary>
public static class ComparisonReport
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    /// <summary>Writes the report into <paramref name="dir"/> (created if needed).</summary>
    /// <returns>The paths of the files written.</returns>
    public static IReadOnlyList<string> Write(string dir, ComparisonResult result)
    {
        ArgumentNullException.ThrowIfNull(dir);
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(dir);
        ReportFont.Use();
        var written = new List<string>();
        string gen = result.Generated.Name, refName = result.Reference.Name;
        foreach (var f in result.FeatureList)
        {
            var path = Path.Combine(dir, $"feature-{YangLerchFeatures.Key(f.Feature)}.png");
            DrawDensities(path, f, gen, refName);
            written.Add(path);
        }
        var pch = Path.Combine(dir, "pitch-class-histogram.png");
        DrawBars(pch, "Mean pitch-class histogram", "pitch class", ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"],
            result.PitchClassHistogram.Generated, result.PitchClassHistogram.Reference, gen, refName, "share of notes");
        written.Add(pch);
        var nlh = Path.Combine(dir, "note-length-histogram.png");
        DrawBars(nlh, "Mean note-length histogram", "length (quarter notes)", [.. YangLerchFeatures.LengthClasses.Select(c => c.ToString())],
            result.NoteLengthHistogram.Generated, result.NoteLengthHistogram.Reference, gen, refName, "share of notes");
        written.Add(nlh);
        if (result.Novelty is { } nov)
        {
            var path = Path.Combine(dir, "novelty.png");
            DrawBars(path, $"Windows found verbatim in {nov.Training.Name}", "window (bars)", [.. nov.Generated.Windows.Select(w => w.Bars.ToString(Ci))],
                [.. nov.Generated.Windows.Select(w => w.VerbatimShare)], [.. nov.Reference.Windows.Select(w => w.VerbatimShare)], gen, refName, "share of windows");
            written.Add(path);
        }
        var json = Path.Combine(dir, "compare.json");
        File.WriteAllText(json, result.ToJson());
        written.Add(json);
        var html = Path.Combine(dir, "index.html");
        File.WriteAllText(html, Html(result, written.Where(p => p.EndsWith(".png", StringComparison.Ordinal)).Select(Path.GetFileName).ToList()!));
        written.Add(html);
        return written;
    }

    private static void DrawDensities(string path, FeatureComparison f, string gen, string refName)
    {
        var plot = new Plot();
        var xs = f.Grid.Points.ToArray();
        void Curve(IEnumerable<double> ys, string label, Color color)
        {
            var s = plot.Add.ScatterLine(xs, ys.ToArray());
            s.LegendText = label;
            s.Color = color;
            s.LineWidth = 2;
        }
        Curve(f.IntraReferenceDensity, $"intra-set: {refName}", Colors.SteelBlue);
        Curve(f.IntraGeneratedDensity, $"intra-set: {gen}", Colors.DarkOrange);
        Curve(f.InterDensity, "inter-set", Colors.Black);
        plot.ShowLegend(Alignment.UpperRight);
        plot.Title(string.Create(Ci, $"{YangLerchFeatures.Title(f.Feature)}: overlap {f.OverlapArea:0.000}, KL {f.Kl:0.000}"));
        plot.XLabel("distance between two melodies' feature values");
        plot.YLabel("density");
        plot.Axes.Margins(bottom: 0);
        plot.SavePng(path, 900, 450);
    }

    private static void DrawBars(string path, string title, string xlabel, IReadOnlyList<string> labels, IReadOnlyList<double> a, IReadOnlyList<double> b,
        string aName, string bName, string ylabel)
    {
        var plot = new Plot();
        var barsA = plot.Add.Bars(labels.Select((_, i) => i - 0.2).ToArray(), a.ToArray());
        foreach (var bar in barsA.Bars) bar.Size = 0.4;
        barsA.Color = Colors.DarkOrange;
        barsA.LegendText = aName;
        var barsB = plot.Add.Bars(labels.Select((_, i) => i + 0.2).ToArray(), b.ToArray());
        foreach (var bar in barsB.Bars) bar.Size = 0.4;
        barsB.Color = Colors.SteelBlue;
        barsB.LegendText = bName;
        plot.ShowLegend(Alignment.UpperRight);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. labels.Select((_, i) => (double)i)], [.. labels]);
        plot.Axes.Margins(bottom: 0);
        plot.Title(title);
        plot.XLabel(xlabel);
        plot.YLabel(ylabel);
        plot.SavePng(path, 900, 450);
    }

    private static string F(double? v, string format = "0.000") => v is { } x && double.IsFinite(x) ? x.ToString(format, Ci) : "-";

    private static string Html(ComparisonResult r, IReadOnlyList<string> images)
    {
        static string E(string t) => WebUtility.HtmlEncode(t);
        string gen = E(r.Generated.Name), refName = E(r.Reference.Name);
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Comparison: ").Append(gen).Append(" vs ").Append(refName).Append("</title>");
        sb.Append("<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}td.n{text-align:right}img{max-width:100%}</style></head><body>");
        sb.Append("<h1>").Append(gen).Append(" vs ").Append(refName).Append("</h1>");
        sb.Append("<p>").Append(r.Generated.WithNotes.ToString(Ci)).Append(" generated and ").Append(r.Reference.WithNotes.ToString(Ci)).Append(" reference melodies")
          .Append(r.Bars is { } bars ? $", each cut to its first {bars} bars" : "").Append(".</p>");

        sb.Append("<h2>Summary</h2><table>");
        if (r.Discriminator is { } d)
            sb.Append("<tr><td>Discriminator accuracy (0.5 = indistinguishable)</td><td class=n>").Append(F(d.Accuracy)).Append(" [").Append(F(d.Ci95Low)).Append(", ")
              .Append(F(d.Ci95High)).Append("]</td></tr>");
        sb.Append("<tr><td>Mean overlap area of the Yang and Lerch features (1 = same)</td><td class=n>").Append(F(r.MeanOverlapArea)).Append("</td></tr>");
        sb.Append("<tr><td>Mean KL divergence (nats, 0 = same)</td><td class=n>").Append(F(r.MeanKl)).Append("</td></tr>");
        if (r.Novelty is { } nov)
            sb.Append("<tr><td>Generated 4-bar windows found verbatim in ").Append(E(nov.Training.Name)).Append(" (up to transposition)</td><td class=n>")
              .Append(F(100 * nov.FourBarCopied, "0.0")).Append("% (").Append(F(100 * nov.FourBarCopiedTransposed, "0.0")).Append("%)</td></tr>");
        sb.Append("</table>");

        sb.Append("<h2>Yang and Lerch features</h2><p>For each feature: the distribution of distances between pairs of melodies within each set (intra-set) and between the sets (inter-set). ")
          .Append("Overlap and KL compare the reference's intra-set distribution with the inter-set one.</p>");
        sb.Append("<table><tr><th>feature</th><th>overlap area</th><th>KL</th><th>mean value: generated</th><th>mean value: reference</th><th>intra-set distance: generated</th><th>intra-set distance: reference</th><th>inter-set distance</th></tr>");
        foreach (var f in r.FeatureList)
            sb.Append("<tr><td>").Append(E(YangLerchFeatures.Title(f.Feature))).Append("</td><td class=n>").Append(F(f.OverlapArea)).Append("</td><td class=n>").Append(F(f.Kl))
              .Append("</td><td class=n>").Append(MeanSd(f.Generated)).Append("</td><td class=n>").Append(MeanSd(f.Reference))
              .Append("</td><td class=n>").Append(MeanSd(f.IntraGenerated)).Append("</td><td class=n>").Append(MeanSd(f.IntraReference))
              .Append("</td><td class=n>").Append(MeanSd(f.Inter)).Append("</td></tr>");
        sb.Append("</table><p>Vector features (histograms, matrices) show the mean of their Euclidean norm as their value.</p>");

        void Metrics(string title, MetricSummaries m)
        {
            sb.Append("<h2>").Append(E(title)).Append("</h2><table><tr><th>metric</th><th>generated: mean ± sd</th><th>reference: mean ± sd</th></tr>");
            foreach (var key in m.Reference.Keys.Union(m.Generated.Keys))
                sb.Append("<tr><td>").Append(E(key)).Append("</td><td class=n>").Append(MeanSd(m.Generated.GetValueOrDefault(key)))
                  .Append("</td><td class=n>").Append(MeanSd(m.Reference.GetValueOrDefault(key))).Append("</td></tr>");
            sb.Append("</table>");
        }
        Metrics("MusPy melody metrics", r.Muspy);
        Metrics("Structure", r.Structure);

        if (r.Novelty is { } n)
        {
            sb.Append("<h2>Novelty against ").Append(E(n.Training.Name)).Append(" (").Append(n.Training.Melodies.ToString(Ci)).Append(" melodies)</h2>");
            sb.Append("<table><tr><th>window</th><th>generated: verbatim</th><th>generated: transposed</th><th>reference: verbatim</th><th>reference: transposed</th></tr>");
            foreach (var w in n.Generated.Windows)
            {
                var rw = n.Reference.For(w.Bars);
                sb.Append("<tr><td>").Append(w.Bars.ToString(Ci)).Append(" bar(s)</td><td class=n>").Append(Share(w.Verbatim, w.Windows)).Append("</td><td class=n>")
                  .Append(Share(w.Transposed, w.Windows)).Append("</td><td class=n>").Append(Share(rw.Verbatim, rw.Windows)).Append("</td><td class=n>")
                  .Append(Share(rw.Transposed, rw.Windows)).Append("</td></tr>");
            }
            sb.Append("<tr><td>longest run shared with a training melody (notes)</td><td class=n>").Append(MeanSd(n.Generated.LongestRun)).Append("</td><td class=n>")
              .Append(MeanSd(n.Generated.LongestTransposedRun)).Append("</td><td class=n>").Append(MeanSd(n.Reference.LongestRun)).Append("</td><td class=n>")
              .Append(MeanSd(n.Reference.LongestTransposedRun)).Append("</td></tr></table>");
            if (n.Generated.Longest is { } l)
                sb.Append("<p>Longest copy: ").Append(E(l.Melody)).Append(" shares ").Append(l.Notes.ToString(Ci)).Append(" consecutive notes with ")
                  .Append(E(l.TrainingMelody ?? "-")).Append(".</p>");
        }

        if (r.Discriminator is { } dd)
            sb.Append("<h2>Discriminator</h2><p>").Append(dd.Folds.ToString(Ci)).Append("-fold cross-validation on ").Append(dd.MelodiesPerClass.ToString(Ci))
              .Append(" melodies per set (").Append(dd.Epochs.ToString(Ci)).Append(" epochs per fold): accuracy ").Append(F(dd.Accuracy)).Append(", 95% interval [")
              .Append(F(dd.Ci95Low)).Append(", ").Append(F(dd.Ci95High)).Append("]; per fold ")
              .Append(string.Join(", ", dd.FoldAccuracies.Select(a => F(a))))
              .Append(dd.RunAccuracies.Length > 1 ? $" (first run); the mean of {dd.RunAccuracies.Length.ToString(Ci)} runs: {string.Join(", ", dd.RunAccuracies.Select(a => F(a)))}" : "")
              .Append(".</p>");

        sb.Append("<h2>Distributions</h2>");
        foreach (var img in images) sb.Append("<p><img src=\"").Append(E(img)).Append("\" alt=\"").Append(E(img)).Append("\"></p>");
        sb.Append("<p>All figures: <a href=\"compare.json\">compare.json</a>.</p></body></html>");
        return sb.ToString();
    }

    private static string MeanSd(ValueSummary? s) => s is null ? "-" : $"{F(s.Mean)} ± {F(s.Sd)}";

    private static string Share(int part, int total) =>
        total == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{100.0 * part / total:0.0}% ({part}/{total})");
}
