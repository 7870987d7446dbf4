using Melos.Data.Tokenizers;
using Melos.Models.Training;
using Melos.Music;

namespace Melos.Models.Tests;

public sealed class TrainingRunTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "melos-run-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static List<Melody> Melodies(int count, string collection) =>
        [.. Enumerable.Range(0, count).Select(i => Melody.Create(NoteSequence.Parse(string.Join(' ', Enumerable.Repeat("C4 E4/2 G4/2 C5 r/2 G4/2", 4))), Key.CMajor,
            info: new MelodyInfo { Collection = collection, Styles = ["reel"] }).Transpose(i % 3))];

    [Theory]
    [InlineData("ngram")]
    [InlineData("lstm")]
    [InlineData("transformer")]
    public void EveryArchitectureTrainsSavesAndEvaluatesFromMelodies(string architecture)
    {
        var train = Melodies(8, "riffs");
        var valid = Melodies(2, "riffs").Append(Melody.Create(NoteSequence.Parse("C1 D1"), info: new MelodyInfo { Collection = "low" })).ToList();
        ModelConfig config = architecture switch
        {
            "lstm" => new LstmConfig { EmbeddingSize = 16, Hidden = 32, Layers = 1, Dropout = 0 },
            "transformer" => new TransformerConfig { Layers = 1, Width = 16, Heads = 2, FeedForward = 32, MaxRelativeDistance = 16 },
            _ => TrainingRun.DefaultConfig("ngram"),
        };
        var dir = Path.Combine(_root, architecture);
        var progress = new List<TrainingProgress>();
        var outcome = TrainingRun.Run(new TrainingRequest(train, valid, config, new GridTokenizerConfig { StepsPerQuarter = 4 },
            new TrainingConfig { MaxSteps = 20, WarmupSteps = 2, BatchSize = 4, LearningRate = 0.01, LogEvery = 10, EvaluateEvery = 10 }, dir) { Progress = progress.Add });

        Assert.Equal(8, outcome.TrainSequences);
        Assert.Equal(1, outcome.SkippedValid); // C1 is below the tokenizer's range
        Assert.Equal(["riffs"], outcome.Validation!.ByGroup.Keys);
        Assert.True(outcome.Validation.Overall.NllPerToken < Math.Log(new GridTokenizer().VocabularySize));
        Assert.Equal(architecture == "ngram" ? 0 : 2, progress.Count);

        using var model = Checkpoint.LoadModel(dir, architecture);
        var info = Checkpoint.ReadInfo(dir);
        var report = Evaluator.Evaluate(model, info.Tokenizer.Create(), info.Conditioning, valid, m => m.Info.Collection ?? "", out int skipped);
        Assert.Equal(1, skipped);
        Assert.Equal(outcome.Validation.Overall.TotalNll, report.Overall.TotalNll, 3);
        Assert.Equal(["reel"], info.Conditioning.Styles.ToArray());
    }

    [Fact]
    public void ResumeContinuesAnInterruptedRunToTheSameWeightsAsAStraightRun()
    {
        var train = Melodies(6, "riffs");
        var config = new LstmConfig { EmbeddingSize = 8, Hidden = 16, Layers = 1, Dropout = 0.1 };
        var training = new TrainingConfig { MaxSteps = 10, WarmupSteps = 2, BatchSize = 2, CheckpointEvery = 4, LogEvery = 1 };
        var straight = TrainingRun.Run(new TrainingRequest(train, [], config, new GridTokenizerConfig { StepsPerQuarter = 4 }, training, Path.Combine(_root, "a")));
        using var cts = new CancellationTokenSource();
        var interrupted = TrainingRun.Run(new TrainingRequest(train, [], config, new GridTokenizerConfig { StepsPerQuarter = 4 }, training, Path.Combine(_root, "b"))
        {
            Progress = p => { if (p.Step >= 3) cts.Cancel(); },
            Cancellation = cts.Token,
        });
        Assert.Equal("cancelled", interrupted.State!.StopReason);
        Assert.True(interrupted.State.Step < 10);
        var resumed = TrainingRun.Run(new TrainingRequest(train, [], config, new GridTokenizerConfig { StepsPerQuarter = 4 }, training, Path.Combine(_root, "b")) { Resume = true });
        Assert.Equal(10, resumed.State!.Step);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_root, "a", Checkpoint.WeightsFile)), File.ReadAllBytes(Path.Combine(_root, "b", Checkpoint.WeightsFile)));
        Assert.Equal(straight.State!.Tokens, resumed.State.Tokens);
    }

    [Fact]
    public void FineTuningStartsFromTheGivenWeightsAndKeepsTheirConditioning()
    {
        var train = Melodies(8, "riffs");
        var valid = Melodies(2, "riffs");
        var config = new LstmConfig { EmbeddingSize = 8, Hidden = 16, Layers = 1, Dropout = 0 };
        var tokenizer = new GridTokenizerConfig { StepsPerQuarter = 4 };
        var training = new TrainingConfig { MaxSteps = 30, WarmupSteps = 2, BatchSize = 4, LearningRate = 0.02, LogEvery = 10 };
        var trained = TrainingRun.Run(new TrainingRequest(train, valid, config, tokenizer, training, Path.Combine(_root, "base")));
        // One step at an almost-zero learning rate from the trained weights scores the validation tunes as the trained
        // model does; the same step from fresh weights does not.
        var barely = training with { MaxSteps = 1, WarmupSteps = 0, LearningRate = 1e-9 };
        var other = Melodies(8, "other").Select(m => m.WithInfo(m.Info with { Styles = ["jig"] })).ToList();
        var tuned = TrainingRun.Run(new TrainingRequest(other, valid, config, tokenizer, barely, Path.Combine(_root, "tuned")) { InitialWeights = Path.Combine(_root, "base") });
        var fresh = TrainingRun.Run(new TrainingRequest(other, valid, config, tokenizer, barely, Path.Combine(_root, "fresh")));
        Assert.Equal(trained.Validation!.Overall.NllPerToken, tuned.Validation!.Overall.NllPerToken, 4);
        Assert.True(fresh.Validation!.Overall.NllPerToken > trained.Validation.Overall.NllPerToken + 0.1,
            $"fresh {fresh.Validation.Overall.NllPerToken} vs trained {trained.Validation.Overall.NllPerToken}");
        // The starting model's style ids are kept (its "reel"), not rebuilt from the new melodies ("jig").
        Assert.Equal(["reel"], Checkpoint.ReadInfo(Path.Combine(_root, "tuned")).Conditioning.Styles.ToArray());
        Assert.Equal(["jig"], Checkpoint.ReadInfo(Path.Combine(_root, "fresh")).Conditioning.Styles.ToArray());
        // Another size, or a tokenizer of another vocabulary, is refused before any training.
        var e = Assert.Throws<InvalidConfigurationException>(() => TrainingRun.Run(new TrainingRequest(other, valid, config with { Hidden = 32 }, tokenizer, barely,
            Path.Combine(_root, "wrong")) { InitialWeights = Path.Combine(_root, "base") }));
        Assert.Equal("initialWeights", e.Field);
        e = Assert.Throws<InvalidConfigurationException>(() => TrainingRun.Run(new TrainingRequest(other, valid, config, new NoteTokenizerConfig { StepsPerQuarter = 4 }, barely,
            Path.Combine(_root, "wrong")) { InitialWeights = Path.Combine(_root, "base") }));
        Assert.Contains("vocabulary", e.Message);
    }

    [Fact]
    public void UnknownArchitectureNamesTheField()
    {
        Assert.Equal("architecture", Assert.Throws<InvalidConfigurationException>(() => TrainingRun.DefaultConfig("gru")).Field);
    }
}
