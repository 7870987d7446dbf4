using Melos.Data.Tokenizers;
using Melos.Models.Inference;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Melos.Models;

/// <summary>
/// Magenta MelodyRNN-style LSTM: token embedding plus conditioning embeddings (summed or concatenated), optional
/// lookback inputs, a multi-layer LSTM, optional Bahdanau attention over the last N outputs, and a linear head.
/// </summary>
/// <remarks>
/// Lookback (MelodyRNN lookback_rnn): for input token <c>x[t]</c> predicting <c>x[t+1]</c>, the extra inputs are the
/// embeddings of <c>x[t+1-L]</c> and <c>x[t+1-2L]</c> (the tokens one and two bars before the predicted position, PAD
/// before the start) and two flags saying whether <c>x[t]</c> equals <c>x[t-L]</c> and <c>x[t-2L]</c>, where L is the
/// bar length in grid steps of the predicted position's meter. It is meant for <see cref="GridTokenizer"/> sequences,
/// where one token is one grid step.
/// Attention (MelodyRNN attention_rnn, after Magenta's AttentionCellWrapper): the top LSTM output <c>h[t]</c> attends
/// over <c>h[t-1] .. h[t-N]</c> with Bahdanau scores <c>v · tanh(W1 h[t-k] + W2 h[t])</c>; the output is
/// <c>tanh(Wo [h[t]; context])</c>. Unlike Magenta, the attention context is not fed back into the next input, so
/// training stays one parallel LSTM call.
/// </remarks>
public sealed class LstmModel : TorchSequenceModel
{
    private readonly Embedding embedding;
    private readonly ConditioningEmbedding? conditioning;
    private readonly LSTM lstm;
    private readonly Dropout dropout;
    private readonly Linear? attentionKeys, attentionQuery, attentionScore, attentionOut;
    private readonly Linear head;

    /// <summary>Creates the model with fresh weights (seed torch first for reproducible weights).</summary>
    /// <exception cref="InvalidConfigurationException">A field is impossible; the message names it.</exception>
    public LstmModel(LstmConfig config, int vocabularySize, int pad, ConditioningVocabulary conditioningVocabulary)
        : base(nameof(LstmModel), config, vocabularySize, pad, conditioningVocabulary)
    {
        LstmConfig = config;
        int e = config.EmbeddingSize, h = config.Hidden;
        embedding = nn.Embedding(vocabularySize, e);
        int input = e;
        if (config.Conditioning != ConditioningMode.None)
        {
            conditioning = new ConditioningEmbedding(conditioningVocabulary, e, config.Conditioning == ConditioningMode.Concat);
            if (config.Conditioning == ConditioningMode.Concat) input += conditioning.OutputSize;
        }
        if (config.Lookback) input += 2 * e + 2;
        lstm = nn.LSTM(input, h, config.Layers, batchFirst: true, dropout: config.Layers > 1 ? config.Dropout : 0);
        dropout = nn.Dropout(config.Dropout);
        if (config.Attention)
        {
            attentionKeys = nn.Linear(h, h, hasBias: false);
            attentionQuery = nn.Linear(h, h);
            attentionScore = nn.Linear(h, 1, hasBias: false);
            attentionOut = nn.Linear(2 * h, h);
        }
        head = nn.Linear(h, vocabularySize);
        RegisterComponents();
    }

    /// <summary>The configuration.</summary>
    public LstmConfig LstmConfig { get; }

    private Tensor Inputs(Tensor tokens, Tensor cond, Tensor? lookbackTokens, Tensor? lookbackFlags)
    {
        var x = TapTokenEmbedding(embedding.call(tokens));
        if (conditioning is not null)
        {
            var c = conditioning.call(cond);
            x = LstmConfig.Conditioning == ConditioningMode.Concat ? cat([x, c], -1) : x + c;
        }
        if (lookbackTokens is not null && lookbackFlags is not null)
            x = cat([x, embedding.call(lookbackTokens.select(-1, 0)), embedding.call(lookbackTokens.select(-1, 1)), lookbackFlags], -1);
        return x;
    }

    private (long One, long Two, float RepeatOne, float RepeatTwo) Lookback(IReadOnlyList<long> row, int offset, int t, ConditionStep next)
    {
        int bar = ConditioningVocabulary.BarSteps(next.Meter);
        long One(int i) => i >= 0 ? row[offset + i] : Pad;
        return (One(t + 1 - bar), One(t + 1 - 2 * bar),
            t - bar >= 0 && row[offset + t] == row[offset + t - bar] ? 1f : 0f,
            t - 2 * bar >= 0 && row[offset + t] == row[offset + t - 2 * bar] ? 1f : 0f);
    }

