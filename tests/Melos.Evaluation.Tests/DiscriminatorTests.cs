using Melos.Data.Corpus;
using Melos.Data.Sources;
using Melos.Music;
using Melos.Tests;

namespace Melos.Evaluation.Tests;

public sealed class DiscriminatorTests
{
    private static readonly DiscriminatorOptions Quick = new() { Folds = 4, Epochs = 12, Seed = 3 };

    [Fact]
    public void Tells_random_notes_from_stepwise_tunes_almost_always()
    {
        var rng = new Random(1);
        var real = Enumerable.Range(0, 32).Select(_ => Tunes.Stepwise(rng, 4)).ToList();
        var random = Enumerable.Range(0, 32).Select(_ => Tunes.RandomNotes(rng, 4)).ToList();
        var r = Discriminator.CrossValidate(real, random, Quick);
        Assert.True(r.Accuracy >= 0.9, $"accuracy {r.Accuracy}");
        Assert.Equal(32, r.MelodiesPerClass);
        Assert.Equal(64, r.Predictions);
        Assert.Equal(4, r.FoldAccuracies.Length);
        Assert.InRange(r.Accuracy, r.Ci95Low, r.Ci95High);
    }

    [Fact]
    public void Cannot_tell_two_samples_of_the_same_kind_of_tune_apart()
    {
        var rng = new Random(2);
        var a = Enumerable.Range(0, 32).Select(_ => Tunes.Stepwise(rng, 4)).ToList();
        var b = Enumerable.Range(0, 40).Select(_ => Tunes.Stepwise(rng, 4)).ToList();
        var r = Discriminator.CrossValidate(a, b, Quick);
        Assert.Equal(32, r.MelodiesPerClass); // the larger set is subsampled
        Assert.True(r.Ci95Low <= 0.5 && 0.5 <= r.Ci95High, $"accuracy {r.Accuracy} [{r.Ci95Low}, {r.Ci95High}]");
    }

    [Fact]
    public void Same_seed_same_accuracy_and_too_few_melodies_is_refused()
    {
        var rng = new Random(4);
        var a = Enumerable.Range(0, 8).Select(_ => Tunes.Stepwise(rng, 2)).ToList();
        var b = Enumerable.Range(0, 8).Select(_ => Tunes.RandomNotes(rng, 2)).ToList();
        var options = new DiscriminatorOptions { Folds = 2, Epochs = 3, Seed = 9 };
        Assert.Equal(Discriminator.CrossValidate(a, b, options).FoldAccuracies.ToArray(), Discriminator.CrossValidate(a, b, options).FoldAccuracies.ToArray());
        var e = Assert.Throws<TooFewMelodiesException>(() => Discriminator.CrossValidate(a.Take(1).ToList(), b, options));
        Assert.Equal("the real set has 1 usable melodies; the 2-fold discriminator needs at least 2", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DiscriminatorOptions { Folds = 1 });
    }

    [Fact]
    public void Several_runs_average_the_runs_seeded_one_after_another()
    {
        var rng = new Random(5);
        var a = Enumerable.Range(0, 12).Select(_ => Tunes.Stepwise(rng, 2)).ToList();
        var b = Enumerable.Range(0, 12).Select(_ => Tunes.RandomNotes(rng, 2)).ToList();
        var one = new DiscriminatorOptions { Folds = 3, Epochs = 2, Seed = 11 };
        var r11 = Discriminator.CrossValidate(a, b, one);
        var r12 = Discriminator.CrossValidate(a, b, one with { Seed = 12 });
        var both = Discriminator.CrossValidate(a, b, one with { Runs = 2 });
        Assert.Equal([r11.Accuracy, r12.Accuracy], both.RunAccuracies.ToArray());
        Assert.Equal((r11.Accuracy + r12.Accuracy) / 2, both.Accuracy, 12);
        Assert.Equal(r11.FoldAccuracies.ToArray(), both.FoldAccuracies.ToArray());
        Assert.Equal(r11.Predictions, both.Predictions);
        Assert.True(both.Ci95Low <= both.Accuracy && both.Accuracy <= both.Ci95High);
        Assert.Equal([r11.Accuracy], r11.RunAccuracies.ToArray());
        var calls = new List<(int Done, int Total)>();
        Discriminator.CrossValidate(a, b, one with { Runs = 2 }, (d, t) => calls.Add((d, t)));
        Assert.Equal(Enumerable.Range(1, 6).Select(i => (i, 6)), calls);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DiscriminatorOptions { Runs = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new DiscriminatorOptions { Runs = 21 });
    }

    [Fact]
    public void Valid_outputs_follow_the_convolution_arithmetic()
    {
        // Kernels (12, 6), (8, 2), (8, 2): 770 tokens -> 127 -> 60 -> 27 positions.
        Assert.Equal(27, TokenCnn.ValidOutputs(770));
        Assert.Equal(1, TokenCnn.ValidOutputs(TokenCnn.MinLength));
        Assert.Equal(1, TokenCnn.ValidOutputs(5));
        Assert.Equal(138, TokenCnn.MinLength);
    }

    /// <summary>The check on real music: near 100% on random notes vs Nottingham, near 50% on Nottingham vs Nottingham.</summary>
    [DatasetFact]
    public void On_nottingham_random_notes_are_caught_and_two_real_splits_are_not_told_apart()
    {
        var corpus = new CorpusBuilder(TuneSources.Default).Build(new CorpusBuildOptions
        {
            Inputs = [Datasets.PathOf("nottingham", "ABC_cleaned", "jigs.abc"), Datasets.PathOf("nottingham", "ABC_cleaned", "reelsa-c.abc")],
        });
        var melodies = MelodySet.Create("nottingham", corpus.Entries.Select(e => e.Melody)).Crop(8).Melodies;
        Assert.True(melodies.Length >= 200, $"{melodies.Length} melodies");
        // Two random halves of the same tunes.
        var shuffled = melodies.OrderBy(_ => 0).ToArray();
        new Random(7).Shuffle(shuffled);
        var first = shuffled.Take(60).ToList();
        var second = shuffled.Skip(60).Take(60).ToList();
        var options = new DiscriminatorOptions { Folds = 5, Epochs = 15, Seed = 1 };

        var rng = new Random(6);
        var random = Enumerable.Range(0, 60).Select(_ => Tunes.RandomNotes(rng, 8)).ToList();
        var easy = Discriminator.CrossValidate(first, random, options);
        Assert.True(easy.Accuracy >= 0.95, $"random vs real: {easy.Accuracy}");

        var same = Discriminator.CrossValidate(first, second, options);
        // 120 held-out predictions: chance alone moves the accuracy by about 0.045 (one standard deviation).
        Assert.True(Math.Abs(same.Accuracy - 0.5) <= 0.15, $"real vs real: {same.Accuracy} [{same.Ci95Low}, {same.Ci95High}]");
    }
}
