using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Melos.Data.Corpus;
using Melos.Data.Statistics;
using Melos.Formats;

namespace Melos.Models.Training;

/// <summary>
/// What a trained model folder says about itself: the corpus it was trained on (recorded in <c>config.json</c>) and
/// <c>model-card.md</c> (architecture, run, data with each collection's licence from the corpus header, validation
/// metrics, intended use, the data's biases).
/// </summary>
public static class ModelCard
{
    /// <summary>The card's file name in a model folder.</summary>
    public const string FileName = "model-card.md";

    /// <summary>What a card says of a collection whose licence the corpus does not record.</summary>
    public const string UnknownLicence = "unknown: check the source before redistributing outputs";

    /// <summary>Adds the corpus's identity to the folder's <c>config.json</c> and writes <c>model-card.md</c> beside it.</summary>
    /// <param name="directory">The model folder (holding config.json).</param>
    /// <param name="architecture">lstm, transformer or ngram.</param>
    /// <param name="corpusPath">The corpus file trained on.</param>
    /// <param name="data">Its contents.</param>
    /// <param name="outcome">The training run's outcome.</param>
    /// <param name="elapsed">The run's wall time.</param>
    /// <param name="balance">The balancing attribute, if any.</param>
    public static void Write(string directory, string architecture, string corpusPath, CorpusData data, TrainingOutcome outcome, TimeSpan elapsed, string? balance)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(outcome);
        var configPath = Path.Combine(directory, Checkpoint.ConfigFile);
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["corpus"] = new JsonObject
        {
            ["file"] = Path.GetFileName(corpusPath),
            ["contentHash"] = data.Header.ContentHash,
            ["melodies"] = data.Entries.Count,
            ["collections"] = new JsonArray([.. data.Entries.Select(e => e.Collection).Distinct().Order().Select(c => (JsonNode)c)]),
            ["balance"] = balance,
        };
        config["trainSeconds"] = Math.Round(elapsed.TotalSeconds, 1);
        AtomicFile.WriteAllBytes(configPath, Encoding.UTF8.GetBytes(config.ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
        AtomicFile.WriteAllBytes(Path.Combine(directory, FileName), Encoding.UTF8.GetBytes(Text(architecture, corpusPath, data, outcome, elapsed)));
    }

    /// <summary>The card's Markdown.</summary>
    public static string Text(string architecture, string corpusPath, CorpusData data, TrainingOutcome outcome, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(outcome);
        var ci = CultureInfo.InvariantCulture;
        var stats = CorpusStatistics.Compute(data.Entries, data.Summary);
        var sb = new StringBuilder();
        sb.AppendLine($"# Model card: {architecture} on {Path.GetFileName(corpusPath)}").AppendLine();
        sb.AppendLine("## Model").AppendLine();
        sb.AppendLine($"- Architecture: {architecture}; configuration in `config.json` (`model`, `tokenizer`, `training`).");
        sb.AppendLine(string.Create(ci, $"- Trained for {outcome.State?.Step.ToString(ci) ?? "n/a (counted, not trained)"} steps in {elapsed.TotalMinutes:0.0} minutes; stopped: {outcome.State?.StopReason ?? (outcome.State is null ? "fitted" : "interrupted")}."));
        sb.AppendLine(string.Create(ci, $"- Training melodies used: {outcome.TrainSequences}; skipped (outside the tokenizer's range or grid): {outcome.SkippedTrain}.")).AppendLine();
        sb.AppendLine("## Data").AppendLine();
        sb.AppendLine(string.Create(ci, $"Corpus `{Path.GetFileName(corpusPath)}` (content hash {data.Header.ContentHash}): {data.Entries.Count} melodies; splits {string.Join(", ", data.Summary.BySplit.Select(kv => $"{kv.Key.ToLowerInvariant()} {kv.Value}"))}.")).AppendLine();
        sb.AppendLine("| collection | melodies | licence |").AppendLine("|---|---|---|");
        foreach (var (c, n) in stats.ByCollection)
            sb.AppendLine($"| {c} | {n} | {data.Header.Licences.GetValueOrDefault(c, UnknownLicence)} |");
        sb.AppendLine().AppendLine("Licences come from the corpus (`melos corpus build --licence COLLECTION=TEXT`, or a `licence` in a collection's `melos.json`).");
        sb.AppendLine().AppendLine("## Metrics (validation split)").AppendLine();
        if (outcome.Validation is { } r)
            sb.AppendLine(string.Create(ci, $"{r.Overall.NllPerToken:0.0000} nats per token, {r.Overall.BitsPerNote:0.000} bits per note, perplexity {r.Overall.Perplexity:0.000}, next-token accuracy {r.Overall.Accuracy:0.000}. Measure the test split with `melos evaluate --model <this folder> --corpus {Path.GetFileName(corpusPath)}`."));
        else sb.AppendLine("No validation melodies.");
        sb.AppendLine().AppendLine("## Intended use").AppendLine();
        sb.AppendLine("Generating melody ideas in the style of the training data, and research on melody models. Outputs may reproduce passages of training tunes; check novelty before publishing generated music, and respect the data licences above.");
        sb.AppendLine().AppendLine("## Known biases of the training data").AppendLine();
        foreach (var w in stats.Warnings) sb.AppendLine($"- {w}");
        if (stats.Warnings.Count == 0) sb.AppendLine("- None flagged by `melos corpus stats`.");
        return sb.ToString();
    }
}
