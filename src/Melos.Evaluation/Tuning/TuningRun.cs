using System.Diagnostics;
using System.Text.Json.Nodes;
using Melos.Data.Corpus;
using Melos.Data.Tokenizers;
using Melos.Generation;
using Melos.Generation.Tuning;
using Melos.Models;
using Melos.Models.Training;
using Melos.Music;

namespace Melos.Evaluation.Tuning;

/// <summary>What a <see cref="TuningRun"/> tunes, on what and how it reports.</summary>
public sealed record TuningRunOptions
{
    /// <summary>The pretrained model folder (lstm or transformer); never modified.</summary>
    public required string ModelDirectory { get; init; }

    /// <summary>The tuned model folder the tuner writes its checkpoints into.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The model's corpus: requests come from its train split, the report measures against its test split.</summary>
    public required CorpusData Corpus { get; init; }

    /// <summary>The corpus as named in messages (its file, say).</summary>
    public string CorpusName { get; init; } = "the corpus";

    /// <summary>The rules and weights the policy is tuned on.</summary>
    public required Reward Reward { get; init; }

    /// <summary>The tuner's settings; its seed also seeds the requests (train pool with it, report pool with it + 1).</summary>
    public TuningConfig Config { get; init; } = new();

    /// <summary>Melodies sampled before and after for the report (the same requests and seeds; at least 2).</summary>
    public int Samples { get; init; } = 100;

    /// <summary>Bars per sampled melody.</summary>
    public int Bars { get; init; } = 8;

    /// <summary>Continue the tuning run in <see cref="OutputDirectory"/> (to <see cref="TuningConfig.Steps"/>) instead of starting one.</summary>
    public bool Resume { get; init; }
}

/// <summary>A tuning run that cannot start: the model cannot be tuned or the corpus gives nothing to tune or measure on.</summary>
/// <param name="message">What is wrong, in one line.</param>
public sealed class TuningRunException(string message) : Exception(message);

/// <summary>
/// An RL tuning run with its before/after measurement, as <c>melos tune</c> runs it: the pools of generation requests from the
/// corpus (<see cref="Prepare"/>), the original model measured (<see cref="MeasureOriginal"/>), the tuner trained
/// (<see cref="Start"/>, <see cref="Train"/>), the tuned model measured on the same requests and seeds
/// (<see cref="MeasureTuned"/>) and the <see cref="TuningReport"/>.
/// </summary>
/// <remarks>
/// It lives in Melos.Evaluation, which references Melos.Generation (Generation does not reference Evaluation): the
/// measurement generates with <see cref="MelodyGenerator"/> and compares with <see cref="MelodyComparison"/>.
/// </remarks>
public sealed class TuningRun : IDisposable
{
    /// <summary>At most this many requests in the training pool.</summary>
    public const int PoolSize = 512;

    /// <summary>The seed of the first report draw (draw i samples with this + i).</summary>
    public const int FirstReportSeed = 1000;

    private readonly ITokenizer _tokenizer;
    private readonly MelodySet _trainSet;
    private readonly MelodySet _testSet;
    private RlTuner? _tuner;

    private TuningRun(TuningRunOptions options, CheckpointInfo info, IReadOnlyList<Melody> train, IReadOnlyList<Melody> test,
        IReadOnlyList<GenerationRequest> pool, IReadOnlyList<GenerationRequest> reportPool)
    {
        Options = options;
        Info = info;
        Test = test;
        Pool = pool;
        ReportPool = reportPool;
        ReportDraws = [.. Enumerable.Range(0, options.Samples).Select(i => (Request: i % reportPool.Count, Seed: FirstReportSeed + i))];
        _tokenizer = info.Tokenizer.Create();
        _trainSet = MelodySet.Create("train", train);
        _testSet = MelodySet.Create("test", test);
    }

    /// <summary>The run's options.</summary>
    public TuningRunOptions Options { get; }

    /// <summary>The original model's checkpoint information.</summary>
    public CheckpointInfo Info { get; }

    /// <summary>The corpus test split, measured against.</summary>
    public IReadOnlyList<Melody> Test { get; }

    /// <summary>The requests the tuner samples from (from the train split).</summary>
    public IReadOnlyList<GenerationRequest> Pool { get; }

    /// <summary>The requests the report samples from (from the test split).</summary>
    public IReadOnlyList<GenerationRequest> ReportPool { get; }

