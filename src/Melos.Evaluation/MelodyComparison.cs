using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Melos.Music;

namespace Melos.Evaluation;

/// <summary>What <see cref="MelodyComparison.Run"/> measures and how.</summary>
public sealed record ComparisonOptions
{
    /// <summary>Cut every generated and reference melody to its first N bars before measuring (null: whole melodies).</summary>
    public int? Bars
    {
        get;
        init => field = value is null or >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Bars), value, "Bars must be at least 1.");
    }

    /// <summary>Train and cross-validate the discriminator (the slow part: it uses TorchSharp).</summary>
    public bool RunDiscriminator { get; init; } = true;

    /// <summary>Discriminator settings.</summary>
    public DiscriminatorOptions Discriminator { get; init; } = new();
}

/// <summary>A set as measured: its name and how many melodies it held.</summary>
/// <param name="Name">The set's name.</param>
/// <param name="Melodies">Melodies in the set.</param>
/// <param name="WithNotes">Melodies with at least one note (the others are left out of every figure).</param>
public sealed record SetSummary(string Name, int Melodies, int WithNotes);

/// <summary>Novelty of the generated set and, as a baseline, of the reference set, against the training set.</summary>
/// <param name="Training">The training set's name and size.</param>
/// <param name="Generated">The generated melodies' novelty.</param>
/// <param name="Reference">The reference melodies' novelty (how much real held-out music shares with the training set).</param>
public sealed record NoveltyComparison(SetSummary Training, NoveltyReport Generated, NoveltyReport Reference)
{
    /// <summary>Share of the generated 4-bar windows found verbatim in the training set.</summary>
    public double FourBarCopied => Generated.For(4).VerbatimShare;

    /// <summary>Share of the generated 4-bar windows found in the training set up to transposition.</summary>
    public double FourBarCopiedTransposed => Generated.For(4).TransposedShare;
}

/// <summary>Per-metric summaries (mean, sd, min, max) of each set, by metric name.</summary>
/// <param name="Generated">The generated set.</param>
/// <param name="Reference">The reference set.</param>
public sealed record MetricSummaries(ImmutableSortedDictionary<string, ValueSummary?> Generated, ImmutableSortedDictionary<string, ValueSummary?> Reference)
{
    /// <summary>Summaries of named per-melody values.</summary>
    public static MetricSummaries Of(IEnumerable<ImmutableArray<KeyValuePair<string, double>>> generated, IEnumerable<ImmutableArray<KeyValuePair<string, double>>> reference)
    {
        static ImmutableSortedDictionary<string, ValueSummary?> Summarize(IEnumerable<ImmutableArray<KeyValuePair<string, double>>> rows) =>
            rows.SelectMany(r => r).GroupBy(kv => kv.Key).ToImmutableSortedDictionary(g => g.Key, g => ValueSummary.Of(g.Select(kv => kv.Value)), StringComparer.Ordinal);
        return new MetricSummaries(Summarize(generated), Summarize(reference));
    }
}

/// <summary>Everything <c>melos compare</c> measures; <see cref="ToJson"/> gives its JSON form.</summary>
public sealed record ComparisonResult
{
    /// <summary>The generated set.</summary>
    public required SetSummary Generated { get; init; }

    /// <summary>The reference set.</summary>
    public required SetSummary Reference { get; init; }

    /// <summary>The bars every melody was cut to, or null.</summary>
    public int? Bars { get; init; }

    /// <summary>The discriminator's cross-validated accuracy (0.5: indistinguishable), or null when it was not run.</summary>
    public double? DiscriminatorAccuracy => Discriminator?.Accuracy;

    /// <summary>The Wilson 95% interval of <see cref="DiscriminatorAccuracy"/> as [low, high], or null.</summary>
    public ImmutableArray<double>? DiscriminatorCi95 => Discriminator is { } d ? [d.Ci95Low, d.Ci95High] : null;

    /// <summary>The discriminator's details, or null.</summary>
    public DiscriminatorResult? Discriminator { get; init; }

    /// <summary>The mean of the features' overlap areas.</summary>
    public double MeanOverlapArea => FeatureList.IsEmpty ? double.NaN : FeatureList.Average(f => f.OverlapArea);

    /// <summary>The mean of the features' KL divergences.</summary>
    public double MeanKl => FeatureList.IsEmpty ? double.NaN : FeatureList.Average(f => f.Kl);

    /// <summary>The Yang and Lerch features, in report order.</summary>
    [JsonIgnore]
    public ImmutableArray<FeatureComparison> FeatureList { get; init; } = [];

    /// <summary>The Yang and Lerch features by name.</summary>
    public IReadOnlyDictionary<string, FeatureComparison> Features =>
        FeatureList.ToDictionary(f => YangLerchFeatures.Key(f.Feature), f => f);

    /// <summary>The MusPy melody metrics of both sets.</summary>
    public required MetricSummaries Muspy { get; init; }

    /// <summary>Novelty against the training set, or null when no training set was given.</summary>
    public NoveltyComparison? Novelty { get; init; }

    /// <summary>Structure figures of both sets.</summary>
    public required MetricSummaries Structure { get; init; }

    /// <summary>The mean pitch-class histogram of each set (C first): notes per pitch class over notes.</summary>
    public required SetPair<ImmutableArray<double>> PitchClassHistogram { get; init; }

