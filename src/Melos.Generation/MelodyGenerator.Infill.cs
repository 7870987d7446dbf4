using System.Collections.Immutable;
using Melos.Data.Tokenizers;
using Melos.Generation.Decoding;
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
        var policy = new DecodingPolicy(false, request.Sampling.Temperature, request.Sampling.TopK, request.Sampling.TopP);

        // The left context, heard once; every candidate continues from a fork of it.
        using var start = DecoderStart.Prefill(Model, plan.Grammar, plan.Forced);
        var drafts = new List<(Melody Melody, Decoder Decoder, bool Joins, int Group, int Index)>();
        for (int g = 0; g < request.Count; g++)
        {
            for (int c = 0; c < request.Candidates; c++)
            {
                var decoder = new Decoder(Model, start, policy, rng);
                var gapNotes = decoder.Run(cancellation).Where(n => n.Start >= plan.From).ToList();
                var melody = Melody.Create([.. plan.Left, .. gapNotes, .. plan.Right], request.Melody.Key, request.Melody.Meters, request.Melody.Tempos,
                    request.Melody.Chords, request.Melody.Info, request.Melody.Length);
                int? before = gapNotes.Count > 0 ? gapNotes[^1].Pitch.Number : plan.Left.LastOrDefault()?.Pitch.Number;
                bool joins = plan.Right.Count == 0 || plan.Rules.WithinLeap(plan.Right[0].Pitch.Number, before);
                drafts.Add((melody, decoder, joins, g, c));
            }
        }

        // Each whole candidate, teacher-forced, scores its gap and the right context heard after it. A candidate with
        // nothing after the gap whose tokens and conditioning are the ones it was decoded with has been scored already:
        // the decoder's log-probabilities are that pass's (up to float rounding), so only the others run it.
        var encoded = drafts.Select(d => Encode(d.Melody)).ToList();
        var scores = new double[drafts.Count][];
        var rescore = new List<int>();
        for (int i = 0; i < drafts.Count; i++)
        {
            if (plan.Right.Count == 0 && DecodedScores(drafts[i].Decoder, encoded[i]) is { } decoded) scores[i] = decoded;
            else rescore.Add(i);
        }
        var rescored = ScoreSequences([.. rescore.Select(i => encoded[i])], cancellation);
        for (int r = 0; r < rescore.Count; r++) scores[rescore[r]] = rescored[r];
        var result = new List<InfillCandidate>(drafts.Count);
        for (int i = 0; i < drafts.Count; i++)
        {
            var logp = scores[i];
            var times = encoded[i].Times;
            double gap = 0, right = 0, all = 0;
            for (int t = 0; t < logp.Length; t++)
            {
                all += logp[t];
                var at = times[t + 1];
                if (at >= plan.GapEnd) right += logp[t];
                else if (at >= plan.From) gap += logp[t];
            }
            var d = drafts[i];
            result.Add(new InfillCandidate(d.Melody, encoded[i].Tokens, gap, right, all, d.Joins, d.Group, d.Index) { TokenLogProbabilities = logp });
        }
        return result;
    }

    /// <summary>
    /// What <see cref="ScoreSequences"/> would give <paramref name="encoded"/>, from the decoder that wrote it, or null
    /// when the decoder's tokens (EOS aside) or the conditioning it heard them with differ from the encoding's.
    /// </summary>
    internal double[]? DecodedScores(Decoder decoder, EncodedTokens encoded)
    {
        var tokens = decoder.Grammar.Tokens;
        int n = encoded.Tokens.Length;
        int written = tokens.Count > 0 && tokens[^1] == Tokenizer.Eos ? tokens.Count - 1 : tokens.Count;
        if (written != n || decoder.TokenLogProbabilities.Count < n - 1 || decoder.InputConditions.Count < n - 1) return null;
        for (int t = 0; t < n; t++)
            if (tokens[t] != encoded.Tokens[t]) return null;
        // Input t is token t with the conditioning of the token it predicts (t + 1), as TokenBatch pairs them.
        for (int t = 0; t + 1 < n; t++)
            if (decoder.InputConditions[t] != encoded.Conditioning[t + 1]) return null;
        return [.. decoder.TokenLogProbabilities.Take(n - 1)];
    }

    /// <summary>
    /// The model's log-probability (natural log, plain softmax, teacher-forced) of each grid step of a melody, conditioned
    /// on its own key, meters, chords and style: element s scores the token at grid step s (EOS is not scored).
    /// </summary>
    /// <exception cref="InvalidRequestException">The melody does not fit the model's tokenizer.</exception>
    public double[] Score(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        return ScoreSequences([Encode(melody)])[0];
    }

    /// <summary>Checks an infilling request against this model (bars, meter, key, grid and range) without generating.</summary>
    /// <exception cref="InvalidRequestException">The request does not fit the melody or the model; the message says why.</exception>
    public void Check(InfillRequest request) => _ = PlanInfill(request);

    /// <summary>What infilling needs, worked out and checked before any model step.</summary>
    private sealed record InfillPlan(IGrammarState Grammar, int[] Forced, PitchRules Rules, IReadOnlyList<Note> Left, IReadOnlyList<Note> Right,
        Duration From, Duration GapEnd);

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
        var rules = PitchRequest(key, melody.MeterAt(gapStart), melody, request.Pitches);
        var grammar = Grammars.ForEdit(Tokenizer, rules, Vocabulary, melody, request.FirstBar - 1, request.LastBar, from, out var forced);
        return new InfillPlan(grammar, forced, PitchRulesOf(rules), left, right, from, gapEnd);
    }

    /// <summary>The generation request that carries an edit's pitch rules (key, range: the melody's own unless given, leap, chromatic).</summary>
    private static GenerationRequest PitchRequest(Key key, TimeSignature meter, Melody melody, PitchConstraints pitches)
    {
        var request = new GenerationRequest
        {
            Key = key,
            Meter = meter,
            Pitches = pitches with
            {
                Low = pitches.Low ?? melody.Notes.MinBy(n => n.Pitch.Number)!.Pitch,
                High = pitches.High ?? melody.Notes.MaxBy(n => n.Pitch.Number)!.Pitch,
            },
        };
        request.Validate();
        return request;
    }

    private PitchRules PitchRulesOf(GenerationRequest request) => new(request, Tokenizer.Config.MinPitch, Tokenizer.Config.MaxPitch);

    private static Duration Min(Duration a, Duration b) => a < b ? a : b;

    /// <summary>
    /// A melody's tokens from BOS, EOS left out (the grid never generates it), with their times and the conditioning
    /// of each (the melody's own chords, meter, key and style at that time).
    /// </summary>
    internal EncodedTokens Encode(Melody melody, string what = "The melody")
    {
        if (!Tokenizer.TryEncode(melody, out var tokens, out var error))
            throw new InvalidRequestException(RequestField.Melody, $"{what} does not fit the model: {error!.Message}");
        var kept = new TokenizedMelody(tokens!.Tokens[..^1], tokens.Times[..^1]);
        return new EncodedTokens(kept.Tokens, kept.Times, Vocabulary.Encode(melody, kept));
    }

    /// <summary>
    /// The model's log-probability of every token after BOS of each sequence (teacher-forced, in batches through
    /// <see cref="ISequenceModel.Forward"/>): element [i][t] scores token t + 1 of sequence i.
    /// </summary>
    internal double[][] ScoreSequences(IReadOnlyList<EncodedTokens> sequences, CancellationToken cancellation = default)
    {
        var result = new double[sequences.Count][];
        int i = 0;
        while (i < sequences.Count)
        {
            cancellation.ThrowIfCancellationRequested();
            int length = sequences[i].Tokens.Length;
            int batch = Math.Max(1, Math.Min(sequences.Count - i, ScoringTokensPerBatch / Math.Max(1, length)));
            var encoded = new List<EncodedSequence>(batch);
            for (int b = 0; b < batch; b++) encoded.Add(new EncodedSequence(sequences[i + b].Tokens, sequences[i + b].Conditioning, 0, ""));
            var logits = Model.Forward(TokenBatch.Create(encoded, Tokenizer.Pad));
            for (int b = 0; b < batch; b++)
            {
                var tokens = sequences[i + b].Tokens;
                var scores = new double[tokens.Length - 1];
                for (int t = 0; t + 1 < tokens.Length; t++) scores[t] = TokenSampling.LogProbability(logits.At(b, t), tokens[t + 1]);
                result[i + b] = scores;
            }
            i += batch;
        }
        return result;
    }
}

/// <summary>A melody's tokens, the time each is chosen at, and the conditioning of each.</summary>
internal sealed record EncodedTokens(ImmutableArray<int> Tokens, ImmutableArray<Duration> Times, ImmutableArray<ConditionStep> Conditioning);
