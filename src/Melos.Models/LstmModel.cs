using Melos.Data.Tokenizers;
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
        var x = embedding.call(tokens);
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

    private sealed class State : IForkableGenerationState
    {
        public List<long> History { get; } = [];
        public List<Tensor> Outputs { get; } = [];
        public Tensor? H, C;
        public int Length => History.Count;

        public IGenerationState Fork()
        {
            var copy = new State { H = H?.clone().DetachFromDisposeScope(), C = C?.clone().DetachFromDisposeScope() };
            copy.History.AddRange(History);
            copy.Outputs.AddRange(Outputs.Select(o => o.clone().DetachFromDisposeScope()));
            return copy;
        }

        public void Dispose()
        {
            H?.Dispose();
            C?.Dispose();
            foreach (var o in Outputs) o.Dispose();
        }
    }

    /// <inheritdoc/>
    public override IGenerationState CreateState() => new State();

    /// <inheritdoc/>
    public override float[] Step(IGenerationState state, int token, ConditionStep next)
    {
        if (state is not State s) throw new ArgumentException("Not a state of this LSTM.", nameof(state));
        bool wasTraining = training;
        eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            s.History.Add(token);
            int t = s.History.Count - 1;
            var tokens = tensor(new long[] { token }, [1, 1], int64, Device);
            var cond = ConditioningTensor([next], 1, 1);
            Tensor? lbTokens = null, lbFlags = null;
            if (LstmConfig.Lookback)
            {
                var (one, two, r1, r2) = Lookback(s.History, 0, t, next);
                lbTokens = tensor(new long[] { one, two }, [1, 1, 2], int64, Device);
                lbFlags = tensor(new float[] { r1, r2 }, [1, 1, 2], float32, Device);
            }
            var x = Inputs(tokens, cond, lbTokens, lbFlags);
            var (output, h, c) = s.H is null ? lstm.call(x) : lstm.call(x, (s.H, s.C!));
            s.H?.Dispose();
            s.C?.Dispose();
            s.H = h.MoveToOuterDisposeScope();
            s.C = c.MoveToOuterDisposeScope();
            var top = output.squeeze(1); // [1, H]
            if (attentionKeys is not null)
            {
                int n = LstmConfig.AttentionLength;
                Tensor context;
                if (s.Outputs.Count == 0) context = zeros_like(top);
                else
                {
                    var previous = stack(Enumerable.Range(0, s.Outputs.Count).Select(k => s.Outputs[s.Outputs.Count - 1 - k]).ToArray(), 1); // [1, k, H], nearest first
                    var scores = attentionScore!.call(tanh(attentionKeys.call(previous) + attentionQuery!.call(top).unsqueeze(1))).squeeze(-1);
                    context = (scores.softmax(-1).unsqueeze(-1) * previous).sum(1);
                }
                s.Outputs.Add(top.clone().MoveToOuterDisposeScope());
                if (s.Outputs.Count > n)
                {
                    s.Outputs[0].Dispose();
                    s.Outputs.RemoveAt(0);
                }
                top = tanh(attentionOut!.call(cat([top, context], -1)));
            }
            return ToArray(head.call(top).squeeze(0));
        }
        finally
        {
            train(wasTraining);
        }
    }
}
