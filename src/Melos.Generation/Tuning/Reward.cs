using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Melos.Music;

namespace Melos.Generation.Tuning;

/// <summary>A rule with its weight in a <see cref="Reward"/>.</summary>
/// <param name="Rule">The rule.</param>
/// <param name="Weight">Its weight (finite, at least 0; 0 measures the rule without rewarding it).</param>
public sealed record WeightedRule(IRewardRule Rule, double Weight);

/// <summary>
/// A weighted sum of rules: a melody's reward is Σ weight × satisfaction, each rule's satisfaction being
/// 1 - its violation rate on that melody (1 when the rule checked nothing). Built by <see cref="RewardRegistry.Parse"/>
/// from <c>"in-key=1,resolve-leaps=0.5"</c> or directly from rules.
/// </summary>
public sealed class Reward
{
    /// <summary>Combines rules.</summary>
    /// <exception cref="ArgumentException">A weight is negative or not finite, or two rules share a name.</exception>
    public Reward(IEnumerable<WeightedRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        Rules = [.. rules];
        foreach (var r in Rules)
        {
            ArgumentNullException.ThrowIfNull(r.Rule);
            if (!double.IsFinite(r.Weight) || r.Weight < 0)
                throw new ArgumentException($"The weight of '{r.Rule.Name}' must be a finite number of at least 0, not {r.Weight.ToString(CultureInfo.InvariantCulture)}.", nameof(rules));
        }
        var twice = Rules.GroupBy(r => r.Rule.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new ArgumentException($"The rule '{twice.Key}' appears twice.", nameof(rules));
    }

    /// <summary>A reward of no rules: always 0 (tuning with it only pulls toward the prior).</summary>
    public static Reward None { get; } = new([]);

    /// <summary>The rules and weights.</summary>
    public ImmutableArray<WeightedRule> Rules { get; }

    /// <summary>The specification this reward is parsed from: <c>name=weight</c> items joined by commas.</summary>
    public string Spec => string.Join(',', Rules.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Rule.Name}={r.Weight}")));

    /// <summary>Every rule's verdict on <paramref name="melody"/>, in the order of <see cref="Rules"/>.</summary>
    public RuleScore[] Scores(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        return [.. Rules.Select(r => r.Rule.Score(melody))];
    }

    /// <summary>The reward of one melody: Σ weight × satisfaction.</summary>
    public double Score(Melody melody)
    {
        var scores = Scores(melody);
        double total = 0;
        for (int i = 0; i < scores.Length; i++) total += Rules[i].Weight * scores[i].Satisfaction;
        return total;
    }

    /// <summary>Each rule's verdict pooled over many melodies (for before/after reports).</summary>
    public IReadOnlyList<RuleSummary> Summarize(IEnumerable<Melody> melodies)
    {
        ArgumentNullException.ThrowIfNull(melodies);
        var list = melodies.ToList();
        var result = new List<RuleSummary>();
        foreach (var r in Rules)
        {
            var pooled = new RuleScore();
            int withViolation = 0;
            double meanSatisfaction = 0;
            foreach (var m in list)
            {
                var s = r.Rule.Score(m);
                pooled += s;
                if (s.Violations > 0) withViolation++;
                meanSatisfaction += s.Satisfaction;
            }
            result.Add(new RuleSummary(r.Rule.Name, r.Weight, list.Count, pooled, list.Count == 0 ? 0 : (double)withViolation / list.Count,
                list.Count == 0 ? 1 : meanSatisfaction / list.Count));
        }
        return result;
    }
}

/// <summary>One rule's verdict pooled over a set of melodies.</summary>
/// <param name="Name">The rule's name.</param>
/// <param name="Weight">Its weight in the reward.</param>
/// <param name="Melodies">The number of melodies scored.</param>
/// <param name="Pooled">Checks and violations summed over the melodies.</param>
/// <param name="MelodiesWithViolation">The share of melodies with at least one violation.</param>
/// <param name="MeanSatisfaction">The mean per-melody satisfaction (the reward term before weighting).</param>
public sealed record RuleSummary(string Name, double Weight, int Melodies, RuleScore Pooled, double MelodiesWithViolation, double MeanSatisfaction)
{
    /// <summary>Violations per check over all melodies.</summary>
    public double ViolationRate => Pooled.ViolationRate;

