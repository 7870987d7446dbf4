using Melos.Data.Tokenizers;
using Melos.Models;
using Melos.Music;

namespace Melos.Generation.Decoding;

/// <summary>
/// A tokenizer's grammar following one melody as its tokens are chosen: which tokens the musician's constraints and
/// the tokenizer's grammar allow next, the conditioning of the next token (the time the tokens so far have reached),
/// what the request's form offers, and the notes written. <see cref="Decoder"/> drives one per melody; every control
/// (key, range, leap, density, exact length, end on the tonic, chords, style, form, primer) lives in the grammar, so it
/// works the same way for every tokenizer that has one (<see cref="Grammars.For"/>).
/// </summary>
public interface IGrammarState
{
    /// <summary>The tokens fed so far, starting with BOS.</summary>
    IReadOnlyList<int> Tokens { get; }

    /// <summary>True once the requested length is written: no further token is chosen.</summary>
    bool Done { get; }

    /// <summary>The conditioning of the next token.</summary>
    ConditionStep Condition { get; }

    /// <summary>The time the next token is chosen at (the tokens so far have written the melody up to it).</summary>
    Duration Time { get; }

    /// <summary>
    /// Fills <paramref name="allowed"/> (one flag per token id, cleared first) with the tokens that may come next.
    /// Never leaves it empty while not <see cref="Done"/>; <paramref name="fallback"/> is true when the constraints had
    /// to give way (no pitch could start).
    /// </summary>
    void Allow(bool[] allowed, out bool fallback);

    /// <summary>The token the request's form offers next (a repeated bar), or null.</summary>
    int? FormCandidate { get; }

    /// <summary>The decoder did not take <see cref="FormCandidate"/>: the rest of the bar is chosen freely.</summary>
    void RefuseFormCandidate();

    /// <summary>Feeds the chosen (or forced) token.</summary>
    void Feed(int token);

    /// <summary>Notes that ended with the last <see cref="Feed"/> (for streaming), removed as they are read.</summary>
    IReadOnlyList<Note> TakeClosedNotes();

    /// <summary>An independent copy (for beams and candidates sharing a prefix).</summary>
    IGrammarState Fork();

    /// <summary>The bars written as copies of earlier bars (by the form, or by the model's own COPY tokens).</summary>
    int CopiedBars { get; }
}

/// <summary>Creates the grammar state of a request for a tokenizer.</summary>
public static class Grammars
{
    /// <summary>
    /// The grammar of <paramref name="tokenizer"/> for <paramref name="request"/>, positioned after BOS; <paramref name="forced"/>
    /// receives the primer's tokens, to be fed before anything is chosen.
    /// </summary>
    /// <exception cref="InvalidRequestException">The tokenizer cannot express the request (the exception names the field).</exception>
    /// <exception cref="UnsupportedModelException">The tokenizer has no grammar.</exception>
    public static IGrammarState For(ITokenizer tokenizer, GenerationRequest request, ConditioningVocabulary vocabulary, out int[] forced)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(vocabulary);
        return tokenizer switch
        {
            GridTokenizer grid => GridGrammar.Create(grid, request, vocabulary, out forced),
            NoteTokenizer note => NoteGrammar.Create(note, request, vocabulary, out forced),
            _ => throw new UnsupportedModelException($"The {tokenizer.GetType().Name} has no generation grammar."),
        };
    }

    /// <summary>
    /// The grammar of an edit of <paramref name="melody"/>: the tokens of its notes that start before bar
    /// <paramref name="firstBar"/> (0-based) go to <paramref name="forced"/>, to be fed before anything is chosen, and the
    /// grammar writes new notes from <paramref name="from"/> (the bar's start, or the end of a kept note that sounds
    /// into it) up to the start of bar <paramref name="endBar"/> (exclusive), under <paramref name="request"/>'s pitch
    /// rules (key, range, leap, chromatic); the conditioning is the melody's own (its chords, meter, key and style).
    /// </summary>
    /// <exception cref="InvalidRequestException">The melody does not fit the tokenizer.</exception>
    /// <exception cref="UnsupportedModelException">The tokenizer has no grammar.</exception>
    public static IGrammarState ForEdit(ITokenizer tokenizer, GenerationRequest request, ConditioningVocabulary vocabulary, Melody melody,
        int firstBar, int endBar, Duration from, out int[] forced)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(melody);
        return tokenizer switch
        {
            GridTokenizer grid => GridGrammar.CreateEdit(grid, request, vocabulary, melody, from, EndOf(melody, endBar), out forced),
            NoteTokenizer note => NoteGrammar.CreateEdit(note, request, vocabulary, melody, firstBar, endBar, out forced),
            _ => throw new UnsupportedModelException($"The {tokenizer.GetType().Name} has no generation grammar."),
        };
    }

    /// <summary>
    /// The grammar of a variation (see <see cref="VariationPlan"/>): the melody's own tokens, a chosen note's pitch drawn
    /// under <paramref name="request"/>'s pitch rules, and with rhythm the time after it up to the next note.
    /// </summary>
    /// <exception cref="InvalidRequestException">The melody does not fit the tokenizer.</exception>
    /// <exception cref="UnsupportedModelException">The tokenizer has no grammar.</exception>
    public static IGrammarState ForVariation(ITokenizer tokenizer, GenerationRequest request, ConditioningVocabulary vocabulary, VariationPlan plan)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(plan);
        return tokenizer switch
        {
            GridTokenizer grid => GridVariationGrammar.Create(grid, request, vocabulary, plan),
            NoteTokenizer note => NoteVariationGrammar.Create(note, request, vocabulary, plan),
            _ => throw new UnsupportedModelException($"The {tokenizer.GetType().Name} has no generation grammar."),
        };
    }

    private static Duration EndOf(Melody melody, int endBar) => endBar >= melody.BarCount ? melody.Length : melody.BarStart(endBar) < melody.Length ? melody.BarStart(endBar) : melody.Length;

    /// <summary>The notes in <paramref name="closed"/>, which is emptied (for <see cref="IGrammarState.TakeClosedNotes"/>).</summary>
    internal static IReadOnlyList<Note> Drain(List<Note> closed)
    {
        if (closed.Count == 0) return [];
        var notes = closed.ToArray();
        closed.Clear();
        return notes;
    }
}
