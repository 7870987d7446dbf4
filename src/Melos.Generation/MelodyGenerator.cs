using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Melos.Data.Corpus;
using Melos.Data.Tokenizers;
using Melos.Generation.Decoding;
using Melos.Models;
using Melos.Models.Training;
using Melos.Music;

namespace Melos.Generation;

/// <summary>One generated melody and how the model scored it.</summary>
/// <param name="Melody">The melody: exactly the requested bars, with key, meter, chords, tempo and style set.</param>
/// <param name="LogLikelihood">The sum of the model's log-probabilities (natural log, plain softmax) of every token after BOS, primer included.</param>
/// <param name="Tokens">The tokens, starting with BOS (grid tokens end at the requested length, note tokens with EOS).</param>
/// <param name="FallbackSteps">Steps at which the constraints left no pitch to start, so only HOLD/NOTE_OFF were allowed.</param>
public sealed record GeneratedMelody(Melody Melody, double LogLikelihood, IReadOnlyList<int> Tokens, int FallbackSteps)
{
    /// <summary>The bars copied whole from an earlier bar by <see cref="GenerationRequest.Form"/>.</summary>
    public int CopiedBars { get; init; }
}

/// <summary>
/// Generates melodies from a model under a <see cref="GenerationRequest"/>, for any tokenizer with a grammar
/// (<see cref="Grammars.For"/>: the grid and the note tokenizers): the key, meter, chords and style reach the model
/// through its conditioning streams, the primer is teacher-forced, and every other token is drawn from the model's
/// distribution under the grammar's mask by the one <see cref="Decoder"/> (or searched for with a beam over the same
/// grammar). All randomness comes from <c>new Random(request.Seed)</c>.
/// </summary>
public sealed partial class MelodyGenerator : IDisposable
{
    private readonly bool _ownsModel;

    /// <summary>Wraps a model, its tokenizer and its conditioning vocabulary.</summary>
    /// <param name="model">The model.</param>
    /// <param name="tokenizer">The tokenizer the model was trained with.</param>
    /// <param name="vocabulary">The conditioning vocabulary the model was trained with.</param>
    /// <param name="ownsModel">Dispose the model with this generator.</param>
    /// <param name="contextTokens">The model's context in tokens (see <see cref="ContextTokens"/>), or null for no limit.</param>
    public MelodyGenerator(ISequenceModel model, ITokenizer tokenizer, ConditioningVocabulary vocabulary, bool ownsModel = false, int? contextTokens = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        Vocabulary = vocabulary ?? throw new ArgumentNullException(nameof(vocabulary));
        if (model.VocabularySize != tokenizer.VocabularySize)
            throw new ArgumentException($"The model has {model.VocabularySize} token ids but the tokenizer {tokenizer.VocabularySize}.", nameof(tokenizer));
        if (contextTokens is < 1) throw new ArgumentOutOfRangeException(nameof(contextTokens), contextTokens, "The context must be at least one token.");
        _ownsModel = ownsModel;
        ContextTokens = contextTokens;
    }

    /// <summary>The model.</summary>
    public ISequenceModel Model { get; }

    /// <summary>The tokenizer.</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>
    /// The grid tokenizer, when the model has one (for tools that read grid tokens; every generation path takes any
    /// tokenizer with a grammar).
    /// </summary>
    /// <exception cref="UnsupportedModelException">The model uses another tokenizer.</exception>
    public GridTokenizer Grid => Tokenizer as GridTokenizer
        ?? throw new UnsupportedModelException($"This operation needs a grid-tokenizer model; this one uses the {TokenizerName(Tokenizer.Config)} tokenizer.");

    /// <summary>The conditioning vocabulary.</summary>
    public ConditioningVocabulary Vocabulary { get; }

    /// <summary>
    /// The model's context: the longest token window it was trained on (<see cref="TrainingConfig.MaxSequenceLength"/>
    /// of the checkpoint), or null when unknown (n-gram checkpoints, which only ever look at their order). A primer
    /// longer than this is refused: the model never learned to use that much history.
    /// </summary>
    public int? ContextTokens { get; }