    private (Tensor Tokens, Tensor Flags) LookbackTensors(TokenBatch batch)
    {
        var tokens = new long[batch.BatchSize * batch.Length * 2];
        var flags = new float[batch.BatchSize * batch.Length * 2];
        for (int b = 0; b < batch.BatchSize; b++)
            for (int t = 0; t < batch.Length; t++)
            {
                int i = b * batch.Length + t;
                var (one, two, r1, r2) = Lookback(batch.Inputs, b * batch.Length, t, batch.Conditioning[i]);
                (tokens[2 * i], tokens[2 * i + 1], flags[2 * i], flags[2 * i + 1]) = (one, two, r1, r2);
            }
        return (tensor(tokens, [batch.BatchSize, batch.Length, 2], int64, Device), tensor(flags, [batch.BatchSize, batch.Length, 2], float32, Device));
    }

    /// <inheritdoc/>
    public override Tensor Logits(TokenBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Tensor? lbTokens = null, lbFlags = null;
        if (LstmConfig.Lookback) (lbTokens, lbFlags) = LookbackTensors(batch);
        var x = Inputs(InputTensor(batch), ConditioningTensor(batch), lbTokens, lbFlags);
        var (output, _, _) = lstm.call(x);
        if (attentionKeys is not null) output = Attend(output);
        return head.call(dropout.call(output));
    }

    /// <summary>Attention over the previous N outputs of every position, in parallel. [B, T, H] to [B, T, H].</summary>
    private Tensor Attend(Tensor h)
    {
        long length = h.shape[1];
        int n = LstmConfig.AttentionLength;
        var keys = attentionKeys!.call(h);
        var query = attentionQuery!.call(h).unsqueeze(2);
        var shiftedKeys = new List<Tensor>();
        var shiftedValues = new List<Tensor>();
        for (int k = 1; k <= n; k++)
        {
            shiftedKeys.Add(nn.functional.pad(keys, [0, 0, k, 0]).narrow(1, 0, length));
            shiftedValues.Add(nn.functional.pad(h, [0, 0, k, 0]).narrow(1, 0, length));
        }
        var k3 = stack(shiftedKeys, 2);                       // [B, T, N, H]
        var v3 = stack(shiftedValues, 2);                     // [B, T, N, H]
        var scores = attentionScore!.call(tanh(k3 + query)).squeeze(-1); // [B, T, N]
        var positions = arange(length, device: h.device).unsqueeze(1);
        var offsets = arange(1, n + 1, device: h.device).unsqueeze(0);
        var invalid = (positions - offsets).lt(0);             // [T, N]: t - k before the start
        var weights = scores.masked_fill(invalid, -1e9f).softmax(-1);
        var context = (weights.unsqueeze(-1) * v3).sum(2);
        return tanh(attentionOut!.call(cat([h, context], -1)));
    }

    private LstmInference? _inference;

