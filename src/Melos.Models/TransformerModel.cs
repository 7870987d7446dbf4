using Melos.Data.Tokenizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Melos.Models;

/// <summary>
/// A decoder-only causal Transformer with Music Transformer relative attention (Huang et al. 2018): each layer learns
/// relative-position embeddings <c>Er</c> (shared by its heads) for distances 0..MaxRelativeDistance-1 (farther
/// distances share the last one), and the relative logits <c>Srel</c> come from <c>Q·Erᵀ</c> by the memory-efficient
/// skewing trick (pad a column on the left, reshape to [T+1, T], drop the first row). Pre-layer-norm blocks; no absolute
/// position embedding. A key/value cache makes <see cref="Step"/> give the same logits as the full forward pass.
/// </summary>
public sealed class TransformerModel : TorchSequenceModel
{
    private readonly Embedding embedding;
    private readonly ConditioningEmbedding? conditioning;
    private readonly Dropout dropout;
    private readonly ModuleList<RelativeDecoderLayer> layers;
    private readonly LayerNorm norm;
    private readonly Linear head;

    /// <summary>Creates the model with fresh weights (seed torch first for reproducible weights).</summary>
    /// <exception cref="InvalidConfigurationException">A field is impossible; the message names it.</exception>
    public TransformerModel(TransformerConfig config, int vocabularySize, int pad, ConditioningVocabulary conditioningVocabulary)
        : base(nameof(TransformerModel), config, vocabularySize, pad, conditioningVocabulary)
    {
        TransformerConfig = config;
        embedding = nn.Embedding(vocabularySize, config.Width);
        if (config.Conditioning != ConditioningMode.None) conditioning = new ConditioningEmbedding(conditioningVocabulary, config.Width, concat: false);
        dropout = nn.Dropout(config.Dropout);
        layers = nn.ModuleList([.. Enumerable.Range(0, config.Layers).Select(_ => new RelativeDecoderLayer(config))]);
        norm = nn.LayerNorm(config.Width);
        head = nn.Linear(config.Width, vocabularySize);
        RegisterComponents();
    }

    /// <summary>The configuration.</summary>
    public TransformerConfig TransformerConfig { get; }

    private Tensor Embed(Tensor tokens, Tensor cond)
    {
        var x = embedding.call(tokens) * Math.Sqrt(TransformerConfig.Width);
        if (conditioning is not null) x = x + conditioning.call(cond);
        return dropout.call(x);
    }

    /// <inheritdoc/>
    public override Tensor Logits(TokenBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var x = Embed(InputTensor(batch), ConditioningTensor(batch));
        foreach (var layer in layers) x = layer.call(x);
        return head.call(norm.call(x));
    }

    private sealed class State : IForkableGenerationState
    {
        public Tensor?[] Keys = [], Values = [];
        public int Length { get; set; }

        public IGenerationState Fork() => new State
        {
            Keys = [.. Keys.Select(t => t?.clone().DetachFromDisposeScope())],
            Values = [.. Values.Select(t => t?.clone().DetachFromDisposeScope())],
            Length = Length,
        };

        public void Dispose()
        {
            foreach (var t in Keys) t?.Dispose();
            foreach (var t in Values) t?.Dispose();
        }
    }

    /// <inheritdoc/>
    public override IGenerationState CreateState() => new State { Keys = new Tensor?[layers.Count], Values = new Tensor?[layers.Count] };

    /// <inheritdoc/>
    public override float[] Step(IGenerationState state, int token, ConditionStep next)
    {
        if (state is not State s) throw new ArgumentException("Not a state of this Transformer.", nameof(state));
        bool wasTraining = training;
        eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var x = Embed(tensor(new long[] { token }, [1, 1], int64, Device), ConditioningTensor([next], 1, 1));
            for (int i = 0; i < layers.Count; i++)
            {
                var (y, k, v) = layers[i].Step(x, s.Keys[i], s.Values[i]);
                s.Keys[i]?.Dispose();
                s.Values[i]?.Dispose();
                s.Keys[i] = k.MoveToOuterDisposeScope();
                s.Values[i] = v.MoveToOuterDisposeScope();
                x = y;
            }
            s.Length++;
            return ToArray(head.call(norm.call(x)).squeeze(0).squeeze(0));
        }
        finally
        {
            train(wasTraining);
        }
    }
}

