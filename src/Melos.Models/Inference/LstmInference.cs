using System.Buffers;
using System.Runtime.CompilerServices;
using Melos.Data.Tokenizers;

namespace Melos.Models.Inference;

/// <summary>
/// The generation path of <see cref="LstmModel"/> in managed code: a copy of the weights in float arrays and the same
/// arithmetic as the TorchSharp forward pass in evaluation mode (embeddings, LSTM layers with gates i, f, g, o,
/// optional lookback inputs and attention, linear head), one step or several states or a whole primer at a time.
/// Per step it calls no native code and allocates little beyond the returned logits (a product split between threads
/// allocates its task); a small model's step costs tens of microseconds instead of hundreds. A large model's step is
/// bound by how fast its weights stream from memory, so its big products are split between <see cref="Threads"/> threads.
/// </summary>
internal sealed class LstmInference
{
    public delegate (long One, long Two, float RepeatOne, float RepeatTwo) LookbackFunction(IReadOnlyList<long> history, int t, ConditionStep next);

    private readonly LstmConfig _config;
    private readonly LookbackFunction _lookback;
    private readonly int _e, _h, _layers, _vocab, _input, _n;
    private readonly float[] _zeros, _zerosGates;
    private readonly (int Source, int Offset)[] _segments;
    private float[][] _tables = [];
    private bool _tablesReady;
    private float[] _scratchX = [], _scratchGates = [], _scratchTop = [], _scratchAttn = [];

    public LstmInference(LstmConfig config, int vocabularySize, ConditioningVocabulary conditioning, LookbackFunction lookback)
    {
        _config = config;
        _lookback = lookback;
        _e = config.EmbeddingSize;
        _h = config.Hidden;
        _layers = config.Layers;
        _vocab = vocabularySize;
        _n = config.AttentionLength;
        int input = _e;
        if (config.Conditioning == ConditioningMode.Concat) input += 5 * _e;
        if (config.Lookback) input += 2 * _e + 2;
        _input = input;
        _zeros = new float[_h];
        _zerosGates = new float[4 * _h];
        // The embedding segments of the layer-0 input: (0 = token embedding, i = conditioning table i - 1; first column).
        var segments = new List<(int, int)> { (0, 0) };
        if (config.Conditioning == ConditioningMode.Sum) segments.AddRange(Enumerable.Range(1, 5).Select(i => (i, 0)));
        if (config.Conditioning == ConditioningMode.Concat) segments.AddRange(Enumerable.Range(1, 5).Select(i => (i, i * _e)));
        int lookbackAt = config.Conditioning == ConditioningMode.Concat ? 6 * _e : _e;
        if (config.Lookback) segments.AddRange([(0, lookbackAt), (0, lookbackAt + _e)]);
        _segments = [.. segments];
        Embedding = new float[vocabularySize * _e];
        if (config.Conditioning != ConditioningMode.None)
            Conditioning =
            [
                new float[conditioning.ChordCount * _e], new float[conditioning.PositionCount * _e], new float[conditioning.MeterCount * _e],
                new float[conditioning.KeyCount * _e], new float[conditioning.StyleCount * _e],
            ];
        Weights = new float[_layers][];
        Biases = new float[_layers][];
        for (int l = 0; l < _layers; l++)
        {
            Weights[l] = new float[4 * _h * (InputWidth(l) + _h)];
            Biases[l] = new float[4 * _h];
        }
        HeadWeight = new float[vocabularySize * _h];
        HeadBias = new float[vocabularySize];
        if (config.Attention)
        {
            AttentionKeys = new float[_h * _h];
            AttentionQuery = new float[_h * _h];
            AttentionQueryBias = new float[_h];
            AttentionScore = new float[_h];
            AttentionOut = new float[_h * 2 * _h];
            AttentionOutBias = new float[_h];
        }
    }

    /// <summary>Token embedding [V, E].</summary>
    public float[] Embedding { get; }

    /// <summary>Conditioning embeddings (chord, position, meter, key, style), each [count, E]; empty without conditioning.</summary>
    public float[][] Conditioning { get; } = [];

    /// <summary>Per layer, [W_ih | W_hh] side by side: [4H, in + H] row-major.</summary>
    public float[][] Weights { get; }

    /// <summary>Per layer, b_ih + b_hh [4H].</summary>
    public float[][] Biases { get; }

    /// <summary>Output head [V, H] and its bias [V].</summary>
    public float[] HeadWeight { get; }

    /// <inheritdoc cref="HeadWeight"/>
    public float[] HeadBias { get; }

