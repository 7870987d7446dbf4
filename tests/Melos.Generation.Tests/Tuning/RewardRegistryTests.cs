using Melos.Generation.Tuning;
using Melos.Music;

namespace Melos.Generation.Tests.Tuning;

public sealed class RewardRegistryTests
{
    /// <summary>A user's own rule: notes above a pitch are violations.</summary>
    private sealed class BelowRule(int highest) : IRewardRule
    {
        public string Name => "below";
        public string Description => "notes at or below a pitch";
        public RuleScore Score(Melody melody) => new(melody.Notes.Length, melody.Notes.Count(n => n.Pitch.Number > highest));
    }

    [Fact]
    public void ParsesNamesAndWeights()
    {
        var reward = RewardRegistry.CreateDefault().Parse(" in-key=1, resolve-leaps = 0.5 ,tonic-ends");
        Assert.Equal(["in-key", "resolve-leaps", "tonic-ends"], reward.Rules.Select(r => r.Rule.Name));
        Assert.Equal([1.0, 0.5, 1.0], reward.Rules.Select(r => r.Weight));
        Assert.Equal("in-key=1,resolve-leaps=0.5,tonic-ends=1", reward.Spec);
        Assert.Equal(reward.Spec, RewardRegistry.CreateDefault().Parse(reward.Spec).Spec);
    }

    [Fact]
    public void EveryBuiltInRuleIsRegisteredUnderItsName()
    {
        var registry = RewardRegistry.CreateDefault();
        Assert.Equal(["bar-copies", "chord-tones", "in-key", "motifs", "repeats", "resolve-leaps", "rests", "rhythm-variety", "tonic-ends"], registry.Names);
        foreach (var name in registry.Names) Assert.Equal(name, registry.Create(name).Name);
    }

    [Theory]
    [InlineData("in-key=1,loud=2", "loud=2", "unknown rule 'loud'; known rules: bar-copies, chord-tones, in-key")]
    [InlineData("in-key=abc", "in-key=abc", "the weight of 'in-key' must be a number, not 'abc'")]
    [InlineData("in-key=-1", "in-key=-1", "the weight of 'in-key' must be at least 0, not -1")]
    [InlineData("in-key=NaN", "in-key=NaN", "the weight of 'in-key' must be a number")]
    [InlineData("in-key=1,in-key=2", "in-key=2", "the rule 'in-key' is given twice")]
    [InlineData("in-key=1,,rests", "", "an empty item")]
    [InlineData("  ", "  ", "no rules given")]
    public void RefusesBadSpecificationsNamingTheItem(string spec, string item, string message)
    {
        var e = Assert.Throws<RewardSpecException>(() => RewardRegistry.CreateDefault().Parse(spec));
        Assert.Equal(item, e.Item);
        Assert.Contains(message, e.Message);
        Assert.StartsWith($"reward '{spec}': ", e.Message);
    }

    [Fact]
    public void UsersAddTheirOwnRules()
    {
        var registry = RewardRegistry.CreateDefault().Register(() => new BelowRule(72));
        var reward = registry.Parse("below=2,in-key=1");
        var m = Melody.Create(NoteSequence.Parse("C4 G4 C5 E5 F#5"), Key.CMajor);
        // below: 2 of 5 notes above C5 (satisfaction 0.6); in-key: F#5 out (0.8).
        Assert.Equal(2 * 0.6 + 0.8, reward.Score(m), 12);
        var summary = reward.Summarize([m, m]);
        Assert.Equal(new RuleScore(10, 4), summary[0].Pooled);
        Assert.Equal(1.0, summary[0].MelodiesWithViolation);
        Assert.Throws<ArgumentException>(() => registry.Register(() => new NamedRule("Bad Name")));
    }

    private sealed class NamedRule(string name) : IRewardRule
    {
        public string Name => name;
        public string Description => "";
        public RuleScore Score(Melody melody) => default;
    }

    [Fact]
    public void ARewardRefusesNegativeWeightsAndDuplicateRules()
    {
        Assert.Throws<ArgumentException>(() => new Reward([new WeightedRule(new InKeyRule(), -1)]));
        Assert.Throws<ArgumentException>(() => new Reward([new WeightedRule(new InKeyRule(), 1), new WeightedRule(new InKeyRule(), 2)]));
        Assert.Equal(0, Reward.None.Score(Melody.Create(NoteSequence.Parse("C4 D4"), Key.CMajor)));
    }
}
