using System.Collections.Immutable;
using Melos.Data.Tokenizers;
using Melos.Music;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Melos.Evaluation;

/// <summary>How the real-versus-generated discriminator is trained and cross-validated.</summary>
public sealed record DiscriminatorOptions
{
    /// <summary>Cross-validation folds (2..20).</summary>
    public int Folds
    {
        get;
        init => field = value is >= 2 and <= 20 ? value : throw new ArgumentOutOfRangeException(nameof(Folds), value, "Folds must be 2..20.");
    } = 5;

    /// <summary>Training epochs per fold (1..1000).</summary>
    public int Epochs
    {
        get;
        init => field = value is >= 1 and <= 1000 ? value : throw new ArgumentOutOfRangeException(nameof(Epochs), value, "Epochs must be 1..1000.");
    } = 30;

    /// <summary>Melodies per training batch (1..1024).</summary>
    public int BatchSize
    {
        get;
        init => field = value is >= 1 and <= 1024 ? value : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, "BatchSize must be 1..1024.");
    } = 32;

    /// <summary>AdamW learning rate.</summary>
    public double LearningRate
    {
        get;
        init => field = value > 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "LearningRate must be in (0, 1).");
    } = 2e-3;

    /// <summary>Seeds the subsampling, the folds, the weights and the batch order.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Independent cross-validations to average (1..20): run r is seeded <see cref="Seed"/> + r, so it draws other folds,
    /// weights and batch orders. One network's accuracy swings by a few points with its training randomness (and with the
    /// thread count libtorch runs on); the mean of several runs is a steadier figure for comparing two models.
    /// </summary>
    public int Runs
    {
        get;
        init => field = value is >= 1 and <= 20 ? value : throw new ArgumentOutOfRangeException(nameof(Runs), value, "Runs must be 1..20.");
    } = 1;
}

/// <summary>The cross-validated accuracy of the discriminator.</summary>
/// <param name="Accuracy">Correct held-out predictions over all of them (0.5 means the sets cannot be told apart); with
/// several runs, the mean of the runs' accuracies.</param>
/// <param name="Ci95Low">Lower end of the Wilson 95% interval of the accuracy, for the number of predictions of one run (the
/// runs classify the same melodies, so they do not narrow it).</param>
/// <param name="Ci95High">Upper end.</param>
/// <param name="MelodiesPerClass">Melodies used from each set (the larger set is subsampled to the smaller).</param>
/// <param name="Predictions">Held-out predictions (twice <paramref name="MelodiesPerClass"/>).</param>
/// <param name="FoldAccuracies">Accuracy of each fold (of the first run).</param>
/// <param name="SkippedReal">Real melodies that could not be tokenized (off the grid).</param>
/// <param name="SkippedGenerated">Generated melodies that could not be tokenized.</param>
/// <param name="Folds">Folds.</param>
/// <param name="Epochs">Epochs per fold.</param>
public sealed record DiscriminatorResult(double Accuracy, double Ci95Low, double Ci95High, int MelodiesPerClass, int Predictions,
    ImmutableArray<double> FoldAccuracies, int SkippedReal, int SkippedGenerated, int Folds, int Epochs)
{
    /// <summary>The accuracy of each run (<see cref="DiscriminatorOptions.Runs"/>); one entry for a single run.</summary>
    public ImmutableArray<double> RunAccuracies { get; init; } = [Accuracy];
}

/// <summary>
/// A classifier trained to tell real melodies from generated ones; its cross-validated accuracy measures how
/// distinguishable the sets are. Melodies are grid tokens (<see cref="GridTokenizer"/>, 12 steps per quarter, every MIDI
/// pitch, no transposition); the network embeds them, runs three strided 1-D convolutions (receptive field about three
/// bars of 4/4) and classifies from the max and mean over time. The larger set is subsampled to the smaller, melodies are
/// split into stratified folds, and each fold is classified by a network trained from scratch on the others.
/// </summary>
public static class Discriminator
{
    /// <summary>The tokenizer: every MIDI pitch, 12 steps per quarter note.</summary>
    public static GridTokenizer Tokenizer { get; } = new(new GridTokenizerConfig { MinPitch = 0, MaxPitch = 127, StepsPerQuarter = 12 });

