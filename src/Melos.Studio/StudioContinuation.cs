using Melos.Generation;
using Melos.Music;

namespace Melos.Studio;

/// <summary>What <see cref="StudioContinuation.Continue"/> returns.</summary>
/// <param name="Melody">The phrase (its notes verbatim) and the answer.</param>
/// <param name="LogLikelihood">The natural-log likelihood of the answer's tokens given the phrase (plain softmax).</param>
/// <param name="Probabilities">Each note's probability under the model (the token that wrote it, plain softmax), in note order.</param>
public sealed record Continuation(Melody Melody, double LogLikelihood, IReadOnlyList<double> Probabilities);

/// <summary>
/// The studio's call and response: the generator's infilling of the answer's bars (<see cref="MelodyGenerator.Infill"/>,
/// one candidate, left context only), so the phrase, rest included up to its last bar line, is heard and the answer
/// starts on the bar line after it, under the key, range and chromatic setting, for any tokenizer the generator has a
/// grammar for. The probabilities come from the same scoring pass that ranks infilling candidates.
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
        var key = melody.Key ?? throw new InvalidRequestException(RequestField.Key, "the melody needs a key");
        var request = new InfillRequest(melody, phraseBars + 1, phraseBars + answerBars)
        {
            Candidates = 1,
            Scoring = InfillScoring.LeftOnly,
            Sampling = new SamplingSettings { Temperature = temperature, TopP = topP },
            Seed = seed,
            Key = key,
            Pitches = new PitchConstraints
            {
                Low = low ?? Pitch.FromMidi(generator.Tokenizer.Config.MinPitch),
                High = high ?? Pitch.FromMidi(generator.Tokenizer.Config.MaxPitch),
                Chromatic = chromatic,
            },
        };
        var answer = generator.Infill(request, cancellation)[0];
        var sources = generator.Tokenizer.NoteTokenIndices(answer.Tokens);
        var probabilities = sources.Select(i => Math.Exp(answer.TokenLogProbabilities[i - 1])).ToList();
        return new Continuation(answer.Melody, answer.GapLogLikelihood, probabilities);
    }
}