    /// <summary>The report's draws: an index into <see cref="ReportPool"/> and a seed, the same before and after.</summary>
    public IReadOnlyList<(int Request, int Seed)> ReportDraws { get; }

    /// <summary>The tuner, once <see cref="Start"/>ed.</summary>
    public RlTuner Tuner => _tuner ?? throw new InvalidOperationException("the tuning run is not started");

    /// <summary>The time <see cref="Train"/> took.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>Reads the model's information and splits the corpus into the request pools; writes nothing.</summary>
    /// <exception cref="TuningRunException">The model is an n-gram, or the corpus has no train or test melodies or none the model can serve.</exception>
    public static TuningRun Prepare(TuningRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Samples < 2) throw new ArgumentOutOfRangeException(nameof(options), options.Samples, "At least 2 samples.");
        if (options.Bars is < 1 or > GenerationRequest.MaxBars) throw new ArgumentOutOfRangeException(nameof(options), options.Bars, $"1..{GenerationRequest.MaxBars} bars.");
        var info = Checkpoint.ReadInfo(options.ModelDirectory);
        if (info.Architecture == "ngram") throw new TuningRunException("the n-gram model has no gradients to tune; use an lstm or transformer model");
        var train = options.Corpus.Split(CorpusSplit.Train).Select(e => e.Melody).ToList();
        var test = options.Corpus.Split(CorpusSplit.Test).Select(e => e.Melody).ToList();
        if (train.Count == 0) throw new TuningRunException($"{options.CorpusName} has no training melodies to take requests from");
        if (test.Count == 0) throw new TuningRunException($"{options.CorpusName} has no test melodies to report against");
        var pool = Requests(train, info.Conditioning, options.Bars, PoolSize, options.Config.Seed);
        var reportPool = Requests(test, info.Conditioning, options.Bars, options.Samples, options.Config.Seed + 1);
        if (pool.Count == 0 || reportPool.Count == 0) throw new TuningRunException("no melody of the corpus gives a request this model can serve (key, meter on its grid, style)");
        return new TuningRun(options, info, train, test, pool, reportPool);
    }

    /// <summary>
    /// Starts the tuner on the original model, keeping the original's corpus identity in the tuned config.json, or with
    /// <see cref="TuningRunOptions.Resume"/> resumes the run in the output folder.
    /// </summary>
    public RlTuner Start()
    {
        if (_tuner is not null) throw new InvalidOperationException("the tuning run is already started");
        var o = Options;
        _tuner = o.Resume
            ? RlTuner.Resume(o.OutputDirectory, o.ModelDirectory, o.Reward, Pool, o.Config.Steps)
            : RlTuner.Start(o.ModelDirectory, o.Reward, Pool, o.Config);
        if (!o.Resume) _tuner.ConfigExtras = CorpusIdentity(o.ModelDirectory);
        return _tuner;
    }

    /// <summary>Measures the original (frozen prior) model.</summary>
    public TuningMeasurement MeasureOriginal() =>
        Measure("original", Tuner.Prior, _tokenizer, Info, ReportPool, ReportDraws, Options.Reward, _testSet, _trainSet, Test, Options.Bars, null);

    /// <summary>Measures the tuned policy, with its KL to the original on the samples.</summary>
    public TuningMeasurement MeasureTuned()
    {
        var tuner = Tuner;
        return Measure("tuned", tuner.Policy, _tokenizer, Info, ReportPool, ReportDraws, Options.Reward, _testSet, _trainSet, Test, Options.Bars,
            melodies => tuner.MeanKl([.. ReportDraws.Select(d => ReportPool[d.Request])], melodies));
    }

    /// <summary>Trains the tuner to its step budget or until cancelled, writing checkpoints into the output folder; times it.</summary>
    /// <param name="progress">Told after each step (null for nothing).</param>
    /// <param name="cancellation">Stops the run; the checkpoint is still written.</param>
    public TuningState Train(Action<TuningProgress>? progress = null, CancellationToken cancellation = default)
    {
        var tuner = Tuner;
        tuner.Progress = progress;
        var clock = Stopwatch.StartNew();
        var state = tuner.Train(Options.OutputDirectory, cancellation);
        clock.Stop();
        Elapsed = clock.Elapsed;
        return state;
    }

    /// <summary>The before/after report of the run.</summary>
    public TuningReport Report(TuningMeasurement before, TuningMeasurement after) =>
        new(Options.ModelDirectory, Options.OutputDirectory, Options.Reward.Spec, Options.Config with { Steps = Tuner.Config.Steps }, Tuner.State, Elapsed,
            Options.Samples, Options.Bars, before, after);

    /// <summary>The corpus identity of the original's config.json, kept in the tuned checkpoint's (null when absent).</summary>
    public static JsonObject? CorpusIdentity(string modelDir)
    {
        var original = JsonNode.Parse(File.ReadAllText(Path.Combine(modelDir, Checkpoint.ConfigFile)))!.AsObject();
        return original["corpus"] is JsonObject corpus ? new JsonObject { ["corpus"] = corpus.DeepClone() } : null;
    }

    /// <summary>
    /// Generation requests taken from corpus melodies: each melody's key, first meter, style and chords (one per bar, when
    /// every one of the first bars has one), chromatic so the model may leave the key. Melodies the model cannot serve
    /// (no key, an unknown meter or one off its grid) are left out; at most <paramref name="max"/>, chosen with a seeded shuffle.
    /// </summary>
    public static IReadOnlyList<GenerationRequest> Requests(IReadOnlyList<Melody> melodies, ConditioningVocabulary vocabulary, int bars, int max, int seed)
    {
        ArgumentNullException.ThrowIfNull(melodies);
        ArgumentNullException.ThrowIfNull(vocabulary);
        var order = Enumerable.Range(0, melodies.Count).ToArray();
        new Random(seed).Shuffle(order);
        var result = new List<GenerationRequest>();
        foreach (int i in order)
        {
            if (result.Count >= max) break;
            var m = MelodySet.DropPickup(melodies[i]);
            if (m.Key is not { } key || vocabulary.MeterId(m.Meter) == 0) continue;
            if ((m.Meter.BarLength.Quarters * vocabulary.StepsPerQuarter).Denominator != 1) continue;
            var chords = new List<ProgressionChord>();
            for (int b = 0; b < bars && !m.Chords.IsEmpty; b++)
            {
                if (m.ChordAt(m.BarStart(b)) is not { } c) { chords.Clear(); break; }
                chords.Add(c);
            }
            result.Add(new GenerationRequest
            {
                Bars = bars, Key = key, Meter = m.Meter, Pitches = new PitchConstraints { Chromatic = true }, Chords = [.. chords],
                Style = m.Info.Styles.FirstOrDefault(s => vocabulary.Styles.Contains(s)),
            });
        }
        return result;
    }

    private static TuningMeasurement Measure(string name, ISequenceModel model, ITokenizer tokenizer, CheckpointInfo info, IReadOnlyList<GenerationRequest> pool,
        IReadOnlyList<(int Request, int Seed)> draws, Reward reward, MelodySet testSet, MelodySet trainSet, IReadOnlyList<Melody> test, int bars,
        Func<IReadOnlyList<GeneratedMelody>, double>? kl)
    {
        var generator = new MelodyGenerator(model, tokenizer, info.Conditioning, ownsModel: false, info.Training?.MaxSequenceLength);
        var generated = draws.Select(d => generator.Generate(pool[d.Request] with { Count = 1, Seed = d.Seed })[0]).ToList();
        var melodies = generated.Select(g => g.Melody).ToList();
        ComparisonResult? comparison = null;
        try
        {
            comparison = MelodyComparison.Run(MelodySet.Create(name, melodies), testSet, trainSet, new ComparisonOptions { Bars = bars, RunDiscriminator = false });
        }
        catch (TooFewMelodiesException)
        {
            // Fewer than two melodies with notes on a side: the overlap and novelty are not defined (reported as "-").
        }
        // The same code path as 'melos evaluate --split test' (default window).
        var nll = Evaluator.Evaluate(model, tokenizer, info.Conditioning, test, null, out int skipped, maxLength: Evaluator.DefaultWindow);
        return new TuningMeasurement(name, reward.Summarize(melodies), melodies.Average(reward.Score), comparison?.MeanOverlapArea ?? double.NaN,
            comparison?.Novelty?.FourBarCopied, nll.Overall.NllPerToken, nll.Overall.BitsPerNote, test.Count - skipped, kl?.Invoke(generated), melodies);
    }

    /// <summary>Disposes the tuner (its policy and prior).</summary>
    public void Dispose() => _tuner?.Dispose();
}