    /// <summary>The short name of a tokenizer configuration (<c>grid</c>, <c>note</c>).</summary>
    public static string TokenizerName(TokenizerConfig config) =>
        (config ?? throw new ArgumentNullException(nameof(config))).GetType().Name.Replace("TokenizerConfig", "", StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>Loads a checkpoint folder (<see cref="Checkpoint.LoadModel"/>); the generator owns the model.</summary>
    public static MelodyGenerator Load(string directory)
    {
        var info = Checkpoint.ReadInfo(directory);
        return new MelodyGenerator(Checkpoint.LoadModel(directory), info.Tokenizer.Create(), info.Conditioning, ownsModel: true, info.Training?.MaxSequenceLength);
    }

    /// <summary>
    /// A melody on its way in (to explain, infill or vary), on this model's time grid: unchanged when it lies on it,
    /// else quantized as corpora are (<see cref="GridFit.To"/>), with the error that cost for the caller to report.
    /// </summary>
    public GridFit FitToGrid(Melody melody) => GridFit.To(melody, Tokenizer.Config.StepsPerQuarter);

    /// <summary><see cref="FitToGrid(Melody)"/> for the model in a checkpoint folder, without loading the model.</summary>
    public static GridFit FitToGrid(Melody melody, string modelDirectory) =>
        GridFit.To(melody, Checkpoint.ReadInfo(modelDirectory).Tokenizer.StepsPerQuarter);

    /// <summary>Checks a request against this model (style label, meter, grid, primer, density) without generating.</summary>
    /// <exception cref="InvalidRequestException">The request cannot be served; the exception names the field and says why.</exception>
    public void Check(GenerationRequest request) => _ = Prepare(request);

    /// <summary>A checked request laid out once for all its melodies: the grammar after BOS, and the primer's tokens.</summary>
    private sealed record Plan(IGrammarState Prototype, int[] Primer);

    /// <summary>Checks <paramref name="request"/> (see <see cref="Check(GenerationRequest)"/>) and lays it out.</summary>
    private Plan Prepare(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        if (request.Style is { } style && !Vocabulary.Styles.Contains(style))
            throw new InvalidRequestException(RequestField.Style, $"unknown style '{style}'; this model knows: {(Vocabulary.Styles.IsEmpty ? "(none)" : string.Join(", ", Vocabulary.Styles))}");
        CheckMeter(request.Meter);
        var grammar = Grammars.For(Tokenizer, request, Vocabulary, out var primer);
        if (ContextTokens is { } context && primer.Length > context)
            throw new InvalidRequestException(RequestField.Primer, $"is {primer.Length} tokens long, more than the model's context of {context} tokens (the longest sequence it was trained on); shorten the primer");
        return new Plan(grammar, primer);
    }

    /// <summary>Refuses a meter the model's conditioning vocabulary does not know (it would be read as "other").</summary>
    private void CheckMeter(TimeSignature meter)
    {
        if (Vocabulary.MeterId(meter) == 0)
            throw new InvalidRequestException(RequestField.Meter, $"the model does not know the meter {meter}; it knows: {string.Join(", ", Vocabulary.Meters)}");
    }

    /// <summary>
    /// Generates <see cref="GenerationRequest.Count"/> melodies: sampled one after another from one seeded random
    /// generator, each the most likely of <see cref="GenerationRequest.BestOf"/> samples when set, or the most likely
    /// hypotheses of a beam search of <see cref="GenerationRequest.BeamWidth"/>.
    /// </summary>
    /// <remarks>
    /// The N candidates of best-of-N are decoded together: each on a thread of its own through a
    /// <see cref="BatchingModel"/> (the model's own when it already is one), so their steps and primer prefills run as
    /// batched calls. Candidate c of a melody draws from its own generator, seeded by the request's generator in
    /// candidate order, so the result does not depend on how the threads interleave (the batched step computes each row
    /// as a single step does); ties go to the earlier candidate.
    /// </remarks>
    public IReadOnlyList<GeneratedMelody> Generate(GenerationRequest request, CancellationToken cancellation = default)
    {
        var plan = Prepare(request);
        if (request.BeamWidth is not null) return BeamSearch(request, plan, cancellation);
        var rng = new Random(request.Seed);
        var result = new List<GeneratedMelody>();
        int n = request.BestOf ?? 1;
        if (n == 1)
        {
            for (int i = 0; i < request.Count; i++) result.Add(Sample(Model, request, plan, rng, i + 1, greedy: false, cancellation));
            return result;
        }
        var shared = Model as BatchingModel;
        using var owned = shared is null ? new BatchingModel(Model, maxBatch: n) : null;
        var model = shared ?? owned!;
        for (int i = 0; i < request.Count; i++)
        {
            var seeds = Enumerable.Range(0, n).Select(_ => rng.Next()).ToArray();
            var candidates = new GeneratedMelody[n];
            var errors = new Exception?[n];
            var threads = Enumerable.Range(0, n).Select(c => new Thread(() =>
            {
                try { candidates[c] = Sample(model, request, plan, new Random(seeds[c]), i + 1, greedy: false, cancellation); }
                catch (Exception e) { errors[c] = e; }
            }) { IsBackground = true, Name = "melos-best-of" }).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            if (errors.FirstOrDefault(e => e is not null) is { } error) ExceptionDispatchInfo.Throw(error);
            var best = candidates[0];
            for (int c = 1; c < n; c++)
                if (candidates[c].LogLikelihood > best.LogLikelihood) best = candidates[c];
            result.Add(best);
        }
        return result;
    }

    /// <summary>
    /// Streams the notes of the first melody of <paramref name="request"/> as each one ends (the same notes
    /// <see cref="Generate"/> returns first for the same request). With beam search or best-of-N the notes come once
    /// the search has finished.
    /// </summary>
    public async IAsyncEnumerable<Note> StreamAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        var plan = Prepare(request);
        if (request.BeamWidth is not null || request.BestOf is not null)
        {
            foreach (var note in Generate(request with { Count = 1 }, cancellation)[0].Melody.Notes)
            {
                yield return note;
                await Task.Yield();
            }
            yield break;
        }
        var decoder = new Decoder(Model, plan.Prototype.Fork(), plan.Primer, DecodingPolicy.Of(request), new Random(request.Seed));
        foreach (var note in decoder.Run(cancellation))
        {
            yield return note;
            await Task.Yield();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsModel) Model.Dispose();
    }