    /// <summary>The mean note-length histogram of each set, over <see cref="YangLerchFeatures.LengthClasses"/>.</summary>
    public required SetPair<ImmutableArray<double>> NoteLengthHistogram { get; init; }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The result as indented JSON with camelCase keys.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}

/// <summary>A value for each of the two compared sets.</summary>
/// <param name="Generated">The generated set's.</param>
/// <param name="Reference">The reference set's.</param>
public sealed record SetPair<T>(T Generated, T Reference);

/// <summary>Runs every measurement of <c>melos compare</c> on a generated and a reference set.</summary>
public static class MelodyComparison
{
    /// <summary>Compares the sets; the training set (when given) is the one novelty is measured against.</summary>
    /// <param name="generated">The generated melodies.</param>
    /// <param name="reference">The real melodies they should resemble (e.g. a held-out test split).</param>
    /// <param name="training">The melodies the model learned from, or null to skip novelty.</param>
    /// <param name="options">What to measure.</param>
    /// <param name="log">Progress lines (may be null).</param>
    /// <exception cref="TooFewMelodiesException">A set has fewer than two melodies with notes, or too few for the discriminator's folds.</exception>
    public static ComparisonResult Run(MelodySet generated, MelodySet reference, MelodySet? training, ComparisonOptions? options = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(generated);
        ArgumentNullException.ThrowIfNull(reference);
        options ??= new ComparisonOptions();
        var gen = options.Bars is { } bars ? generated.Crop(bars) : generated;
        var refs = options.Bars is { } b2 ? reference.Crop(b2) : reference;
        var g = gen.Melodies.Where(m => !m.Notes.IsEmpty).ToList();
        var r = refs.Melodies.Where(m => !m.Notes.IsEmpty).ToList();
        if (g.Count < 2) throw new TooFewMelodiesException(generated.Name, g.Count, 2, "comparing distance distributions");
        if (r.Count < 2) throw new TooFewMelodiesException(reference.Name, r.Count, 2, "comparing distance distributions");
        // Fail before the slow parts when the discriminator cannot run.
        int folds = options.Discriminator.Folds;
        if (options.RunDiscriminator && r.Count < folds) throw new TooFewMelodiesException(reference.Name, r.Count, folds, $"the {folds}-fold discriminator");
        if (options.RunDiscriminator && g.Count < folds) throw new TooFewMelodiesException(generated.Name, g.Count, folds, $"the {folds}-fold discriminator");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var features = YangLerchComparison.Compare(g, r);
        log?.Invoke(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"features: {g.Count} generated and {r.Count} reference melodies ({clock.Elapsed.TotalSeconds:0.00} s)"));
        var muspy = MetricSummaries.Of(g.Select(m => MusPyMetrics.Of(m).Named), r.Select(m => MusPyMetrics.Of(m).Named));
        var structure = MetricSummaries.Of(g.Select(m => StructureMetrics.Of(m).Named), r.Select(m => StructureMetrics.Of(m).Named));

        NoveltyComparison? novelty = null;
        if (training is not null)
        {
            clock.Restart();
            var index = NoveltyIndex.Build(training.Melodies);
            novelty = new NoveltyComparison(new SetSummary(training.Name, training.Count, training.Melodies.Count(m => !m.Notes.IsEmpty)),
                index.Measure(g), index.Measure(r));
            log?.Invoke(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"novelty: against {training.Count} training melodies ({clock.Elapsed.TotalSeconds:0.00} s)"));
        }

        DiscriminatorResult? discriminator = null;
        if (options.RunDiscriminator)
        {
            log?.Invoke($"discriminator: {options.Discriminator.Folds}-fold cross-validation, {options.Discriminator.Epochs} epochs per fold"
                + (options.Discriminator.Runs > 1 ? $", {options.Discriminator.Runs} runs averaged" : ""));
            clock.Restart();
            discriminator = Discriminator.CrossValidate(r, g, options.Discriminator, (done, total) => log?.Invoke(string.Create(
                System.Globalization.CultureInfo.InvariantCulture, $"discriminator: fold {done}/{total} done ({clock.Elapsed.TotalSeconds:0} s)")),
                reference.Name, generated.Name);
        }

        return new ComparisonResult
        {
            Generated = new SetSummary(generated.Name, generated.Count, g.Count),
            Reference = new SetSummary(reference.Name, reference.Count, r.Count),
            Bars = options.Bars,
            Discriminator = discriminator,
            FeatureList = [.. features],
            Muspy = muspy,
            Novelty = novelty,
            Structure = structure,
            PitchClassHistogram = new SetPair<ImmutableArray<double>>(MeanOf(g, YangLerchFeature.PitchClassHistogram), MeanOf(r, YangLerchFeature.PitchClassHistogram)),
            NoteLengthHistogram = new SetPair<ImmutableArray<double>>(MeanOf(g, YangLerchFeature.NoteLengthHistogram), MeanOf(r, YangLerchFeature.NoteLengthHistogram)),
        };
    }

    private static ImmutableArray<double> MeanOf(IReadOnlyList<Melody> melodies, YangLerchFeature feature)
    {
        var sum = new double[YangLerchFeatures.Dimension(feature)];
        foreach (var m in melodies)
        {
            var v = YangLerchFeatures.Compute(m, feature);
            for (int i = 0; i < sum.Length; i++) sum[i] += v[i] / melodies.Count;
        }
        return [.. sum];
    }
}
