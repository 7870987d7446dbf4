using System.Runtime.CompilerServices;
using Melos.Data.Tokenizers;
using Melos.Models;
using Melos.Models.Training;
using Melos.Music;

namespace Melos.Generation;

/// <summary>One generated melody and how the model scored it.</summary>
/// <param name="Melody">The melody: exactly the requested bars, with key, meter, chords, tempo and style set.</param>
/// <param name="LogLikelihood">The sum of the model's log-probabilities (natural log, plain softmax) of every token after BOS, primer included.</param>
/// <param name="Tokens">The grid tokens, starting with BOS (no EOS: generation stops at the requested length).</param>
/// <param name="FallbackSteps">Steps at which the constraints left no pitch to start, so only HOLD/NOTE_OFF were allowed.</param>
public sealed record GeneratedMelody(Melody Melody, double LogLikelihood, IReadOnlyList<int> Tokens, int FallbackSteps);

/// <summary>
/// Generates melodies from a grid-tokenizer model under a <see cref="GenerationRequest"/>: the key, meter, chords and
/// style reach the model through its conditioning streams (<see cref="Sampler.GridConditioning"/> on a template
/// melody), the primer is teacher-forced, and every other token is drawn from the model's distribution masked by
/// <see cref="TokenConstraints"/>. All randomness comes from <c>new Random(request.Seed)</c>.
/// </summary>
public sealed class MelodyGenerator : IDisposable
{
    private readonly bool _ownsModel;

