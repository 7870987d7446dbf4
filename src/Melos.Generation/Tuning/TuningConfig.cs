using System.Text.Json.Serialization;

namespace Melos.Generation.Tuning;

/// <summary>Settings of an RL tuning run (<see cref="RlTuner"/>). Saved in the checkpoint's <c>tuning.json</c>.</summary>
public sealed record TuningConfig
{
    /// <summary>The format version written to <c>tuning.json</c>.</summary>
    public int FormatVersion { get; init; } = 1;

    /// <summary>β, the weight of the KL penalty Σₜ KL(π ‖ prior) per melody against the reward (at least 0).</summary>
    public double Kl { get; init; } = 0.05;

    /// <summary>Optimisation steps (each samples <see cref="BatchSize"/> melodies).</summary>
    public int Steps { get; init; } = 150;

    /// <summary>Melodies sampled per step (at least 2: the baseline of each is the mean reward of the others).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Adam's learning rate (the default, with <see cref="Kl"/> 0.05 and 150 steps, is the measured run of bench/RESULTS.md, "RL tuning").</summary>
    public double LearningRate { get; init; } = 1.5e-4;

    /// <summary>Clip the gradient's global norm to this (0 for no clipping).</summary>
    public double GradientClip { get; init; } = 1.0;

    /// <summary>Seeds the choice of requests and the sampling of every step.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Write a checkpoint every this many steps (and when the run stops).</summary>
    public int CheckpointEvery { get; init; } = 50;

    /// <summary>Checks every field.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A field is out of range; the exception names it.</exception>
    public void Validate()
    {
        if (!double.IsFinite(Kl) || Kl < 0) throw new ArgumentOutOfRangeException(nameof(Kl), Kl, "The KL weight must be a finite number of at least 0.");
        if (Steps < 1) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "At least 1 step.");
        if (BatchSize < 2) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "At least 2 melodies per step (the baseline is the mean of the others).");
        if (!double.IsFinite(LearningRate) || LearningRate <= 0) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be greater than 0.");
        if (!double.IsFinite(GradientClip) || GradientClip < 0) throw new ArgumentOutOfRangeException(nameof(GradientClip), GradientClip, "The gradient clip must be at least 0.");
        if (CheckpointEvery < 1) throw new ArgumentOutOfRangeException(nameof(CheckpointEvery), CheckpointEvery, "At least 1.");
    }
}

/// <summary>Where a tuning run is. Saved in the checkpoint's <c>tuning.json</c>.</summary>
public sealed record TuningState
{
    /// <summary>Optimisation steps taken.</summary>
    public int Step { get; init; }

    /// <summary>The mean reward of the last step's samples.</summary>
    public double? Reward { get; init; }

    /// <summary>The mean KL(π ‖ prior) per token of the last step's samples (nats).</summary>
    public double? Kl { get; init; }

    /// <summary>The last step's loss.</summary>
    public double? Loss { get; init; }

    /// <summary>Why the run stopped (<c>max-steps</c>, <c>cancelled</c>), or null while it can continue.</summary>
    public string? StopReason { get; init; }

    /// <summary>True once all steps are taken.</summary>
    [JsonIgnore]
    public bool Finished => StopReason == "max-steps";
}

/// <summary>What a tuning run reports after each step.</summary>
/// <param name="Step">Steps taken.</param>
/// <param name="MaxSteps">The step budget.</param>
/// <param name="Reward">The mean reward of this step's samples.</param>
/// <param name="Kl">Their mean KL(π ‖ prior) per token (nats).</param>
/// <param name="Loss">The step's loss.</param>
/// <param name="Elapsed">Time since this run (or resumption) started.</param>
/// <param name="Eta">Estimated time to the last step.</param>
public readonly record struct TuningProgress(int Step, int MaxSteps, double Reward, double Kl, double Loss, TimeSpan Elapsed, TimeSpan Eta);
