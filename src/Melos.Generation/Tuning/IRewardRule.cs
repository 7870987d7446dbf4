using Melos.Music;

namespace Melos.Generation.Tuning;

/// <summary>
/// A musical rule that scores one melody: how many places the rule looked at (<see cref="RuleScore.Checks"/>) and how
/// many of them broke it (<see cref="RuleScore.Violations"/>). The melody carries its key and chords
/// (<see cref="Melody.Key"/>, <see cref="Melody.Chords"/>); a rule that needs one and finds none checks nothing.
/// Implement this interface and register the rule with <see cref="RewardRegistry.Register"/> to use it in
/// <c>melos tune --reward</c> or in <see cref="Reward"/>.
/// </summary>
public interface IRewardRule
{
    /// <summary>The name used in reward specifications (lower case, digits and hyphens, e.g. <c>in-key</c>).</summary>
    string Name { get; }

    /// <summary>One line saying what the rule rewards.</summary>
    string Description { get; }

    /// <summary>Scores a melody. Must be deterministic and free of side effects.</summary>
    RuleScore Score(Melody melody);
}

/// <summary>A rule's verdict on one melody (or, summed, on many).</summary>
public readonly record struct RuleScore
{
    /// <summary>Creates a verdict.</summary>
    /// <param name="checks">The places the rule looked at (notes, bars, leaps, ...).</param>
    /// <param name="violations">How many of them broke the rule (0..<paramref name="checks"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative or there are more violations than checks.</exception>
    public RuleScore(int checks, int violations)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(checks);
        if (violations < 0 || violations > checks)
            throw new ArgumentOutOfRangeException(nameof(violations), violations, $"Violations must be 0..{checks} (the checks).");
        Checks = checks;
        Violations = violations;
    }

    /// <summary>The places the rule looked at.</summary>
    public int Checks { get; }

    /// <summary>How many of them broke the rule.</summary>
    public int Violations { get; }

    /// <summary>Violations per check (0 when nothing was checked).</summary>
    public double ViolationRate => Checks == 0 ? 0 : (double)Violations / Checks;

    /// <summary>The score: 1 - <see cref="ViolationRate"/>, in [0, 1] (1 when nothing was checked).</summary>
    public double Satisfaction => 1 - ViolationRate;

    /// <summary>The pooled verdict of two scores.</summary>
    public static RuleScore operator +(RuleScore a, RuleScore b) => new(a.Checks + b.Checks, a.Violations + b.Violations);

    /// <inheritdoc/>
    public override string ToString() => $"{Violations}/{Checks} violations";
}
