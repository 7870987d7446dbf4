using System.Collections.Immutable;

namespace Melos.Evaluation;

/// <summary>
/// A one-dimensional Gaussian kernel density estimate with Scott's bandwidth, as <c>scipy.stats.gaussian_kde</c> makes
/// it: <c>h = s * n^(-1/5)</c> with <c>s</c> the sample standard deviation (n - 1 in the denominator). When every sample
/// is the same (s = 0) the bandwidth falls back to <see cref="DegenerateBandwidth"/>, so a point mass stays a narrow peak.
/// </summary>
public sealed class GaussianKde
{
    /// <summary>The bandwidth used when the samples do not vary: 0.001 times the larger of 1 and the samples' magnitude.</summary>
    public static double DegenerateBandwidth(double value) => 1e-3 * Math.Max(1, Math.Abs(value));

    private readonly double[] _sorted;

    /// <summary>Fits the estimate.</summary>
    /// <exception cref="ArgumentException">No samples, or a sample is not finite.</exception>
    public GaussianKde(IEnumerable<double> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        _sorted = [.. samples];
        if (_sorted.Length == 0) throw new ArgumentException("A density estimate needs at least one sample.", nameof(samples));
        if (_sorted.Any(x => !double.IsFinite(x))) throw new ArgumentException("Every sample must be a finite number.", nameof(samples));
        Array.Sort(_sorted);
        double mean = _sorted.Average();
        double sd = _sorted.Length < 2 ? 0 : Math.Sqrt(_sorted.Sum(x => (x - mean) * (x - mean)) / (_sorted.Length - 1));
        Mean = mean;
        StandardDeviation = sd;
        Bandwidth = sd > 1e-12 * Math.Max(1, Math.Abs(mean)) ? sd * Math.Pow(_sorted.Length, -0.2) : DegenerateBandwidth(mean);
    }

    /// <summary>The number of samples.</summary>
    public int Count => _sorted.Length;

    /// <summary>The smallest sample.</summary>
    public double Min => _sorted[0];

    /// <summary>The largest sample.</summary>
    public double Max => _sorted[^1];

    /// <summary>The samples' mean.</summary>
    public double Mean { get; }

    /// <summary>The samples' standard deviation (n - 1 in the denominator).</summary>
    public double StandardDeviation { get; }

    /// <summary>The kernel's standard deviation.</summary>
    public double Bandwidth { get; }

    /// <summary>The density at <paramref name="x"/>, summing every kernel within 8 bandwidths.</summary>
    public double Density(double x)
    {
        double h = Bandwidth, reach = 8 * h, sum = 0;
        int i = LowerBound(x - reach);
        for (; i < _sorted.Length && _sorted[i] <= x + reach; i++)
        {
            double z = (x - _sorted[i]) / h;
            sum += Math.Exp(-0.5 * z * z);
        }
        return sum / (_sorted.Length * h * Math.Sqrt(2 * Math.PI));
    }

    /// <summary>
    /// The density at every point of an evenly spaced grid. Exact (every kernel within 8 bandwidths of each point) when
    /// that is cheap; otherwise the samples are first linearly binned onto the grid and the bins convolved with the
    /// kernel, which is accurate to a small fraction of a percent when the grid step is at most a quarter bandwidth
    /// (as <see cref="DensityGrid"/> makes it).
    /// </summary>
    public double[] Evaluate(DensityGrid grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var result = new double[grid.Count];
        double h = Bandwidth, reach = 8 * h;
        // Kernels in reach of a grid point, summed over points, is about n * (2 reach / step) when samples are dense.
        double exactCost = (double)_sorted.Length * Math.Min(grid.Count, 2 * reach / grid.Step + 1);
        if (exactCost <= 4e6 || grid.Step > h / 4)
        {
            for (int j = 0; j < grid.Count; j++) result[j] = Density(grid.At(j));
            return result;
        }
        var bins = new double[grid.Count];
        foreach (var x in _sorted)
        {
            double pos = (x - grid.Start) / grid.Step;
            int k = (int)Math.Floor(pos);
            double frac = pos - k;
            if (k >= 0 && k < bins.Length) bins[k] += 1 - frac;
            if (k + 1 >= 0 && k + 1 < bins.Length) bins[k + 1] += frac;
        }
        int width = (int)Math.Ceiling(reach / grid.Step);
        var kernel = new double[width + 1];
        double norm = 1.0 / (_sorted.Length * h * Math.Sqrt(2 * Math.PI));
        for (int d = 0; d <= width; d++)
        {
            double z = d * grid.Step / h;
            kernel[d] = Math.Exp(-0.5 * z * z) * norm;
        }
        for (int k = 0; k < bins.Length; k++)
        {
            double c = bins[k];
            if (c == 0) continue;
            int lo = Math.Max(0, k - width), hi = Math.Min(bins.Length - 1, k + width);
            for (int j = lo; j <= hi; j++) result[j] += c * kernel[Math.Abs(j - k)];
        }
        return result;
    }

