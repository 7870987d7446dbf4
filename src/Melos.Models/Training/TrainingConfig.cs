using System.Text.Json.Serialization;
using Melos.Data.Tokenizers;

namespace Melos.Models.Training;

/// <summary>Optimisation settings of <see cref="Trainer"/> (saved in every checkpoint).</summary>
public sealed record TrainingConfig
{
    /// <summary>The format version this code writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The format version.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>Seeds the initial weights, the data order and the dropout masks.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>Peak learning rate (reached after warmup).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>The learning rate at the end of the cosine decay, as a fraction of the peak.</summary>
    public double FinalLearningRateRatio { get; init; } = 0.1;

    /// <summary>AdamW decoupled weight decay.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Steps of linear warmup from near zero to <see cref="LearningRate"/>.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>The total number of optimisation steps.</summary>
    public int MaxSteps { get; init; } = 2000;

    /// <summary>Sequences (windows) per batch.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Longer sequences are cut into windows of this many predicted tokens.</summary>
    public int MaxSequenceLength { get; init; } = 256;

    /// <summary>The gradient norm is clipped to this value (0 = no clipping).</summary>
    public double GradientClip { get; init; } = 1.0;

    /// <summary>Validation loss is computed every this many steps (and at the end).</summary>
    public int EvaluateEvery { get; init; } = 200;

    /// <summary>A checkpoint is written every this many steps (and at the end), when a folder is given.</summary>
    public int CheckpointEvery { get; init; } = 500;

    /// <summary>Early stopping: stop after this many validations without improvement (0 = never stop early).</summary>
    public int Patience { get; init; } = 5;

    /// <summary>A training-log line and a progress report every this many steps.</summary>
    public int LogEvery { get; init; } = 10;

    /// <summary>
    /// Batch windows of similar length together (within chunks of 16 batches of the shuffled order, then the batches
    /// shuffled), so that whole tunes of very different lengths do not pad each batch to its longest. Deterministic in
    /// the seed and the epoch like the plain order.
    /// </summary>
    public bool BucketByLength { get; init; }

    /// <summary>Checks every field.</summary>
    /// <exception cref="InvalidConfigurationException">A field is impossible; the message names it.</exception>
    public void Validate()
    {
        InvalidConfigurationException.Require(FormatVersion == CurrentFormatVersion, nameof(FormatVersion), $"is {FormatVersion}; this code reads version {CurrentFormatVersion}");
        InvalidConfigurationException.Require(LearningRate > 0 && double.IsFinite(LearningRate), nameof(LearningRate), $"{LearningRate} must be positive");
        InvalidConfigurationException.Require(FinalLearningRateRatio is >= 0 and <= 1, nameof(FinalLearningRateRatio), $"{FinalLearningRateRatio} must be in [0, 1]");
        InvalidConfigurationException.Require(WeightDecay >= 0, nameof(WeightDecay), $"{WeightDecay} cannot be negative");
        InvalidConfigurationException.Require(WarmupSteps >= 0, nameof(WarmupSteps), $"{WarmupSteps} cannot be negative");
        InvalidConfigurationException.Require(MaxSteps >= 1, nameof(MaxSteps), $"{MaxSteps} must be at least 1");
        InvalidConfigurationException.Require(BatchSize >= 1, nameof(BatchSize), $"{BatchSize} must be at least 1");
        InvalidConfigurationException.Require(MaxSequenceLength >= 1, nameof(MaxSequenceLength), $"{MaxSequenceLength} must be at least 1");
        InvalidConfigurationException.Require(GradientClip >= 0, nameof(GradientClip), $"{GradientClip} cannot be negative");
        InvalidConfigurationException.Require(EvaluateEvery >= 1, nameof(EvaluateEvery), $"{EvaluateEvery} must be at least 1");
        InvalidConfigurationException.Require(CheckpointEvery >= 1, nameof(CheckpointEvery), $"{CheckpointEvery} must be at least 1");
        InvalidConfigurationException.Require(Patience >= 0, nameof(Patience), $"{Patience} cannot be negative");
        InvalidConfigurationException.Require(LogEvery >= 1, nameof(LogEvery), $"{LogEvery} must be at least 1");
    }

    /// <summary>The learning rate of step <paramref name="step"/> (0-based): linear warmup, then cosine decay.</summary>
    public double LearningRateAt(int step)
    {
        if (step < WarmupSteps) return LearningRate * (step + 1) / WarmupSteps;
        double progress = Math.Min(1.0, (double)(step - WarmupSteps) / Math.Max(1, MaxSteps - WarmupSteps));
        double floor = LearningRate * FinalLearningRateRatio;
        return floor + (LearningRate - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}

/// <summary>Where training is: step and data counters, the early-stopping record and the last losses (saved in checkpoints).</summary>
public sealed record TrainingState
{
    /// <summary>Optimisation steps taken.</summary>
    public int Step { get; init; }

    /// <summary>The current pass over the training windows (0-based).</summary>
    public int Epoch { get; init; }

    /// <summary>The next batch inside the epoch.</summary>
    public int BatchInEpoch { get; init; }

    /// <summary>Training tokens seen.</summary>
    public long Tokens { get; init; }

    /// <summary>The best validation loss so far (nats per token), or null before the first validation.</summary>
    public double? BestValidationLoss { get; init; }

    /// <summary>The step of the best validation loss.</summary>
    public int BestStep { get; init; }

    /// <summary>Validations since the best one.</summary>
    public int ValidationsWithoutImprovement { get; init; }

    /// <summary>The mean training loss of the last logged steps.</summary>
    public double? TrainLoss { get; init; }

    /// <summary>The last validation loss.</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>Why training stopped (<c>max-steps</c>, <c>early-stopping</c>, <c>cancelled</c>), or null while it can go on.</summary>
    public string? StopReason { get; init; }

    /// <summary>True when the finished run's weights were reset to those of its best validation (the last validation was worse).</summary>
    public bool RestoredBestWeights { get; init; }

    /// <summary>True when training reached its end (<see cref="StopReason"/> is set and is not cancellation).</summary>
    [JsonIgnore]
    public bool Finished => StopReason is "max-steps" or "early-stopping";
}

/// <summary>A progress report, for a progress bar.</summary>
/// <param name="Step">Steps taken.</param>
/// <param name="MaxSteps">Steps planned.</param>
/// <param name="Epoch">The current epoch.</param>
/// <param name="Loss">Mean training loss (nats per token) since the last report.</param>
/// <param name="LearningRate">The learning rate of the last step.</param>
/// <param name="TokensPerSecond">Training tokens per second in this run.</param>
/// <param name="Elapsed">Time spent in this run.</param>
/// <param name="Eta">Estimated time to <paramref name="MaxSteps"/>.</param>
/// <param name="ValidationLoss">The validation loss when this report follows a validation, else null.</param>
public sealed record TrainingProgress(int Step, int MaxSteps, int Epoch, double Loss, double LearningRate, double TokensPerSecond,
    TimeSpan Elapsed, TimeSpan Eta, double? ValidationLoss);
