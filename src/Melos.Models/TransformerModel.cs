using System.Numerics;
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

    /// <summary>
    /// Key/value buffers [rows, H, capacity, d] per layer, preallocated so a step writes its new position in place; the
    /// states of one batch share one set (a row each), so batched steps need no copying.
    /// </summary>
    private sealed class CacheBuffers
    {
        public required Tensor[] Keys { get; init; }
        public required Tensor[] Values { get; init; }
        public required long Rows { get; init; }
        public required long Capacity { get; init; }
        public int Users { get; set; }

        public void Release()
        {
            if (--Users > 0) return;
            foreach (var t in Keys) t.Dispose();
            foreach (var t in Values) t.Dispose();
        }
    }

    private sealed class State : IGenerationState
    {
        public CacheBuffers? Buffers { get; private set; }
        public int Row { get; private set; }
        public int Length { get; set; }

        public void Attach(CacheBuffers buffers, int row)
        {
            buffers.Users++;
            Buffers?.Release();
            Buffers = buffers;
            Row = row;
        }

        public void Dispose()
        {
            Buffers?.Release();
            Buffers = null;
        }
    }

    private CacheBuffers NewBuffers(long rows, long capacity)
    {
        var shape = new long[] { rows, TransformerConfig.Heads, capacity, TransformerConfig.Width / TransformerConfig.Heads };
        var keys = new Tensor[layers.Count];
        var values = new Tensor[layers.Count];
        for (int i = 0; i < layers.Count; i++)
        {
            // The buffers outlive any dispose scope of the caller: the states release them.
            keys[i] = zeros(shape, float32, Device).DetachFromDisposeScope();
            values[i] = zeros(shape, float32, Device).DetachFromDisposeScope();
        }
        return new CacheBuffers { Keys = keys, Values = values, Rows = rows, Capacity = capacity };
    }

    private static long CapacityFor(long length) => Math.Max(64, (long)BitOperations.RoundUpToPowerOf2((ulong)length));

    /// <summary>Gives <paramref name="batch"/> (states of equal length) one shared set of buffers with room for one more position, copying what they hold.</summary>
    private void Gather(State[] batch)
    {
        int length = batch[0].Length;
        var old = batch[0].Buffers;
        bool shared = old is not null && old.Rows == batch.Length && old.Capacity > length
            && batch.Select((s, b) => ReferenceEquals(s.Buffers, old) && s.Row == b).All(x => x);
        if (shared) return;
        var buffers = NewBuffers(batch.Length, CapacityFor(length + 1));
        using (NewDisposeScope())
            for (int b = 0; b < batch.Length; b++)
                if (batch[b].Buffers is { } from && length > 0)
                    for (int i = 0; i < layers.Count; i++)
                    {
                        buffers.Keys[i].narrow(0, b, 1).narrow(2, 0, length).copy_(from.Keys[i].narrow(0, batch[b].Row, 1).narrow(2, 0, length));
                        buffers.Values[i].narrow(0, b, 1).narrow(2, 0, length).copy_(from.Values[i].narrow(0, batch[b].Row, 1).narrow(2, 0, length));
                    }
        for (int b = 0; b < batch.Length; b++) batch[b].Attach(buffers, b);
    }

    /// <inheritdoc/>
    public override IGenerationState CreateState() => new State();

    /// <inheritdoc/>
    public override float[] Step(IGenerationState state, int token, ConditionStep next)
    {
        if (state is not State s) throw new ArgumentException("Not a state of this Transformer.", nameof(state));
        // A state alone (or one whose shared buffers are full) moves to buffers of its own with room to grow.
        if (s.Buffers is null || s.Buffers.Capacity <= s.Length) Gather([s]);
        return StepRows([s], [token], [next]);
    }

    /// <summary>One position for states that share buffers as rows 0..B-1 and have room for it; logits [B, V] flattened.</summary>
    private float[] StepRows(State[] batch, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next)
    {
        bool wasTraining = training;
        if (wasTraining) eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var buffers = batch[0].Buffers!;
            long row = batch[0].Row, length = batch[0].Length;
            var ids = new long[batch.Length];
            for (int b = 0; b < batch.Length; b++) ids[b] = tokens[b];
            var x = Embed(tensor(ids, [batch.Length, 1], int64, Device), ConditioningTensor(next, batch.Length, 1));
            for (int i = 0; i < layers.Count; i++)
                x = layers[i].StepInPlace(x, buffers.Keys[i].narrow(0, row, batch.Length), buffers.Values[i].narrow(0, row, batch.Length), length);
            foreach (var s in batch) s.Length++;
            return ToArray(head.call(norm.call(x)));
        }
        finally
        {
            if (wasTraining) train();
        }
    }

    /// <summary>
    /// Feeds a primer to an empty state in one causal forward pass, filling the key/value cache of every layer; a state
    /// that already holds tokens is fed token by token.
    /// </summary>
    public override LogitsBatch Prefill(IGenerationState state, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next)
    {
        if (state is not State s) throw new ArgumentException("Not a state of this Transformer.", nameof(state));
        Stepping.CheckPrefill(tokens, next);
        if (s.Length > 0) return Stepping.Prefill(this, state, tokens, next);
        bool wasTraining = training;
        if (wasTraining) eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            int t = tokens.Count;
            var ids = new long[t];
            for (int i = 0; i < t; i++) ids[i] = tokens[i];
            var buffers = NewBuffers(1, CapacityFor(t + 1));
            var x = Embed(tensor(ids, [1, t], int64, Device), ConditioningTensor(next, 1, t));
            for (int i = 0; i < layers.Count; i++)
            {
                var (y, k, v) = layers[i].Prefill(x);
                buffers.Keys[i].narrow(2, 0, t).copy_(k);
                buffers.Values[i].narrow(2, 0, t).copy_(v);
                x = y;
            }
            s.Attach(buffers, 0);
            s.Length = t;
            return new LogitsBatch(1, t, VocabularySize, ToArray(head.call(norm.call(x))));
        }
        finally
        {
            if (wasTraining) train();
        }
    }

    /// <summary>
    /// Steps states of equal length together: the first call moves their caches into one shared set of buffers (a row
    /// each), after which the projections, attention, feed-forward layers and head run once over the batch with no
    /// copying. States of different lengths are stepped one by one.
    /// </summary>
    public override LogitsBatch StepBatch(IReadOnlyList<IGenerationState> states, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next)
    {
        Stepping.CheckBatch(states, tokens, next);
        var batch = new State[states.Count];
        for (int b = 0; b < batch.Length; b++)
            batch[b] = states[b] as State ?? throw new ArgumentException("Not a state of this Transformer.", nameof(states));
        if (batch.Any(s => s.Length != batch[0].Length)) return Stepping.StepBatch(this, states, tokens, next);
        Gather(batch);
        return new LogitsBatch(batch.Length, 1, VocabularySize, StepRows(batch, tokens, next));
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

    /// <summary>
    /// The block over a whole causal sequence [B, T, D] (exactly <see cref="forward"/>), with its keys and values
    /// [B, H, T, d] for a key/value cache.
    /// </summary>
    public (Tensor Output, Tensor Keys, Tensor Values) Prefill(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var h = norm1.call(x);
        return (forward(x), SplitHeads(key.call(h)), SplitHeads(value.call(h)));
    }

    /// <summary>
    /// One new position [B, 1, D] with preallocated caches [B, H, capacity, d] that hold <paramref name="length"/>
    /// positions: writes this position's key and value at index <paramref name="length"/> and attends over all of them.
    /// </summary>
    public Tensor StepInPlace(Tensor x, Tensor keys, Tensor values, long length)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        var h = norm1.call(x);
        var q = SplitHeads(query.call(h)) * (1.0 / Math.Sqrt(_headWidth));
        keys.narrow(2, length, 1).copy_(SplitHeads(key.call(h)));
        values.narrow(2, length, 1).copy_(SplitHeads(value.call(h)));
        // Key j is at distance length-j from the new query: exactly the rows RelativeRows(length + 1) lists.
        var srel = q.matmul(RelativeRows(length + 1).t()); // [B, H, 1, length + 1]
        var attended = MergeHeads(Attention(q, keys.narrow(2, 0, length + 1), values.narrow(2, 0, length + 1), srel, null));
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
