using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Melos.Music;

namespace Melos.Evaluation;

/// <summary>Mean, standard deviation (n - 1 in the denominator; 0 for one value), minimum and maximum of some values.</summary>
/// <param name="Mean">The mean.</param>
/// <param name="Sd">The standard deviation.</param>
/// <param name="Min">The smallest value.</param>
/// <param name="Max">The largest value.</param>
/// <param name="Count">How many values.</param>
public sealed record ValueSummary(double Mean, double Sd, double Min, double Max, int Count)
{
    /// <summary>The summary of the finite values (NaN ignored), or null when there are none.</summary>
    public static ValueSummary? Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var v = values.Where(double.IsFinite).ToArray();
        if (v.Length == 0) return null;
        double mean = v.Average();
        double sd = v.Length < 2 ? 0 : Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
        return new ValueSummary(mean, sd, v.Min(), v.Max(), v.Length);
    }
}

/// <summary>
/// One Yang and Lerch feature compared between a generated and a reference set: the intra-set distance distributions of
/// both sets, the inter-set distribution, and the overlap area and KL divergence of their density estimates.
/// </summary>
public sealed record FeatureComparison
{
    /// <summary>The feature.</summary>
    [JsonIgnore]
    public YangLerchFeature Feature { get; init; }

    /// <summary>Overlap area of the reference's intra-set distance density and the inter-set density (1 = the same).</summary>
    public required double OverlapArea { get; init; }

    /// <summary>KL(reference intra-set || inter-set) in nats (0 = the same).</summary>
    public required double Kl { get; init; }

    /// <summary>Overlap area of the generated set's intra-set density and the inter-set density.</summary>
    public required double GeneratedOverlapArea { get; init; }

    /// <summary>KL(generated intra-set || inter-set) in nats.</summary>
    public required double GeneratedKl { get; init; }

    /// <summary>The feature's value over the reference melodies (for vector features: the Euclidean norm; see the docs).</summary>
    public required ValueSummary? Reference { get; init; }

    /// <summary>The feature's value over the generated melodies.</summary>
    public required ValueSummary? Generated { get; init; }

    /// <summary>Distances between pairs of reference melodies.</summary>
    public required ValueSummary? IntraReference { get; init; }

    /// <summary>Distances between pairs of generated melodies.</summary>
    public required ValueSummary? IntraGenerated { get; init; }

    /// <summary>Distances from every generated to every reference melody.</summary>
    public required ValueSummary? Inter { get; init; }

    /// <summary>The grid the densities were evaluated on (for plots).</summary>
    [JsonIgnore]
    public DensityGrid Grid { get; init; } = new(0, 1, 2);

    /// <summary>The reference's intra-set density on <see cref="Grid"/>.</summary>
    [JsonIgnore]
    public ImmutableArray<double> IntraReferenceDensity { get; init; } = [];

    /// <summary>The generated set's intra-set density on <see cref="Grid"/>.</summary>
    [JsonIgnore]
    public ImmutableArray<double> IntraGeneratedDensity { get; init; } = [];

    /// <summary>The inter-set density on <see cref="Grid"/>.</summary>
    [JsonIgnore]
    public ImmutableArray<double> InterDensity { get; init; } = [];
}