    /// <summary>The melody that carries the conditioning: no notes; key, meter, tempo, the chord progression laid out and style.</summary>
    public static Melody Template(GenerationRequest request, int number = 1)
    {
        ArgumentNullException.ThrowIfNull(request);
        var chords = ChordProgression.Layout(request.Chords, request.Meter, request.Length);
        var info = new MelodyInfo
        {
            Title = $"Melos {number}",
            Styles = request.Style is null ? [] : [request.Style],
        };
        return Melody.Create([], request.Key, [new MeterChange(Duration.Zero, request.Meter)], [TempoChange.FromBpm(Duration.Zero, request.TempoBpm)],
            chords, info, request.Length);
    }

    private static Note Spell(Note n, Key key) => n with { Pitch = n.Pitch.SpelledIn(key) };

    /// <summary>The conditioning of every grid step 0..<paramref name="steps"/> of <paramref name="template"/> on a grid of <paramref name="stepsPerQuarter"/>.</summary>
    internal static ConditionStep[] GridConditioning(ConditioningVocabulary vocabulary, Melody template, long steps, int stepsPerQuarter)
    {
        var result = new ConditionStep[steps + 1];
        for (long s = 0; s <= steps; s++) result[s] = vocabulary.At(template, Duration.FromQuarters(s, stepsPerQuarter));
        return result;
    }

    private GeneratedMelody Sample(ISequenceModel model, GenerationRequest request, Plan plan, Random rng, int number, bool greedy, CancellationToken cancellation)
    {
        var policy = greedy ? new DecodingPolicy(true) : DecodingPolicy.Of(request);
        IGrammarState grammar;
        lock (plan) grammar = plan.Prototype.Fork();
        var decoder = new Decoder(model, grammar, plan.Primer, policy, rng);
        foreach (var _ in decoder.Run(cancellation)) { }
        return Finish(request, number, decoder.Grammar.Tokens, decoder.LogLikelihood, decoder.FallbackSteps) with { CopiedBars = decoder.Grammar.CopiedBars };
    }

    private GeneratedMelody Finish(GenerationRequest request, int number, IReadOnlyList<int> tokens, double logLikelihood, int fallbackSteps)
    {
        var notes = Tokenizer.Decode(tokens).Select(n => Spell(n, request.Key));
        var t = Template(request, number);
        var melody = Melody.Create(notes, t.Key, t.Meters, t.Tempos, t.Chords, t.Info, request.Length);
        return new GeneratedMelody(melody, logLikelihood, [.. tokens], fallbackSteps);
    }
}

/// <summary>
/// What the constraints track while grid tokens are fed: the step, the last pitch, the sounding note, the notes in the
/// bar. Every generation loop (sampling, beam search, infilling, variation, tuning, the studio's answers) advances one
/// with each token and asks <see cref="TokenConstraints.Allowed"/> with its <see cref="Context"/>.
/// </summary>
/// <param name="BarSteps">Grid steps per bar (for the density count).</param>
public readonly record struct GenerationTrack(long BarSteps)
{
    /// <summary>The grid step of the next token.</summary>
    public long Step { get; init; }

    /// <summary>The last pitch started, or null.</summary>
    public int? Previous { get; init; }

    /// <summary>The pitch of the note still open (no NOTE_OFF or NOTE_ON since it started), or null.</summary>
    public int? OpenPitch { get; init; }

    /// <summary>The step where the open note started.</summary>
    public long OpenStart { get; init; }

    /// <summary>Notes started in the current bar.</summary>
    public int NotesInBar { get; init; }

    /// <summary>True while a note is open.</summary>
    public bool Sounding => OpenPitch is not null;

    /// <summary>The constraints' view.</summary>
    public GenerationContext Context => new(Step, Previous, Sounding, NotesInBar);

    /// <summary>The track after <paramref name="token"/>; <paramref name="closed"/> is the note it ended (start and end steps), if any.</summary>
    public GenerationTrack Advance(int token, GridTokenizer tokenizer, out (int Pitch, long Start, long End)? closed)
    {
        closed = null;
        int? pitch = tokenizer.PitchOf(token);
        var next = this;
        if (token == GridTokenizer.NoteOffId || pitch is not null)
        {
            if (OpenPitch is { } open) closed = (open, OpenStart, Step);
            next = next with { OpenPitch = null };
        }
        int inBar = NotesInBar;
        if (pitch is { } p)
        {
            next = next with { OpenPitch = p, OpenStart = Step, Previous = p };
            inBar++;
        }
        long step = Step + 1;
        return next with { Step = step, NotesInBar = step % BarSteps == 0 ? 0 : inBar };
    }
}
