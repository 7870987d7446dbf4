using Melos.Data.Tokenizers;

namespace Melos.Models;

/// <summary>
/// A next-token model over token ids with an aligned conditioning stream. <see cref="Forward"/> scores whole batches
/// (teacher forcing); <see cref="CreateState"/> and <see cref="Step"/> generate one token at a time.
/// </summary>
/// <remarks>
/// Alignment: the conditioning passed with input token <c>i</c> describes the position of the token being predicted
/// (token <c>i + 1</c>): its chord, position in bar, meter, key and style. <see cref="TokenBatch.Create"/> does this shift.
/// </remarks>
public interface ISequenceModel : IDisposable
{
    /// <summary>The architecture name (<c>lstm</c>, <c>transformer</c>, <c>ngram</c>).</summary>
    string Architecture { get; }

    /// <summary>The number of token ids.</summary>
    int VocabularySize { get; }

    /// <summary>The model's configuration.</summary>
    ModelConfig Config { get; }

    /// <summary>Next-token logits at every position of the batch (evaluation mode, no gradients).</summary>
    LogitsBatch Forward(TokenBatch batch);

    /// <summary>A fresh generation state (empty history).</summary>
    IGenerationState CreateState();

    /// <summary>Feeds one token and returns the logits of the next one.</summary>
    /// <param name="state">The state from <see cref="CreateState"/>, updated in place.</param>
    /// <param name="token">The token just produced (start with BOS).</param>
    /// <param name="next">The conditioning of the position being predicted.</param>
    float[] Step(IGenerationState state, int token, ConditionStep next);

    /// <summary>
    /// Feeds several tokens in one call (a primer) and returns the logits after each of them: row <c>i</c> is what
    /// <see cref="Step"/> would have returned for <c>tokens[i]</c>. Models override it with one batched pass; the
    /// default steps token by token.
    /// </summary>
    /// <param name="state">The state from <see cref="CreateState"/>, updated in place.</param>
    /// <param name="tokens">The tokens to feed, in order (at least one).</param>
    /// <param name="next">The conditioning of the position predicted after each token (as many as tokens).</param>
    /// <returns>Logits [1, tokens.Count, VocabularySize].</returns>
    LogitsBatch Prefill(IGenerationState state, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next) =>
        Stepping.Prefill(this, state, tokens, next);

    /// <summary>
    /// Steps several independent states at once: row <c>b</c> is what <see cref="Step"/> would have returned for
    /// <c>states[b]</c> and <c>tokens[b]</c>. Models override it to share the weight traffic of the batch; the default
    /// steps each state in turn.
    /// </summary>
    /// <param name="states">Distinct states of this model, each updated in place.</param>
    /// <param name="tokens">The token fed to each state.</param>
    /// <param name="next">The conditioning of the position each state predicts.</param>
    /// <returns>Logits [states.Count, 1, VocabularySize].</returns>
    LogitsBatch StepBatch(IReadOnlyList<IGenerationState> states, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next) =>
        Stepping.StepBatch(this, states, tokens, next);

    /// <summary>
    /// Prefills several independent states at once, each with its own tokens: element <c>b</c> is what
    /// <see cref="Prefill"/> would have returned for <c>states[b]</c>. Models override it to share the weight traffic of
    /// the batch; the default prefills each state in turn.
    /// </summary>
    /// <param name="states">Distinct states of this model, each updated in place.</param>
    /// <param name="tokens">The tokens to feed each state (at least one each).</param>
    /// <param name="next">The conditioning after each token of each state.</param>
    IReadOnlyList<LogitsBatch> PrefillBatch(IReadOnlyList<IGenerationState> states, IReadOnlyList<IReadOnlyList<int>> tokens,
        IReadOnlyList<IReadOnlyList<ConditionStep>> next) => Stepping.PrefillBatch(this, states, tokens, next);
}

/// <summary>The token-by-token versions of <see cref="ISequenceModel.Prefill"/> and <see cref="ISequenceModel.StepBatch"/>, and their argument checks.</summary>
public static class Stepping
{
    /// <summary><see cref="ISequenceModel.Prefill"/> by calling <see cref="ISequenceModel.Step"/> once per token.</summary>
    public static LogitsBatch Prefill(ISequenceModel model, IGenerationState state, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckPrefill(tokens, next);
        int v = model.VocabularySize;
        var values = new float[tokens.Count * v];
        for (int i = 0; i < tokens.Count; i++) model.Step(state, tokens[i], next[i]).CopyTo(values, i * v);
        return new LogitsBatch(1, tokens.Count, v, values);
    }

