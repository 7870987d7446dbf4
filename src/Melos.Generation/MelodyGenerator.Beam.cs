using Melos.Data.Tokenizers;
using Melos.Generation.Decoding;
using Melos.Models;

namespace Melos.Generation;

public sealed partial class MelodyGenerator
{
    /// <summary>
    /// One partial melody of the beam: its grammar (and tokens), the model state that has heard them all but the last,
    /// the conditioning each heard token was fed with (to replay a state that cannot be forked), its score.
    /// </summary>
    private sealed record Hypothesis(IGrammarState Grammar, IGenerationState State, List<ConditionStep> Fed, double LogLikelihood, int FallbackSteps);

    /// <summary>
    /// Beam search over the request's grammar: after the teacher-forced primer, every unfinished hypothesis is extended
    /// by each allowed token, and the <see cref="GenerationRequest.BeamWidth"/> extensions with the highest
    /// log-likelihood (plain softmax, the same measure as <see cref="GeneratedMelody.LogLikelihood"/>) survive, finished
    /// hypotheses competing with them as they are; ties go to the earlier hypothesis, then the lower token id. The greedy
    /// melody joins the final ranking, so the result is never less likely than greedy decoding. Returns the
    /// <see cref="GenerationRequest.Count"/> most likely distinct melodies.
    /// </summary>
    private IReadOnlyList<GeneratedMelody> BeamSearch(GenerationRequest request, Plan plan, CancellationToken cancellation)
    {
        int width = request.BeamWidth!.Value;
        var grammar = plan.Prototype.Fork();
        var startState = Model.CreateState();
        var fed = new List<ConditionStep>();
        double primed = 0;
        foreach (int token in plan.Primer)
        {
            var condition = grammar.Condition;
            var logits = Model.Step(startState, grammar.Tokens[^1], condition);
            fed.Add(condition);
            primed += TokenSampling.LogProbability(logits, token);
            grammar.Feed(token);
        }
        var beam = new List<Hypothesis> { new(grammar, startState, fed, primed, 0) };
        var mask = new bool[Model.VocabularySize];
        try
        {
            while (beam.Any(h => !h.Grammar.Done))
            {
                cancellation.ThrowIfCancellationRequested();
                var expansions = new List<(int Parent, int Token, double Score, bool Fallback)>();
                for (int i = 0; i < beam.Count; i++)
                {
                    var h = beam[i];
                    if (h.Grammar.Done)
                    {
                        expansions.Add((i, -1, h.LogLikelihood, false));
                        continue;
                    }
                    var condition = h.Grammar.Condition;
                    var logits = Model.Step(h.State, h.Grammar.Tokens[^1], condition);
                    h.Fed.Add(condition);
                    var logp = TokenSampling.LogSoftmax(logits);
                    h.Grammar.Allow(mask, out bool fallback);
                    // Only this hypothesis's best `width` tokens can survive.
                    var ids = Enumerable.Range(0, mask.Length).Where(t => mask[t])
                        .OrderByDescending(t => logp[t]).ThenBy(t => t).Take(width);
                    foreach (int t in ids) expansions.Add((i, t, h.LogLikelihood + logp[t], fallback));
                }
                var kept = expansions.OrderByDescending(e => e.Score).ThenBy(e => e.Parent).ThenBy(e => e.Token).Take(width).ToList();
                var next = new List<Hypothesis>(kept.Count);
                var used = new bool[beam.Count];
                // A parent's first child takes its state over; the others get copies. No state is stepped before the
                // next iteration, so every copy has heard exactly the parent's tokens.
                foreach (var (parent, token, score, fallback) in kept)
                {
                    var p = beam[parent];
                    if (token < 0)
                    {
                        next.Add(p);
                        used[parent] = true;
                        continue;
                    }
                    var state = used[parent] ? DecoderStart.ForkState(Model, p.State, p.Grammar.Tokens, p.Fed) : p.State;
                    var g = p.Grammar.Fork();
                    used[parent] = true;
                    g.Feed(token);
                    next.Add(new Hypothesis(g, state, [.. p.Fed], score, p.FallbackSteps + (fallback ? 1 : 0)));
                }
                for (int i = 0; i < beam.Count; i++)
                    if (!used[i]) beam[i].State.Dispose();
                beam = next;
            }
            var results = beam.Select(h => Finish(request, 0, h.Grammar.Tokens, h.LogLikelihood, h.FallbackSteps)).ToList();
            var greedy = Sample(Model, request, plan, new Random(request.Seed), 0, greedy: true, cancellation);
            if (!results.Any(r => r.Tokens.SequenceEqual(greedy.Tokens))) results.Add(greedy);
            return [.. results
                .Select((r, i) => (r, i))
                .OrderByDescending(x => x.r.LogLikelihood).ThenBy(x => x.i)
                .Take(request.Count)
                .Select((x, n) => x.r with { Melody = Renumber(x.r.Melody, n + 1) })];
        }
        finally
        {
            foreach (var s in beam.Select(h => h.State).Distinct(ReferenceEqualityComparer.Instance)) ((IGenerationState)s!).Dispose();
        }
    }

    private static Music.Melody Renumber(Music.Melody melody, int number) =>
        melody.WithInfo(melody.Info with { Title = $"Melos {number}" });
}
