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
        var x = TapTokenEmbedding(embedding.call(tokens)) * Math.Sqrt(TransformerConfig.Width);
        if (conditioning is not null) x = x + conditioning.call(cond);
        return dropout.call(x);
    }

    /// <inheritdoc/>
    public override Tensor Logits(TokenBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var x = Embed(InputTensor(batch), ConditioningTensor(batch));
        foreach (var layer in layers)
        {
            // Each layer's temporaries (attention scores are [B, H, T, T]) are released when the layer is done: autograd
            // keeps what the backward pass needs, so the caller's scope only has to hold the layer outputs.
            using var scope = NewDisposeScope();
            x = layer.call(x).MoveToOuterDisposeScope();
        }
        return head.call(norm.call(x));
    }

    /// <summary>
    /// The attention weights of every layer and head for one sequence (batch of one): <c>result[layer][head][i][j]</c> is
    /// how much position i attended to position j (j ≤ i; each row sums to 1).
    /// </summary>
    public float[][][][] AttentionWeights(TokenBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.BatchSize != 1) throw new ArgumentException("Attention weights are read for one sequence at a time.", nameof(batch));
        foreach (var layer in layers) layer.CaptureAttention = true;
        try
        {
            _ = Forward(batch);
            int h = TransformerConfig.Heads, t = batch.Length;
            return [.. layers.Select(layer =>
            {
                var flat = layer.CapturedAttention ?? throw new InvalidOperationException("No attention was captured.");
                return Enumerable.Range(0, h).Select(head => Enumerable.Range(0, t).Select(i => flat.AsSpan((head * t + i) * t, t).ToArray()).ToArray()).ToArray();
            })];
        }
        finally
        {
            foreach (var layer in layers) layer.CaptureAttention = false;
        }
    }

    private sealed class State : IGenerationState
    {
        public Tensor?[] Keys = [], Values = [];
        public int Length { get; set; }

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

    /// <summary>
    /// The relative logits Srel [B, H, T, T] (column j = key j) of queries <paramref name="q"/> [B, H, T, d] against
    /// relative embeddings <paramref name="rows"/> [T, d] (row r = distance T-1-r), by the skewing trick: pad Q·Erᵀ with
    /// a zero column on the left, reshape to [T+1, T] and drop the first row. A zero row prepended to the embeddings
    /// makes the matrix product itself the padded tensor, so the reshape and the narrowing are views, not copies.
    /// </summary>
    public static Tensor SkewedLogits(Tensor q, Tensor rows)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(rows);
        long b = q.shape[0], h = q.shape[1], t = q.shape[2];
        var padded = q.matmul(cat([zeros(1, rows.shape[1], rows.dtype, rows.device), rows], 0).t()); // [B, H, T, T+1], column 0 zero
        return padded.view(b, h, t + 1, t).narrow(2, 1, t);
    }

    /// <summary>
    /// When set, each full forward pass stores this layer's attention weights in <see cref="CapturedAttention"/>
    /// (for explanations; costs a copy to the CPU).
    /// </summary>
    internal bool CaptureAttention { get; set; }

    /// <summary>The attention weights [B, H, T, T] of the last forward pass with <see cref="CaptureAttention"/> set, flattened.</summary>
    internal float[]? CapturedAttention { get; private set; }

    /// <summary>softmax(q·kᵀ + srel (+ mask)) · v, with <paramref name="q"/> already divided by √d.</summary>
    private Tensor Attention(Tensor q, Tensor k, Tensor v, Tensor srel, Tensor? mask)
    {
        // Fresh scores from the matrix product, so the additions and the mask can work in place (autograd needs neither input).
        var scores = q.matmul(k.transpose(-2, -1)).add_(srel);
        if (mask is not null) scores = scores.masked_fill_(mask, float.NegativeInfinity);
        var weights = scores.softmax(-1);
        if (CaptureAttention && mask is not null) CapturedAttention = weights.detach().to(float32).cpu().contiguous().data<float>().ToArray();
        return weights.matmul(v);
    }

    private Tensor FeedForward(Tensor x) => x + dropout.call(ff2.call(nn.functional.relu(ff1.call(norm2.call(x)))));

    /// <summary>The block over a whole causal sequence [B, T, D].</summary>
    public override Tensor forward(Tensor x)
    {
        long t = x.shape[1];
        var h = norm1.call(x);
        var q = SplitHeads(query.call(h)) * (1.0 / Math.Sqrt(_headWidth));
        var k = SplitHeads(key.call(h));
        var v = SplitHeads(value.call(h));
        var srel = SkewedLogits(q, RelativeRows(t));
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
        var q = SplitHeads(query.call(h)) * (1.0 / Math.Sqrt(_headWidth));
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
