using Melos.Data.Tokenizers;
using Melos.Models;
using Melos.Music;

namespace Melos.Generation.Decoding;

/// <summary>
/// The grid tokenizer's grammar: one token per grid step, exactly <see cref="TokenConstraints.TotalSteps"/> of them;
/// the mask is <see cref="TokenConstraints.Allowed"/> at the <see cref="GenerationTrack"/>'s context, the primer's last
/// note must end where the primer ends, and a repeated bar of the form is offered step by step (<see cref="FormCopy"/>).
/// </summary>
internal sealed class GridGrammar : IGrammarState
{
    private readonly GridTokenizer _tokenizer;
    private readonly TokenConstraints _constraints;
    private readonly ConditionStep[] _conditioning;
    private readonly FormCopy _copy;
    private readonly int _primerLength;
    private readonly long _total;
    private readonly Key _key;
    private readonly List<int> _tokens;
    private readonly List<Note> _closed = [];
    private GenerationTrack _track;
    private int _copied = -1;

    private GridGrammar(GridTokenizer tokenizer, TokenConstraints constraints, ConditionStep[] conditioning, FormCopy copy, int primerLength, long total, Key key,
        List<int> tokens, GenerationTrack track)
    {
        _total = total;
        _tokenizer = tokenizer;
        _constraints = constraints;
        _conditioning = conditioning;
        _copy = copy;
        _primerLength = primerLength;
        _key = key;
        _tokens = tokens;
        _track = track;
    }

    public static GridGrammar Create(GridTokenizer tokenizer, GenerationRequest request, ConditioningVocabulary vocabulary, out int[] forced)
    {
        var constraints = new TokenConstraints(request, tokenizer);
        forced = PrimerTokens(tokenizer, request);
        var conditioning = MelodyGenerator.GridConditioning(vocabulary, MelodyGenerator.Template(request), constraints.TotalSteps, tokenizer.GridConfig.StepsPerQuarter);
        var grammar = new GridGrammar(tokenizer, constraints, conditioning, new FormCopy(request.Form, constraints.BarSteps, conditioning), forced.Length,
            constraints.TotalSteps, request.Key, [tokenizer.Bos], new GenerationTrack(constraints.BarSteps));
        grammar._copy.AtStep(0, grammar._tokens, null);
        return grammar;
    }

    /// <summary>
    /// The grammar of an edit of <paramref name="melody"/> (see <see cref="Grammars.ForEdit"/>): its grid steps before
    /// <paramref name="from"/> are forced, the steps up to <paramref name="end"/> are chosen under the request's pitch rules.
    /// </summary>
    public static GridGrammar CreateEdit(GridTokenizer tokenizer, GenerationRequest request, ConditioningVocabulary vocabulary, Melody melody,
        Duration from, Duration end, out int[] forced)
    {
        var constraints = new TokenConstraints(request, tokenizer);
        int spq = tokenizer.GridConfig.StepsPerQuarter;
        if (!tokenizer.TryEncode(melody, out var encoded, out var error))
            throw new InvalidRequestException(RequestField.Melody, $"The tune does not fit the model: {error!.Message}");
        long s0 = Steps(from, spq), e0 = Steps(end, spq);
        forced = [.. encoded!.Tokens.Skip(1).Take((int)s0)];
        var conditioning = MelodyGenerator.GridConditioning(vocabulary, melody, Math.Max(e0, encoded.Tokens.Length), spq);
        return new GridGrammar(tokenizer, constraints, conditioning, new FormCopy(null, constraints.BarSteps, conditioning), forced.Length, e0,
            request.Key, [tokenizer.Bos], new GenerationTrack(constraints.BarSteps));
    }

    private static long Steps(Duration d, int spq) => (d.Quarters * spq) is { Denominator: 1 } r ? r.Numerator
        : throw new InvalidRequestException(RequestField.Meter, $"the bar line at {d.Quarters} quarters is not on the model's grid of {spq} steps per quarter");

    /// <summary>The primer's grid tokens (no BOS/EOS); the primer's last note is still open after them.</summary>
    private static int[] PrimerTokens(GridTokenizer tokenizer, GenerationRequest request)
    {
        if (request.Primer.IsEmpty) return [];
        var primer = Melody.Create(request.Primer);
        if (!tokenizer.TryEncode(primer, out var tokens, out var error))
            throw new InvalidRequestException(RequestField.Primer, $"does not fit the model: {error!.Message}");
        return [.. tokens!.Tokens.Skip(1).SkipLast(1)];
    }

    public IReadOnlyList<int> Tokens => _tokens;

    public bool Done => _track.Step >= _total;

    public ConditionStep Condition => _conditioning[_track.Step];

    public Duration Time => Duration.FromQuarters(_track.Step, _tokenizer.GridConfig.StepsPerQuarter);

    public int CopiedBars => _copied >= 0 ? _copied : 0;

    public int? FormCandidate => _copy.Candidate(_track.Step, _tokens);

    public void RefuseFormCandidate() => _copy.Abandon();

    public void Allow(bool[] allowed, out bool fallback)
    {
        bool mustEnd = _primerLength > 0 && _track.Step == _primerLength && _track.Sounding;
        var mask = _constraints.Allowed(_track.Context, mustEnd, out fallback);
        mask.CopyTo(allowed, 0);
    }

    public void Feed(int token)
    {
        _tokens.Add(token);
        int spq = _tokenizer.GridConfig.StepsPerQuarter;
        _track = _track.Advance(token, _tokenizer, out var closed);
        if (closed is { } c)
            _closed.Add(Spell(new Note(Pitch.FromMidi(c.Pitch), Duration.FromQuarters(c.Start, spq), Duration.FromQuarters(c.End - c.Start, spq))));
        if (Done)
        {
            _copied = _copy.Finish();
            if (_track.OpenPitch is { } last)
                _closed.Add(Spell(new Note(Pitch.FromMidi(last), Duration.FromQuarters(_track.OpenStart, spq), Duration.FromQuarters(_total - _track.OpenStart, spq))));
        }
        else _copy.AtStep(_track.Step, _tokens, _track.OpenPitch);
    }

    public IReadOnlyList<Note> TakeClosedNotes() => Grammars.Drain(_closed);

    public IGrammarState Fork()
    {
        var copy = new GridGrammar(_tokenizer, _constraints, _conditioning, _copy.Clone(), _primerLength, _total, _key, [.. _tokens], _track) { _copied = _copied };
        copy._closed.AddRange(_closed);
        return copy;
    }

    private Note Spell(Note n) => n with { Pitch = n.Pitch.SpelledIn(_key) };
}