    /// <summary>
    /// The most threads a generation step or primer may use: its large matrix products are split by rows between them,
    /// which gives the same logits bit for bit (a 2x512 model's step is bound by how fast one core streams its weights).
    /// Defaults to TorchSharp's intra-op thread count, which follows <c>OMP_NUM_THREADS</c>, at most 4 and at most the
    /// processor count.
    /// </summary>
    public int GenerationThreads
    {
        get => _generationThreads;
        set
        {
            _generationThreads = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "At least one thread.");
            _inference?.Threads = value;
        }
    }

    /// <summary>
    /// Whether generation reads the recurrent and output weights as 16-bit integers with one scale per row (the
    /// default): half the bytes per step, logits within about 1e-4 of the float32 ones (60 of 60 free melodies of the
    /// shipped model came out token for token the same; `Melos.Bench quantized`). Used only where the processor has AVX2
    /// and FMA; training and <see cref="TorchSequenceModel.Forward"/> always use the float32 weights.
    /// </summary>
    public bool QuantizedGeneration
    {
        get => _quantized;
        set
        {
            _quantized = value;
            _inference?.QuantizeWeights = value;
        }
    }

    private bool _quantized = true;

    private int _generationThreads = Math.Clamp(torch.get_num_threads(), 1, Math.Min(4, Environment.ProcessorCount));

    /// <summary>
    /// A fresh state. Generation runs in managed code on a copy of the weights (see <see cref="LstmInference"/>) that
    /// every call refreshes, so parameters changed by training or loading take effect from the next state on.
    /// </summary>
    public override IGenerationState CreateState()
    {
        var inference = _inference ??= new LstmInference(LstmConfig, VocabularySize, ConditioningVocabulary, (history, t, next) => Lookback(history, 0, t, next));
        if (CopyWeights(inference)) inference.Invalidate();
        inference.Threads = _generationThreads;
        inference.QuantizeWeights = _quantized;
        return inference.CreateState();
    }

    private LstmInference.State Checked(IGenerationState state) =>
        state as LstmInference.State ?? throw new ArgumentException("Not a state of this LSTM.", nameof(state));

    /// <inheritdoc/>
    public override float[] Step(IGenerationState state, int token, ConditionStep next) => _inference!.Step([Checked(state)], [token], [next]);

    /// <inheritdoc/>
    public override LogitsBatch Prefill(IGenerationState state, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next)
    {
        Stepping.CheckPrefill(tokens, next);
        return new LogitsBatch(1, tokens.Count, VocabularySize, _inference!.Prefill(Checked(state), tokens, next));
    }

    /// <inheritdoc/>
    public override IReadOnlyList<LogitsBatch> PrefillBatch(IReadOnlyList<IGenerationState> states, IReadOnlyList<IReadOnlyList<int>> tokens,
        IReadOnlyList<IReadOnlyList<ConditionStep>> next)
    {
        Stepping.CheckPrefillBatch(states, tokens, next);
        var checkedStates = new LstmInference.State[states.Count];
        for (int b = 0; b < states.Count; b++) checkedStates[b] = Checked(states[b]);
        var logits = _inference!.PrefillBatch(checkedStates, tokens, next);
        var result = new LogitsBatch[states.Count];
        for (int b = 0; b < states.Count; b++) result[b] = new LogitsBatch(1, tokens[b].Count, VocabularySize, logits[b]);
        return result;
    }

    /// <inheritdoc/>
    public override LogitsBatch StepBatch(IReadOnlyList<IGenerationState> states, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next)
    {
        Stepping.CheckBatch(states, tokens, next);
        var checkedStates = new LstmInference.State[states.Count];
        for (int b = 0; b < states.Count; b++) checkedStates[b] = Checked(states[b]);
        return new LogitsBatch(states.Count, 1, VocabularySize, _inference!.Step(checkedStates, tokens, next));
    }

    /// <summary>Copies a weight into <paramref name="target"/> (rows of <paramref name="width"/> at <paramref name="offset"/>, <paramref name="stride"/> apart); true when a value changed.</summary>
    private static bool Copy(Tensor source, float[] target, int offset = 0, int stride = 0, int width = 0)
    {
        using var scope = NewDisposeScope();
        var data = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(source.detach().to(float32).cpu().contiguous().bytes);
        if (stride == 0)
        {
            if (data.Length != target.Length) throw new InvalidOperationException($"A weight of {data.Length} values does not fit a buffer of {target.Length}.");
            if (data.SequenceEqual(target)) return false;
            data.CopyTo(target);
            return true;
        }
        bool changed = false;
        int rows = data.Length / width;
        for (int r = 0; r < rows; r++)
        {
            var row = target.AsSpan(r * stride + offset, width);
            if (data.Slice(r * width, width).SequenceEqual(row)) continue;
            data.Slice(r * width, width).CopyTo(row);
            changed = true;
        }
        return changed;
    }

    /// <summary>Refreshes the managed copy of the weights; true when a value changed.</summary>
    private bool CopyWeights(LstmInference inference)
    {
        bool changed = false;
        using var _ = no_grad();
        changed |= Copy(embedding.weight!, inference.Embedding);
        if (conditioning is not null)
        {
            var named = conditioning.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            string[] names = ["chord.weight", "position.weight", "meter.weight", "key.weight", "style.weight"];
            for (int i = 0; i < 5; i++) changed |= Copy(named[names[i]], inference.Conditioning[i]);
        }
        var lstmParameters = lstm.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        int h = LstmConfig.Hidden;
        for (int l = 0; l < LstmConfig.Layers; l++)
        {
            int input = inference.InputWidth(l), width = input + h;
            changed |= Copy(lstmParameters[$"weight_ih_l{l}"], inference.Weights[l], 0, width, input);
            changed |= Copy(lstmParameters[$"weight_hh_l{l}"], inference.Weights[l], input, width, h);
            using var scope = NewDisposeScope();
            changed |= Copy(lstmParameters[$"bias_ih_l{l}"] + lstmParameters[$"bias_hh_l{l}"], inference.Biases[l]);
        }
        changed |= Copy(head.weight!, inference.HeadWeight);
        changed |= Copy(head.bias!, inference.HeadBias);
        if (attentionKeys is not null)
        {
            changed |= Copy(attentionKeys.weight!, inference.AttentionKeys!);
            changed |= Copy(attentionQuery!.weight!, inference.AttentionQuery!);
            changed |= Copy(attentionQuery.bias!, inference.AttentionQueryBias!);
            changed |= Copy(attentionScore!.weight!, inference.AttentionScore!);
            changed |= Copy(attentionOut!.weight!, inference.AttentionOut!);
            changed |= Copy(attentionOut.bias!, inference.AttentionOutBias!);
        }
        return changed;
    }
}