    /// <summary>Attention weights (null without attention): keys [H, H], query [H, H] + bias, score [H], output [H, 2H] + bias.</summary>
    public float[]? AttentionKeys { get; }

    /// <inheritdoc cref="AttentionKeys"/>
    public float[]? AttentionQuery { get; }

    /// <inheritdoc cref="AttentionKeys"/>
    public float[]? AttentionQueryBias { get; }

    /// <inheritdoc cref="AttentionKeys"/>
    public float[]? AttentionScore { get; }

    /// <inheritdoc cref="AttentionKeys"/>
    public float[]? AttentionOut { get; }

    /// <inheritdoc cref="AttentionKeys"/>
    public float[]? AttentionOutBias { get; }

    /// <summary>
    /// The most threads one product of a step or a prefill may use (see <see cref="Simd.MatMul(ReadOnlyMemory{float}, int, int, int, ReadOnlyMemory{float}, ReadOnlyMemory{float}, int, int, Memory{float}, int, bool, int)"/>);
    /// the logits are the same bit for bit whatever the count.
    /// </summary>
    public int Threads { get; set; } = 1;

    /// <summary>
    /// Whether the recurrent and output products read the weights as 16-bit integers with one scale per row
    /// (<see cref="QuantizedRows"/>): half the bytes per step, logits within about 1e-4 of the float32 ones. Only where
    /// the processor has the kernels (<see cref="Simd.QuantizedSupported"/>); float32 elsewhere.
    /// </summary>
    public bool QuantizeWeights
    {
        get => _quantize;
        set
        {
            if (value != _quantize) _tablesReady = false;
            _quantize = value;
        }
    }

    private bool _quantize;
    private QuantizedRows[]? _quantized;
    private QuantizedRows? _quantizedHead;

    /// <summary>Marks the weights as changed: the layer-0 input tables are rebuilt before the next step.</summary>
    public void Invalidate() => _tablesReady = false;

    /// <summary>
    /// The layer-0 input projection is linear in each embedding of the input, so it is precomputed per embedding row:
    /// table[segment][id] = W_ih0[:, segment columns] · E[id]. A step then adds a few rows instead of streaming W_ih0.
    /// </summary>
    private void BuildTables()
    {
        int g = 4 * _h, width = _input + _h;
        _tables = new float[_segments.Length][];
        for (int i = 0; i < _segments.Length; i++)
        {
            var (source, offset) = _segments[i];
            var embedding = source == 0 ? Embedding : Conditioning[source - 1];
            int count = embedding.Length / _e;
            _tables[i] = new float[count * g];
            Simd.MatMul(Weights[0].AsSpan(offset), width, g, _e, _zerosGates, embedding, _e, count, _tables[i], g, accumulate: false);
        }
        if (_quantize && Simd.QuantizedSupported)
        {
            // Layer 0's input columns are in the tables: only its recurrent columns are read per step.
            _quantized = new QuantizedRows[_layers];
            for (int l = 0; l < _layers; l++)
            {
                int first = l == 0 ? _input : 0, all = InputWidth(l) + _h;
                _quantized[l] = new QuantizedRows(Weights[l].AsSpan(first), all, g, all - first);
            }
            _quantizedHead = new QuantizedRows(HeadWeight, _h, _vocab, _h);
        }
        else
        {
            _quantized = null;
            _quantizedHead = null;
        }
        _tablesReady = true;
    }

    /// <summary>
    /// <c>y (+)= W_l[:, from .. from + cols] · x</c> for <paramref name="batch"/> inputs, where W_l is layer
    /// <paramref name="l"/>'s [W_ih | W_hh]; 16-bit weights when <see cref="QuantizeWeights"/>.
    /// </summary>
    private void Layer(int l, int from, int cols, ReadOnlyMemory<float> bias, ReadOnlyMemory<float> x, int ldx, int batch, Memory<float> y, int ldy, bool accumulate)
    {
        if (_quantized is { } q) Simd.MatMul(q[l], from - (l == 0 ? _input : 0), cols, bias, x, ldx, batch, y, ldy, accumulate, Threads);
        else Simd.MatMul(Weights[l].AsMemory(from), InputWidth(l) + _h, 4 * _h, cols, bias, x, ldx, batch, y, ldy, accumulate, Threads);
    }

    /// <summary>The output head: logits [batch, V] of top outputs [batch, H].</summary>
    private void Head(ReadOnlyMemory<float> x, int batch, Memory<float> logits)
    {
        if (_quantizedHead is { } q) Simd.MatMul(q, 0, _h, HeadBias, x, _h, batch, logits, _vocab, accumulate: false, Threads);
        else Simd.MatMul(HeadWeight, _h, _vocab, _h, HeadBias, x, _h, batch, logits, _vocab, accumulate: false, Threads);
    }

