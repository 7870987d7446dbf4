using Melos.Data.Tokenizers;
using Melos.Models;
using Melos.Music;

namespace Melos.Generation.Decoding;

/// <summary>How the decoder chooses each free token.</summary>
/// <param name="Greedy">Take the most likely allowed token instead of sampling.</param>
/// <param name="Temperature">Softmax temperature for sampling.</param>
/// <param name="TopK">Keep the K most likely allowed tokens, or null.</param>
/// <param name="TopP">Nucleus sampling threshold, or null.</param>
public sealed record DecodingPolicy(bool Greedy, double Temperature = 1.0, int? TopK = null, double? TopP = null)
{
    /// <summary>The policy of a request: sampling with its temperature, top-k and top-p.</summary>
    public static DecodingPolicy Of(GenerationRequest request) =>
        new(false, (request ?? throw new ArgumentNullException(nameof(request))).Sampling.Temperature, request.Sampling.TopK, request.Sampling.TopP);
}

/// <summary>What the model made of one token at its step: the token's probability (plain softmax), its rank among all
/// tokens (1: the most likely), the entropy of the distribution in bits, and the most likely other tokens.</summary>
/// <param name="Token">The token.</param>
/// <param name="Probability">Its probability.</param>
/// <param name="Rank">1 plus the number of tokens the model found more likely.</param>
/// <param name="EntropyBits">The entropy of the step's distribution.</param>
/// <param name="Alternatives">The most likely other tokens (PAD left out), most likely first, ties by id.</param>
public sealed record TokenChoice(int Token, double Probability, int Rank, double EntropyBits, IReadOnlyList<(int Token, double Probability)> Alternatives)
{
    /// <summary>The choice of <paramref name="token"/> under <paramref name="logits"/>, with <paramref name="alternatives"/> others.</summary>
    public static TokenChoice Of(ReadOnlySpan<float> logits, int token, int alternatives, int pad)
    {
        var p = TokenSampling.Softmax(logits);
        int rank = 1;
        double entropy = 0;
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] > p[token]) rank++;
            if (p[i] > 0) entropy -= p[i] * Math.Log2(p[i]);
        }
        IReadOnlyList<(int, double)> others = alternatives <= 0 ? []
            : [.. Enumerable.Range(0, p.Length).Where(id => id != token && id != pad).OrderByDescending(id => p[id]).ThenBy(id => id).Take(alternatives).Select(id => (id, p[id]))];
        return new TokenChoice(token, p[token], rank, entropy, others);
    }
}

/// <summary>
/// A model state that has heard BOS and the forced tokens (a primer, an edit's kept context), with the grammar after
/// them and the model's prediction of the first free token: the start that several decoders share (infill candidates,
/// beams), each from its own fork (<see cref="Decoder(ISequenceModel, DecoderStart, DecodingPolicy, Random)"/>).
/// </summary>
public sealed class DecoderStart : IDisposable
{
    private readonly List<int> _fed;
    private readonly List<ConditionStep> _conditions;

    private DecoderStart(IGenerationState state, IGrammarState grammar, float[] logits, double[] forcedLogProbabilities, List<int> fed, List<ConditionStep> conditions,
        LogitsBatch prefilled, IReadOnlyList<TokenChoice>? choices)
    {
        Prefilled = prefilled;
        ForcedChoices = choices;
        State = state;
        Grammar = grammar;
        Logits = logits;
        ForcedLogProbabilities = forcedLogProbabilities;
        _fed = fed;
        _conditions = conditions;
    }

    /// <summary>The model state after BOS and the forced tokens.</summary>
    public IGenerationState State { get; }

    /// <summary>The conditioning the prefill fed with BOS and each forced token, in order.</summary>
    internal IReadOnlyList<ConditionStep> FedConditions => _conditions;

    /// <summary>The grammar after the forced tokens.</summary>
    public IGrammarState Grammar { get; }

    /// <summary>The model's logits for the first free token.</summary>
    public float[] Logits { get; }

    /// <summary>The log-probability of each forced token.</summary>
    public IReadOnlyList<double> ForcedLogProbabilities { get; }

    /// <summary>What the model made of each forced token (with <c>traceAlternatives</c> of <see cref="Prefill"/> at least 0), else null.</summary>
    public IReadOnlyList<TokenChoice>? ForcedChoices { get; }

    /// <summary>The prefill's logits: row i predicts forced token i (the last row, the first free token).</summary>
    public LogitsBatch Prefilled { get; }

