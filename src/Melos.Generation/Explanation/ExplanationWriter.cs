using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Melos.Generation.Explanation;

/// <summary>
/// Writes an explanation as JSON and as plain text. The report folder with pictures and an HTML page is
/// <c>Melos.Reports.ExplanationReport</c>, beside the plotting library.
/// </summary>
public static class ExplanationWriter
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    /// <summary>
    /// The explanation as JSON: <c>model</c>, <c>tokens</c>, <c>totalBits</c>, <c>bitsPerNote</c>, <c>notes</c> (each with
    /// <c>pitch</c>, <c>midi</c>, <c>start</c> in quarters, <c>bar</c>, <c>probability</c>, <c>rank</c>,
    /// <c>surprisalBits</c>, <c>entropyBits</c>, <c>alternatives</c>, <c>saliency</c>, <c>attention</c>, <c>influence</c>),
    /// <c>bars</c>, <c>mostSurprising</c> and <c>repetitions</c>.
    /// </summary>
    public static JsonObject ToJson(MelodyExplanation e)
    {
        ArgumentNullException.ThrowIfNull(e);
        static JsonArray Attributions(IReadOnlyList<Attribution>? list) =>
            [.. (list ?? []).Select(a => (JsonNode)new JsonObject { ["note"] = a.Note, ["share"] = Math.Round(a.Share, 6) })];
        return new JsonObject
        {
            ["model"] = e.Model,
            ["tokens"] = e.Tokens,
            ["totalBits"] = e.TotalBits,
            ["bitsPerNote"] = e.BitsPerNote,
            ["notes"] = new JsonArray([.. e.Notes.Select(n => (JsonNode)new JsonObject
            {
                ["index"] = n.Index,
                ["pitch"] = n.Pitch.ToString(),
                ["midi"] = n.Pitch.Number,
                ["start"] = n.Start,
                ["bar"] = n.Bar,
                ["probability"] = n.Probability,
                ["rank"] = n.Rank,
                ["surprisalBits"] = n.SurprisalBits,
                ["entropyBits"] = n.EntropyBits,
                ["alternatives"] = new JsonArray([.. n.Alternatives.Select(a => (JsonNode)new JsonObject { ["token"] = a.Token, ["probability"] = a.Probability })]),
                ["saliency"] = n.Saliency is null ? null : Attributions(n.Saliency),
                ["attention"] = n.Attention is null ? null : Attributions(n.Attention),
                ["influence"] = n.Influence is not { } i ? null : new JsonObject
                {
                    ["chordBits"] = i.ChordBits, ["keyBits"] = i.KeyBits, ["styleBits"] = i.StyleBits, ["outOfKeyMass"] = i.OutOfKeyMass,
                },
            })]),
            ["bars"] = new JsonArray([.. e.Bars.Select(b => (JsonNode)new JsonObject
            {
                ["bar"] = b.Bar, ["notes"] = b.Notes, ["noteSurprisalBits"] = b.NoteSurprisalBits, ["tokenSurprisalBits"] = b.TokenSurprisalBits,
            })]),
            ["mostSurprising"] = new JsonArray([.. e.MostSurprising.Select(i => (JsonNode)i)]),
            ["repetitions"] = new JsonArray([.. e.Repetitions.Select(r => (JsonNode)new JsonObject
            {
                ["bar"] = r.Bar, ["sourceBar"] = r.SourceBar, ["semitones"] = r.Semitones, ["attributionShare"] = r.AttributionShare,
                ["drewOnSource"] = r.DrewOnSource, ["text"] = r.Text,
            })]),
        };
    }

    /// <summary>A short plain-text account: totals, the most surprising notes with what else the model expected, repetitions.</summary>
    public static string ToText(MelodyExplanation e, int most = 8)
    {
        ArgumentNullException.ThrowIfNull(e);
        var w = new StringBuilder();
        w.AppendLine(string.Create(Ci, $"{e.Notes.Count} notes, {e.Bars.Count} bars under the {e.Model} model: {e.TotalBits:0.0} bits in all, {e.BitsPerNote:0.00} bits per note"));
        if (e.Notes.Count > 0)
        {
            w.AppendLine(string.Create(Ci, $"mean note probability {e.Notes.Average(n => n.Probability):0.00}; the model's first choice for {e.Notes.Count(n => n.Rank == 1)} of {e.Notes.Count} notes"));
            w.AppendLine("most surprising notes:");
            w.AppendLine("  note  bar  at(q)  pitch  p       bits   expected instead");
            foreach (var i in e.MostSurprising.Take(most))
            {
                var n = e.Notes[i];
                string alt = string.Join(", ", n.Alternatives.Take(3).Select(a => string.Create(Ci, $"{a.Token} {a.Probability:0.00}")));
                string drew = n.Saliency is { Count: > 0 } s ? string.Create(Ci, $"; drew most on note {s[0].Note} ({e.Notes[s[0].Note].Pitch}, bar {e.Notes[s[0].Note].Bar})") : "";
                w.AppendLine(string.Create(Ci, $"  {n.Index,4}  {n.Bar,3}  {n.Start,5:0.##}  {n.Pitch,-5}  {n.Probability,6:0.000}  {n.SurprisalBits,5:0.0}  {alt}{drew}"));
            }
        }
        foreach (var r in e.Repetitions) w.AppendLine(r.Text);
        return w.ToString();
    }
}