    /// <summary>The input width of layer <paramref name="l"/>.</summary>
    public int InputWidth(int l) => l == 0 ? _input : _h;

    /// <summary>A generation state: the tokens fed, h and c of every layer, and the last outputs for attention.</summary>
    public sealed class State : IForkableGenerationState
    {
        internal State(int layers, int hidden, int attention)
        {
            H = new float[layers * hidden];
            C = new float[layers * hidden];
            Outputs = new float[attention * hidden];
            Keys = new float[attention * hidden];
        }

        internal List<long> History { get; } = [];

        internal float[] H { get; }

        internal float[] C { get; }

        /// <summary>A ring of the last attention-length top outputs and their key projections.</summary>
        internal float[] Outputs { get; }

        internal float[] Keys { get; }

        internal int Stored { get; set; }

        internal int Next { get; set; }

        /// <inheritdoc/>
        public int Length => History.Count;

        /// <inheritdoc/>
        public IGenerationState Fork()
        {
            var copy = new State(H.Length, 1, Outputs.Length) { Stored = Stored, Next = Next };
            H.CopyTo(copy.H, 0);
            C.CopyTo(copy.C, 0);
            Outputs.CopyTo(copy.Outputs, 0);
            Keys.CopyTo(copy.Keys, 0);
            copy.History.AddRange(History);
            return copy;
        }

        /// <inheritdoc/>
        public void Dispose() { }
    }

    public State CreateState() => new(_layers, _h, _config.Attention ? _n : 0);

    private static float[] Ensure(ref float[] buffer, int size)
    {
        if (buffer.Length < size) buffer = new float[size];
        return buffer;
    }

    /// <summary>
    /// Adds <paramref name="token"/> to the history and writes its layer-0 gate inputs, bias + W_ih0 · x, into
    /// <paramref name="gates"/> from the precomputed tables (the recurrent part is added by the caller).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void InputGates(State s, int token, ConditionStep next, Span<float> gates)
    {
        s.History.Add(token);
        int t = s.History.Count - 1, g = 4 * _h;
        Biases[0].CopyTo(gates);
        Simd.Add(_tables[0].AsSpan(token * g, g), gates);
        int segment = 1;
        if (_config.Conditioning != ConditioningMode.None)
        {
            ReadOnlySpan<int> ids = [next.Chord, next.Position, next.Meter, next.Key, next.Style];
            for (int i = 0; i < 5; i++) Simd.Add(_tables[segment++].AsSpan(ids[i] * g, g), gates);
        }
        if (_config.Lookback)
        {
            var (one, two, r1, r2) = _lookback(s.History, t, next);
            Simd.Add(_tables[segment++].AsSpan((int)one * g, g), gates);
            Simd.Add(_tables[segment].AsSpan((int)two * g, g), gates);
            // The two repeat flags are the last input columns.
            int width = _input + _h, flag = _input - 2;
            var w = Weights[0];
            if (r1 != 0 || r2 != 0)
                for (int r = 0; r < g; r++) gates[r] += w[r * width + flag] * r1 + w[r * width + flag + 1] * r2;
        }
    }

    private void Activate(Span<float> gates)
    {
        int h = _h;
        Simd.Sigmoid(gates[..(2 * h)]);
        Simd.Tanh(gates.Slice(2 * h, h));
        Simd.Sigmoid(gates.Slice(3 * h, h));
    }

