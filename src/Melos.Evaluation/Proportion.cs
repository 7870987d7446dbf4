namespace Melos.Evaluation;

/// <summary>Confidence intervals for a proportion.</summary>
public static class Proportion
{
    /// <summary>The normal quantile of a two-sided 95% interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>
    /// The Wilson score interval of <paramref name="successes"/> out of <paramref name="trials"/>: it stays inside [0, 1]
    /// and keeps its coverage near 0 and 1, where the normal interval does not.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">No trials, or successes outside 0..trials.</exception>
    public static (double Low, double High) Wilson(int successes, int trials, double z = Z95)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        double n = trials, p = successes / n, z2 = z * z;
        double center = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
        return (Math.Max(0, center - half), Math.Min(1, center + half));
    }
}
