using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Melos.Formats;
using Melos.Generation.Tuning;
using Melos.Models;
using Melos.Music;

namespace Melos.Evaluation.Tuning;

/// <summary>What was measured on one model of a tuning run.</summary>
/// <param name="Name">"original" or "tuned".</param>
/// <param name="Rules">Each reward rule's violations on the samples.</param>
/// <param name="MeanReward">The samples' mean reward.</param>
/// <param name="MeanOverlapArea">The Yang and Lerch mean overlap area of the samples against the test split (NaN when not defined).</param>
/// <param name="FourBarCopied">The share of the samples' 4-bar windows copied from the train split (null when not defined).</param>
/// <param name="TestNllPerToken">The test-split NLL in nats per token.</param>
/// <param name="TestBitsPerNote">The test-split NLL in bits per note.</param>
/// <param name="TestMelodies">Test melodies measured (those the tokenizer could encode).</param>
/// <param name="KlPerToken">The mean KL to the original per token on the samples (null for the original).</param>
/// <param name="Melodies">The samples.</param>
public sealed record TuningMeasurement(string Name, IReadOnlyList<RuleSummary> Rules, double MeanReward, double MeanOverlapArea, double? FourBarCopied,
    double TestNllPerToken, double TestBitsPerNote, int TestMelodies, double? KlPerToken, IReadOnlyList<Melody> Melodies);

