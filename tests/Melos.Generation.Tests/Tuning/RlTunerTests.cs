using Melos.Generation.Tuning;
using Melos.Models;
using Melos.Models.Training;
using Melos.Music;
using TorchSharp;

namespace Melos.Generation.Tests.Tuning;

/// <summary>RL tuning of the tiny shared model (4 grid steps per quarter, 4-bar melodies: 64 tokens each).</summary>
public sealed class RlTunerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-tune-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static readonly GenerationRequest[] Requests =
    [
        new() { Bars = 4, Key = Key.CMajor, Pitches = new() { Chromatic = true }, Chords = [.. "C F G C".Split(' ').Select(c => (ProgressionChord)ChordSymbol.Parse(c))], Style = "reel" },
        new() { Bars = 4, Key = Key.Parse("G"), Pitches = new() { Chromatic = true }, Style = "waltz" },
    ];

    /// <summary>Fixed draws for measuring: the same requests and seeds before and after.</summary>
    private static readonly (int Request, int Seed)[] Probe = [.. Enumerable.Range(0, 48).Select(i => (i % Requests.Length, 5000 + i))];

    private static string ModelDir => TinyModel.Shared.Directory;

    private static double ViolationRate(RlTuner tuner, IRewardRule rule) =>
        tuner.Sample(Probe).Select(g => rule.Score(g.Melody)).Aggregate(new RuleScore(), (a, b) => a + b).ViolationRate;

    private static double Kl(RlTuner tuner) => tuner.MeanKl([.. Probe.Select(p => Requests[p.Request])], tuner.Sample(Probe));

    [Fact]
    public void TuningOnInKeyLowersItsViolationRateWithinSeconds()
    {
        var reward = RewardRegistry.CreateDefault().Parse("in-key=1");
        using var tuner = RlTuner.Start(ModelDir, reward, Requests, new TuningConfig { Steps = 40, BatchSize = 8, LearningRate = 1e-2, Kl = 0.01, Seed = 3 });
        double before = ViolationRate(tuner, new InKeyRule());
        var state = tuner.Train();
        double after = ViolationRate(tuner, new InKeyRule());
        Assert.Equal(40, state.Step);
        Assert.Equal("max-steps", state.StopReason);
        Assert.True(before > 0.1, $"the untuned tiny model should leave the key often when chromatic (violation rate {before:0.000})");
        Assert.True(after < before - 0.1, $"in-key violation rate {before:0.000} before, {after:0.000} after");
        Assert.Equal(40, tuner.Log.Count);
    }

    [Fact]
    public void WithZeroRewardTheKlTermPullsAPerturbedPolicyBackToThePrior()
    {
        var info = Checkpoint.ReadInfo(ModelDir);
        double Run(double kl, out double start)
        {
            var policy = Checkpoint.LoadTorchModel(ModelDir, info);
            var prior = Checkpoint.LoadTorchModel(ModelDir, info);
            torch.manual_seed(11);
            using (torch.no_grad())
                foreach (var p in policy.parameters()) p.add_(torch.randn_like(p) * 0.3f);
            using var tuner = new RlTuner(policy, prior, info, Reward.None, Requests,
                new TuningConfig { Steps = 30, BatchSize = 8, LearningRate = 3e-3, Kl = kl, Seed = 5 }, ownsModels: true);
            start = Kl(tuner);
            tuner.Train();
            return Kl(tuner);
        }
        double with = Run(1.0, out double start);
        double without = Run(0.0, out double start0);
        Assert.Equal(start, start0, 9);
        Assert.True(start > 0.02, $"the perturbation should move the policy away from the prior (KL {start:0.0000} nats/token)");
        // Zero reward and no KL term: the loss is 0, nothing moves.
        Assert.Equal(start, without, 6);
        Assert.True(with < start * 0.5, $"KL {start:0.0000} before, {with:0.0000} after 30 steps with the KL term");
    }

    [Fact]
    public void TheKlTermKeepsATunedModelNearTheOriginal()
    {
        var reward = RewardRegistry.CreateDefault().Parse("in-key=1");
        double Tune(double kl)
        {
            using var tuner = RlTuner.Start(ModelDir, reward, Requests, new TuningConfig { Steps = 30, BatchSize = 8, LearningRate = 3e-3, Kl = kl, Seed = 3 });
            Assert.Equal(0, Kl(tuner), 9);
            tuner.Train();
            return Kl(tuner);
        }
        double with = Tune(2.0);
        double without = Tune(0.0);
        Assert.True(with < 0.05, $"KL with the penalty: {with:0.0000} nats/token");
        Assert.True(without > 2 * with, $"KL without the penalty {without:0.0000}, with {with:0.0000}");
    }

    [Fact]
    public void AResumedRunEqualsAStraightOne()
    {
        var reward = RewardRegistry.CreateDefault().Parse("in-key=1,tonic-ends=0.5");
        var config = new TuningConfig { Steps = 4, BatchSize = 4, LearningRate = 1e-3, Seed = 9, CheckpointEvery = 2 };
        float[] straight;
        using (var tuner = RlTuner.Start(ModelDir, reward, Requests, config))
        {
            tuner.Train(Path.Combine(_dir, "straight"));
            straight = Weights(tuner.Policy);
        }
        var split = Path.Combine(_dir, "split");
        using (var first = RlTuner.Start(ModelDir, reward, Requests, config with { Steps = 2 }))
            Assert.Equal(2, first.Train(split).Step);
        using (var resumed = RlTuner.Resume(split, null, reward, Requests, steps: 4))
        {
            Assert.Equal(2, resumed.State.Step);
            Assert.Equal(4, resumed.Train(split).Step);
            var w = Weights(resumed.Policy);
            Assert.Equal(straight.Length, w.Length);
            for (int i = 0; i < w.Length; i++) Assert.Equal(straight[i], w[i], 5);
            Assert.Equal(4, File.ReadAllLines(Path.Combine(split, RlTuner.LogFile)).Length);
        }
        // The tuned folder is an ordinary model folder: generation loads it.
        using var generator = MelodyGenerator.Load(split);
        Assert.Equal(4, generator.Generate(Requests[0])[0].Melody.BarCount);
        Assert.Throws<RewardSpecException>(() => RlTuner.Resume(split, null, RewardRegistry.CreateDefault().Parse("in-key=1"), Requests));
    }

    [Fact]
    public void RefusesRequestsThatDoNotSamplePlainly()
    {
        var e = Assert.Throws<ArgumentException>(() => RlTuner.Start(ModelDir, Reward.None, [Requests[0] with { Sampling = new() { Temperature = 0.8 } }], new TuningConfig()));
        Assert.Contains("temperature 1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => RlTuner.Start(ModelDir, Reward.None, Requests, new TuningConfig { BatchSize = 1 }));
    }

    private static float[] Weights(TorchSequenceModel model) =>
        [.. model.parameters().SelectMany(p => p.detach().cpu().contiguous().data<float>().ToArray())];
}
