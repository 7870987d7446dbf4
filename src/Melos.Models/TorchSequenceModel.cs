using Melos.Data.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Melos.Models;

/// <summary>
/// Base of the TorchSharp models: builds tensors from a <see cref="TokenBatch"/>, returns logits with gradients for
/// training (<see cref="Logits"/>) and without for evaluation (<see cref="Forward"/>).
/// </summary>
public abstract class TorchSequenceModel : nn.Module, ISequenceModel
{
    /// <summary>Creates the base.</summary>
    protected TorchSequenceModel(string name, ModelConfig config, int vocabularySize, int pad, ConditioningVocabulary conditioning) : base(name)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(conditioning);
        config.Validate();
        InvalidConfigurationException.Require(vocabularySize >= 2, nameof(vocabularySize), $"{vocabularySize} must be at least 2");
        Config = config;
        VocabularySize = vocabularySize;
        Pad = pad;
        ConditioningVocabulary = conditioning;
    }

    /// <inheritdoc/>
    public ModelConfig Config { get; }

    /// <inheritdoc/>
    public string Architecture => Config.Architecture;

    /// <inheritdoc/>
    public int VocabularySize { get; }

    /// <summary>The PAD id.</summary>
    public int Pad { get; }

    /// <summary>The conditioning vocabulary the embeddings are sized for.</summary>
    public ConditioningVocabulary ConditioningVocabulary { get; }

    /// <summary>The device the parameters live on.</summary>
    public Device Device => parameters().FirstOrDefault()?.device ?? CPU;

    /// <summary>Logits [B, T, V] on the model's device, with gradients when training.</summary>
    public abstract Tensor Logits(TokenBatch batch);

    /// <inheritdoc/>
    public LogitsBatch Forward(TokenBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        bool wasTraining = training;
        eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var logits = Logits(batch).to(float32).cpu().contiguous();
            return new LogitsBatch(batch.BatchSize, batch.Length, VocabularySize, logits.data<float>().ToArray());
        }
        finally
        {
            train(wasTraining);
        }
    }

    private Func<Tensor, Tensor>? _tokenEmbeddingTap;

    /// <summary>Models pass their token embeddings [B, T, E] through this before use, so attribution can reach them.</summary>
    protected Tensor TapTokenEmbedding(Tensor embedded) => _tokenEmbeddingTap is null ? embedded : _tokenEmbeddingTap(embedded);

    /// <summary>
    /// Gradient-times-input saliency for one sequence (batch of one): for each predicted position p in
    /// <paramref name="positions"/>, |Σₑ ∂log P(target p)/∂xₜₑ · xₜₑ| over the token embedding xₜ of every input position t
    /// (dropout off). Positions after p get exactly 0: the model cannot see them.
    /// </summary>
    /// <returns><c>result[i][t]</c>: the saliency of input position t for predicted position <c>positions[i]</c>.</returns>
    public double[][] Saliency(TokenBatch batch, IReadOnlyList<int> positions)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(positions);
        if (batch.BatchSize != 1) throw new ArgumentException("Saliency is computed for one sequence at a time.", nameof(batch));
        foreach (int p in positions)
        {
            if (p < 0 || p >= batch.Length) throw new ArgumentOutOfRangeException(nameof(positions), p, $"Positions are 0..{batch.Length - 1}.");
            if (batch.Targets[p] < 0) throw new ArgumentException($"Position {p} has no target.", nameof(positions));
        }
        bool wasTraining = training;
        eval();
        Tensor? captured = null;
        _tokenEmbeddingTap = e =>
        {
            e.retain_grad();
            captured = e;
            return e;
        };
        try
        {
            var result = new double[positions.Count][];
            // One backward pass per chunk: the sequence is copied once per position, and each copy's gradient only
            // carries its own position's log-probability (the copies share no computation).
            const int chunk = 16;
            for (int start = 0; start < positions.Count; start += chunk)
            {
                using var scope = NewDisposeScope();
                using var _ = enable_grad();
                int n = Math.Min(chunk, positions.Count - start);
                var copies = TokenBatch.Repeat(batch, n);
                var logProbabilities = Logits(copies).log_softmax(-1);
                if (captured is null) throw new InvalidOperationException($"{GetType().Name} does not pass its token embeddings through {nameof(TapTokenEmbedding)}.");
                var rows = arange(n, dtype: int64, device: Device);
                var at = tensor(positions.Skip(start).Take(n).Select(p => (long)p).ToArray(), int64, Device);
                var targets = tensor(positions.Skip(start).Take(n).Select(p => batch.Targets[p]).ToArray(), int64, Device);
                logProbabilities.index([rows, at, targets]).sum().backward();
                var grad = captured.grad ?? throw new InvalidOperationException("No gradient reached the token embeddings.");
                var s = (grad * captured.detach()).sum(-1).abs().to(float64).cpu().contiguous(); // [n, T]
                var values = s.data<double>().ToArray();
                for (int i = 0; i < n; i++) result[start + i] = values.AsSpan(i * batch.Length, batch.Length).ToArray();
                captured = null;
            }
            zero_grad();
            return result;
        }
        finally
        {
            _tokenEmbeddingTap = null;
            train(wasTraining);
        }
    }

    /// <inheritdoc/>
    public abstract IGenerationState CreateState();

    /// <inheritdoc/>
    public abstract float[] Step(IGenerationState state, int token, ConditionStep next);

    /// <inheritdoc/>
    public virtual LogitsBatch Prefill(IGenerationState state, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next) =>
        Stepping.Prefill(this, state, tokens, next);

    /// <inheritdoc/>
    public virtual LogitsBatch StepBatch(IReadOnlyList<IGenerationState> states, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next) =>
        Stepping.StepBatch(this, states, tokens, next);

    /// <inheritdoc/>
    public virtual IReadOnlyList<LogitsBatch> PrefillBatch(IReadOnlyList<IGenerationState> states, IReadOnlyList<IReadOnlyList<int>> tokens,
        IReadOnlyList<IReadOnlyList<ConditionStep>> next) => Stepping.PrefillBatch(this, states, tokens, next);

    /// <summary>The input tokens as a [B, T] int64 tensor on the model's device.</summary>
    protected Tensor InputTensor(TokenBatch batch) => tensor(batch.Inputs, [batch.BatchSize, batch.Length], int64, Device);

    /// <summary>The conditioning as a [B, T, 5] int64 tensor (chord, position, meter, key, style).</summary>
    protected Tensor ConditioningTensor(TokenBatch batch) => ConditioningTensor(batch.Conditioning, batch.BatchSize, batch.Length);

    /// <summary>Conditioning steps as a [B, T, 5] int64 tensor on the model's device.</summary>
    protected Tensor ConditioningTensor(IReadOnlyList<ConditionStep> steps, int batchSize, int length)
    {
        var data = new long[steps.Count * 5];
        for (int i = 0; i < steps.Count; i++)
        {
            var c = steps[i];
            data[5 * i] = c.Chord;
            data[5 * i + 1] = c.Position;
            data[5 * i + 2] = c.Meter;
            data[5 * i + 3] = c.Key;
            data[5 * i + 4] = c.Style;
        }
        return tensor(data, [batchSize, length, 5], int64, Device);
    }

    /// <summary>The logits of one step as a float array.</summary>
    protected static float[] ToArray(Tensor logits) => logits.to(float32).cpu().contiguous().data<float>().ToArray();
}

