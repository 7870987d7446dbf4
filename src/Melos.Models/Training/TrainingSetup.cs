using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using Melos.Data.Tokenizers;
using Melos.Music;

namespace Melos.Models.Training;

/// <summary>The configurations of a training run, as read from a JSON file over an architecture's defaults.</summary>
/// <param name="Model">The network (or n-gram).</param>
/// <param name="Tokenizer">The tokenizer.</param>
/// <param name="Training">The optimisation settings.</param>
public sealed record TrainingConfigs(ModelConfig Model, TokenizerConfig Tokenizer, TrainingConfig Training);

/// <summary>How many melodies a tokenizer can write, why the others do not fit, and the token count of each that fits.</summary>
/// <param name="Fits">Melodies the tokenizer writes.</param>
/// <param name="Reasons">The others, counted by reason (for example "longer than the tokenizer can write").</param>
/// <param name="TokenCounts">The token count of each melody that fits.</param>
public sealed record TokenizerFit(int Fits, ImmutableSortedDictionary<string, int> Reasons, ImmutableArray<int> TokenCounts)
{
    /// <summary>Melodies that do not fit.</summary>
    public int Skipped => Reasons.Values.Sum();
}

/// <summary>The setup of a training run before its first step: configuration files, what fits the tokenizer, the step budget.</summary>
public static class TrainingSetup
{
    /// <summary>
    /// The architecture's default configurations, overridden by the optional JSON file's <c>"model"</c>, <c>"tokenizer"</c>
    /// and <c>"training"</c> objects (fields not given keep their defaults).
    /// </summary>
    /// <param name="path">The JSON file, or null for the defaults.</param>
    /// <param name="architecture">lstm, transformer or ngram.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="FormatException">The file is not JSON, or not a JSON object.</exception>
    /// <exception cref="InvalidConfigurationException">A field is impossible; the message names it.</exception>
    public static TrainingConfigs LoadConfig(string? path, string architecture)
    {
        ModelConfig model = TrainingRun.DefaultConfig(architecture);
        TokenizerConfig tokenizer = new GridTokenizerConfig();
        var training = new TrainingConfig();
        if (path is null) return new TrainingConfigs(model, tokenizer, training);
        if (!File.Exists(path)) throw new FileNotFoundException($"config file not found: {path}", path);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: not valid JSON at line {e.LineNumber + 1}: {e.Message}", e);
        }
        if (root is not JsonObject obj) throw new FormatException($"{path}: expected a JSON object with \"model\", \"tokenizer\" or \"training\"");
        if (obj["model"] is JsonObject m)
        {
            var merged = JsonNode.Parse(model.ToJson())!.AsObject();
            foreach (var (k, v) in m) merged[k] = v?.DeepClone();
            merged["architecture"] = architecture;
            model = ModelConfig.FromJson(merged.ToJsonString());
        }
        if (obj["tokenizer"] is JsonObject t) tokenizer = TokenizerConfig.FromJson(t.ToJsonString());
        if (obj["training"] is JsonObject tr)
        {
            var merged = JsonSerializer.SerializeToNode(training, TokenizerConfig.JsonOptions)!.AsObject();
            foreach (var (k, v) in tr) merged[k] = v?.DeepClone();
            training = merged.Deserialize<TrainingConfig>(TokenizerConfig.JsonOptions)!;
        }
        model.Validate();
        training.Validate();
        return new TrainingConfigs(model, tokenizer, training);
    }

    /// <summary>Which melodies the tokenizer can write, and why the others cannot (counted by reason).</summary>
    public static TokenizerFit Fit(IReadOnlyList<Melody> melodies, TokenizerConfig tokenizerConfig)
    {
        ArgumentNullException.ThrowIfNull(melodies);
        ArgumentNullException.ThrowIfNull(tokenizerConfig);
        var tokenizer = tokenizerConfig.Create();
        var reasons = ImmutableSortedDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        var counts = ImmutableArray.CreateBuilder<int>();
        foreach (var m in melodies)
        {
            if (tokenizer.TryEncode(m, out var tokens, out var error)) { counts.Add(tokens!.Count); continue; }
            string reason = TokenizationException.Describe(error?.Kind);
            reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
        }
        return new TokenizerFit(counts.Count, reasons.ToImmutable(), counts.ToImmutable());
    }

    /// <summary>Batches per epoch of the training windows of melodies of these token counts.</summary>
    public static int StepsPerEpoch(IReadOnlyList<int> tokenCounts, TrainingConfig training)
    {
        ArgumentNullException.ThrowIfNull(tokenCounts);
        ArgumentNullException.ThrowIfNull(training);
        long windows = tokenCounts.Sum(count => (long)Math.Max(1, (count - 2) / training.MaxSequenceLength + 1));
        return (int)Math.Max(1, (windows + training.BatchSize - 1) / training.BatchSize);
    }

    /// <summary>
    /// The step budget of <paramref name="epochs"/> passes (or <paramref name="steps"/> when given), with validation every
    /// tenth and a checkpoint every fifth of the run at most (so that short runs still validate and checkpoint).
    /// </summary>
    public static TrainingConfig WithBudget(TrainingConfig training, TokenizerFit fit, int? epochs, int? steps)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(fit);
        if (steps is { } s) training = training with { MaxSteps = s };
        else if (epochs is { } n)
        {
            if (n < 1) throw new ArgumentOutOfRangeException(nameof(epochs), n, "epochs must be at least 1");
            training = training with { MaxSteps = Math.Max(1, n * StepsPerEpoch(fit.TokenCounts, training)) };
        }
        return training with
        {
            EvaluateEvery = Math.Clamp(training.MaxSteps / 10, 1, training.EvaluateEvery),
            CheckpointEvery = Math.Clamp(training.MaxSteps / 5, 1, training.CheckpointEvery),
        };
    }
}
