using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Melos.Formats.Abc;
using Melos.Generation.Explanation;
using Melos.Music;
using Melos.Reports.Rendering;
using ScottPlot;

namespace Melos.Reports;

/// <summary>Writes an explanation as a report folder: PNG pictures, an HTML page and the JSON (<see cref="ExplanationWriter.ToJson"/>).</summary>
public static class ExplanationReport
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    /// <summary>
    /// Writes <c>explanation.json</c>, <c>piano-roll.png</c> (notes coloured by probability), <c>surprisal.png</c>
    /// (each token's surprisal against time, bar lines), <c>attribution.png</c> (which notes each note drew on:
    /// attention rollout for Transformers, saliency otherwise) and <c>index.html</c> putting them together with the
    /// melody in ABC.
    /// </summary>
    /// <returns>The paths written.</returns>
    public static IReadOnlyList<string> Write(string directory, Melody melody, MelodyExplanation e)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(melody);
        ArgumentNullException.ThrowIfNull(e);
        Directory.CreateDirectory(directory);
        ReportFont.Use();
        var written = new List<string>();
        string Path_(string name) => Path.Combine(directory, name);

        File.WriteAllText(Path_("explanation.json"), ExplanationWriter.ToJson(e).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        written.Add(Path_("explanation.json"));

        PianoRoll.WritePng(Path_("piano-roll.png"), melody, new PianoRollOptions
        {
            NoteValues = [.. e.Notes.Select(n => n.Probability)], ValueLabel = "probability under the model",
            Title = $"{melody.Info.Title ?? "melody"}: each note coloured by the model's probability",
        });
        written.Add(Path_("piano-roll.png"));

        var curve = new Plot();
        var line = curve.Add.Scatter(e.TokenSurprisal.Select(p => p.Time).ToArray(), e.TokenSurprisal.Select(p => p.Bits).ToArray());
        line.LegendText = "every token";
        line.MarkerSize = 0;
        line.LineWidth = 1;
        var notes = curve.Add.Scatter(e.Notes.Select(n => n.Start).ToArray(), e.Notes.Select(n => n.SurprisalBits).ToArray());
        notes.LegendText = "note onsets";
        notes.LineWidth = 0;
        notes.MarkerSize = 7;
        for (int b = 1; b < Math.Max(1, melody.BarCount); b++) curve.Add.VerticalLine(melody.BarStart(b).ToQuarterDouble(), 1, Colors.Gray.WithAlpha(0.4));
        curve.Title("Surprisal: how unexpected each step was (bits)");
        curve.XLabel("time (quarter notes)");
        curve.YLabel("bits");
        curve.ShowLegend(Alignment.UpperRight);
        curve.SavePng(Path_("surprisal.png"), 1000, 380);
        written.Add(Path_("surprisal.png"));

        var matrix = e.AttentionByNote ?? AttributionMatrix(e);
        if (matrix.Length > 0)
        {
            int n = matrix.Length;
            var data = new double[n, n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) data[i, j] = matrix[i][j];
            var heat = new Plot();
            var map = heat.Add.Heatmap(data);
            map.Colormap = new ScottPlot.Colormaps.Viridis();
            heat.Add.ColorBar(map);
            heat.Title(e.AttentionByNote is null ? "Saliency: which earlier notes each note drew on" : "Attention rollout: which earlier notes each note attended to");
            heat.XLabel("earlier note");
            heat.YLabel("note (top row = first note)");
            heat.SavePng(Path_("attribution.png"), 720, 640);
            written.Add(Path_("attribution.png"));
        }

        File.WriteAllText(Path_("index.html"), Html(melody, e, written.Contains(Path_("attribution.png"))));
        written.Add(Path_("index.html"));
        return written;
    }

    private static double[][] AttributionMatrix(MelodyExplanation e)
    {
        if (e.Notes.All(n => n.Saliency is null)) return [];
        var m = e.Notes.Select(_ => new double[e.Notes.Count]).ToArray();
        foreach (var n in e.Notes)
            foreach (var a in n.Saliency ?? []) m[n.Index][a.Note] = a.Share;
        return m;
    }

    private static string Html(Melody melody, MelodyExplanation e, bool attribution)
    {
        string H(string s) => WebUtility.HtmlEncode(s);
        var abc = AbcWriter.Write(melody);
        var w = new StringBuilder();
        w.AppendLine("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Melos explanation</title>");
        w.AppendLine("<style>body{font-family:sans-serif;max-width:1040px;margin:2em auto;color:#222}img{max-width:100%;border:1px solid #ddd}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:left}pre{background:#f6f6f6;padding:1em}</style></head><body>");
        w.AppendLine($"<h1>Why the model chose each note: {H(melody.Info.Title ?? "melody")}</h1>");
        w.AppendLine(string.Create(Ci, $"<p id=\"summary\">{e.Notes.Count} notes in {e.Bars.Count} bars, scored by the <b>{H(e.Model)}</b> model: {e.TotalBits:0.0} bits in all, <b>{e.BitsPerNote:0.00} bits per note</b>. The model's first choice for {e.Notes.Count(n => n.Rank == 1)} of {e.Notes.Count} notes.</p>"));
        w.AppendLine("<h2>Notes coloured by probability</h2><img src=\"piano-roll.png\" alt=\"piano roll coloured by probability\">");
        w.AppendLine("<h2>Surprisal over time</h2><img src=\"surprisal.png\" alt=\"surprisal curve\">");
        if (e.Repetitions.Count > 0)
        {
            w.AppendLine("<h2>Repetitions</h2><ul id=\"repetitions\">");
            foreach (var r in e.Repetitions) w.AppendLine($"<li>{H(r.Text)}</li>");
            w.AppendLine("</ul>");
        }
        w.AppendLine("<h2>Most surprising notes</h2><table id=\"surprising\"><tr><th>note</th><th>bar</th><th>at (quarters)</th><th>pitch</th><th>probability</th><th>rank</th><th>bits</th><th>the model expected</th><th>drew on</th></tr>");
        foreach (var i in e.MostSurprising.Take(12))
        {
            var n = e.Notes[i];
            string alt = string.Join(", ", n.Alternatives.Take(3).Select(a => string.Create(Ci, $"{a.Token} {a.Probability:0.00}")));
            string drew = string.Join(", ", (n.Attention ?? n.Saliency ?? []).Take(3).Select(a => string.Create(Ci, $"{e.Notes[a.Note].Pitch} (bar {e.Notes[a.Note].Bar}) {a.Share:P0}")));
            w.AppendLine(string.Create(Ci, $"<tr><td>{n.Index}</td><td>{n.Bar}</td><td>{n.Start:0.##}</td><td>{H(n.Pitch.ToString())}</td><td>{n.Probability:0.000}</td><td>{n.Rank}</td><td>{n.SurprisalBits:0.0}</td><td>{H(alt)}</td><td>{H(drew)}</td></tr>"));
        }
        w.AppendLine("</table>");
        if (attribution) w.AppendLine("<h2>Which earlier notes each note drew on</h2><img src=\"attribution.png\" alt=\"attribution heat map\">");
        w.AppendLine("<h2>Bars</h2><table id=\"bars\"><tr><th>bar</th><th>notes</th><th>note bits</th><th>all bits</th></tr>");
        foreach (var b in e.Bars) w.AppendLine(string.Create(Ci, $"<tr><td>{b.Bar}</td><td>{b.Notes}</td><td>{b.NoteSurprisalBits:0.0}</td><td>{b.TokenSurprisalBits:0.0}</td></tr>"));
        w.AppendLine("</table>");
        w.AppendLine($"<h2>The melody in ABC</h2><pre id=\"abc\">{H(abc)}</pre>");
        w.AppendLine("<p>Details for every note (alternatives, attributions, influence of chord, key and style) are in <a href=\"explanation.json\">explanation.json</a>.</p>");
        w.AppendLine("</body></html>");
        return w.ToString();
    }
}