    /// <summary>
    /// Feeds BOS and <paramref name="forced"/> to a new state of <paramref name="model"/> in one prefill and to
    /// <paramref name="grammar"/>; with <paramref name="traceAlternatives"/> at least 0, also what the model made of each
    /// forced token (<see cref="ForcedChoices"/>) with that many alternatives.
    /// </summary>
    public static DecoderStart Prefill(ISequenceModel model, IGrammarState grammar, IReadOnlyList<int> forced, int traceAlternatives = -1, int pad = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(forced);
        var state = model.CreateState();
        var fed = new List<int>(forced.Count + 1) { grammar.Tokens[^1] };
        var conditions = new List<ConditionStep>(forced.Count + 1);
        foreach (int token in forced)
        {
            conditions.Add(grammar.Condition);
            grammar.Feed(token);
            fed.Add(token);
        }
        conditions.Add(grammar.Condition);
        var prefilled = model.Prefill(state, fed, conditions);
        var scores = new double[forced.Count];
        for (int i = 0; i < forced.Count; i++) scores[i] = TokenSampling.LogProbability(prefilled.At(0, i), forced[i]);
        TokenChoice[]? choices = null;
        if (traceAlternatives >= 0)
        {
            choices = new TokenChoice[forced.Count];
            for (int i = 0; i < forced.Count; i++) choices[i] = TokenChoice.Of(prefilled.At(0, i), forced[i], traceAlternatives, pad);
        }
        return new DecoderStart(state, grammar, prefilled.At(0, forced.Count).ToArray(), scores, fed, conditions, prefilled, choices);
    }

    /// <summary>An independent copy of the model state (<see cref="ForkState(ISequenceModel, IGenerationState, IReadOnlyList{int}, IReadOnlyList{ConditionStep})"/>).</summary>
    internal IGenerationState ForkState(ISequenceModel model) => ForkState(model, State, _fed, _conditions);

    /// <summary>
    /// An independent copy of <paramref name="state"/>: forked when the model supports it, else a new state that hears
    /// <paramref name="fed"/> again, token i with <paramref name="conditions"/>[i].
    /// </summary>
    internal static IGenerationState ForkState(ISequenceModel model, IGenerationState state, IReadOnlyList<int> fed, IReadOnlyList<ConditionStep> conditions)
    {
        if (state is IForkableGenerationState forkable) return forkable.Fork();
        var copy = model.CreateState();
        for (int i = 0; i < fed.Count; i++) model.Step(copy, fed[i], conditions[i]);
        return copy;
    }

    /// <inheritdoc/>
    public void Dispose() => State.Dispose();
}

/// <summary>
/// The one token loop: feeds BOS and the forced tokens (a primer, an edit's kept context) in one prefill, then at every
/// step asks the grammar what is allowed, takes the form's offer when allowed, else draws (or picks greedily) from the
/// model's distribution under the mask, and feeds the token to the model and the grammar, until the grammar says the
/// melody is complete. The log-likelihood sums the plain softmax log-probability of every token after BOS, forced ones
/// included. Every generation path runs through it: sampling, best-of-N, infilling, variation, tuning, the studio.
/// </summary>
public sealed class Decoder
{
    private readonly ISequenceModel _model;
    private readonly IGrammarState _grammar;
    private readonly int[] _forced;
    private readonly DecoderStart? _start;
    private readonly DecodingPolicy _policy;
    private readonly Random _rng;

