using System.Text.Json.Nodes;
using Melos.Data.Tokenizers;
using Melos.Music;

namespace Melos.Models.Training;

/// <summary>Everything one training run needs (what <c>melos train</c> collects from its options).</summary>
/// <param name="Train">Training melodies.</param>
/// <param name="Valid">Validation melodies (early stopping and the final report); may be empty.</param>
/// <param name="Model">The architecture and its hyperparameters (see <see cref="TrainingRun.DefaultConfig"/>).</param>
/// <param name="Tokenizer">The tokenizer configuration (<see cref="GridTokenizerConfig"/> or <see cref="NoteTokenizerConfig"/>).</param>
/// <param name="Training">Optimisation settings (ignored by the n-gram except its seed).</param>
/// <param name="OutputDirectory">The checkpoint folder.</param>
public sealed record TrainingRequest(IReadOnlyList<Melody> Train, IReadOnlyList<Melody> Valid, ModelConfig Model, TokenizerConfig Tokenizer,
    TrainingConfig Training, string OutputDirectory)
{
    /// <summary>The label metrics are broken down by (default: the collection, else empty).</summary>
    public Func<Melody, string>? Group { get; init; }

    /// <summary>Progress reports for a progress bar (torch models only).</summary>
    public Action<TrainingProgress>? Progress { get; init; }

    /// <summary>Continue from the checkpoint in <see cref="OutputDirectory"/> when there is one (torch models only).</summary>
    public bool Resume { get; init; }

    /// <summary>
    /// A model folder whose weights training starts from (fine-tuning; torch models only): it must have the same
    /// architecture and sizes as <see cref="Model"/> and a tokenizer of the same vocabulary size, and its conditioning
    /// vocabulary is kept, so style, key and meter ids mean what they meant. Ignored when resuming a checkpoint.
    /// </summary>
    public string? InitialWeights { get; init; }

    /// <summary>Stops training after the current step; the checkpoint is still written.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>
    /// Stop once this many steps are taken, part-way through the learning-rate schedule that
    /// <see cref="TrainingConfig.MaxSteps"/> sets: a step budget in place of a time budget, so the same run on any machine.
    /// Null runs to the end of the schedule.
    /// </summary>
    public int? StopAtStep { get; init; }
}

/// <summary>What a training run produced.</summary>
/// <param name="OutputDirectory">The checkpoint folder.</param>
/// <param name="State">The final training state (null for the n-gram).</param>
/// <param name="Validation">Metrics of the final model on the validation melodies (null when there are none).</param>
/// <param name="TrainSequences">Training melodies used.</param>
/// <param name="SkippedTrain">Training melodies that did not fit the tokenizer.</param>
/// <param name="SkippedValid">Validation melodies that did not fit the tokenizer.</param>
public sealed record TrainingOutcome(string OutputDirectory, TrainingState? State, EvaluationReport? Validation, int TrainSequences, int SkippedTrain, int SkippedValid);

/// <summary>One call from melodies to a saved, measured checkpoint, for any architecture.</summary>
public static class TrainingRun
{
    /// <summary>The default configuration of an architecture name.</summary>
    /// <exception cref="InvalidConfigurationException">Not lstm, transformer or ngram.</exception>
    public static ModelConfig DefaultConfig(string architecture) => architecture switch
    {
        "lstm" => new LstmConfig(),
        "transformer" => new TransformerConfig(),
        "ngram" => new NGramConfig(),
        "vae" => new Vae.VaeConfig(),
        _ => throw new InvalidConfigurationException("architecture", $"'{architecture}' is not one of lstm, transformer, ngram, vae"),
    };

