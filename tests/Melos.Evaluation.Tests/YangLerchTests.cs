using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Melos.Music;

namespace Melos.Evaluation.Tests;

public sealed class YangLerchFeatureTests
{
    private static double[] Of(Melody m, YangLerchFeature f) => YangLerchFeatures.Compute(m, f);

    [Fact]
    public void C_major_scale_has_the_hand_computed_features()
    {
        var m = Tunes.CMajorScale;
        Assert.Equal([8.0], Of(m, YangLerchFeature.PitchCount));
        Assert.Equal([12.0], Of(m, YangLerchFeature.PitchRange));
        Assert.Equal([8.0], Of(m, YangLerchFeature.NoteCount));
        // Intervals 2 2 1 2 2 2 1 semitones over 7 steps.
        Assert.Equal(12.0 / 7, Of(m, YangLerchFeature.AveragePitchInterval)[0], 12);
        Assert.Equal(1.0, Of(m, YangLerchFeature.AverageInterOnsetInterval)[0], 12);

        var pch = Of(m, YangLerchFeature.PitchClassHistogram);
        Assert.Equal(2.0 / 8, pch[0], 12);
        foreach (int pc in new[] { 2, 4, 5, 7, 9, 11 }) Assert.Equal(1.0 / 8, pch[pc], 12);
        foreach (int pc in new[] { 1, 3, 6, 8, 10 }) Assert.Equal(0, pch[pc]);

        var pctm = Of(m, YangLerchFeature.PitchClassTransitionMatrix);
        int[] path = [0, 2, 4, 5, 7, 9, 11, 0];
        for (int i = 1; i < path.Length; i++) Assert.Equal(1.0 / 7, pctm[path[i - 1] * 12 + path[i]], 12);
        Assert.Equal(7, pctm.Count(v => v > 0));

        var nlh = Of(m, YangLerchFeature.NoteLengthHistogram);
        Assert.Equal(1.0, nlh[2]); // all quarters
        var nltm = Of(m, YangLerchFeature.NoteLengthTransitionMatrix);
        Assert.Equal(1.0, nltm[2 * 12 + 2], 12);
    }

    [Fact]
    public void Inter_onset_interval_counts_rests_and_lengths_fall_in_the_nearest_mgeval_class()
    {
        // Onsets 0, 1.5, 4: mean IOI 2 quarters.
        var m = Tunes.Of("C4:3/2 D4/2 r:2 E4:1/3");
        Assert.Equal(2.0, Of(m, YangLerchFeature.AverageInterOnsetInterval)[0], 12);
        var nlh = Of(m, YangLerchFeature.NoteLengthHistogram);
        Assert.Equal(1.0 / 3, nlh[6], 12);  // dotted quarter
        Assert.Equal(1.0 / 3, nlh[3], 12);  // eighth
        Assert.Equal(1.0 / 3, nlh[11], 12); // eighth triplet
        Assert.Equal(0, YangLerchFeatures.LengthClass(Duration.FromQuarters(5)));     // longer than a whole: whole
        Assert.Equal(2, YangLerchFeatures.LengthClass(Duration.FromQuarters(7, 8)));  // 0.875: as near a quarter as a dotted eighth; the first class wins
        Assert.Equal(9, YangLerchFeatures.LengthClass(Duration.FromQuarters(4, 3)));  // half triplet
    }

    private static Arbitrary<Melody> Melodies() =>
        Gen.Choose(1, 60).SelectMany(n => Gen.ArrayOf(Gen.Zip(Gen.Choose(40, 90), Gen.Choose(1, 16)), n))
            .Select(notes =>
            {
                var list = new List<Note>();
                var t = Duration.Zero;
                foreach (var (p, len) in notes)
                {
                    list.Add(new Note(Pitch.FromMidi(p), t, Duration.FromQuarters(len, 4)));
                    t += Duration.FromQuarters(len, 4);
                }
                return Melody.Create(list);
            }).ToArbitrary();

    private sealed class MelodyArbitrary
    {
        public static Arbitrary<Melody> Melody() => Melodies();
    }

    [Property(Arbitrary = [typeof(MelodyArbitrary)], MaxTest = 60)]
    public void Histograms_and_matrices_sum_to_one_and_pitch_classes_ignore_octaves(Melody m)
    {
        Assert.Equal(1.0, Of(m, YangLerchFeature.PitchClassHistogram).Sum(), 9);
        Assert.Equal(1.0, Of(m, YangLerchFeature.NoteLengthHistogram).Sum(), 9);
        double expected = m.Notes.Length > 1 ? 1 : 0;
        Assert.Equal(expected, Of(m, YangLerchFeature.PitchClassTransitionMatrix).Sum(), 9);
        Assert.Equal(expected, Of(m, YangLerchFeature.NoteLengthTransitionMatrix).Sum(), 9);
        var up = m.Transpose(12);
        Assert.Equal(Of(m, YangLerchFeature.PitchClassHistogram), Of(up, YangLerchFeature.PitchClassHistogram));
        Assert.Equal(Of(m, YangLerchFeature.PitchClassTransitionMatrix), Of(up, YangLerchFeature.PitchClassTransitionMatrix));
        Assert.Equal(Of(m, YangLerchFeature.PitchRange), Of(up, YangLerchFeature.PitchRange));
    }

    [Fact]
    public void Distances_are_euclidean_over_every_pair()
    {
        double[][] set = [[1], [4], [6]];
        Assert.Equal([3.0, 5.0, 2.0], YangLerchComparison.IntraDistances(set));
        Assert.Equal([5.0, 2.0, 0.0], YangLerchComparison.InterDistances([[6.0]], set).Select(x => Math.Round(x, 12)));
        Assert.Equal(5.0, YangLerchComparison.Distance([0, 3], [4, 0]), 12);
        Assert.Throws<ArgumentException>(() => YangLerchComparison.Distance([1], [1, 2]));
    }