    private int LowerBound(double x)
    {
        int lo = 0, hi = _sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_sorted[mid] < x) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}

/// <summary>Evenly spaced points <c>Start + i * Step</c>, i = 0..Count-1, on which densities are compared.</summary>
/// <param name="Start">The first point.</param>
/// <param name="Step">The spacing (positive).</param>
/// <param name="Count">The number of points (at least 2).</param>
public sealed record DensityGrid(double Start, double Step, int Count)
{
    /// <summary>The most points a grid gets.</summary>
    public const int MaxPoints = 1 << 16;

    /// <summary>The i-th point.</summary>
    public double At(int i) => Start + i * Step;

    /// <summary>Every point.</summary>
    public ImmutableArray<double> Points => [.. Enumerable.Range(0, Count).Select(At)];

    /// <summary>
    /// A grid covering every estimate to 6 bandwidths beyond its extreme samples, with a step of a quarter of the
    /// narrowest bandwidth (at least 512 and at most <see cref="MaxPoints"/> points).
    /// </summary>
    public static DensityGrid Covering(params GaussianKde[] estimates)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        if (estimates.Length == 0) throw new ArgumentException("At least one estimate is needed.", nameof(estimates));
        double lo = estimates.Min(e => e.Min - 6 * e.Bandwidth);
        double hi = estimates.Max(e => e.Max + 6 * e.Bandwidth);
        double step = estimates.Min(e => e.Bandwidth) / 4;
        int count = (int)Math.Clamp(Math.Ceiling((hi - lo) / step) + 1, 512, MaxPoints);
        return new DensityGrid(lo, (hi - lo) / (count - 1), count);
    }
}

/// <summary>How two densities on one grid compare: their overlap area and the Kullback-Leibler divergence.</summary>
public static class DensityComparison
{
    /// <summary>The smallest density used in <see cref="KlDivergence"/>, so a gap in <c>q</c> gives a large but finite value.</summary>
    public const double Floor = 1e-10;

    /// <summary>The area under the smaller of the two densities (trapezoid rule): 1 for identical densities, 0 for disjoint ones.</summary>
    public static double OverlapArea(IReadOnlyList<double> p, IReadOnlyList<double> q, DensityGrid grid)
    {
        Check(p, q, grid);
        double area = 0;
        for (int i = 1; i < grid.Count; i++)
            area += 0.5 * (Math.Min(p[i - 1], q[i - 1]) + Math.Min(p[i], q[i])) * grid.Step;
        return Math.Clamp(area, 0, 1);
    }

    /// <summary>
    /// KL(p || q) in nats over the grid points: both densities are floored at <see cref="Floor"/>, normalized to sum to 1
    /// over the grid, and <c>sum p log(p / q)</c> is taken (as <c>scipy.stats.entropy</c> does on evaluated densities).
    /// </summary>
    public static double KlDivergence(IReadOnlyList<double> p, IReadOnlyList<double> q, DensityGrid grid)
    {
        Check(p, q, grid);
        double sp = 0, sq = 0;
        for (int i = 0; i < grid.Count; i++)
        {
            sp += Math.Max(p[i], Floor);
            sq += Math.Max(q[i], Floor);
        }
        double kl = 0;
        for (int i = 0; i < grid.Count; i++)
        {
            double a = Math.Max(p[i], Floor) / sp, b = Math.Max(q[i], Floor) / sq;
            kl += a * Math.Log(a / b);
        }
        return Math.Max(0, kl);
    }

    private static void Check(IReadOnlyList<double> p, IReadOnlyList<double> q, DensityGrid grid)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(grid);
        if (p.Count != grid.Count || q.Count != grid.Count)
            throw new ArgumentException($"Both densities need one value per grid point ({grid.Count}); got {p.Count} and {q.Count}.");
    }
}