    /// <summary>Wraps a model, its grid tokenizer and its conditioning vocabulary.</summary>
    /// <param name="model">The model.</param>
    /// <param name="tokenizer">The tokenizer the model was trained with.</param>
    /// <param name="vocabulary">The conditioning vocabulary the model was trained with.</param>
    /// <param name="ownsModel">Dispose the model with this generator.</param>
    public MelodyGenerator(ISequenceModel model, GridTokenizer tokenizer, ConditioningVocabulary vocabulary, bool ownsModel = false)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        Vocabulary = vocabulary ?? throw new ArgumentNullException(nameof(vocabulary));
        if (model.VocabularySize != tokenizer.VocabularySize)
            throw new ArgumentException($"The model has {model.VocabularySize} token ids but the tokenizer {tokenizer.VocabularySize}.", nameof(tokenizer));
        _ownsModel = ownsModel;
    }

    /// <summary>The model.</summary>
    public ISequenceModel Model { get; }

    /// <summary>The grid tokenizer.</summary>
    public GridTokenizer Tokenizer { get; }

    /// <summary>The conditioning vocabulary.</summary>
    public ConditioningVocabulary Vocabulary { get; }

    /// <summary>Loads a checkpoint folder (<see cref="Checkpoint.LoadModel"/>); the generator owns the model.</summary>
    /// <exception cref="ArgumentException">The checkpoint uses another tokenizer than the grid one.</exception>
    public static MelodyGenerator Load(string directory)
    {
        var info = Checkpoint.ReadInfo(directory);
        if (info.Tokenizer.Create() is not GridTokenizer tokenizer)
            throw new ArgumentException($"The model in '{directory}' uses the {info.Tokenizer.GetType().Name.Replace("TokenizerConfig", "", StringComparison.Ordinal).ToLowerInvariant()} tokenizer; generation needs a grid-tokenizer model.", nameof(directory));
        return new MelodyGenerator(Checkpoint.LoadModel(directory), tokenizer, info.Conditioning, ownsModel: true);
    }

    /// <summary>Checks a request against this model (style label, grid, primer) without generating.</summary>
    /// <exception cref="ArgumentException">The request cannot be served; the message says why.</exception>
    public void Check(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        if (request.Style is { } style && !Vocabulary.Styles.Contains(style))
            throw new ArgumentException($"Unknown style '{style}'; this model knows: {(Vocabulary.Styles.IsEmpty ? "(none)" : string.Join(", ", Vocabulary.Styles))}.", nameof(request));
        _ = new TokenConstraints(request, Tokenizer);
        _ = PrimerTokens(request);
    }

    /// <summary>Generates <see cref="GenerationRequest.Count"/> melodies, one after another from one seeded random generator.</summary>
    public IReadOnlyList<GeneratedMelody> Generate(GenerationRequest request, CancellationToken cancellation = default)
    {
        Check(request);
        var rng = new Random(request.Seed);
        var result = new List<GeneratedMelody>();
        for (int i = 0; i < request.Count; i++)
        {
            var run = new Run(this, request, rng, cancellation);
            foreach (var _ in run.Notes()) { }
            var notes = Tokenizer.Decode(run.Tokens).Select(n => Spell(n, request.Key));
            var t = Template(request, i + 1);
            var melody = Melody.Create(notes, t.Key, t.Meters, t.Tempos, t.Chords, t.Info, request.Length);
            result.Add(new GeneratedMelody(melody, run.LogLikelihood, run.Tokens, run.FallbackSteps));
        }
        return result;
    }

    /// <summary>
    /// Streams the notes of the first melody of <paramref name="request"/> as each one ends (the same notes
    /// <see cref="Generate"/> returns first for the same request).
    /// </summary>
    public async IAsyncEnumerable<Note> StreamAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        Check(request);
        var run = new Run(this, request, new Random(request.Seed), cancellation);
        foreach (var note in run.Notes())
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

    /// <summary>The melody that carries the conditioning: no notes; key, meter, tempo, one chord per bar and style.</summary>
    public static Melody Template(GenerationRequest request, int number = 1)
    {
        ArgumentNullException.ThrowIfNull(request);
        var bar = request.Meter.BarLength;
        var chords = request.Chords.IsEmpty ? []
            : Enumerable.Range(0, request.Bars).Select(b => new ChordChange(Duration.FromQuarters(bar.Quarters * b), request.Chords[b % request.Chords.Length])).ToList();
        var info = new MelodyInfo
        {
            Title = $"Melos {number}",
            Styles = request.Style is null ? [] : [request.Style],
        };
        return Melody.Create([], request.Key, [new MeterChange(Duration.Zero, request.Meter)], [TempoChange.FromBpm(Duration.Zero, request.TempoBpm)],
            chords, info, request.Length);
    }

    private static Note Spell(Note n, Key key) => n with { Pitch = n.Pitch.SpelledIn(key) };

    /// <summary>The primer's grid tokens (no BOS/EOS); the primer's last note is still open after them.</summary>
    private int[] PrimerTokens(GenerationRequest request)
    {
        if (request.Primer.IsEmpty) return [];
        var primer = Melody.Create(request.Primer);
        if (!Tokenizer.TryEncode(primer, out var tokens, out var error))
            throw new ArgumentException($"The primer does not fit the model: {error!.Message}", nameof(request));
        return [.. tokens!.Tokens.Skip(1).SkipLast(1)];
    }

    /// <summary>One melody's token loop; <see cref="Notes"/> yields notes as they end.</summary>
    private sealed class Run(MelodyGenerator owner, GenerationRequest request, Random rng, CancellationToken cancellation)
    {
        private readonly List<int> _tokens = [owner.Tokenizer.Bos];

        public IReadOnlyList<int> Tokens => _tokens;

        public double LogLikelihood { get; private set; }

        public int FallbackSteps { get; private set; }

        public IEnumerable<Note> Notes()
        {
            var tokenizer = owner.Tokenizer;
            int spq = tokenizer.GridConfig.StepsPerQuarter;
            var constraints = new TokenConstraints(request, tokenizer);
            var primer = owner.PrimerTokens(request);
            var conditioning = Sampler.GridConditioning(Template(request), owner.Vocabulary, spq);
            using var state = owner.Model.CreateState();
            var prefilled = Prefill(state, primer, conditioning);
            (int Pitch, long Start)? open = null;
            int? previous = null;
            for (long step = 0; step < constraints.TotalSteps; step++)
            {
                cancellation.ThrowIfCancellationRequested();
                var logits = step <= primer.Length && prefilled is not null ? prefilled.At(0, (int)step)
                    : owner.Model.Step(state, _tokens[^1], conditioning(_tokens));
                int token;
                if (step < primer.Length) token = primer[step];
                else
                {
                    bool mustEnd = primer.Length > 0 && step == primer.Length && open is not null;
                    var allowed = constraints.Allowed(new GenerationContext(step, previous, open is not null), mustEnd, out bool fallback);
                    if (fallback) FallbackSteps++;
                    token = TokenSampling.Draw(logits, allowed, request.Temperature, request.TopK, request.TopP, rng);
                }
                LogLikelihood += TokenSampling.LogProbability(logits, token);
                _tokens.Add(token);
                if (token == GridTokenizer.NoteOffId || tokenizer.PitchOf(token) is not null)
                {
                    if (open is { } o) yield return Spell(new Note(Pitch.FromMidi(o.Pitch), Duration.FromQuarters(o.Start, spq), Duration.FromQuarters(step - o.Start, spq)), request.Key);
                    open = null;
                }
                if (tokenizer.PitchOf(token) is { } p)
                {
                    open = (p, step);
                    previous = p;
                }
            }
            if (open is { } last)
                yield return Spell(new Note(Pitch.FromMidi(last.Pitch), Duration.FromQuarters(last.Start, spq), Duration.FromQuarters(constraints.TotalSteps - last.Start, spq)), request.Key);
        }

        /// <summary>
        /// Feeds BOS and the primer in one <see cref="ISequenceModel.Prefill"/> call: row i holds the logits of grid step
        /// i, so the primer's rows score its tokens and the last row is the first free step. Null without a primer.
        /// </summary>
        private LogitsBatch? Prefill(IGenerationState state, int[] primer, Func<IReadOnlyList<int>, ConditionStep> conditioning)
        {
            if (primer.Length == 0) return null;
            var fed = new List<int>(primer.Length + 1) { owner.Tokenizer.Bos };
            var next = new ConditionStep[primer.Length + 1];
            for (int i = 0; i <= primer.Length; i++)
            {
                next[i] = conditioning(fed);
                if (i < primer.Length) fed.Add(primer[i]);
            }
            return owner.Model.Prefill(state, fed, next);
        }
    }
}
