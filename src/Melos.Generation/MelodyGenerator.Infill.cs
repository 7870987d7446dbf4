using System.Collections.Immutable;
using Melos.Data.Tokenizers;
using Melos.Models;
using Melos.Music;

namespace Melos.Generation;

public sealed partial class MelodyGenerator
{
    /// <summary>The tokens the scoring forward pass may hold at once (batch size times length).</summary>
    private const int ScoringTokensPerBatch = 16_384;

    /// <summary>
    /// Regenerates the requested bars: for each of <see cref="InfillRequest.Count"/> results,
    /// <see cref="InfillRequest.Candidates"/> candidates are sampled left to right after the teacher-forced left
    /// context, scored by the model on the whole tune with the right context teacher-forced after them, and the best by
    /// <see cref="InfillRequest.Scoring"/> is kept (candidates that join the right side within the maximum leap first;
    /// ties go to the earlier candidate).
    /// </summary>
    /// <exception cref="InvalidRequestException">The request does not fit the melody or the model.</exception>
    public IReadOnlyList<InfillCandidate> Infill(InfillRequest request, CancellationToken cancellation = default) =>
        [.. InfillCandidates(request, cancellation).GroupBy(c => c.Group).Select(g => Best(g, request.Scoring))];

    /// <summary>The candidate a ranking keeps among <paramref name="candidates"/>.</summary>
    public static InfillCandidate Best(IEnumerable<InfillCandidate> candidates, InfillScoring scoring)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        InfillCandidate? best = null;
        foreach (var c in candidates)
        {
            if (best is null || (c.JoinsWithinLeap, c.Score(scoring)).CompareTo((best.JoinsWithinLeap, best.Score(scoring))) > 0) best = c;
        }
        return best ?? throw new ArgumentException("No candidates.", nameof(candidates));
    }

    /// <summary>
    /// Every candidate of an infilling request, group by group in draw order, with its scores. Notes that start before
    /// the gap are kept verbatim, a note that sounds into the gap included (the gap's new notes start when it ends);
    /// notes that start after the gap are kept verbatim; the new notes end at the gap's end at the latest, so a note
    /// that started in the gap and was tied over its end is replaced and the bar after the gap starts with a rest.
    /// </summary>
    /// <exception cref="InvalidRequestException">The request does not fit the melody or the model.</exception>
    public IReadOnlyList<InfillCandidate> InfillCandidates(InfillRequest request, CancellationToken cancellation = default)
    {
        var plan = PlanInfill(request);
        var rng = new Random(request.Seed);
        var tokenizer = Grid;
        int spq = tokenizer.GridConfig.StepsPerQuarter;
        var original = plan.Tokens;
        long s0 = plan.GenerateFrom, e0 = plan.GapEnd;

        // The left context, heard once: the state has heard tokens 0..s0 and `logits` predicts step s0.
        using var left = Model.CreateState();
        var track = new GenerationTrack(plan.Constraints.BarSteps);
        float[] logits = [];
        for (long s = 0; s <= s0; s++)
        {
            cancellation.ThrowIfCancellationRequested();
            logits = Model.Step(left, original[(int)s], plan.Conditioning[s]);
            if (s < s0) track = track.Advance(original[(int)s + 1], tokenizer, out _);
        }
        var fed = original.Take((int)s0 + 1).ToList();

        var drafts = new List<(Melody Melody, List<int> Tokens, bool Joins, int Group, int Index)>();
        for (int g = 0; g < request.Count; g++)
        {
            for (int c = 0; c < request.Candidates; c++)
            {
                using var state = Fork(left, fed, plan.Conditioning);
                var tokens = new List<int>(fed);
                var tr = track;
                var stepLogits = logits;
                var gapNotes = new List<Note>();
                for (long s = s0; s < e0; s++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    if (s > s0) stepLogits = Model.Step(state, tokens[^1], plan.Conditioning[s]);
                    var allowed = plan.Constraints.Allowed(tr.Context, mustEndNote: s == s0 && tr.Sounding, out _);
                    int token = TokenSampling.Draw(stepLogits, allowed, request.Sampling.Temperature, request.Sampling.TopK, request.Sampling.TopP, rng);
                    tokens.Add(token);
                    tr = tr.Advance(token, tokenizer, out var closed);
                    if (closed is { } n && n.Start >= s0) gapNotes.Add(MakeNote(n.Pitch, n.Start, n.End, spq, plan.Key));
                }
                if (tr.OpenPitch is { } last && tr.OpenStart >= s0) gapNotes.Add(MakeNote(last, tr.OpenStart, e0, spq, plan.Key));
                var melody = Melody.Create([.. plan.Left, .. gapNotes, .. plan.Right], request.Melody.Key, request.Melody.Meters, request.Melody.Tempos,
                    request.Melody.Chords, request.Melody.Info, request.Melody.Length);
                int? before = gapNotes.Count > 0 ? gapNotes[^1].Pitch.Number : plan.Left.LastOrDefault()?.Pitch.Number;
                bool joins = plan.Right.Count == 0 || plan.Constraints.WithinLeap(plan.Right[0].Pitch.Number, before);
                drafts.Add((melody, EncodeWithoutEos(melody), joins, g, c));
            }
        }

        var scores = ScoreSequences(drafts.Select(d => (IReadOnlyList<int>)d.Tokens).ToList(), plan.Conditioning, cancellation);
        var result = new List<InfillCandidate>(drafts.Count);
        for (int i = 0; i < drafts.Count; i++)
        {
            var logp = scores[i];
            double gap = 0, right = 0, all = 0;
            for (long s = 0; s < logp.Length; s++)
            {
                all += logp[s];
                if (s >= s0 && s < e0) gap += logp[s];
                else if (s >= e0) right += logp[s];
            }
            var d = drafts[i];
            result.Add(new InfillCandidate(d.Melody, d.Tokens, gap, right, all, d.Joins, d.Group, d.Index));
        }
        return result;
    }

    /// <summary>
    /// The model's log-probability (natural log, plain softmax, teacher-forced) of each grid step of a melody, conditioned
    /// on its own key, meters, chords and style: element s scores the token at grid step s (EOS is not scored).
    /// </summary>
    /// <exception cref="InvalidRequestException">The melody does not fit the model's tokenizer.</exception>
    public double[] Score(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        var tokens = EncodeWithoutEos(melody);
        return ScoreSequences([tokens], ConditioningSteps(melody, tokens.Count - 1))[0];
    }

    /// <summary>Checks an infilling request against this model (bars, meter, key, grid and range) without generating.</summary>
    /// <exception cref="InvalidRequestException">The request does not fit the melody or the model; the message says why.</exception>
    public void Check(InfillRequest request) => _ = PlanInfill(request);

    private static Note MakeNote(int pitch, long start, long end, int spq, Key key) =>
        new(Pitch.FromMidi(pitch).SpelledIn(key), Duration.FromQuarters(start, spq), Duration.FromQuarters(end - start, spq));

    /// <summary>What infilling needs, worked out and checked before any model step.</summary>
    private sealed record InfillPlan(ImmutableArray<int> Tokens, ConditionStep[] Conditioning, TokenConstraints Constraints, Key Key,
        IReadOnlyList<Note> Left, IReadOnlyList<Note> Right, long GenerateFrom, long GapEnd);

    private InfillPlan PlanInfill(InfillRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var melody = request.Melody;
        foreach (var m in melody.Meters.IsEmpty ? [new MeterChange(Duration.Zero, TimeSignature.CommonTime)] : melody.Meters.AsEnumerable()) CheckMeter(m.Meter);
        var key = request.Key ?? melody.Key ?? KeyEstimator.Estimate(melody.Notes).Key;
        var gapStart = melody.BarStart(request.FirstBar - 1);
        var gapEnd = Min(melody.BarStart(request.LastBar), melody.Length);
        var left = melody.Notes.Where(n => n.Start < gapStart).ToList();
        var right = melody.Notes.Where(n => n.Start >= gapEnd).ToList();
        var from = left.Count > 0 && left[^1].End > gapStart ? left[^1].End : gapStart;
        if (from >= gapEnd)
            throw new InvalidRequestException(RequestField.FirstBar, $"bars {request.FirstBar}-{request.LastBar} lie inside a note that starts before them ({left[^1]}); there is nothing to regenerate");
        var tokens = EncodeWithoutEos(melody, "The tune");
        int spq = Grid.GridConfig.StepsPerQuarter;
        long Steps(Duration d) => (d.Quarters * spq) is { Denominator: 1 } r ? r.Numerator
            : throw new InvalidRequestException(RequestField.Meter, $"the bar line at {d.Quarters} quarters is not on the model's grid of {spq} steps per quarter");
        var constraintRequest = new GenerationRequest
        {
            Key = key,
            Meter = melody.MeterAt(gapStart),
            Pitches = request.Pitches with
            {
                Low = request.Pitches.Low ?? melody.Notes.MinBy(n => n.Pitch.Number)!.Pitch,
                High = request.Pitches.High ?? melody.Notes.MaxBy(n => n.Pitch.Number)!.Pitch,
            },
        };
        constraintRequest.Validate();
        var constraints = new TokenConstraints(constraintRequest, Grid);
        long total = tokens.Count - 1;
        var conditioning = ConditioningSteps(melody, total);
        return new InfillPlan([.. tokens], conditioning, constraints, key, left, right, Steps(from), Steps(gapEnd));
    }

    private static Duration Min(Duration a, Duration b) => a < b ? a : b;

    /// <summary>The melody's grid tokens from BOS to the last step (EOS left out: it is never generated, so never scored).</summary>
    private List<int> EncodeWithoutEos(Melody melody, string what = "The melody")
    {
        if (!Tokenizer.TryEncode(melody, out var tokens, out var error))
            throw new InvalidRequestException(RequestField.Melody, $"{what} does not fit the model: {error!.Message}");
        return [.. tokens!.Tokens.SkipLast(1)];
    }

    /// <summary>
    /// The model's log-probability of every token after BOS of each sequence (teacher-forced, in batches through
    /// <see cref="ISequenceModel.Forward"/>): element [i][s] scores grid step s of sequence i.
    /// </summary>
    internal double[][] ScoreSequences(IReadOnlyList<IReadOnlyList<int>> sequences, ConditionStep[] conditioning, CancellationToken cancellation = default)
    {
        var result = new double[sequences.Count][];
        int i = 0;
        while (i < sequences.Count)
        {
            cancellation.ThrowIfCancellationRequested();
            int length = sequences[i].Count;
            int batch = Math.Max(1, Math.Min(sequences.Count - i, ScoringTokensPerBatch / Math.Max(1, length)));
            var encoded = new List<EncodedSequence>(batch);
            for (int b = 0; b < batch; b++)
            {
                var tokens = sequences[i + b];
                // The conditioning of token j (j >= 1) is that of grid step j - 1; BOS's own is never a target.
                var cond = ImmutableArray.CreateBuilder<ConditionStep>(tokens.Count);
                cond.Add(conditioning[0]);
                for (int j = 1; j < tokens.Count; j++) cond.Add(conditioning[j - 1]);
                encoded.Add(new EncodedSequence([.. tokens], cond.MoveToImmutable(), 0, ""));
            }
            var logits = Model.Forward(TokenBatch.Create(encoded, GridTokenizer.PadId));
            for (int b = 0; b < batch; b++)
            {
                var tokens = sequences[i + b];
                var scores = new double[tokens.Count - 1];
                for (int t = 0; t + 1 < tokens.Count; t++) scores[t] = TokenSampling.LogProbability(logits.At(b, t), tokens[t + 1]);
                result[i + b] = scores;
            }
            i += batch;
        }
        return result;
    }
}
