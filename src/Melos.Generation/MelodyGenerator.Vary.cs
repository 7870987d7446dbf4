using Melos.Data.Tokenizers;
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
        var plan = PlanVariation(request);
        var melody = request.Melody;
        var tokenizer = Grid;
        int spq = tokenizer.GridConfig.StepsPerQuarter;
        var notes = melody.Notes;
        var original = plan.Tokens;
        long total = original.Count - 1;
        var onsets = notes.Select(n => (long)(n.Start.Quarters * spq).Numerator).ToArray();
        var kept = notes.ToDictionary(n => (n.Start, n.Length, n.Pitch.Number));
        var rng = new Random(request.Seed);
        var result = new List<VariedMelody>();
        for (int v = 0; v < request.Count; v++)
        {
            var chosen = Choose(notes.Length, request.NotesToRedraw(notes.Length), rng);
            var chosenAt = chosen.ToDictionary(i => onsets[i]);
            var free = new bool[total];
            if (request.Rhythm)
            {
                foreach (int i in chosen)
                    for (long s = onsets[i] + 1; s < (i + 1 < notes.Length ? onsets[i + 1] : total); s++) free[s] = true;
            }
            using var state = Model.CreateState();
            var tokens = new List<int> { tokenizer.Bos };
            var track = new GenerationTrack(plan.Constraints.BarSteps);
            double logLikelihood = 0;
            for (long s = 0; s < total; s++)
            {
                cancellation.ThrowIfCancellationRequested();
                var logits = Model.Step(state, tokens[^1], plan.Conditioning[s]);
                int token;
                if (chosenAt.TryGetValue(s, out int i))
                {
                    int? next = i + 1 < notes.Length && !chosenAt.ContainsKey(onsets[i + 1]) ? notes[i + 1].Pitch.Number : null;
                    var allowed = PitchMask(plan.Constraints, track.Previous, next, notes[i].Pitch.Number);
                    token = TokenSampling.Draw(logits, allowed, request.Sampling.Temperature, request.Sampling.TopK, request.Sampling.TopP, rng);
                }
                else if (free[s])
                {
                    var allowed = plan.Constraints.Allowed(track.Context, mustEndNote: false, out _);
                    token = TokenSampling.Draw(logits, allowed, request.Sampling.Temperature, request.Sampling.TopK, request.Sampling.TopP, rng);
                }
                else token = original[(int)s + 1];
                logLikelihood += TokenSampling.LogProbability(logits, token);
                tokens.Add(token);
                track = track.Advance(token, tokenizer, out _);
            }
            int changed = 0;
            var newNotes = tokenizer.Decode(tokens).Select(n =>
            {
                if (kept.TryGetValue((n.Start, n.Length, n.Pitch.Number), out var same)) return same;
                changed++;
                return n with { Pitch = n.Pitch.SpelledIn(plan.Key) };
            }).ToList();
            var varied = Melody.Create(newNotes, melody.Key, melody.Meters, melody.Tempos, melody.Chords, melody.Info, melody.Length);
            result.Add(new VariedMelody(varied, logLikelihood, tokens, chosen, changed));
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

    /// <summary>NOTE_ON tokens for a redrawn pitch, relaxing the rules in order until one pitch is left.</summary>
    private bool[] PitchMask(TokenConstraints constraints, int? previous, int? next, int old)
    {
        var config = Grid.GridConfig;
        bool[] Mask(bool useNext, bool different)
        {
            var mask = new bool[Tokenizer.VocabularySize];
            for (int p = config.MinPitch; p <= config.MaxPitch; p++)
            {
                if (!constraints.PitchAllowed(p) || !constraints.WithinLeap(p, previous)) continue;
                if (useNext && next is { } n && !constraints.WithinLeap(n, p)) continue;
                if (different && p == old) continue;
                mask[Grid.NoteOn(p)] = true;
            }
            return mask;
        }
        foreach (var (useNext, different) in new[] { (true, true), (false, true), (false, false) })
        {
            var mask = Mask(useNext, different);
            if (mask.Contains(true)) return mask;
        }
        // Nothing passes even the loosest rules (the old pitch is outside the range or key): keep the old pitch.
        var keep = new bool[Tokenizer.VocabularySize];
        keep[Grid.NoteOn(old)] = true;
        return keep;
    }

    private sealed record VariationPlan(IReadOnlyList<int> Tokens, Melos.Data.Tokenizers.ConditionStep[] Conditioning, TokenConstraints Constraints, Key Key);

    private VariationPlan PlanVariation(VariationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var melody = request.Melody;
        foreach (var m in melody.Meters.IsEmpty ? [new MeterChange(Duration.Zero, TimeSignature.CommonTime)] : melody.Meters.AsEnumerable()) CheckMeter(m.Meter);
        var tokens = EncodeWithoutEos(melody, "The tune");
        var key = request.Key ?? melody.Key ?? KeyEstimator.Estimate(melody.Notes).Key;
        var constraintRequest = new GenerationRequest
        {
            Key = key,
            Meter = melody.Meter,
            Pitches = request.Pitches with
            {
                Low = request.Pitches.Low ?? melody.Notes.MinBy(n => n.Pitch.Number)!.Pitch,
                High = request.Pitches.High ?? melody.Notes.MaxBy(n => n.Pitch.Number)!.Pitch,
            },
        };
        var constraints = new TokenConstraints(constraintRequest, Grid);
        return new VariationPlan(tokens, ConditioningSteps(melody, tokens.Count - 1), constraints, key);
    }
}