    /// <summary><see cref="ISequenceModel.PrefillBatch"/> by calling <see cref="ISequenceModel.Prefill"/> once per state.</summary>
    public static IReadOnlyList<LogitsBatch> PrefillBatch(ISequenceModel model, IReadOnlyList<IGenerationState> states, IReadOnlyList<IReadOnlyList<int>> tokens,
        IReadOnlyList<IReadOnlyList<ConditionStep>> next)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckPrefillBatch(states, tokens, next);
        var result = new LogitsBatch[states.Count];
        for (int b = 0; b < states.Count; b++) result[b] = model.Prefill(states[b], tokens[b], next[b]);
        return result;
    }

    /// <summary>Checks the arguments of <see cref="ISequenceModel.PrefillBatch"/>.</summary>
    /// <exception cref="ArgumentException">No state, a state given twice, the lists differ in length, or a state's prefill is invalid.</exception>
    public static void CheckPrefillBatch(IReadOnlyList<IGenerationState> states, IReadOnlyList<IReadOnlyList<int>> tokens, IReadOnlyList<IReadOnlyList<ConditionStep>> next)
    {
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(next);
        if (states.Count == 0) throw new ArgumentException("A batch needs at least one state.", nameof(states));
        if (tokens.Count != states.Count || next.Count != states.Count)
            throw new ArgumentException($"{states.Count} states, {tokens.Count} token lists and {next.Count} conditioning lists.", nameof(tokens));
        if (states.Distinct(ReferenceEqualityComparer.Instance).Count() != states.Count) throw new ArgumentException("A state appears twice in the batch.", nameof(states));
        for (int b = 0; b < states.Count; b++) CheckPrefill(tokens[b], next[b]);
    }

    /// <summary><see cref="ISequenceModel.StepBatch"/> by calling <see cref="ISequenceModel.Step"/> once per state.</summary>
    public static LogitsBatch StepBatch(ISequenceModel model, IReadOnlyList<IGenerationState> states, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckBatch(states, tokens, next);
        int v = model.VocabularySize;
        var values = new float[states.Count * v];
        for (int b = 0; b < states.Count; b++) model.Step(states[b], tokens[b], next[b]).CopyTo(values, b * v);
        return new LogitsBatch(states.Count, 1, v, values);
    }

    /// <summary>Checks the arguments of <see cref="ISequenceModel.Prefill"/>.</summary>
    /// <exception cref="ArgumentException">No token, or the lists differ in length.</exception>
    public static void CheckPrefill(IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(next);
        if (tokens.Count == 0) throw new ArgumentException("Prefill needs at least one token.", nameof(tokens));
        if (next.Count != tokens.Count) throw new ArgumentException($"{tokens.Count} tokens but {next.Count} conditioning steps.", nameof(next));
    }

    /// <summary>Checks the arguments of <see cref="ISequenceModel.StepBatch"/>.</summary>
    /// <exception cref="ArgumentException">No state, a state given twice, or the lists differ in length.</exception>
    public static void CheckBatch(IReadOnlyList<IGenerationState> states, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next)
    {
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(next);
        if (states.Count == 0) throw new ArgumentException("A batch needs at least one state.", nameof(states));
        if (tokens.Count != states.Count || next.Count != states.Count)
            throw new ArgumentException($"{states.Count} states, {tokens.Count} tokens and {next.Count} conditioning steps.", nameof(tokens));
        if (states.Distinct(ReferenceEqualityComparer.Instance).Count() != states.Count)
            throw new ArgumentException("A state appears twice in the batch.", nameof(states));
    }
}

/// <summary>A model's incremental generation state (history, recurrent state or key/value cache).</summary>
public interface IGenerationState : IDisposable
{
    /// <summary>The number of tokens fed so far.</summary>
    int Length { get; }
}

/// <summary>
/// A right-padded batch for teacher forcing, as flat row-major arrays of shape [BatchSize, Length]: input tokens,
/// target tokens (-1 at padding) and the conditioning of each target.
/// </summary>
public sealed class TokenBatch
{
    /// <summary>The value of <see cref="Targets"/> at padding.</summary>
    public const long IgnoreTarget = -1;

