using Melos.Data.Tokenizers;
using Melos.Generation;
using Melos.Music;

namespace Melos.Studio;

/// <summary>What <see cref="StudioContinuation.Continue"/> returns.</summary>
/// <param name="Melody">The phrase (its notes verbatim) and the answer.</param>
/// <param name="LogLikelihood">The natural-log likelihood of the answer's grid steps given the phrase (plain softmax).</param>
/// <param name="Probabilities">Each note's onset-token probability under the model (plain softmax), in note order.</param>
public sealed record Continuation(Melody Melody, double LogLikelihood, IReadOnlyList<double> Probabilities);

/// <summary>
/// The studio's call and response: the phrase, rest included up to its last bar line, is fed to the model in one
/// <see cref="Melos.Models.ISequenceModel.Prefill"/> call, then the answer's grid steps are drawn one by one under
/// <see cref="TokenConstraints"/> (key, range, chromatic). <see cref="MelodyGenerator.Generate"/> cannot do this: its
/// primer ends with its last note, so an answer would start in the phrase's trailing rest instead of on the bar line.
/// The probabilities come from the same logits, so no second pass over the melody is needed.
/// </summary>
public static class StudioContinuation
{
    /// <summary>
    /// Continues <paramref name="melody"/> (the phrase's notes, with its chords, key, meter, tempo and style, already
    /// <paramref name="answerBars"/> bars longer than the phrase) after <paramref name="phraseBars"/> bars.
    /// </summary>
    /// <exception cref="InvalidRequestException">The phrase does not fit the model's tokenizer, or the constraints do not fit the model.</exception>
    public static Continuation Continue(MelodyGenerator generator, Melody melody, int phraseBars, int answerBars, double temperature, double? topP,
        int seed, Pitch? low, Pitch? high, bool chromatic, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(melody);
        var key = melody.Key ?? throw new ArgumentException("The melody needs a key.", nameof(melody));
        var tokenizer = generator.Grid;
        var model = generator.Model;
        int spq = tokenizer.GridConfig.StepsPerQuarter;
        var request = new GenerationRequest
        {
            Bars = phraseBars + answerBars,
            Key = key,
            Meter = melody.Meter,
            Pitches = new PitchConstraints { Low = low, High = high, Chromatic = chromatic },
            Sampling = new SamplingSettings { Temperature = temperature, TopP = topP },
            Seed = seed,
        };
        request.Validate();
        var constraints = new TokenConstraints(request, tokenizer);
        long phraseSteps = constraints.BarSteps * phraseBars, total = constraints.TotalSteps;

        var phrase = Melody.Create(melody.Notes, key, melody.Meters, melody.Tempos, melody.Chords, melody.Info, melody.Meter.BarLength * new Rational(phraseBars, 1));
        if (!tokenizer.TryEncode(phrase, out var encoded, out var error))
            throw new InvalidRequestException(RequestField.Melody, $"the phrase does not fit the model: {error!.Message}");
        var tokens = new List<int>((int)total + 1) { tokenizer.Bos };
        tokens.AddRange(encoded!.Tokens.Skip(1).Take((int)phraseSteps));
        var conditioning = generator.ConditioningSteps(melody, total);

        // The phrase in one call: row s of the prefill predicts grid step s (row phraseSteps: the answer's first step).
        using var state = model.CreateState();
        var prefilled = model.Prefill(state, tokens, conditioning[..tokens.Count]);
        var onsetProbability = new Dictionary<long, double>();
        var track = new GenerationTrack(constraints.BarSteps);
        for (long s = 0; s < phraseSteps; s++)
        {
            int token = tokens[(int)s + 1];
            if (tokenizer.PitchOf(token) is not null) onsetProbability[s] = Math.Exp(TokenSampling.LogProbability(prefilled.At(0, (int)s), token));
            track = track.Advance(token, tokenizer, out _);
        }

        var rng = new Random(seed);
        double logLikelihood = 0;
        for (long s = phraseSteps; s < total; s++)
        {
            cancellation.ThrowIfCancellationRequested();
            var logits = s == phraseSteps ? prefilled.At(0, (int)s) : model.Step(state, tokens[^1], conditioning[s]);
            bool mustEnd = s == phraseSteps && track.Sounding && phraseSteps > 0; // a note that lasts to the bar line ends there
            var allowed = constraints.Allowed(track.Context, mustEnd, out _);
            int token = TokenSampling.Draw(logits, allowed, request.Sampling.Temperature, request.Sampling.TopK, request.Sampling.TopP, rng);
            double logp = TokenSampling.LogProbability(logits, token);
            logLikelihood += logp;
            if (tokenizer.PitchOf(token) is not null) onsetProbability[s] = Math.Exp(logp);
            tokens.Add(token);
            track = track.Advance(token, tokenizer, out _);
        }

        var answer = tokenizer.Decode(tokens).Where(n => n.Start.Quarters * spq >= phraseSteps).Select(n => n with { Pitch = n.Pitch.SpelledIn(key) });
        var result = Melody.Create([.. melody.Notes, .. answer], key, melody.Meters, melody.Tempos, melody.Chords, melody.Info, melody.Meter.BarLength * new Rational(phraseBars + answerBars, 1));
        var probabilities = result.Notes.Select(n => onsetProbability[(long)(n.Start.Quarters * spq).Numerator]).ToList();
        return new Continuation(result, logLikelihood, probabilities);
    }
}
