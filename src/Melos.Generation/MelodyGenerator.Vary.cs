using Melos.Data.Tokenizers;
using Melos.Generation.Decoding;
using Melos.Music;

namespace Melos.Generation;

public sealed partial class MelodyGenerator
{
    /// <summary>
    /// Varies a melody <see cref="VariationRequest.Count"/> times. For each variation,
    /// <see cref="VariationRequest.NotesToRedraw"/> notes are chosen at random; the model then reads the melody left to
    /// right (teacher-forced) and, at each chosen note's onset, draws a new pitch from its distribution masked to pitches
    /// that are in the range and key (unless chromatic), within the maximum leap of the previous note and of the next
    /// kept note, and different from the old pitch. Rules are dropped in that order (next-note leap, then "different")
    /// when they leave no pitch. With <see cref="VariationRequest.Rhythm"/>, the steps after a chosen onset up to the
    /// next note are drawn freely under the same constraints. Notes that are not redrawn are kept verbatim.
    /// </summary>
    /// <exception cref="InvalidRequestException">The request does not fit the melody or the model.</exception>
    public IReadOnlyList<VariedMelody> Vary(VariationRequest request, CancellationToken cancellation = default)
    {
        var (rules, key) = PlanVariation(request);
        var melody = request.Melody;
        var notes = melody.Notes;
        var kept = notes.ToDictionary(n => (n.Start, n.Length, n.Pitch.Number));
        var rng = new Random(request.Seed);
        var policy = new DecodingPolicy(false, request.Sampling.Temperature, request.Sampling.TopK, request.Sampling.TopP);
        var result = new List<VariedMelody>();
        for (int v = 0; v < request.Count; v++)
        {
            var chosen = Choose(notes.Length, request.NotesToRedraw(notes.Length), rng);
            var grammar = Grammars.ForVariation(Tokenizer, rules, Vocabulary, new VariationPlan(melody, chosen, request.Rhythm));
            var decoder = new Decoder(Model, grammar, [], policy, rng);
            foreach (var _ in decoder.Run(cancellation)) { }
            var tokens = decoder.Grammar.Tokens;
            int changed = 0;
            var newNotes = Tokenizer.Decode(tokens).Select(n =>
            {
                if (kept.TryGetValue((n.Start, n.Length, n.Pitch.Number), out var same)) return same;
                changed++;
                return n with { Pitch = n.Pitch.SpelledIn(key) };
            }).ToList();
            var varied = Melody.Create(newNotes, melody.Key, melody.Meters, melody.Tempos, melody.Chords, melody.Info, melody.Length);
            result.Add(new VariedMelody(varied, decoder.LogLikelihood, [.. tokens], chosen, changed));
        }
        return result;
    }

    /// <summary>Checks a variation request against this model (meter, key, grid and range) without generating.</summary>
    /// <exception cref="InvalidRequestException">The request does not fit the melody or the model; the message says why.</exception>
    public void Check(VariationRequest request) => _ = PlanVariation(request);

    /// <summary><paramref name="k"/> distinct indices below <paramref name="n"/>, ascending, drawn with a partial Fisher-Yates shuffle.</summary>
    private static int[] Choose(int n, int k, Random rng)
    {
        var order = Enumerable.Range(0, n).ToArray();
        for (int i = 0; i < k; i++)
        {
            int j = i + rng.Next(n - i);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return [.. order.Take(k).Order()];
    }

    private (GenerationRequest Rules, Key Key) PlanVariation(VariationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var melody = request.Melody;
        foreach (var m in melody.Meters.IsEmpty ? [new MeterChange(Duration.Zero, TimeSignature.CommonTime)] : melody.Meters.AsEnumerable()) CheckMeter(m.Meter);
        var key = request.Key ?? melody.Key ?? KeyEstimator.Estimate(melody.Notes).Key;
        var rules = PitchRequest(key, melody.Meter, melody, request.Pitches);
        // The tune must fit the model: the grammar checks it (an empty choice of notes checks the encoding alone).
        _ = Grammars.ForVariation(Tokenizer, rules, Vocabulary, new VariationPlan(melody, [], request.Rhythm));
        return (rules, key);
    }
}
