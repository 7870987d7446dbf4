using Melos.Data.Tokenizers;
using Melos.Music;

namespace Melos.Generation.Decoding;

/// <summary>
/// The grammar of a token sequence given whole (a melody to score or explain): each step allows exactly the next token
/// of the sequence, with the conditioning the tokenizer and the vocabulary give it (<see cref="ConditioningVocabulary.Encode"/>).
/// The decoder's forced prefill over it is the teacher-forced score of the sequence.
/// </summary>
public sealed class ForcedGrammar : IGrammarState
{
    private readonly IReadOnlyList<int> _sequence;
    private readonly IReadOnlyList<ConditionStep> _conditioning;
    private readonly IReadOnlyList<Duration> _times;
    private readonly List<int> _tokens;

    /// <summary>The grammar of <paramref name="sequence"/> (BOS first) with one conditioning step and one time per token.</summary>
    public ForcedGrammar(IReadOnlyList<int> sequence, IReadOnlyList<ConditionStep> conditioning, IReadOnlyList<Duration> times)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentNullException.ThrowIfNull(conditioning);
        ArgumentNullException.ThrowIfNull(times);
        if (sequence.Count == 0 || conditioning.Count != sequence.Count || times.Count != sequence.Count)
            throw new ArgumentException("A sequence needs at least BOS, and one conditioning step and one time per token.", nameof(sequence));
        _sequence = sequence;
        _conditioning = conditioning;
        _times = times;
        _tokens = [sequence[0]];
    }

    /// <summary>The grammar of <paramref name="melody"/>'s tokens under <paramref name="tokenizer"/> and <paramref name="vocabulary"/>.</summary>
    /// <exception cref="TokenizationException">The melody does not fit the tokenizer.</exception>
    public static ForcedGrammar Of(ITokenizer tokenizer, ConditioningVocabulary vocabulary, Melody melody)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(vocabulary);
        var tokens = tokenizer.Encode(melody);
        return new ForcedGrammar(tokens.Tokens, vocabulary.Encode(melody, tokens), tokens.Times);
    }

    /// <summary>The whole sequence (BOS first).</summary>
    public IReadOnlyList<int> Sequence => _sequence;

    /// <inheritdoc/>
    public IReadOnlyList<int> Tokens => _tokens;

    /// <inheritdoc/>
    public bool Done => _tokens.Count >= _sequence.Count;

    /// <inheritdoc/>
    public ConditionStep Condition => _conditioning[Math.Min(_tokens.Count, _sequence.Count - 1)];

    /// <inheritdoc/>
    public Duration Time => _times[Math.Min(_tokens.Count, _sequence.Count - 1)];

    /// <inheritdoc/>
    public int? FormCandidate => null;

    /// <inheritdoc/>
    public int CopiedBars => 0;

    /// <inheritdoc/>
    public void RefuseFormCandidate() { }

    /// <inheritdoc/>
    public void Allow(bool[] allowed, out bool fallback)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        if (Done) throw new InvalidOperationException("The sequence is complete.");
        Array.Clear(allowed);
        allowed[_sequence[_tokens.Count]] = true;
        fallback = false;
    }

    /// <inheritdoc/>
    public void Feed(int token)
    {
        if (Done || token != _sequence[_tokens.Count]) throw new InvalidOperationException($"The sequence's next token is not {token}.");
        _tokens.Add(token);
    }

    /// <inheritdoc/>
    public IReadOnlyList<Note> TakeClosedNotes() => [];

    /// <inheritdoc/>
    public IGrammarState Fork()
    {
        var copy = new ForcedGrammar(_sequence, _conditioning, _times);
        copy._tokens.AddRange(_tokens.Skip(1));
        return copy;
    }
}