    /// <summary>Steps every state once; logits [states.Count, V].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float[] Step(IReadOnlyList<State> states, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next)
    {
        int batch = states.Count, h = _h, g = 4 * _h;
        if (!_tablesReady) BuildTables();
        var x = Ensure(ref _scratchX, batch * 2 * h);
        var gates = Ensure(ref _scratchGates, batch * g);
        var top = Ensure(ref _scratchTop, batch * h);
        for (int l = 0; l < _layers; l++)
        {
            if (l == 0)
            {
                // Input projections from the tables, then W_hh0 · h for the whole batch.
                for (int b = 0; b < batch; b++)
                {
                    InputGates(states[b], tokens[b], next[b], gates.AsSpan(b * g, g));
                    states[b].H.AsSpan(0, h).CopyTo(x.AsSpan(b * h, h));
                }
                Layer(0, _input, h, default, x, h, batch, gates, g, accumulate: true);
            }
            else
            {
                int width = 2 * h;
                for (int b = 0; b < batch; b++)
                {
                    states[b].H.AsSpan((l - 1) * h, h).CopyTo(x.AsSpan(b * width, h));
                    states[b].H.AsSpan(l * h, h).CopyTo(x.AsSpan(b * width + h, h));
                }
                Layer(l, 0, width, Biases[l], x, width, batch, gates, g, accumulate: false);
            }
            for (int b = 0; b < batch; b++)
            {
                var gb = gates.AsSpan(b * g, g);
                Activate(gb);
                Simd.CellUpdate(gb, states[b].C.AsSpan(l * h, h), states[b].H.AsSpan(l * h, h));
            }
        }
        for (int b = 0; b < batch; b++)
        {
            var outRow = top.AsSpan(b * h, h);
            states[b].H.AsSpan((_layers - 1) * h, h).CopyTo(outRow);
            if (_config.Attention) Attend(states[b], outRow);
        }
        var logits = new float[batch * _vocab];
        Head(top, batch, logits);
        return logits;
    }