    /// <summary>Cross-validates the discriminator on two sets of melodies.</summary>
    /// <param name="real">Real melodies (label 1).</param>
    /// <param name="generated">Generated melodies (label 0).</param>
    /// <param name="options">Training settings.</param>
    /// <param name="progress">Called with (folds done, folds).</param>
    /// <param name="realName">The real set's name in error messages.</param>
    /// <param name="generatedName">The generated set's name in error messages.</param>
    /// <exception cref="TooFewMelodiesException">Either set has fewer tokenizable melodies than folds.</exception>
    public static DiscriminatorResult CrossValidate(IReadOnlyList<Melody> real, IReadOnlyList<Melody> generated, DiscriminatorOptions? options = null,
        Action<int, int>? progress = null, string realName = "the real set", string generatedName = "the generated set")
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(generated);
        options ??= new DiscriminatorOptions();
        var (realTokens, skippedReal) = Tokenize(real);
        var (genTokens, skippedGen) = Tokenize(generated);
        int n = Math.Min(realTokens.Count, genTokens.Count);
        if (realTokens.Count < options.Folds) throw new TooFewMelodiesException(realName, realTokens.Count, options.Folds, $"the {options.Folds}-fold discriminator");
        if (genTokens.Count < options.Folds) throw new TooFewMelodiesException(generatedName, genTokens.Count, options.Folds, $"the {options.Folds}-fold discriminator");
        var runs = new List<(int Correct, ImmutableArray<double> Folds)>(options.Runs);
        int predictions = 2 * n;
        for (int run = 0; run < options.Runs; run++)
        {
            var seeded = options with { Seed = unchecked(options.Seed + run) };
            runs.Add(CrossValidateOnce(realTokens, genTokens, n, seeded, run, progress));
        }
        double accuracy = runs.Average(x => (double)x.Correct / predictions);
        var (low, high) = Proportion.Wilson((int)Math.Round(accuracy * predictions), predictions);
        return new DiscriminatorResult(accuracy, low, high, n, predictions, runs[0].Folds, skippedReal, skippedGen, options.Folds, options.Epochs)
        {
            RunAccuracies = [.. runs.Select(x => (double)x.Correct / predictions)],
        };
    }

    private static (int Correct, ImmutableArray<double> Folds) CrossValidateOnce(List<long[]> realTokens, List<long[]> genTokens, int n,
        DiscriminatorOptions options, int run, Action<int, int>? progress)
    {
        var rng = new Random(options.Seed);
        var realUsed = Shuffled(realTokens, rng).Take(n).ToList();
        var genUsed = Shuffled(genTokens, rng).Take(n).ToList();
        // Stratified folds: the i-th melody of each class goes to fold i mod k.
        var samples = new List<(long[] Tokens, float Label, int Fold)>(2 * n);
        for (int i = 0; i < n; i++)
        {
            samples.Add((realUsed[i], 1f, i % options.Folds));
            samples.Add((genUsed[i], 0f, i % options.Folds));
        }
        int correct = 0;
        var foldAccuracies = ImmutableArray.CreateBuilder<double>(options.Folds);
        for (int fold = 0; fold < options.Folds; fold++)
        {
            var train = samples.Where(s => s.Fold != fold).ToList();
            var test = samples.Where(s => s.Fold == fold).ToList();
            int right = TrainAndTest(train, test, options, fold);
            correct += right;
            foldAccuracies.Add((double)right / test.Count);
            progress?.Invoke(run * options.Folds + fold + 1, options.Runs * options.Folds);
        }
        return (correct, foldAccuracies.MoveToImmutable());
    }

    private static (List<long[]> Tokens, int Skipped) Tokenize(IReadOnlyList<Melody> melodies)
    {
        var list = new List<long[]>();
        int skipped = 0;
        foreach (var m in melodies)
        {
            if (m.Notes.IsEmpty || !Tokenizer.TryEncode(m, out var t, out _)) skipped++;
            else list.Add([.. t!.Tokens.Select(x => (long)x)]);
        }
        return (list, skipped);
    }

    private static List<T> Shuffled<T>(IReadOnlyList<T> items, Random rng)
    {
        var list = items.ToList();
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
        return list;
    }

    private static int TrainAndTest(List<(long[] Tokens, float Label, int Fold)> train, List<(long[] Tokens, float Label, int Fold)> test,
        DiscriminatorOptions options, int fold)
    {
        torch.manual_seed(unchecked(options.Seed * 1_000_003L + fold));
        using var model = new TokenCnn(Tokenizer.VocabularySize);
        using var optimizer = optim.AdamW(model.parameters(), lr: options.LearningRate, weight_decay: 1e-2);
        var rng = new Random(unchecked(options.Seed * 7919 + fold));
        var order = Enumerable.Range(0, train.Count).ToArray();
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            model.train();
            rng.Shuffle(order);
            for (int b = 0; b < order.Length; b += options.BatchSize)
            {
                using var scope = NewDisposeScope();
                var batch = order.Skip(b).Take(options.BatchSize).Select(i => train[i]).ToList();
                var (tokens, lengths) = Batch(batch.Select(s => s.Tokens).ToList());
                var labels = tensor(batch.Select(s => s.Label).ToArray());
                var loss = nn.functional.binary_cross_entropy_with_logits(model.call(tokens, lengths), labels);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
        }
        model.eval();
        int right = 0;
        using (no_grad())
        {
            for (int b = 0; b < test.Count; b += options.BatchSize)
            {
                using var scope = NewDisposeScope();
                var batch = test.Skip(b).Take(options.BatchSize).ToList();
                var (tokens, lengths) = Batch(batch.Select(s => s.Tokens).ToList());
                var logits = model.call(tokens, lengths).data<float>().ToArray();
                for (int i = 0; i < batch.Count; i++)
                    if ((logits[i] > 0) == (batch[i].Label > 0.5f)) right++;
            }
        }
        return right;
    }

    private static (Tensor Tokens, long[] Lengths) Batch(List<long[]> sequences)
    {
        int length = Math.Max(TokenCnn.MinLength, sequences.Max(s => s.Length));
        var data = new long[sequences.Count * length];
        for (int i = 0; i < sequences.Count; i++) Array.Copy(sequences[i], 0, data, i * length, sequences[i].Length);
        return (tensor(data, [sequences.Count, length]), [.. sequences.Select(s => (long)s.Length)]);
    }
}