    /// <summary>A decoder for one melody.</summary>
    public Decoder(ISequenceModel model, IGrammarState grammar, int[] forced, DecodingPolicy policy, Random rng)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _grammar = grammar ?? throw new ArgumentNullException(nameof(grammar));
        _forced = forced ?? throw new ArgumentNullException(nameof(forced));
        _policy = policy ?? throw new ArgumentNullException(nameof(policy));
        _rng = rng ?? throw new ArgumentNullException(nameof(rng));
    }

    /// <summary>A decoder that continues from a fork of <paramref name="start"/> (its forced tokens are scored as in the start).</summary>
    public Decoder(ISequenceModel model, DecoderStart start, DecodingPolicy policy, Random rng)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _start = start ?? throw new ArgumentNullException(nameof(start));
        _grammar = start.Grammar.Fork();
        _forced = [];
        _policy = policy ?? throw new ArgumentNullException(nameof(policy));
        _rng = rng ?? throw new ArgumentNullException(nameof(rng));
    }

    /// <summary>The grammar state (its tokens once decoding is over).</summary>
    public IGrammarState Grammar => _grammar;

    /// <summary>The sum of the log-probabilities of the tokens after BOS.</summary>
    public double LogLikelihood { get; private set; }

    /// <summary>The log-probability of every token after BOS, in order (forced tokens included).</summary>
    public IReadOnlyList<double> TokenLogProbabilities => _logProbabilities;

    private readonly List<double> _logProbabilities = [];

    /// <summary>
    /// The conditioning the model heard with each input token, in order: BOS and the forced tokens, then every token fed
    /// to a step (the last token written is never an input). With <see cref="TokenLogProbabilities"/> and the grammar's
    /// tokens, this says exactly what a teacher-forced pass over the same tokens would score.
    /// </summary>
    public IReadOnlyList<ConditionStep> InputConditions => _inputConditions;

    private readonly List<ConditionStep> _inputConditions = [];

    /// <summary>Steps at which the constraints had to give way.</summary>
    public int FallbackSteps { get; private set; }

    /// <summary>With a value of at least 0, <see cref="Choices"/> records every token's <see cref="TokenChoice"/> with that many alternatives.</summary>
    public int TraceAlternatives { get; init; } = -1;

    /// <summary>The padding token, never offered as an alternative.</summary>
    public int Pad { get; init; }

    /// <summary>What the model made of every token after BOS (forced ones included), when <see cref="TraceAlternatives"/> is at least 0.</summary>
    public IReadOnlyList<TokenChoice> Choices => _choices;

    private readonly List<TokenChoice> _choices = [];

    private void Score(double logProbability)
    {
        _logProbabilities.Add(logProbability);
        LogLikelihood += logProbability;
    }

    private void Trace(ReadOnlySpan<float> logits, int token)
    {
        if (TraceAlternatives >= 0) _choices.Add(TokenChoice.Of(logits, token, TraceAlternatives, Pad));
    }

    private void TraceForced(DecoderStart start, int count)
    {
        if (TraceAlternatives < 0) return;
        var fed = start.Grammar.Tokens;
        // The forced tokens are the last `count` tokens the start's grammar was fed.
        for (int i = 0; i < count; i++) Trace(start.Prefilled.At(0, i), fed[fed.Count - count + i]);
    }

    /// <summary>Runs to the end, yielding every note as it is complete (the forced tokens' notes first).</summary>
    public IEnumerable<Note> Run(CancellationToken cancellation = default)
    {
        IGenerationState state;
        float[]? next = null;
        if (_start is not null)
        {
            state = _start.ForkState(_model);
            _inputConditions.AddRange(_start.FedConditions);
            foreach (double logp in _start.ForcedLogProbabilities) Score(logp);
            TraceForced(_start, _start.ForcedLogProbabilities.Count);
            next = _start.Logits;
        }
        else if (_forced.Length > 0)
        {
            var start = DecoderStart.Prefill(_model, _grammar, _forced);
            state = start.State;
            _inputConditions.AddRange(start.FedConditions);
            foreach (double logp in start.ForcedLogProbabilities) Score(logp);
            TraceForced(start, _forced.Length);
            next = start.Logits;
        }
        else state = _model.CreateState();
        using var owned = state;
        foreach (var note in _grammar.TakeClosedNotes()) yield return note;
        var mask = new bool[_model.VocabularySize];
        while (!_grammar.Done)
        {
            cancellation.ThrowIfCancellationRequested();
            float[] logits;
            if (next is not null) logits = next;
            else
            {
                var condition = _grammar.Condition;
                _inputConditions.Add(condition);
                logits = _model.Step(state, _grammar.Tokens[^1], condition);
            }
            next = null;
            _grammar.Allow(mask, out bool fallback);
            if (fallback) FallbackSteps++;
            int token;
            if (_grammar.FormCandidate is { } offered && mask[offered]) token = offered;
            else
            {
                _grammar.RefuseFormCandidate();
                token = _policy.Greedy ? TokenSampling.Best(logits, mask)
                    : TokenSampling.Draw(logits, mask, _policy.Temperature, _policy.TopK, _policy.TopP, _rng);
            }
            Score(TokenSampling.LogProbability(logits, token));
            Trace(logits, token);
            _grammar.Feed(token);
            foreach (var note in _grammar.TakeClosedNotes()) yield return note;
        }
    }
}