    /// <summary>Feeds a primer to one state; logits [tokens.Count, V].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float[] Prefill(State s, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next)
    {
        if (!_tablesReady) BuildTables();
        int t = tokens.Count, h = _h, g = 4 * _h;
        // Pooled temporaries: a primer of a few hundred tokens needs about 1 MB, which would otherwise land on the large
        // object heap at every request and cost a gen-2 collection every few requests.
        var pool = ArrayPool<float>.Shared;
        var x = pool.Rent(t * h);
        var gates = pool.Rent(t * g);
        var y = pool.Rent(t * h);
        try
        {
            return PrefillLayers(s, tokens, next, x, gates, y);
        }
        finally
        {
            pool.Return(x);
            pool.Return(gates);
            pool.Return(y);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float[] PrefillLayers(State s, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next, float[] x, float[] gates, float[] y)
    {
        int t = tokens.Count, h = _h, g = 4 * _h;
        for (int i = 0; i < t; i++) InputGates(s, tokens[i], next[i], gates.AsSpan(i * g, g));
        for (int l = 0; l < _layers; l++)
        {
            int input = InputWidth(l), width = input + h;
            // The input projections of all positions at once (layer 0: from the tables), then the recurrence one position at a time.
            if (l > 0) Layer(l, 0, input, Biases[l], x, input, t, gates, g, accumulate: false);
            var hl = s.H.AsSpan(l * h, h);
            var cl = s.C.AsSpan(l * h, h);
            for (int i = 0; i < t; i++)
            {
                var gi = gates.AsSpan(i * g, g);
                Layer(l, input, h, default, s.H.AsMemory(l * h, h), h, 1, gates.AsMemory(i * g, g), g, accumulate: true);
                Activate(gi);
                Simd.CellUpdate(gi, cl, hl);
                hl.CopyTo(y.AsSpan(i * h, h));
            }
            y.AsSpan(0, t * h).CopyTo(x);
        }
        if (_config.Attention)
            for (int i = 0; i < t; i++) Attend(s, y.AsSpan(i * h, h));
        var logits = new float[t * _vocab];
        Head(y, t, logits);
        return logits;
    }

    /// <summary>
    /// Feeds each state its own primer, the states side by side: logits [tokens[b].Count, V] per state, each exactly what
    /// <see cref="Prefill"/> gives that state alone (the same arithmetic per row), but the recurrent weights are read once
    /// per position for every state still being fed, not once per state.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float[][] PrefillBatch(IReadOnlyList<State> states, IReadOnlyList<IReadOnlyList<int>> tokens, IReadOnlyList<IReadOnlyList<ConditionStep>> next)
    {
        int batch = states.Count;
        if (batch == 1) return [Prefill(states[0], tokens[0], next[0])];
        if (!_tablesReady) BuildTables();
        int h = _h, g = 4 * _h, longest = 0;
        var pool = ArrayPool<float>.Shared;
        var x = new float[batch][];
        var gates = new float[batch][];
        var y = new float[batch][];
        var hs = pool.Rent(batch * h);
        var gs = pool.Rent(batch * g);
        var active = new int[batch];
        try
        {
            for (int b = 0; b < batch; b++)
            {
                int t = tokens[b].Count;
                longest = Math.Max(longest, t);
                x[b] = pool.Rent(t * h);
                gates[b] = pool.Rent(t * g);
                y[b] = pool.Rent(t * h);
                for (int i = 0; i < t; i++) InputGates(states[b], tokens[b][i], next[b][i], gates[b].AsSpan(i * g, g));
            }
            for (int l = 0; l < _layers; l++)
            {
                int input = InputWidth(l), width = input + h;
                if (l > 0)
                    for (int b = 0; b < batch; b++)
                        Layer(l, 0, input, Biases[l], x[b], input, tokens[b].Count, gates[b], g, accumulate: false);
                for (int i = 0; i < longest; i++)
                {
                    // The states with a token at position i: their h and gate rows side by side, one product for all.
                    int rows = 0;
                    for (int b = 0; b < batch; b++)
                    {
                        if (i >= tokens[b].Count) continue;
                        states[b].H.AsSpan(l * h, h).CopyTo(hs.AsSpan(rows * h, h));
                        gates[b].AsSpan(i * g, g).CopyTo(gs.AsSpan(rows * g, g));
                        active[rows++] = b;
                    }
                    Layer(l, input, h, default, hs, h, rows, gs, g, accumulate: true);
                    for (int r = 0; r < rows; r++)
                    {
                        int b = active[r];
                        var gr = gs.AsSpan(r * g, g);
                        var hl = states[b].H.AsSpan(l * h, h);
                        Activate(gr);
                        Simd.CellUpdate(gr, states[b].C.AsSpan(l * h, h), hl);
                        hl.CopyTo(y[b].AsSpan(i * h, h));
                    }
                }
                for (int b = 0; b < batch; b++) y[b].AsSpan(0, tokens[b].Count * h).CopyTo(x[b]);
            }
            var result = new float[batch][];
            for (int b = 0; b < batch; b++)
            {
                int t = tokens[b].Count;
                if (_config.Attention)
                    for (int i = 0; i < t; i++) Attend(states[b], y[b].AsSpan(i * h, h));
                result[b] = new float[t * _vocab];
                Head(y[b], t, result[b]);
            }
            return result;
        }
        finally
        {
            pool.Return(hs);
            pool.Return(gs);
            for (int b = 0; b < batch; b++)
            {
                if (x[b] is { } xb) pool.Return(xb);
                if (gates[b] is { } gb) pool.Return(gb);
                if (y[b] is { } yb) pool.Return(yb);
            }
        }
    }

    /// <summary>
    /// Replaces the top output <paramref name="top"/> by <c>tanh(Wo [top; context])</c>, where the context attends over
    /// the previous outputs of the state, then stores <paramref name="top"/> (before replacement) in the ring.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Attend(State s, Span<float> top)
    {
        int h = _h;
        var buffer = Ensure(ref _scratchAttn, 4 * h + _n);
        var query = buffer.AsSpan(0, h);
        var joined = buffer.AsSpan(h, 2 * h);
        var tmp = buffer.AsSpan(3 * h, h);
        var scores = buffer.AsSpan(4 * h, _n);
        var context = joined[h..];
        context.Clear();
        if (s.Stored > 0)
        {
            Simd.MatMul(AttentionQuery, h, h, h, AttentionQueryBias, top, h, 1, query, h, accumulate: false);
            float max = float.NegativeInfinity;
            for (int k = 0; k < s.Stored; k++)
            {
                var key = s.Keys.AsSpan(k * h, h);
                for (int j = 0; j < h; j++) tmp[j] = key[j] + query[j];
                Simd.Tanh(tmp);
                float score = 0;
                for (int j = 0; j < h; j++) score += AttentionScore![j] * tmp[j];
                scores[k] = score;
                max = Math.Max(max, score);
            }
            float sum = 0;
            for (int k = 0; k < s.Stored; k++) sum += scores[k] = MathF.Exp(scores[k] - max);
            for (int k = 0; k < s.Stored; k++)
            {
                float weight = scores[k] / sum;
                var output = s.Outputs.AsSpan(k * h, h);
                for (int j = 0; j < h; j++) context[j] += weight * output[j];
            }
        }
        // Remember this output and its key, overwriting the oldest once the ring is full.
        int slot = s.Next;
        top.CopyTo(s.Outputs.AsSpan(slot * h, h));
        Simd.MatMul(AttentionKeys, h, h, h, _zeros, top, h, 1, s.Keys.AsSpan(slot * h, h), h, accumulate: false);
        s.Next = (slot + 1) % _n;
        s.Stored = Math.Min(s.Stored + 1, _n);
        top.CopyTo(joined);
        Simd.MatMul(AttentionOut, 2 * h, h, 2 * h, AttentionOutBias, joined, 2 * h, 1, top, h, accumulate: false);
        Simd.Tanh(top);
    }
}
