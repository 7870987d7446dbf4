using Melos.Data.Polyphonic;
using Melos.Data.Tokenizers;
using Melos.Models.Polyphonic;
using TorchSharp;
using static TorchSharp.torch;

namespace Melos.Models.Tests.Polyphonic;

public sealed class FrameModelTests
{
    private static PianoRollSequence Seq(params int[][] frames) => PianoRollSequence.FromPitches(frames);

    /// <summary>A set where each frame determines the next: a C major arpeggio cycling, two keys per frame.</summary>
    private static PianoRollSet Toy()
    {
        int[][] cycle = [[48, 60], [52, 64], [55, 67], [60, 72]];
        PianoRollSequence Make(int start, int length) => Seq([.. Enumerable.Range(start, length).Select(i => cycle[i % 4])]);
        var path = Path.Combine(Path.GetTempPath(), $"melos-frames-{Guid.NewGuid():N}.json");
        string Json(IEnumerable<PianoRollSequence> seqs) => "[" + string.Join(",", seqs.Select(s =>
            "[" + string.Join(",", Enumerable.Range(0, s.FrameCount).Select(f => "[" + string.Join(",", s.Pitches(f)) + "]")) + "]")) + "]";
        File.WriteAllText(path, $$"""{"train": {{Json([.. Enumerable.Range(0, 12).Select(i => Make(i, 30))])}}, "valid": {{Json([Make(1, 25), Make(2, 17)])}}, "test": {{Json([Make(3, 21)])}}}""");
        try
        {
            return PianoRollSet.Load(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(FrameArchitecture.Lstm)]
    [InlineData(FrameArchitecture.Transformer)]
    [InlineData(FrameArchitecture.Nade)]
    public void EveryArchitectureLearnsAPredictableSequenceFarBelowTheFloors(FrameArchitecture arch)
    {
        var set = Toy();
        var floors = FrameBaselines.Fit(set.Train);
        double markov = floors.ScoreMarkov(set.Test).NllPerFrame;
        var config = new FrameModelConfig
        {
            Architecture = arch, Hidden = 32, Heads = 4, FeedForward = 64, NadeHidden = 64, MaxRelativeDistance = 16, Dropout = 0,
            LearningRate = 1e-2, BatchSize = 4, Window = 12, MaxEpochs = 25, Patience = 25,
        };
        var epochs = new List<FrameEpoch>();
        var result = new FrameTrainer(config) { EpochDone = epochs.Add }.Train(set);
        Assert.Equal(25, result.Epochs);
        Assert.True(epochs[^1].TrainNll < epochs[0].TrainNll / 4, $"training NLL {epochs[0].TrainNll:0.00} -> {epochs[^1].TrainNll:0.00}");
        Assert.True(result.TestNll < markov / 4, $"test NLL {result.TestNll:0.00} vs Markov floor {markov:0.00}");
        Assert.Equal(epochs.Min(e => e.ValidNll), result.ValidNll);
        Assert.Equal(epochs.First(e => e.ValidNll == result.ValidNll).Epoch, result.BestEpoch);
    }

    [Fact]
    public void ScoringFollowsTheProtocolOnAFixedModel()
    {
        // An LSTM whose head ignores the state: logit of key i is b_i, whatever came before.
        torch.manual_seed(3);
        using var model = new FrameLstm(new FrameModelConfig { Hidden = 8, Dropout = 0 });
        var head = model.named_parameters().Single(p => p.name == "head.weight").parameter;
        var bias = model.named_parameters().Single(p => p.name == "head.bias").parameter;
        var b = Enumerable.Range(0, 88).Select(i => (float)((i % 7) - 3) * 0.5f).ToArray();
        using (no_grad())
        {
            head.zero_();
            bias.copy_(tensor(b));
        }
        var seqs = new[] { Seq([60], [62, 65], []), Seq([21, 108]), Seq([40], [41], [42], [40, 41, 42]) };
        double expected = 0;
        long frames = 0;
        foreach (var s in seqs)
            for (int f = 1; f < s.FrameCount; f++, frames++)
                for (int i = 0; i < 88; i++) expected += FrameNll.OfLogit(b[i], s.IsOn(f, i));
        var score = FrameTrainer.Score(model, seqs, CPU);
        Assert.Equal(2 + 0 + 3, frames);
        Assert.Equal(frames, score.Frames);
        Assert.Equal(expected, score.TotalNll, 3);
    }

    [Fact]
    public void WindowedScoringScoresEveryFrameOnce()
    {
        torch.manual_seed(5);
        using var model = new FrameTransformer(new FrameModelConfig { Architecture = FrameArchitecture.Transformer, Hidden = 16, Heads = 2, FeedForward = 16, MaxRelativeDistance = 8, Dropout = 0 });
        var rng = new Random(2);
        var seqs = new[] { 7, 8, 9, 20, 33 }.Select(n => Seq([.. Enumerable.Range(0, n).Select(_ => new[] { rng.Next(21, 109) })])).ToArray();
        var score = FrameTrainer.Score(model, seqs, CPU);
        Assert.Equal(seqs.Sum(s => s.FrameCount - 1), score.Frames);
        // A sequence no longer than the context is scored in one window: the same as scoring it alone.
        Assert.Equal(FrameTrainer.Score(model, [seqs[1]], CPU).TotalNll + FrameTrainer.Score(model, [seqs[0]], CPU).TotalNll,
            FrameTrainer.Score(model, [seqs[0], seqs[1]], CPU).TotalNll, 3);
    }

    [Fact]
    public void NadeLogitOfAKeyDependsOnlyOnTheKeysBelowIt()
    {
        torch.manual_seed(9);
        using var model = new FrameNade(new FrameModelConfig { Architecture = FrameArchitecture.Nade, Hidden = 8, NadeHidden = 40, Dropout = 0 });
        model.eval();
        var input = rand(2, 3, 88).round();
        foreach (int key in new[] { 0, 1, 40, 87 })
        {
            var target = rand(2, 3, 88).round().requires_grad_();
            var logits = model.call(input, target);
            logits.select(-1, key).sum().backward();
            var grad = target.grad!.abs().sum([0, 1]); // [88]
            for (int j = key; j < 88; j++) Assert.Equal(0f, grad[j].item<float>());
            if (key > 0) Assert.True(grad.narrow(0, 0, key).sum().item<float>() > 0, $"key {key} should hear the keys below it");
        }
    }

    [Fact]
    public void ImpossibleConfigurationsNameTheField()
    {
        Assert.Equal("Heads", Assert.Throws<InvalidConfigurationException>(() => new FrameModelConfig { Hidden = 30, Heads = 4 }.Validate()).Field);
        Assert.Equal("Window", Assert.Throws<InvalidConfigurationException>(() => new FrameModelConfig { Window = 1 }.Validate()).Field);
        Assert.Equal("Layers", Assert.Throws<InvalidConfigurationException>(() => FrameModelConfig.FromJson("""{"layers": 0}""")).Field);
        Assert.Equal(FrameArchitecture.Nade, FrameModelConfig.FromJson("""{"architecture": "nade", "hidden": 64}""").Architecture);
    }
}