/// <summary>Embedding, three strided convolutions, masked max and mean pooling over time, one logit.</summary>
internal sealed class TokenCnn : nn.Module<Tensor, long[], Tensor>
{
    private const int Embedding = 16, Channels = 48;
    private static readonly (int Kernel, int Stride)[] Layers = [(12, 6), (8, 2), (8, 2)];

    /// <summary>The shortest input the convolutions accept; shorter batches are padded to it.</summary>
    public static readonly int MinLength = ComputeMinLength();

    private readonly Embedding embedding;
    private readonly Conv1d conv1, conv2, conv3;
    private readonly Dropout dropout;
    private readonly Linear head;

    public TokenCnn(int vocabularySize) : base(nameof(TokenCnn))
    {
        embedding = nn.Embedding(vocabularySize, Embedding, padding_idx: GridTokenizer.PadId);
        conv1 = nn.Conv1d(Embedding, Channels, Layers[0].Kernel, stride: Layers[0].Stride);
        conv2 = nn.Conv1d(Channels, Channels, Layers[1].Kernel, stride: Layers[1].Stride);
        conv3 = nn.Conv1d(Channels, Channels, Layers[2].Kernel, stride: Layers[2].Stride);
        dropout = nn.Dropout(0.3);
        head = nn.Linear(2 * Channels, 1);
        RegisterComponents();
    }

    private static int ComputeMinLength()
    {
        // One output position needs kernel + (1 - 1) * stride inputs per layer, backwards from the last.
        int need = 1;
        for (int i = Layers.Length - 1; i >= 0; i--) need = Layers[i].Kernel + (need - 1) * Layers[i].Stride;
        return need;
    }

    /// <summary>Output positions of the last convolution whose inputs lie within a sequence of <paramref name="length"/> tokens (at least 1).</summary>
    public static long ValidOutputs(long length)
    {
        long l = Math.Max(length, MinLength);
        foreach (var (k, s) in Layers) l = (l - k) / s + 1;
        long valid = length;
        foreach (var (k, s) in Layers) valid = valid >= k ? (valid - k) / s + 1 : 0;
        return Math.Clamp(valid, 1, l);
    }

    public override Tensor forward(Tensor tokens, long[] lengths)
    {
        var x = embedding.call(tokens).transpose(1, 2);
        x = nn.functional.relu(conv1.call(x));
        x = nn.functional.relu(conv2.call(x));
        x = nn.functional.relu(conv3.call(x));
        long positions = x.shape[2];
        var valid = tensor(lengths.Select(ValidOutputs).ToArray()).unsqueeze(1);
        var mask = arange(positions).unsqueeze(0).lt(valid).unsqueeze(1);
        var max = x.masked_fill(mask.logical_not(), -1e9f).amax([2]);
        var mean = (x * mask).sum(2) / valid.to(float32);
        return head.call(dropout.call(cat([max, mean], 1))).squeeze(1);
    }
}
