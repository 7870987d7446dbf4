using System.Runtime.CompilerServices;
using Melos.Data.Tokenizers;

namespace Melos.Models.Inference;

/// <summary>
/// The generation path of <see cref="LstmModel"/> in managed code: a copy of the weights in float arrays and the same
/// arithmetic as the TorchSharp forward pass in evaluation mode (embeddings, LSTM layers with gates i, f, g, o,
/// optional lookback inputs and attention, linear head), one step or several states or a whole primer at a time.
/// Per step it allocates nothing but the returned logits and calls no native code, which is what makes a step cost
/// tens of microseconds instead of hundreds.
/// </summary>
internal sealed class LstmInference
{
    public delegate (long One, long Two, float RepeatOne, float RepeatTwo) LookbackFunction(IReadOnlyList<long> history, int t, ConditionStep next);

    private readonly LstmConfig _config;
    private readonly LookbackFunction _lookback;
    private readonly int _e, _h, _layers, _vocab, _input, _n;
    private readonly float[] _zeros;
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

    /// <summary>The input width of layer <paramref name="l"/>.</summary>
    public int InputWidth(int l) => l == 0 ? _input : _h;

    /// <summary>A generation state: the tokens fed, h and c of every layer, and the last outputs for attention.</summary>
    public sealed class State : IGenerationState
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
        public void Dispose() { }
    }

    public State CreateState() => new(_layers, _h, _config.Attention ? _n : 0);

    private static float[] Ensure(ref float[] buffer, int size)
    {
        if (buffer.Length < size) buffer = new float[size];
        return buffer;
    }

    /// <summary>Writes the layer-0 input of <paramref name="token"/> (after adding it to the history) into <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Input(State s, int token, ConditionStep next, Span<float> x)
    {
        s.History.Add(token);
        int t = s.History.Count - 1;
        int e = _e;
        Embedding.AsSpan(token * e, e).CopyTo(x);
        int at = e;
        if (_config.Conditioning != ConditioningMode.None)
        {
            ReadOnlySpan<int> ids = [next.Chord, next.Position, next.Meter, next.Key, next.Style];
            if (_config.Conditioning == ConditioningMode.Concat)
            {
                for (int i = 0; i < 5; i++) Conditioning[i].AsSpan(ids[i] * e, e).CopyTo(x.Slice(at + i * e, e));
                at += 5 * e;
            }
            else
            {
                // Torch sums the five embeddings left to right, then adds the sum to the token embedding.
                for (int k = 0; k < e; k++)
                {
                    float c = Conditioning[0][ids[0] * e + k] + Conditioning[1][ids[1] * e + k];
                    c += Conditioning[2][ids[2] * e + k];
                    c += Conditioning[3][ids[3] * e + k];
                    c += Conditioning[4][ids[4] * e + k];
                    x[k] += c;
                }
            }
        }
        if (_config.Lookback)
        {
            var (one, two, r1, r2) = _lookback(s.History, t, next);
            Embedding.AsSpan((int)one * e, e).CopyTo(x.Slice(at, e));
            Embedding.AsSpan((int)two * e, e).CopyTo(x.Slice(at + e, e));
            x[at + 2 * e] = r1;
            x[at + 2 * e + 1] = r2;
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
        int widest = Math.Max(_input, h) + h;
        var x = Ensure(ref _scratchX, batch * widest);
        var gates = Ensure(ref _scratchGates, batch * g);
        var top = Ensure(ref _scratchTop, batch * h);
        for (int l = 0; l < _layers; l++)
        {
            int width = InputWidth(l) + h;
            for (int b = 0; b < batch; b++)
            {
                var row = x.AsSpan(b * width, width);
                if (l == 0) Input(states[b], tokens[b], next[b], row);
                else states[b].H.AsSpan((l - 1) * h, h).CopyTo(row);
                states[b].H.AsSpan(l * h, h).CopyTo(row[InputWidth(l)..]);
            }
            Simd.MatMul(Weights[l], width, g, width, Biases[l], x, width, batch, gates, g, accumulate: false);
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
        Simd.MatMul(HeadWeight, h, _vocab, h, HeadBias, top, h, batch, logits, _vocab, accumulate: false);
        return logits;
    }

    /// <summary>Feeds a primer to one state; logits [tokens.Count, V].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float[] Prefill(State s, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next)
    {
        int t = tokens.Count, h = _h, g = 4 * _h;
        var x = new float[t * Math.Max(_input, h)];
        for (int i = 0; i < t; i++) Input(s, tokens[i], next[i], x.AsSpan(i * _input, _input));
        var gates = new float[t * g];
        var y = new float[t * h];
        for (int l = 0; l < _layers; l++)
        {
            int input = InputWidth(l), width = input + h;
            // The input projections of all positions at once, then the recurrence one position at a time.
            Simd.MatMul(Weights[l], width, g, input, Biases[l], x, input, t, gates, g, accumulate: false);
            var hl = s.H.AsSpan(l * h, h);
            var cl = s.C.AsSpan(l * h, h);
            var recurrent = Weights[l].AsSpan(input);
            for (int i = 0; i < t; i++)
            {
                var gi = gates.AsSpan(i * g, g);
                Simd.MatMul(recurrent, width, g, h, default, hl, h, 1, gi, g, accumulate: true);
                Activate(gi);
                Simd.CellUpdate(gi, cl, hl);
                hl.CopyTo(y.AsSpan(i * h, h));
            }
            y.AsSpan(0, t * h).CopyTo(x);
        }
        if (_config.Attention)
            for (int i = 0; i < t; i++) Attend(s, y.AsSpan(i * h, h));
        var logits = new float[t * _vocab];
        Simd.MatMul(HeadWeight, h, _vocab, h, HeadBias, y, h, t, logits, _vocab, accumulate: false);
        return logits;
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
