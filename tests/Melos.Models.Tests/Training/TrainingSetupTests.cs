using System.Collections.Immutable;
using Melos.Data.Corpus;
using Melos.Data.Tokenizers;
using Melos.Models.Training;
using Melos.Music;

namespace Melos.Models.Tests.Training;

public sealed class TrainingSetupTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-setup-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Melody Tune(string notes) =>
        Melody.Create(NoteSequence.Parse(notes), Key.CMajor, [new MeterChange(Duration.Zero, TimeSignature.CommonTime)]);

    [Fact]
    public void Fit_counts_what_the_tokenizer_cannot_write_by_reason()
    {
        var config = new GridTokenizerConfig { MinPitch = 60, MaxPitch = 72 };
        var fit = TrainingSetup.Fit([Tune("C4 D4 E4 F4"), Tune("C2 D4"), Tune("C6 D4"), Tune("C4 D4:1/5 E4")], config);
        Assert.Equal(1, fit.Fits);
        Assert.Equal(3, fit.Skipped);
        Assert.Equal(2, fit.Reasons["with a pitch outside the tokenizer's range"]);
        Assert.Equal(1, fit.Reasons["off the tokenizer's grid"]);
        Assert.Equal([config.Create().Encode(Tune("C4 D4 E4 F4")).Count], fit.TokenCounts.ToArray());
    }

    [Fact]
    public void Steps_per_epoch_count_windows_then_batches()
    {
        var training = new TrainingConfig { BatchSize = 4, MaxSequenceLength = 10 };
        // Windows: 12 tokens -> (12-2)/10+1 = 2; 5 -> 1; 30 -> 3; 2 -> 1: 7 windows, 2 batches of 4.
        Assert.Equal(2, TrainingSetup.StepsPerEpoch([12, 5, 30, 2], training));
        Assert.Equal(1, TrainingSetup.StepsPerEpoch([], training));
        var fit = new TokenizerFit(4, ImmutableSortedDictionary<string, int>.Empty, [12, 5, 30, 2]);
        var budget = TrainingSetup.WithBudget(training with { EvaluateEvery = 200, CheckpointEvery = 500 }, fit, epochs: 10, steps: null);
        Assert.Equal((20, 2, 4), (budget.MaxSteps, budget.EvaluateEvery, budget.CheckpointEvery));
        Assert.Equal(7, TrainingSetup.WithBudget(training, fit, epochs: 10, steps: 7).MaxSteps);
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingSetup.WithBudget(training, fit, epochs: 0, steps: null));
    }

    [Fact]
    public void Config_files_override_the_architecture_defaults_field_by_field_and_bad_files_are_named()
    {
        var path = Path.Combine(_dir, "c.json");
        File.WriteAllText(path, """{ "model": { "hidden": 64 }, "tokenizer": { "kind": "note", "formatVersion": 1 }, "training": { "batchSize": 8 } }""");
        var (model, tokenizer, training) = TrainingSetup.LoadConfig(path, "lstm");
        var defaults = TrainingSetup.LoadConfig(null, "lstm");
        Assert.Equal(64, ((LstmConfig)model).Hidden);
        Assert.Equal(((LstmConfig)defaults.Model).Layers, ((LstmConfig)model).Layers);
        Assert.IsType<NoteTokenizerConfig>(tokenizer);
        Assert.Equal(8, training.BatchSize);
        Assert.Equal(defaults.Training.LearningRate, training.LearningRate);

        Assert.Contains("config file not found", Assert.Throws<FileNotFoundException>(() => TrainingSetup.LoadConfig(Path.Combine(_dir, "none.json"), "lstm")).Message);
        File.WriteAllText(path, "{ \"model\": ");
        Assert.Contains("not valid JSON at line 1", Assert.Throws<FormatException>(() => TrainingSetup.LoadConfig(path, "lstm")).Message);
        File.WriteAllText(path, "[1]");
        Assert.Contains("expected a JSON object", Assert.Throws<FormatException>(() => TrainingSetup.LoadConfig(path, "lstm")).Message);
        File.WriteAllText(path, """{ "training": { "batchSize": 0 } }""");
        Assert.Equal("BatchSize", Assert.Throws<InvalidConfigurationException>(() => TrainingSetup.LoadConfig(path, "lstm")).Field);
    }

    [Fact]
    public void The_model_card_quotes_each_collections_licence_from_the_corpus_and_says_when_it_is_unknown()
    {
        var entries = new List<CorpusEntry>
        {
            new("a/1", "folk", "reel", CorpusSplit.Train, Tune("C4 D4 E4 F4"), 0, false),
            new("b/1", "other", "reel", CorpusSplit.Train, Tune("E4 D4 C4 D4"), 0, false),
        };
        var header = new CorpusHeader { ContentHash = "h", Licences = ImmutableSortedDictionary<string, string>.Empty.Add("folk", "public domain (test)") };
        var data = new CorpusData(entries, new BuildSummary { MelodiesKept = 2 }, header);
        var card = ModelCard.Text("ngram", "x.corpus", data, new TrainingOutcome(_dir, null, null, 2, 0, 0), TimeSpan.FromMinutes(1));
        Assert.Contains("| folk | 1 | public domain (test) |", card);
        Assert.Contains($"| other | 1 | {ModelCard.UnknownLicence} |", card);
    }
}