    [Fact]
    public void A_set_against_itself_overlaps_almost_fully_and_against_random_notes_far_less()
    {
        var rng = new Random(3);
        var folk = Enumerable.Range(0, 40).Select(_ => Tunes.Stepwise(rng, 4)).ToList();
        var same = YangLerchComparison.Compare(folk, folk);
        Assert.All(same, f => Assert.True(f.OverlapArea > 0.9, $"{f.Feature}: {f.OverlapArea}"));
        Assert.All(same, f => Assert.True(f.Kl < 0.05, $"{f.Feature}: {f.Kl}"));

        var random = Enumerable.Range(0, 40).Select(_ => Tunes.RandomNotes(rng, 4)).ToList();
        var diff = YangLerchComparison.Compare(random, folk);
        var byFeature = diff.ToDictionary(f => f.Feature);
        // Random lengths of 1 to 8 sixteenths against pairs of eighths and quarters: the rhythm features barely overlap.
        foreach (var f in new[] { YangLerchFeature.NoteCount, YangLerchFeature.AverageInterOnsetInterval, YangLerchFeature.NoteLengthHistogram, YangLerchFeature.NoteLengthTransitionMatrix })
            Assert.True(byFeature[f].OverlapArea < 0.1, $"{f}: {byFeature[f].OverlapArea}");
        // Random notes leap across three octaves; the stepwise tunes move by step.
        Assert.True(byFeature[YangLerchFeature.AveragePitchInterval].OverlapArea < 0.2);
        Assert.True(byFeature[YangLerchFeature.AveragePitchInterval].Kl > 1);
        Assert.True(diff.Average(f => f.OverlapArea) < same.Average(f => f.OverlapArea) - 0.3);
        // Each density integrates to one over the grid.
        foreach (var f in diff)
            foreach (var p in new[] { f.IntraReferenceDensity, f.IntraGeneratedDensity, f.InterDensity })
                Assert.Equal(1.0, p.Sum() * f.Grid.Step, 2);
    }
}

public sealed class KdeTests
{
    private static double Normal(double x, double mean, double sd) => Math.Exp(-0.5 * Math.Pow((x - mean) / sd, 2)) / (sd * Math.Sqrt(2 * Math.PI));

    [Fact]
    public void Bandwidth_is_scotts_rule_and_the_density_sums_the_kernels()
    {
        var kde = new GaussianKde([0, 2]);
        // s = sqrt(2) (n - 1 = 1), h = s * 2^(-1/5)
        double h = Math.Sqrt(2) * Math.Pow(2, -0.2);
        Assert.Equal(h, kde.Bandwidth, 12);
        Assert.Equal((Normal(1, 0, h) + Normal(1, 2, h)) / 2, kde.Density(1), 12);
        Assert.Equal((Normal(-0.5, 0, h) + Normal(-0.5, 2, h)) / 2, kde.Density(-0.5), 12);

        var five = new GaussianKde([0, 1, 2, 3, 4]);
        Assert.Equal(Math.Sqrt(2.5) * Math.Pow(5, -0.2), five.Bandwidth, 12);
        Assert.Equal(1e-3, new GaussianKde([0.5, 0.5, 0.5]).Bandwidth, 15);
        Assert.Throws<ArgumentException>(() => new GaussianKde([]));
        Assert.Throws<ArgumentException>(() => new GaussianKde([double.NaN]));
    }

    [Fact]
    public void Binned_evaluation_matches_the_exact_sum()
    {
        var rng = new Random(5);
        var samples = Enumerable.Range(0, 50_000).Select(_ => Math.Abs(rng.NextDouble() * 3 + rng.NextDouble() * rng.NextDouble() * 5)).ToArray();
        var kde = new GaussianKde(samples);
        var grid = DensityGrid.Covering(kde);
        var binned = kde.Evaluate(grid);
        double peak = binned.Max();
        for (int j = 0; j < grid.Count; j += 37)
            Assert.True(Math.Abs(binned[j] - kde.Density(grid.At(j))) < 2e-3 * peak, $"point {j}: {binned[j]} vs {kde.Density(grid.At(j))}");
        Assert.Equal(1.0, binned.Sum() * grid.Step, 3);
    }

    [Fact]
    public void Overlap_and_kl_of_two_normals_match_their_closed_forms()
    {
        var grid = new DensityGrid(-12, 0.001, 24_001);
        var p = grid.Points.Select(x => Normal(x, 0, 1)).ToArray();
        var q = grid.Points.Select(x => Normal(x, 1, 1)).ToArray();
        // Overlap of N(0,1) and N(1,1): 2 * Phi(-1/2) = 0.617075...; KL = (mu difference)^2 / 2 = 0.5 nats.
        Assert.Equal(0.6170750774519738, DensityComparison.OverlapArea(p, q, grid), 5);
        Assert.Equal(0.5, DensityComparison.KlDivergence(p, q, grid), 4);
        Assert.Equal(1.0, DensityComparison.OverlapArea(p, p, grid), 5);
        Assert.Equal(0.0, DensityComparison.KlDivergence(p, p, grid), 9);
        var far = grid.Points.Select(x => Normal(x, 9, 0.1)).ToArray();
        Assert.True(DensityComparison.OverlapArea(p, far, grid) < 1e-6);
        Assert.Throws<ArgumentException>(() => DensityComparison.OverlapArea(p, q.Take(10).ToArray(), grid));
    }
}