    private TokenBatch(int batchSize, int length, long[] inputs, long[] targets, ConditionStep[] conditioning)
    {
        BatchSize = batchSize;
        Length = length;
        Inputs = inputs;
        Targets = targets;
        Conditioning = conditioning;
    }

    /// <summary>The number of sequences.</summary>
    public int BatchSize { get; }

    /// <summary>The number of positions per sequence.</summary>
    public int Length { get; }

    /// <summary>Input tokens [BatchSize * Length]; padding holds the tokenizer's PAD id.</summary>
    public long[] Inputs { get; }

    /// <summary>Target tokens [BatchSize * Length]; padding holds <see cref="IgnoreTarget"/>.</summary>
    public long[] Targets { get; }

    /// <summary>Conditioning of each target [BatchSize * Length] (default at padding).</summary>
    public ConditionStep[] Conditioning { get; }

    /// <summary>The number of real (non-padding) targets.</summary>
    public int TargetCount => Targets.Count(t => t != IgnoreTarget);

    /// <summary>A batch of <paramref name="copies"/> copies of a one-sequence batch.</summary>
    public static TokenBatch Repeat(TokenBatch batch, int copies)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfLessThan(copies, 1);
        if (batch.BatchSize != 1) throw new ArgumentException("Only a batch of one sequence can be repeated.", nameof(batch));
        var inputs = new long[copies * batch.Length];
        var targets = new long[copies * batch.Length];
        var cond = new ConditionStep[copies * batch.Length];
        for (int c = 0; c < copies; c++)
        {
            batch.Inputs.CopyTo(inputs, c * batch.Length);
            batch.Targets.CopyTo(targets, c * batch.Length);
            batch.Conditioning.CopyTo(cond, c * batch.Length);
        }
        return new TokenBatch(copies, batch.Length, inputs, targets, cond);
    }

    /// <summary>
    /// Builds a batch from token sequences: inputs are tokens 0..n-2, targets tokens 1..n-1, and the conditioning of
    /// each input is that of its target.
    /// </summary>
    /// <param name="sequences">Sequences of at least two tokens.</param>
    /// <param name="pad">The PAD id.</param>
    public static TokenBatch Create(IReadOnlyList<EncodedSequence> sequences, int pad)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0) throw new ArgumentException("A batch needs at least one sequence.", nameof(sequences));
        int length = sequences.Max(s => s.Tokens.Length) - 1;
        if (length < 1) throw new ArgumentException("Every batch needs a sequence of at least two tokens.", nameof(sequences));
        var inputs = new long[sequences.Count * length];
        var targets = new long[sequences.Count * length];
        var cond = new ConditionStep[sequences.Count * length];
        Array.Fill(inputs, pad);
        Array.Fill(targets, IgnoreTarget);
        for (int b = 0; b < sequences.Count; b++)
        {
            var s = sequences[b];
            if (s.Conditioning.Length != s.Tokens.Length) throw new ArgumentException($"Sequence {b} has {s.Tokens.Length} tokens but {s.Conditioning.Length} conditioning steps.", nameof(sequences));
            for (int t = 0; t + 1 < s.Tokens.Length; t++)
            {
                inputs[b * length + t] = s.Tokens[t];
                targets[b * length + t] = s.Tokens[t + 1];
                cond[b * length + t] = s.Conditioning[t + 1];
            }
        }
        return new TokenBatch(sequences.Count, length, inputs, targets, cond);
    }
}

/// <summary>Logits [BatchSize, Length, Vocabulary] as a flat row-major array.</summary>
/// <param name="BatchSize">The number of sequences.</param>
/// <param name="Length">The number of positions.</param>
/// <param name="Vocabulary">The number of token ids.</param>
/// <param name="Values">The logits.</param>
public sealed record LogitsBatch(int BatchSize, int Length, int Vocabulary, float[] Values)
{
    /// <summary>The logits at sequence <paramref name="b"/>, position <paramref name="t"/>.</summary>
    public ReadOnlySpan<float> At(int b, int t) => Values.AsSpan((b * Length + t) * Vocabulary, Vocabulary);
}
