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

/// <summary>
/// The one token loop: feeds BOS and the forced tokens (a primer) in one prefill, then at every step asks the grammar
/// what is allowed, takes the form's offer when allowed, else draws (or picks greedily) from the model's distribution
/// under the mask, and feeds the token to the model and the grammar, until the grammar says the melody is complete.
/// The log-likelihood sums the plain softmax log-probability of every token after BOS, forced ones included.
/// </summary>
public sealed class Decoder
{
    private readonly ISequenceModel _model;
    private readonly IGrammarState _grammar;
    private readonly int[] _forced;
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

    /// <summary>The grammar state (its tokens once decoding is over).</summary>
    public IGrammarState Grammar => _grammar;

    /// <summary>The sum of the log-probabilities of the tokens after BOS.</summary>
    public double LogLikelihood { get; private set; }

    /// <summary>The log-probability of every token after BOS, in order (forced tokens included).</summary>
    public IReadOnlyList<double> TokenLogProbabilities => _logProbabilities;

    private readonly List<double> _logProbabilities = [];

    /// <summary>Steps at which the constraints had to give way.</summary>
    public int FallbackSteps { get; private set; }

    private void Score(double logProbability)
    {
        _logProbabilities.Add(logProbability);
        LogLikelihood += logProbability;
    }

    /// <summary>Runs to the end, yielding every note as it is complete.</summary>
    public IEnumerable<Note> Run(CancellationToken cancellation = default)
    {
        using var state = _model.CreateState();
        var mask = new bool[_model.VocabularySize];
        LogitsBatch? prefilled = null;
        if (_forced.Length > 0)
        {
            var fed = new List<int>(_forced.Length + 1) { _grammar.Tokens[^1] };
            var conditions = new List<ConditionStep>(_forced.Length + 1);
            foreach (int token in _forced)
            {
                conditions.Add(_grammar.Condition);
                _grammar.Feed(token);
                fed.Add(token);
            }
            conditions.Add(_grammar.Condition);
            prefilled = _model.Prefill(state, fed, conditions);
            for (int i = 0; i < _forced.Length; i++) Score(TokenSampling.LogProbability(prefilled.At(0, i), _forced[i]));
            foreach (var note in _grammar.TakeClosedNotes()) yield return note;
        }
        bool first = true;
        while (!_grammar.Done)
        {
            cancellation.ThrowIfCancellationRequested();
            var logits = first && prefilled is not null ? prefilled.At(0, _forced.Length).ToArray()
                : _model.Step(state, _grammar.Tokens[^1], _grammar.Condition);
            first = false;
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
            _grammar.Feed(token);
            foreach (var note in _grammar.TakeClosedNotes()) yield return note;
        }
    }
}