    /// <summary>1 - <see cref="ViolationRate"/>.</summary>
    public double SatisfactionRate => Pooled.Satisfaction;
}

/// <summary>A reward specification could not be read; <see cref="Item"/> is the offending part.</summary>
public sealed class RewardSpecException(string spec, string item, string problem)
    : ArgumentException($"reward '{spec}': {problem}")
{
    /// <summary>The whole specification.</summary>
    public string Spec { get; } = spec;

    /// <summary>The item that failed (a <c>name=weight</c> part), or the whole specification.</summary>
    public string Item { get; } = item;

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; } = problem;
}

/// <summary>
/// The rules known by name. <see cref="CreateDefault"/> holds the built-in rules; <see cref="Register"/> adds a
/// user's own. <see cref="Parse"/> reads <c>"in-key=1,resolve-leaps=0.5"</c> (a name alone weighs 1).
/// </summary>
public sealed partial class RewardRegistry
{
    private readonly Dictionary<string, Func<IRewardRule>> _factories = new(StringComparer.Ordinal);

    /// <summary>The names known, sorted.</summary>
    public IReadOnlyList<string> Names => [.. _factories.Keys.Order(StringComparer.Ordinal)];

    /// <summary>A registry of the built-in rules, each with its default settings.</summary>
    public static RewardRegistry CreateDefault()
    {
        var r = new RewardRegistry();
        r.Register(() => new InKeyRule());
        r.Register(() => new TonicEndsRule());
        r.Register(() => new RepeatedNotesRule());
        r.Register(() => new RestRule());
        r.Register(() => new ResolveLeapsRule());
        r.Register(() => new MotifRule());
        r.Register(() => new BarCopiesRule());
        r.Register(() => new RhythmVarietyRule());
        r.Register(() => new ChordTonesRule());
        return r;
    }

    /// <summary>Adds (or replaces) a rule under its <see cref="IRewardRule.Name"/>.</summary>
    /// <exception cref="ArgumentException">The name is not lower case letters, digits and hyphens.</exception>
    public RewardRegistry Register(Func<IRewardRule> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var name = factory().Name;
        if (!NamePattern().IsMatch(name))
            throw new ArgumentException($"A rule name is lower case letters, digits and hyphens, starting with a letter; not '{name}'.", nameof(factory));
        _factories[name] = factory;
        return this;
    }

    /// <summary>A new instance of the rule called <paramref name="name"/>.</summary>
    /// <exception cref="RewardSpecException">No such rule.</exception>
    public IRewardRule Create(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _factories.TryGetValue(name, out var f) ? f() : throw Unknown(name, name, name);
    }

    private RewardSpecException Unknown(string spec, string item, string name) =>
        new(spec, item, $"unknown rule '{name}'; known rules: {string.Join(", ", Names)}");

    /// <summary>Reads <c>name=weight</c> items separated by commas (spaces allowed; a name alone weighs 1).</summary>
    /// <exception cref="RewardSpecException">Empty, an unknown name, a weight that is not a finite number ≥ 0, or a name given twice.</exception>
    public Reward Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (string.IsNullOrWhiteSpace(spec)) throw new RewardSpecException(spec, spec, $"no rules given; known rules: {string.Join(", ", Names)}");
        var rules = new List<WeightedRule>();
        foreach (var raw in spec.Split(','))
        {
            var item = raw.Trim();
            if (item.Length == 0) throw new RewardSpecException(spec, raw, "an empty item (two commas in a row or a trailing comma)");
            int eq = item.IndexOf('=');
            var name = (eq < 0 ? item : item[..eq]).Trim();
            double weight = 1;
            if (eq >= 0)
            {
                var text = item[(eq + 1)..].Trim();
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out weight) || !double.IsFinite(weight))
                    throw new RewardSpecException(spec, item, $"the weight of '{name}' must be a number, not '{text}'");
                if (weight < 0) throw new RewardSpecException(spec, item, $"the weight of '{name}' must be at least 0, not {text}");
            }
            if (!_factories.TryGetValue(name, out var factory)) throw Unknown(spec, item, name);
            if (rules.Any(r => r.Rule.Name == name)) throw new RewardSpecException(spec, item, $"the rule '{name}' is given twice");
            rules.Add(new WeightedRule(factory(), weight));
        }
        return new Reward(rules);
    }

    [GeneratedRegex("^[a-z][a-z0-9-]*$")]
    private static partial Regex NamePattern();
}
