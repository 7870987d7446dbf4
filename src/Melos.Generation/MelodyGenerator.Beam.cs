using Melos.Models;

namespace Melos.Generation;

public sealed partial class MelodyGenerator
{
    /// <summary>One partial melody of the beam: its tokens, the model state that has heard them all but the last, its score.</summary>
    private sealed class Hypothesis(List<int> tokens, IGenerationState state, double logLikelihood, GenerationTrack track, int fallbackSteps)
    {
        public List<int> Tokens { get; } = tokens;
        public IGenerationState State { get; } = state;
        public double LogLikelihood { get; } = logLikelihood;
        public GenerationTrack Track { get; } = track;
        public int FallbackSteps { get; } = fallbackSteps;
    }

    /// <summary>
    /// Beam search: after the teacher-forced primer, every hypothesis is extended by each allowed token, and the
    /// <see cref="GenerationRequest.BeamWidth"/> extensions with the highest log-likelihood (plain softmax, the same
    /// measure as <see cref="GeneratedMelody.LogLikelihood"/>) survive; ties go to the earlier hypothesis, then the
    /// lower token id. The greedy melody joins the final ranking, so the result is never less likely than greedy
    /// decoding. Returns the <see cref="GenerationRequest.Count"/> most likely distinct melodies.
    /// </summary>
    private IReadOnlyList<GeneratedMelody> BeamSearch(GenerationRequest request, Plan plan, CancellationToken cancellation)
    {
        int width = request.BeamWidth!.Value;
        var tokenizer = Tokenizer;
        var (constraints, primer, conditioning) = plan;

        var tokens = new List<int> { tokenizer.Bos };
        var startState = Model.CreateState();
        double primed = 0;
        var track = new GenerationTrack(constraints.BarSteps);
        for (int step = 0; step < primer.Length && step < constraints.TotalSteps; step++)
        {
            var logits = Model.Step(startState, tokens[^1], conditioning[step]);
            primed += TokenSampling.LogProbability(logits, primer[step]);
            tokens.Add(primer[step]);
            track = track.Advance(primer[step], tokenizer, out _);
        }
        var beam = new List<Hypothesis> { new(tokens, startState, primed, track, 0) };
        try
        {
            for (long step = primer.Length; step < constraints.TotalSteps; step++)
            {
                cancellation.ThrowIfCancellationRequested();
                var expansions = new List<(int Parent, int Token, double Score, bool Fallback)>();
                for (int i = 0; i < beam.Count; i++)
                {
                    var h = beam[i];
                    var logits = Model.Step(h.State, h.Tokens[^1], conditioning[step]);
                    var logp = TokenSampling.LogSoftmax(logits);
                    bool mustEnd = primer.Length > 0 && step == primer.Length && h.Track.Sounding;
                    var allowed = constraints.Allowed(h.Track.Context, mustEnd, out bool fallback);
                    // Only this hypothesis's best `width` tokens can survive.
                    var ids = Enumerable.Range(0, allowed.Length).Where(t => allowed[t])
                        .OrderByDescending(t => logp[t]).ThenBy(t => t).Take(width);
                    foreach (int t in ids) expansions.Add((i, t, h.LogLikelihood + logp[t], fallback));
                }
                var kept = expansions.OrderByDescending(e => e.Score).ThenBy(e => e.Parent).ThenBy(e => e.Token).Take(width).ToList();
                var next = new List<Hypothesis>(kept.Count);
                var used = new bool[beam.Count];
                // A parent's first child takes its state over; the others get copies. No state is stepped before the
                // next iteration, so every copy has heard exactly the parent's tokens.
                var states = new IGenerationState[kept.Count];
                for (int k = 0; k < kept.Count; k++)
                {
                    int parent = kept[k].Parent;
                    states[k] = used[parent] ? Fork(beam[parent].State, beam[parent].Tokens, conditioning) : beam[parent].State;
                    used[parent] = true;
                }
                for (int k = 0; k < kept.Count; k++)
                {
                    var (parent, token, score, fallback) = kept[k];
                    var p = beam[parent];
                    next.Add(new Hypothesis([.. p.Tokens, token], states[k], score, p.Track.Advance(token, tokenizer, out _), p.FallbackSteps + (fallback ? 1 : 0)));
                }
                for (int i = 0; i < beam.Count; i++)
                    if (!used[i]) beam[i].State.Dispose();
                beam = next;
            }
            var results = beam.Select(h => Finish(request, 0, h.Tokens, h.LogLikelihood, h.FallbackSteps)).ToList();
            var greedy = Sample(request, plan, new Random(request.Seed), 0, greedy: true, cancellation);
            if (!results.Any(r => r.Tokens.SequenceEqual(greedy.Tokens))) results.Add(greedy);
            return [.. results
                .Select((r, i) => (r, i))
                .OrderByDescending(x => x.r.LogLikelihood).ThenBy(x => x.i)
                .Take(request.Count)
                .Select((x, n) => x.r with { Melody = Renumber(x.r.Melody, n + 1) })];
        }
        finally
        {
            foreach (var h in beam) h.State.Dispose();
        }
    }

    private static Music.Melody Renumber(Music.Melody melody, int number) =>
        melody.WithInfo(melody.Info with { Title = $"Melos {number}" });
}
