using System.Text.Json.Nodes;
using Melos.Data.Tokenizers;
using Melos.Models.Training;
using TorchSharp;

namespace Melos.Models.Tests;

public sealed class TrainerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "melos-trainer-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static readonly LstmConfig TinyLstm = new() { EmbeddingSize = 16, Hidden = 32, Layers = 2, Dropout = 0.2, Attention = true, AttentionLength = 8, Lookback = true };
    private static readonly TransformerConfig TinyTransformer = new() { Layers = 2, Width = 32, Heads = 4, FeedForward = 64, Dropout = 0.1, MaxRelativeDistance = 32 };

    private static TrainingConfig Quick(int steps) => new()
    {
        Seed = 5, LearningRate = 3e-3, WarmupSteps = 5, MaxSteps = steps, BatchSize = 4, MaxSequenceLength = 48, EvaluateEvery = 10, CheckpointEvery = 1000, LogEvery = 5, Patience = 0,
    };

    private static float[] Parameters(TorchSequenceModel model) =>
        [.. model.parameters().SelectMany(p => p.detach().cpu().contiguous().data<float>().ToArray())];

    private static (TorchSequenceModel Model, Trainer Trainer) Fresh(ModelConfig config, TrainingConfig training, ITokenizer tokenizer)
    {
        var model = ModelFactory.Create(config, tokenizer, Toy.Vocabulary, training.Seed);
        return (model, new Trainer(model, training, tokenizer.Config, Toy.Vocabulary));
    }

    [Theory]
    [InlineData("lstm", false, 200, 0.01)]
    [InlineData("lstm", true, 400, 0.01)]
    [InlineData("transformer", false, 150, 0.003)]
    public void LossFallsWellBelowUniformOnALearnableCorpus(string architecture, bool attention, int steps, double learningRate)
    {
        var (tokenizer, data) = Toy.Riffs(12);
        ModelConfig config = architecture == "lstm"
            ? TinyLstm with { Attention = attention, Conditioning = ConditioningMode.Concat, Dropout = 0.1 }
            : TinyTransformer;
        var (model, trainer) = Fresh(config, Quick(steps) with { LearningRate = learningRate, WarmupSteps = 10, EvaluateEvery = 50 }, tokenizer);
        using (model)
        using (trainer)
        {
            double before = trainer.ValidationLoss(trainer.Windows(data));
            var state = trainer.Train(data, data);
            double uniform = Math.Log(tokenizer.VocabularySize);
            Assert.Equal("max-steps", state.StopReason);
            Assert.True(before > 0.8 * uniform, $"an untrained model should be near uniform: {before} vs {uniform}");
            Assert.True(state.ValidationLoss < 0.3 * uniform, $"{architecture}: loss {state.ValidationLoss} should fall well below uniform {uniform} (from {before})");
        }
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("transformer")]
    public void ResumingFromACheckpointContinuesWithIdenticalState(string architecture)
    {
        ModelConfig architectureConfig = architecture == "lstm" ? TinyLstm : TinyTransformer;
        var (tokenizer, data) = Toy.Riffs(10);
        var config = Quick(14) with { EvaluateEvery = 4 };
        var valid = data.Take(3).ToList();
        float[] straight;
        TrainingState straightState;
        var (m1, t1) = Fresh(architectureConfig, config, tokenizer);
        using (m1)
        using (t1)
        {
            straightState = t1.Train(data, valid);
            straight = Parameters(m1);
        }

        var dir = Path.Combine(_root, "resume");
        var (m2, t2) = Fresh(architectureConfig, config, tokenizer);
        using (m2)
        using (t2)
        {
            var interrupted = t2.Train(data, valid, dir, stopAtStep: 6);
            Assert.Equal(6, interrupted.Step);
            Assert.Equal("stop-at-step", interrupted.StopReason);
        }
        using var resumed = Trainer.Resume(dir, architecture);
        using var model = resumed.Model;
        Assert.Equal(6, resumed.State.Step);
        var final = resumed.Train(data, valid, dir);
        var continued = Parameters(model);
        Assert.Equal(straight.Length, continued.Length);
        for (int i = 0; i < straight.Length; i++) Assert.Equal(straight[i], continued[i], 1e-6);
        Assert.Equal(straightState with { TrainLoss = null }, final with { TrainLoss = null });
        Assert.Equal(straightState.ValidationLoss!.Value, final.ValidationLoss!.Value, 1e-6);
    }

    [Fact]
    public void SameSeedAndDataGiveTheSameWeights()
    {
        var (tokenizer, data) = Toy.Riffs(6);
        float[] Run(int seed)
        {
            var (m, t) = Fresh(TinyTransformer, Quick(6) with { Seed = seed }, tokenizer);
            using (m)
            using (t)
            {
                t.Train(data);
                return Parameters(m);
            }
        }
        var a = Run(1);
        Assert.Equal(a, Run(1));
        Assert.NotEqual(a, Run(2));
    }

    [Fact]
    public void CheckpointFolderHoldsConfigWeightsOptimizerAndLogAndNothingHalfWritten()
    {
        var (tokenizer, data) = Toy.Riffs(6);
        var dir = Path.Combine(_root, "ckpt");
        var reports = new List<TrainingProgress>();
        var (m, t) = Fresh(TinyTransformer, Quick(10) with { CheckpointEvery = 4 }, tokenizer);
        using (m)
        using (t)
        {
            t.Progress = reports.Add;
            t.Train(data, data.Take(2).ToList(), dir);
        }
        Assert.Equal([Checkpoint.BestWeightsFile, Checkpoint.ConfigFile, Checkpoint.OptimizerFile, Checkpoint.LogFile, Checkpoint.WeightsFile],
            Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(["ckpt"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, Checkpoint.ConfigFile)))!;
        Assert.Equal(1, config["formatVersion"]!.GetValue<int>());
        Assert.Equal("transformer", config["architecture"]!.GetValue<string>());
        Assert.Equal("grid", config["tokenizer"]!["kind"]!.GetValue<string>());
        Assert.Equal(10, config["state"]!["step"]!.GetValue<int>());
        Assert.Equal(5, config["seed"]!.GetValue<int>());
        var log = File.ReadAllLines(Path.Combine(dir, Checkpoint.LogFile)).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal([5, 10], log.Select(l => l["step"]!.GetValue<int>()));
        Assert.NotNull(log[1]["validationLoss"]);
        Assert.Equal([5, 10], reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.True(r.TokensPerSecond > 0 && r.MaxSteps == 10));
        Assert.Equal(TimeSpan.Zero, reports[^1].Eta);

        using var loaded = Checkpoint.LoadModel(dir, "transformer");
        var seq = data[0];
        var info = Checkpoint.ReadInfo(dir);
        Assert.Equal(tokenizer.VocabularySize, info.Tokenizer.Create().VocabularySize);
        Assert.Equal(Toy.Vocabulary.Styles.ToArray(), info.Conditioning.Styles.ToArray());
        Assert.Equal(10, Evaluator.Evaluate(loaded, [seq]).Overall.Tokens > 0 ? 10 : 0);
    }

    [Fact]
    public void OtherFormatVersionOrArchitectureIsATypedErrorNamingTheField()
    {
        var (tokenizer, data) = Toy.Riffs(4);
        var dir = Path.Combine(_root, "typed");
        var (m, t) = Fresh(TinyLstm, Quick(2), tokenizer);
        using (m)
        using (t) t.Train(data, null, dir);
        Assert.Equal("architecture", Assert.Throws<IncompatibleFormatException>(() => Checkpoint.LoadModel(dir, "transformer")).Field);
        Assert.Equal("architecture", Assert.Throws<IncompatibleFormatException>(() => Trainer.Resume(dir, "ngram")).Field);
        var path = Path.Combine(dir, Checkpoint.ConfigFile);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"formatVersion\": 1,", "\"formatVersion\": 99,"));
        var e = Assert.Throws<IncompatibleFormatException>(() => Checkpoint.ReadInfo(dir));
        Assert.Equal("formatVersion", e.Field);
        Assert.Equal("99", e.Found);
    }

    [Fact]
    public void EarlyStoppingStopsWhenValidationLossStopsImproving()
    {
        var (tokenizer, data) = Toy.Riffs(8);
        // Validation melodies unlike the training riff: the more the model learns the riff, the worse they score.
        var rng = new Random(3);
        var valid = Enumerable.Range(0, 4).Select(_ => Toy.Sequence([1, .. Enumerable.Range(0, 40).Select(_ => rng.Next(5, tokenizer.VocabularySize))])).ToList();
        var (m, t) = Fresh(TinyLstm, Quick(300) with { EvaluateEvery = 5, Patience = 2 }, tokenizer);
        using (m)
        using (t)
        {
            var state = t.Train(data, valid);
            Assert.Equal("early-stopping", state.StopReason);
            Assert.True(state.Step < 300);
            Assert.Equal(state.BestStep + 2 * 5, state.Step);
            Assert.True(state.ValidationLoss > state.BestValidationLoss);
            // The run ends with the weights of its best validation.
            Assert.True(state.RestoredBestWeights);
            Assert.Equal(state.BestValidationLoss!.Value, t.ValidationLoss(t.Windows(valid)), 1e-5);
        }
    }

    [Fact]
    public void BestWeightsSurviveAResumeBetweenTheBestValidationAndTheEarlyStop()
    {
        var (tokenizer, data) = Toy.Riffs(8);
        var rng = new Random(3);
        var valid = Enumerable.Range(0, 4).Select(_ => Toy.Sequence([1, .. Enumerable.Range(0, 40).Select(_ => rng.Next(5, tokenizer.VocabularySize))])).ToList();
        var config = Quick(300) with { EvaluateEvery = 5, Patience = 2 };
        TrainingState straight;
        float[] straightWeights;
        var (m1, t1) = Fresh(TinyLstm, config, tokenizer);
        using (m1)
        using (t1)
        {
            straight = t1.Train(data, valid);
            straightWeights = Parameters(m1);
        }
        Assert.True(straight.RestoredBestWeights);

        var dir = Path.Combine(_root, "best");
        var (m2, t2) = Fresh(TinyLstm, config, tokenizer);
        using (m2)
        using (t2) t2.Train(data, valid, dir, stopAtStep: straight.BestStep + 5);
        Assert.True(File.Exists(Path.Combine(dir, Checkpoint.BestWeightsFile)));
        using var resumed = Trainer.Resume(dir);
        using var model = resumed.Model;
        var final = resumed.Train(data, valid, dir);
        Assert.Equal(straight.Step, final.Step);
        Assert.True(final.RestoredBestWeights);
        var weights = Parameters(model);
        for (int i = 0; i < weights.Length; i++) Assert.Equal(straightWeights[i], weights[i], 1e-6);
    }

    [Fact]
    public void NGramCheckpointRoundTripsWithoutTraining()
    {
        var (tokenizer, data) = Toy.Riffs(6);
        var model = ModelFactory.FitNGram(new NGramConfig { Order = 4 }, tokenizer, data);
        var dir = Path.Combine(_root, "ngram");
        Checkpoint.SaveNGram(dir, model, tokenizer.Config, Toy.Vocabulary, new JsonObject { ["trainSequences"] = data.Count });
        var loaded = Assert.IsType<NGramModel>(Checkpoint.LoadModel(dir));
        Assert.Equal(Evaluator.Evaluate(model, data).Overall, Evaluator.Evaluate(loaded, data).Overall);
        Assert.Equal(6, Checkpoint.ReadInfo(dir).Metrics["trainSequences"]!.GetValue<int>());
        Assert.Equal("architecture", Assert.Throws<IncompatibleFormatException>(() => Checkpoint.LoadModel(dir, "lstm")).Field);
    }

    [Fact]
    public void ImpossibleTrainingConfigNamesTheField()
    {
        var (tokenizer, _) = Toy.Riffs(1);
        using var model = ModelFactory.Create(TinyLstm, tokenizer, Toy.Vocabulary, 1);
        var e = Assert.Throws<InvalidConfigurationException>(() => new Trainer(model, Quick(10) with { BatchSize = 0 }, tokenizer.Config, Toy.Vocabulary));
        Assert.Equal("BatchSize", e.Field);
        Assert.Equal("Layers", Assert.Throws<InvalidConfigurationException>(() => ModelFactory.Create(TinyLstm with { Layers = 0 }, tokenizer, Toy.Vocabulary, 1)).Field);
        var e2 = Assert.Throws<InvalidConfigurationException>(() => ModelFactory.Create(TinyLstm, tokenizer, Toy.Vocabulary with { StepsPerQuarter = 12 }, 1));
        Assert.Equal("StepsPerQuarter", e2.Field);
    }

    [Fact]
    public void LearningRateWarmsUpLinearlyThenDecaysByCosine()
    {
        var c = new TrainingConfig { LearningRate = 1.0, WarmupSteps = 10, MaxSteps = 110, FinalLearningRateRatio = 0.1 };
        Assert.Equal(0.1, c.LearningRateAt(0), 12);
        Assert.Equal(1.0, c.LearningRateAt(9), 12);
        Assert.Equal(1.0, c.LearningRateAt(10), 12);
        Assert.Equal(0.55, c.LearningRateAt(60), 12);
        Assert.Equal(0.1, c.LearningRateAt(110), 12);
    }
}