    /// <summary>
    /// Encodes the melodies, trains (or fits, for the n-gram), writes the checkpoint, and scores the final model on the
    /// validation melodies.
    /// </summary>
    public static TrainingOutcome Run(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Model.Validate();
        request.Training.Validate();
        if (request.Model is Vae.VaeConfig) throw new ArgumentException("A VAE trains through VaeTraining.Run, on bar windows.", nameof(request));
        var group = request.Group ?? (m => m.Info.Collection ?? "");
        if (request.Resume) Checkpoint.Recover(request.OutputDirectory);
        CheckpointInfo? previous = request.Resume && File.Exists(Path.Combine(request.OutputDirectory, Checkpoint.ConfigFile))
            ? Checkpoint.ReadInfo(request.OutputDirectory, request.Model.Architecture) : null;
        var tokenizer = (previous?.Tokenizer ?? request.Tokenizer).Create();
        var initial = previous is null && request.InitialWeights is { } from ? StartingPoint(from, request.Model, tokenizer) : null;
        var vocabulary = previous?.Conditioning ?? initial?.Conditioning ?? ConditioningVocabulary.FromMelodies(request.Train, tokenizer.Config.StepsPerQuarter);
        var train = EncodedSequence.EncodeAll(tokenizer, vocabulary, request.Train, group, out int skippedTrain);
        var valid = EncodedSequence.EncodeAll(tokenizer, vocabulary, request.Valid, group, out int skippedValid);
        if (train.Count == 0) throw new ArgumentException($"None of the {request.Train.Count} training melodies fits the tokenizer.", nameof(request));

        if (request.Model is NGramConfig ngramConfig)
        {
            var ngram = ModelFactory.FitNGram(ngramConfig, tokenizer, train);
            var report = valid.Count > 0 ? Evaluator.Evaluate(ngram, valid) : null;
            Checkpoint.SaveNGram(request.OutputDirectory, ngram, tokenizer.Config, vocabulary, Metrics(report, train.Count));
            return new TrainingOutcome(request.OutputDirectory, null, report, train.Count, skippedTrain, skippedValid);
        }

        using var trainer = previous is not null
            ? Trainer.Resume(request.OutputDirectory, request.Model.Architecture)
            : new Trainer(initial is not null ? Checkpoint.LoadTorchModel(request.InitialWeights!, initial) : ModelFactory.Create(request.Model, tokenizer, vocabulary, request.Training.Seed),
                request.Training, tokenizer.Config, vocabulary);
        using var model = trainer.Model;
        trainer.Progress = request.Progress;
        var state = trainer.Train(train, valid.Count > 0 ? valid : null, request.OutputDirectory, request.StopAtStep, request.Cancellation);
        var validation = valid.Count > 0 ? Evaluator.Evaluate(model, valid) : null;
        return new TrainingOutcome(request.OutputDirectory, state, validation, train.Count, skippedTrain, skippedValid);
    }

    /// <summary>The checkpoint a fine-tuning run starts from, checked against the run's model and tokenizer.</summary>
    /// <exception cref="InvalidConfigurationException">Another architecture, other sizes or another vocabulary size.</exception>
    private static CheckpointInfo StartingPoint(string directory, ModelConfig model, ITokenizer tokenizer)
    {
        var info = Checkpoint.ReadInfo(directory);
        if (info.Architecture == "ngram" || model is NGramConfig)
            throw new InvalidConfigurationException("initialWeights", $"fine-tuning starts from a neural model's weights; {directory} is {info.Architecture} and this run trains {model.Architecture}");
        if (info.Model.ToJson() != model.ToJson())
            throw new InvalidConfigurationException("initialWeights", $"{directory} has another model ({info.Model.ToJson().ReplaceLineEndings(" ")}) than this run ({model.ToJson().ReplaceLineEndings(" ")}); give the same model configuration");
        if (info.VocabularySize != tokenizer.VocabularySize)
            throw new InvalidConfigurationException("initialWeights", $"{directory} has {info.VocabularySize} tokens and this run's tokenizer {tokenizer.VocabularySize}; fine-tuning needs a tokenizer of the same vocabulary");
        return info;
    }

    private static JsonObject Metrics(EvaluationReport? report, int trainSequences)
    {
        var o = new JsonObject { ["trainSequences"] = trainSequences };
        if (report is not null)
        {
            o["validationNllPerToken"] = report.Overall.NllPerToken;
            o["validationBitsPerNote"] = report.Overall.BitsPerNote;
            o["validationPerplexity"] = report.Overall.Perplexity;
            o["validationAccuracy"] = report.Overall.Accuracy;
        }
        return o;
    }
}