/// <summary>One pre-layer-norm decoder block with relative self-attention and a feed-forward layer.</summary>
public sealed class RelativeDecoderLayer : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm1, norm2;
    private readonly Linear query, key, value, output, ff1, ff2;
    private readonly Parameter relative;
    private readonly Dropout dropout;
    private readonly int _heads, _headWidth, _maxDistance;

    /// <summary>Creates the block.</summary>
    public RelativeDecoderLayer(TransformerConfig config) : base(nameof(RelativeDecoderLayer))
    {
        ArgumentNullException.ThrowIfNull(config);
        _heads = config.Heads;
        _headWidth = config.Width / config.Heads;
        _maxDistance = config.MaxRelativeDistance;
        norm1 = nn.LayerNorm(config.Width);
        norm2 = nn.LayerNorm(config.Width);
        query = nn.Linear(config.Width, config.Width);
        key = nn.Linear(config.Width, config.Width);
        value = nn.Linear(config.Width, config.Width);
        output = nn.Linear(config.Width, config.Width);
        ff1 = nn.Linear(config.Width, config.FeedForward);
        ff2 = nn.Linear(config.FeedForward, config.Width);
        relative = nn.Parameter(randn(config.MaxRelativeDistance, _headWidth) * (1.0 / Math.Sqrt(_headWidth)));
        dropout = nn.Dropout(config.Dropout);
        RegisterComponents();
    }

    /// <summary>[B, T, D] to [B, H, T, d].</summary>
    private Tensor SplitHeads(Tensor x) => x.view(x.shape[0], x.shape[1], _heads, _headWidth).transpose(1, 2);

    /// <summary>[B, H, T, d] to [B, T, D].</summary>
    private Tensor MergeHeads(Tensor x) => x.transpose(1, 2).contiguous().view(x.shape[0], x.shape[2], _heads * _headWidth);

    /// <summary>
    /// The relative embeddings for <paramref name="count"/> distances in the Music Transformer order: row r stands for
    /// distance count-1-r (the last row is distance 0); distances past the maximum share the farthest embedding.
    /// </summary>
    private Tensor RelativeRows(long count, long newestDistance = 0)
    {
        var index = new long[count];
        for (long r = 0; r < count; r++) index[r] = _maxDistance - 1 - Math.Min(count - 1 - r + newestDistance, _maxDistance - 1);
        return relative.index_select(0, tensor(index, int64, relative.device));
    }

    /// <summary>The skewing trick: Q·Erᵀ [B, H, T, T] (column r = distance T-1-r) to Srel [B, H, T, T] (column j = key j).</summary>
    public static Tensor Skew(Tensor qe)
    {
        ArgumentNullException.ThrowIfNull(qe);
        long b = qe.shape[0], h = qe.shape[1], t = qe.shape[2];
        var padded = nn.functional.pad(qe, [1, 0]);           // [B, H, T, T+1]
        return padded.reshape(b, h, t + 1, t).narrow(2, 1, t); // drop the first row
    }

    private Tensor Attention(Tensor q, Tensor k, Tensor v, Tensor srel, Tensor? mask)
    {
        var scores = (q.matmul(k.transpose(-2, -1)) + srel) / Math.Sqrt(_headWidth);
        if (mask is not null) scores = scores.masked_fill(mask, float.NegativeInfinity);
        return scores.softmax(-1).matmul(v);
    }

    private Tensor FeedForward(Tensor x) => x + dropout.call(ff2.call(nn.functional.relu(ff1.call(norm2.call(x)))));

    /// <summary>The block over a whole causal sequence [B, T, D].</summary>
    public override Tensor forward(Tensor x)
    {
        long t = x.shape[1];
        var h = norm1.call(x);
        var q = SplitHeads(query.call(h));
        var k = SplitHeads(key.call(h));
        var v = SplitHeads(value.call(h));
        var srel = Skew(q.matmul(RelativeRows(t).t()));
        var mask = ones(t, t, @bool, x.device).triu(1);
        var attended = MergeHeads(Attention(q, k, v, srel, mask));
        x = x + dropout.call(output.call(attended));
        return FeedForward(x);
    }

    /// <summary>One new position [B, 1, D] given the cached keys and values [B, H, t, d]; returns the output and the grown cache.</summary>
    public (Tensor Output, Tensor Keys, Tensor Values) Step(Tensor x, Tensor? cachedKeys, Tensor? cachedValues)
    {
        ArgumentNullException.ThrowIfNull(x);
        var h = norm1.call(x);
        var q = SplitHeads(query.call(h));
        var k = SplitHeads(key.call(h));
        var v = SplitHeads(value.call(h));
        if (cachedKeys is not null) k = cat([cachedKeys, k], 2);
        if (cachedValues is not null) v = cat([cachedValues, v], 2);
        long length = k.shape[2];
        // Key j is at distance length-1-j from the new query: exactly the rows RelativeRows(length) lists.
        var srel = q.matmul(RelativeRows(length).t()); // [B, H, 1, length]
        var attended = MergeHeads(Attention(q, k, v, srel, null));
        x = x + dropout.call(output.call(attended));
        return (FeedForward(x), k, v);
    }
}