/// <summary>
/// The Yang and Lerch (2019) protocol: for each feature, the Euclidean distance between the feature values of every pair
/// of melodies within each set (intra-set) and between every generated and every reference melody (inter-set); a
/// Gaussian KDE of each distance distribution (<see cref="GaussianKde"/>); then the overlap area and KL divergence of
/// the reference's intra-set density against the inter-set density, on one grid (<see cref="DensityGrid.Covering"/>).
/// </summary>
public static class YangLerchComparison
{
    /// <summary>Compares every feature. Melodies without notes are ignored; each set needs at least two melodies with notes.</summary>
    /// <exception cref="ArgumentException">A set has fewer than two melodies with notes.</exception>
    public static IReadOnlyList<FeatureComparison> Compare(IReadOnlyList<Melody> generated, IReadOnlyList<Melody> reference)
    {
        ArgumentNullException.ThrowIfNull(generated);
        ArgumentNullException.ThrowIfNull(reference);
        var gen = generated.Where(m => !m.Notes.IsEmpty).ToList();
        var refs = reference.Where(m => !m.Notes.IsEmpty).ToList();
        if (gen.Count < 2) throw new ArgumentException("The generated set needs at least two melodies with notes.", nameof(generated));
        if (refs.Count < 2) throw new ArgumentException("The reference set needs at least two melodies with notes.", nameof(reference));
        var results = new FeatureComparison[YangLerchFeatures.All.Length];
        Parallel.For(0, results.Length, i => results[i] = CompareFeature(YangLerchFeatures.All[i], gen, refs));
        return results;
    }

    /// <summary>Compares one feature.</summary>
    public static FeatureComparison CompareFeature(YangLerchFeature feature, IReadOnlyList<Melody> generated, IReadOnlyList<Melody> reference)
    {
        var g = generated.Select(m => YangLerchFeatures.Compute(m, feature)).ToArray();
        var r = reference.Select(m => YangLerchFeatures.Compute(m, feature)).ToArray();
        var intraRef = IntraDistances(r);
        var intraGen = IntraDistances(g);
        var inter = InterDistances(g, r);
        var kRef = new GaussianKde(intraRef);
        var kGen = new GaussianKde(intraGen);
        var kInter = new GaussianKde(inter);
        var grid = DensityGrid.Covering(kRef, kGen, kInter);
        var pRef = kRef.Evaluate(grid);
        var pGen = kGen.Evaluate(grid);
        var pInter = kInter.Evaluate(grid);
        return new FeatureComparison
        {
            Feature = feature,
            OverlapArea = DensityComparison.OverlapArea(pRef, pInter, grid),
            Kl = DensityComparison.KlDivergence(pRef, pInter, grid),
            GeneratedOverlapArea = DensityComparison.OverlapArea(pGen, pInter, grid),
            GeneratedKl = DensityComparison.KlDivergence(pGen, pInter, grid),
            Reference = ValueSummary.Of(r.Select(Magnitude)),
            Generated = ValueSummary.Of(g.Select(Magnitude)),
            IntraReference = ValueSummary.Of(intraRef),
            IntraGenerated = ValueSummary.Of(intraGen),
            Inter = ValueSummary.Of(inter),
            Grid = grid,
            IntraReferenceDensity = [.. pRef],
            IntraGeneratedDensity = [.. pGen],
            InterDensity = [.. pInter],
        };
    }

    /// <summary>The value of a scalar feature, or the Euclidean norm of a vector one.</summary>
    private static double Magnitude(double[] v) => v.Length == 1 ? v[0] : Math.Sqrt(v.Sum(x => x * x));

    /// <summary>Euclidean distance between two feature vectors of the same length.</summary>
    public static double Distance(double[] a, double[] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Length != b.Length) throw new ArgumentException("Feature vectors differ in length.", nameof(b));
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = a[i] - b[i];
            s += d * d;
        }
        return Math.Sqrt(s);
    }

    /// <summary>The distance of every unordered pair (i &lt; j) of a set: n(n-1)/2 values.</summary>
    public static double[] IntraDistances(IReadOnlyList<double[]> set)
    {
        ArgumentNullException.ThrowIfNull(set);
        int n = set.Count;
        var d = new double[n * (n - 1) / 2];
        int k = 0;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                d[k++] = Distance(set[i], set[j]);
        return d;
    }

    /// <summary>The distance of every (a, b) pair across two sets: |a| |b| values.</summary>
    public static double[] InterDistances(IReadOnlyList<double[]> a, IReadOnlyList<double[]> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var d = new double[a.Count * b.Count];
        int k = 0;
        foreach (var x in a)
            foreach (var y in b)
                d[k++] = Distance(x, y);
        return d;
    }
}