public sealed class EpochOrderTests
{
    [Fact]
    public void Bucketing_visits_every_window_once_in_batches_of_like_length_and_is_seeded()
    {
        var rng = new Random(3);
        var lengths = Enumerable.Range(0, 1000).Select(_ => 10 + rng.Next(500)).ToArray();
        var config = new TrainingConfig { BatchSize = 16, BucketByLength = true, Seed = 5 };
        var order = Trainer.EpochOrder(config, 2, lengths);
        Assert.Equal(Enumerable.Range(0, 1000), order.Order());
        Assert.Equal(order, Trainer.EpochOrder(config, 2, lengths));
        Assert.NotEqual(order, Trainer.EpochOrder(config, 3, lengths));
        // Padding: the longest window of each batch against the mean, bucketed and plain.
        double Waste(int[] o) => o.Chunk(16).Sum(b => b.Max(i => lengths[i]) * b.Length - b.Sum(i => lengths[i])) / (double)lengths.Sum();
        var plain = Trainer.EpochOrder(config with { BucketByLength = false }, 2, lengths);
        Assert.True(Waste(order) < Waste(plain) / 5, $"bucketed {Waste(order):0.000}, plain {Waste(plain):0.000}");
        // Only the last batch may be short.
        Assert.Equal(1000 % 16, order.Chunk(16).Last().Length);
    }
}