/// <summary>Embeddings of the five conditioning streams, summed ([B, T, D]) or concatenated ([B, T, 5D]).</summary>
public sealed class ConditioningEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Embedding chord, position, meter, key, style;
    private readonly bool _concat;

    /// <summary>Creates the embeddings.</summary>
    public ConditioningEmbedding(ConditioningVocabulary vocabulary, int size, bool concat) : base(nameof(ConditioningEmbedding))
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        chord = nn.Embedding(vocabulary.ChordCount, size);
        position = nn.Embedding(vocabulary.PositionCount, size);
        meter = nn.Embedding(vocabulary.MeterCount, size);
        key = nn.Embedding(vocabulary.KeyCount, size);
        style = nn.Embedding(vocabulary.StyleCount, size);
        _concat = concat;
        OutputSize = concat ? 5 * size : size;
        RegisterComponents();
    }

    /// <summary>The width of the output.</summary>
    public int OutputSize { get; }

    /// <summary>Embeds a [B, T, 5] int64 conditioning tensor.</summary>
    public override Tensor forward(Tensor cond)
    {
        var parts = new[]
        {
            chord.call(cond.select(-1, 0)), position.call(cond.select(-1, 1)), meter.call(cond.select(-1, 2)),
            key.call(cond.select(-1, 3)), style.call(cond.select(-1, 4)),
        };
        return _concat ? cat(parts, -1) : parts[0] + parts[1] + parts[2] + parts[3] + parts[4];
    }
}