/// <summary>The before/after result of a tuning run: what <c>melos tune</c> prints and writes with <c>--report</c>.</summary>
/// <param name="Model">The original model folder.</param>
/// <param name="Out">The tuned model folder.</param>
/// <param name="Reward">The reward specification.</param>
/// <param name="Config">The tuner's settings.</param>
/// <param name="State">Where the tuning stopped.</param>
/// <param name="Elapsed">The time the tuning took.</param>
/// <param name="Samples">Melodies sampled before and after.</param>
/// <param name="Bars">Bars per sampled melody.</param>
/// <param name="Before">The original model's measurement.</param>
/// <param name="After">The tuned model's measurement.</param>
public sealed record TuningReport(string Model, string Out, string Reward, TuningConfig Config, TuningState State, TimeSpan Elapsed, int Samples, int Bars,
    TuningMeasurement Before, TuningMeasurement After)
{
    /// <summary>The report file (JSON).</summary>
    public const string JsonFile = "report.json";

    /// <summary>The report file (Markdown).</summary>
    public const string MarkdownFile = "report.md";

    /// <summary>The relative change of the test NLL per token, (after − before) / before.</summary>
    public double TestNllRelativeChange => (After.TestNllPerToken - Before.TestNllPerToken) / Before.TestNllPerToken;

    /// <summary>The report table's column headers.</summary>
    public static IReadOnlyList<string> Columns { get; } = ["measure", "original", "tuned", "change"];

    /// <summary>The report table's rows (measure, original, tuned, change), as printed and written to <see cref="MarkdownFile"/>.</summary>
    public IEnumerable<string[]> Rows()
    {
        var ci = CultureInfo.InvariantCulture;
        for (int i = 0; i < Before.Rules.Count; i++)
        {
            var b = Before.Rules[i];
            var a = After.Rules[i];
            yield return [$"{b.Name} (w {b.Weight.ToString(ci)}) violation rate", Pct(b.ViolationRate), Pct(a.ViolationRate), Change(b.ViolationRate, a.ViolationRate)];
        }
        yield return ["mean reward", Before.MeanReward.ToString("0.000", ci), After.MeanReward.ToString("0.000", ci), Change(Before.MeanReward, After.MeanReward)];
        yield return ["mean overlap area vs test", Num(Before.MeanOverlapArea), Num(After.MeanOverlapArea),
            double.IsNaN(Before.MeanOverlapArea + After.MeanOverlapArea) ? "" : Change(Before.MeanOverlapArea, After.MeanOverlapArea)];
        yield return ["4-bar windows copied from train", Before.FourBarCopied is { } fb ? Pct(fb) : "-", After.FourBarCopied is { } fa ? Pct(fa) : "-", ""];
        yield return ["test NLL (nats/token)", Before.TestNllPerToken.ToString("0.0000", ci), After.TestNllPerToken.ToString("0.0000", ci), Change(Before.TestNllPerToken, After.TestNllPerToken)];
        yield return ["test bits/note", Before.TestBitsPerNote.ToString("0.000", ci), After.TestBitsPerNote.ToString("0.000", ci), Change(Before.TestBitsPerNote, After.TestBitsPerNote)];
        yield return ["KL to original per token (samples)", "0", After.KlPerToken is { } k ? k.ToString("0.00000", ci) : "-", ""];
    }

    /// <summary>A relative change in percent with its sign ("+12.5%"), "0" from 0 to 0 and "new" from 0 to something.</summary>
    public static string Change(double before, double after) =>
        before == 0 ? (after == 0 ? "0" : "new") : ((after - before) / before * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + "%";

    private static string Pct(double v) => (100 * v).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Num(double v) => double.IsNaN(v) ? "-" : v.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>The <see cref="JsonFile"/> document.</summary>
    public JsonObject ToJson()
    {
        static JsonObject M(TuningMeasurement m) => new()
        {
            ["rules"] = new JsonArray([.. m.Rules.Select(s => (JsonNode)new JsonObject
            {
                ["name"] = s.Name, ["weight"] = s.Weight, ["checks"] = s.Pooled.Checks, ["violations"] = s.Pooled.Violations,
                ["violationRate"] = s.ViolationRate, ["satisfactionRate"] = s.SatisfactionRate, ["melodiesWithViolation"] = s.MelodiesWithViolation,
            })]),
            ["meanReward"] = m.MeanReward,
            ["meanOverlapArea"] = double.IsNaN(m.MeanOverlapArea) ? null : m.MeanOverlapArea,
            ["fourBarCopied"] = m.FourBarCopied,
            ["testNllPerToken"] = m.TestNllPerToken,
            ["testBitsPerNote"] = m.TestBitsPerNote,
            ["testMelodies"] = m.TestMelodies,
            ["klPerToken"] = m.KlPerToken,
        };
        return new JsonObject
        {
            ["model"] = Model,
            ["out"] = Out,
            ["reward"] = Reward,
            ["config"] = JsonSerializer.SerializeToNode(Config, ModelConfig.JsonOptions),
            ["steps"] = State.Step,
            ["stopReason"] = State.StopReason,
            ["seconds"] = Math.Round(Elapsed.TotalSeconds, 1),
            ["samples"] = Samples,
            ["bars"] = Bars,
            ["before"] = M(Before),
            ["after"] = M(After),
            ["testNllRelativeChange"] = TestNllRelativeChange,
        };
    }

    /// <summary>The <see cref="MarkdownFile"/> text: the settings and the table.</summary>
    public string ToMarkdown()
    {
        var ci = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(string.Create(ci, $"# RL tuning of {Model}")).AppendLine();
        md.AppendLine(string.Create(ci, $"Reward `{Reward}`, KL weight {Config.Kl}, {State.Step} steps of {Config.BatchSize} melodies, learning rate {Config.LearningRate}, seed {Config.Seed}; {Samples} melodies of {Bars} bars before and after (same requests and seeds).")).AppendLine();
        md.AppendLine("| " + string.Join(" | ", Columns) + " |").AppendLine("|---|---|---|---|");
        foreach (var row in Rows()) md.AppendLine("| " + string.Join(" | ", row) + " |");
        return md.ToString();
    }

    /// <summary>
    /// Writes <see cref="JsonFile"/>, <see cref="MarkdownFile"/> and the samples as MIDI files (<c>before/melody-001.mid</c>,
    /// <c>after/melody-001.mid</c>, ...) into <paramref name="dir"/>, creating it.
    /// </summary>
    /// <param name="dir">The report folder.</param>
    /// <param name="formats">Where the MIDI format comes from (<see cref="FormatRegistry.Default"/> when null).</param>
    public void Write(string dir, FormatRegistry? formats = null)
    {
        formats ??= FormatRegistry.Default;
        Directory.CreateDirectory(dir);
        var ci = CultureInfo.InvariantCulture;
        File.WriteAllText(Path.Combine(dir, JsonFile), ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(Path.Combine(dir, MarkdownFile), ToMarkdown());
        foreach (var (m, sub) in new[] { (Before, "before"), (After, "after") })
        {
            var folder = Path.Combine(dir, sub);
            Directory.CreateDirectory(folder);
            for (int i = 0; i < m.Melodies.Count; i++) formats.Write(Path.Combine(folder, string.Create(ci, $"melody-{i + 1:000}") + MelodyFormat.Midi.Ending), m.Melodies[i]);
        }
    }
}
