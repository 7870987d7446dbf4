using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using Melos.Data.Tokenizers;
using Melos.Models.Training;
using Melos.Music;

namespace Melos.Models.Vae;

/// <summary>What a VAE training run produced.</summary>
/// <param name="OutputDirectory">The checkpoint folder.</param>
/// <param name="State">The final training state.</param>
/// <param name="Validation">The final model on the validation windows, or null without any.</param>
/// <param name="TrainWindows">Training windows used.</param>
/// <param name="ValidWindows">Validation windows used.</param>
/// <param name="Discarded">Training melodies and windows left out, by reason.</param>
public sealed record VaeTrainingOutcome(string OutputDirectory, TrainingState State, VaeMetrics? Validation, int TrainWindows, int ValidWindows,
    ImmutableSortedDictionary<string, int> Discarded)
{
    /// <summary>The outcome in the form the model card takes (windows counted as sequences; left-out melodies as skipped).</summary>
    public TrainingOutcome AsTrainingOutcome() =>
        new(OutputDirectory, State, null, TrainWindows, Discarded.Where(kv => kv.Key.StartsWith("melodies", StringComparison.Ordinal)).Sum(kv => kv.Value), 0);

    /// <summary>The shared card's line on training melodies, said of windows for a VAE.</summary>
    public static string FixCard(string card, VaeTrainingOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(outcome);
        var lines = card.Split('\n');
        for (int i = 0; i < lines.Length; i++)
            if (lines[i].StartsWith("- Training melodies used:", StringComparison.Ordinal))
                lines[i] = string.Create(CultureInfo.InvariantCulture,
                    $"- Training windows used: {outcome.TrainWindows}; training melodies left out: {outcome.Discarded.Where(kv => kv.Key.StartsWith("melodies", StringComparison.Ordinal)).Sum(kv => kv.Value)} (see below).");
        return string.Join('\n', lines);
    }

    /// <summary>The VAE section of the model card (Markdown).</summary>
    public string CardSection(VaeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var ci = CultureInfo.InvariantCulture;
        var sb = new System.Text.StringBuilder();
        sb.AppendLine().AppendLine("## Variational autoencoder").AppendLine();
        sb.AppendLine(string.Create(ci, $"- Windows of {config.Bars} bars of {config.Meter}, {config.StepsPerBar} grid steps per bar; latent of {config.LatentSize} dimensions; {(config.Hierarchical ? "hierarchical decoder (a conductor per bar)" : "flat decoder")}; free bits {config.FreeBits}, KL weight annealed to {config.MaxBeta} over {config.BetaWarmupSteps} steps."));
        sb.AppendLine(string.Create(ci, $"- Training windows: {TrainWindows} (one starting at every bar); validation windows: {ValidWindows}."));
        foreach (var (reason, n) in Discarded) sb.AppendLine(string.Create(ci, $"- Left out: {n} {reason}."));
        if (Validation is { } v)
            sb.AppendLine(string.Create(ci, $"- Validation from the mean latent: token accuracy {v.TokenAccuracy:0.000} (teacher-forced), reconstruction {v.Reconstruction:0.00} nats per window, KL {v.Kl:0.00} nats per window."));
        sb.AppendLine("- Use: `melos interpolate A B --model <this folder>`, `melos similar FILE --corpus C`, `melos generate --model <this folder> --bars " + config.Bars.ToString(ci) + "`.");
        return sb.ToString();
    }
}

/// <summary>One call from melodies to a saved VAE checkpoint: windows, step budget, training, validation.</summary>
public static class VaeTraining
{
    /// <summary>The step budget: <paramref name="steps"/> when given, else <paramref name="epochs"/> passes over the windows, else the configuration's.</summary>
    public static TrainingConfig WithBudget(TrainingConfig training, int windows, int? epochs, int? steps)
    {
        ArgumentNullException.ThrowIfNull(training);
        if (steps is { } s) training = training with { MaxSteps = s };
        else if (epochs is { } e)
        {
            if (e < 1) throw new ArgumentOutOfRangeException(nameof(epochs), e, "epochs must be at least 1");
            training = training with { MaxSteps = Math.Max(1, e * ((windows + training.BatchSize - 1) / training.BatchSize)) };
        }
        return training with
        {
            EvaluateEvery = Math.Clamp(training.MaxSteps / 10, 1, training.EvaluateEvery),
            CheckpointEvery = Math.Clamp(training.MaxSteps / 5, 1, training.CheckpointEvery),
        };
    }

    /// <summary>The most validation windows a run measures (an even sample of them when there are more).</summary>
    public const int MaxValidationWindows = 512;

    /// <summary>An even sample of at most <paramref name="max"/> items, in order.</summary>
    public static IReadOnlyList<T> Sample<T>(IReadOnlyList<T> items, int max)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count <= max) return items;
        return [.. Enumerable.Range(0, max).Select(i => items[(int)((long)i * items.Count / max)])];
    }

    /// <summary>Cuts the windows, trains a fresh VAE and writes its checkpoint.</summary>
    /// <exception cref="ArgumentException">No training window.</exception>
    public static VaeTrainingOutcome Run(IReadOnlyList<Melody> train, IReadOnlyList<Melody> valid, VaeConfig config, TrainingConfig training,
        int? epochs, int? steps, string directory, Action<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(valid);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(training);
        config.Validate();
        training.Validate();
        var tokenizerConfig = VaeWindows.Tokenizer(config);
        var tokenizer = new GridTokenizer(tokenizerConfig);
        var trainSet = VaeWindows.Extract(train, config, tokenizer);
        var validSet = VaeWindows.Extract(valid, config, tokenizer);
        // Validation runs every tenth of the budget; an even sample of at most MaxValidationWindows keeps it cheap.
        var validWindows = Sample(validSet.Windows, MaxValidationWindows);
        if (trainSet.Windows.Count == 0)
            throw new ArgumentException($"None of the {train.Count} training melodies gives a window of {config.Bars} bars of {config.Meter}.", nameof(train));
        training = WithBudget(training, trainSet.Windows.Count, epochs, steps);
        var vocabulary = ConditioningVocabulary.FromMelodies(train.Where(m => m.Meters.All(x => x.Meter.ToString() == config.Meter)), tokenizerConfig.StepsPerQuarter);
        TorchSharp.torch.manual_seed(training.Seed);
        using var model = new MelodyVae(config, tokenizer.VocabularySize, tokenizer.Bos);
        using var trainer = new VaeTrainer(model, training, tokenizerConfig, vocabulary) { Progress = progress };
        trainer.ExtraMetrics["trainWindows"] = trainSet.Windows.Count;
        trainer.ExtraMetrics["validWindows"] = validWindows.Count;
        var left = new JsonObject();
        foreach (var (k, v) in trainSet.Discarded) left[k] = v;
        trainer.ExtraMetrics["trainLeftOut"] = left;
        var state = trainer.Train(trainSet.Windows, validWindows, directory, cancellation);
        return new VaeTrainingOutcome(directory, state, trainer.Validation, trainSet.Windows.Count, validWindows.Count, trainSet.Discarded);
    }
}
