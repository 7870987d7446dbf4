using Melos.Data.Tokenizers;
using Melos.Models.Training;
using Melos.Models.Vae;
using Melos.Music;
using TorchSharp;
using static TorchSharp.torch;

namespace Melos.Models.Tests;

public sealed class VaeTests
{
    private static readonly VaeConfig Tiny = new() { Bars = 4, EmbeddingSize = 8, EncoderHidden = 16, LatentSize = 6, DecoderHidden = 16, DecoderLayers = 2, ConductorHidden = 12 };

    private static GridTokenizer Tokenizer(VaeConfig config) => new(VaeWindows.Tokenizer(config));

    /// <summary>A 4-bar riff melody in 4/4, transposed by <paramref name="shift"/>.</summary>
    private static Melody Riff(int shift, int bars = 4, string riff = "C4 E4/2 G4/2 C5 r/2 G4/2") =>
        Melody.Create(NoteSequence.Parse(string.Join(' ', Enumerable.Repeat(riff, bars))), Key.CMajor, [new MeterChange(Duration.Zero, TimeSignature.CommonTime)]).Transpose(shift);

    private static int[] Window(VaeConfig config, int shift) => VaeWindows.Prepare(Riff(shift, config.Bars), config, Tokenizer(config), "riff").Tokens;

    [Theory]
    [InlineData(4, false)]
    [InlineData(8, true)]
    public void Encoder_and_decoder_have_the_documented_shapes(int bars, bool hierarchical)
    {
        var config = Tiny with { Bars = bars };
        var tokenizer = Tokenizer(config);
        torch.manual_seed(1);
        using var vae = new MelodyVae(config, tokenizer.VocabularySize, tokenizer.Bos);
        Assert.Equal(hierarchical, config.Hierarchical);
        using var scope = NewDisposeScope();
        var tokens = vae.TokenTensor([Window(config, 0), Window(config, 2), Window(config, 5)]);
        Assert.Equal([3L, bars * 16], tokens.shape);
        var (mu, logVar) = vae.Encode(tokens);
        Assert.Equal([3L, 6], mu.shape);
        Assert.Equal([3L, 6], logVar.shape);
        var segments = vae.SegmentVectors(mu);
        Assert.Equal(hierarchical ? new[] { 3L, bars, 12 } : [3L, 1, 6], segments.shape);
        var logits = vae.DecodeLogits(mu, tokens);
        Assert.Equal([3L, bars * 16, tokenizer.VocabularySize], logits.shape);
        Assert.Throws<ArgumentException>(() => vae.TokenTensor([new int[10]]));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void The_managed_decoder_gives_the_teacher_forced_logits(int bars)
    {
        var config = Tiny with { Bars = bars };
        var tokenizer = Tokenizer(config);
        torch.manual_seed(3);
        using var vae = new MelodyVae(config, tokenizer.VocabularySize, tokenizer.Bos);
        vae.eval();
        var window = Window(config, 3);
        var z = new[] { 0.5f, -1f, 0.25f, 2f, 0f, -0.3f };
        float[] expected;
        using (var scope = NewDisposeScope())
        using (no_grad())
            expected = vae.DecodeLogits(tensor(z, [1, 6]), vae.TokenTensor([window])).data<float>().ToArray();
        var decoder = vae.Decoder([z]);
        var state = decoder.CreateState();
        int v = tokenizer.VocabularySize;
        for (int t = 0; t < window.Length; t++)
        {
            var logits = decoder.Step(state, t == 0 ? tokenizer.Bos : window[t - 1], default);
            for (int i = 0; i < v; i++) Assert.True(Math.Abs(logits[i] - expected[t * v + i]) < 1e-3, $"step {t} token {i}: {logits[i]} vs {expected[t * v + i]}");
        }
        Assert.Equal(window.Length, state.Length);
        Assert.Throws<InvalidOperationException>(() => decoder.Step(state, window[^1], default));
    }

    [Fact]
    public void Training_on_a_toy_set_uses_the_latent_and_learns_the_windows()
    {
        var config = Tiny with { FreeBits = 0, MaxBeta = 0.05, BetaWarmupSteps = 10 };
        var tokenizer = Tokenizer(config);
        var windows = Enumerable.Range(0, 8).Select(i => Window(config, i)).ToList();
        torch.manual_seed(5);
        using var vae = new MelodyVae(config, tokenizer.VocabularySize, tokenizer.Bos);
        using var trainer = new VaeTrainer(vae, new TrainingConfig { MaxSteps = 200, BatchSize = 8, LearningRate = 1e-2, WarmupSteps = 5, LogEvery = 50, EvaluateEvery = 100, Seed = 2 },
            tokenizer.Config, new ConditioningVocabulary { StepsPerQuarter = 4 });
        var before = trainer.Evaluate(windows);
        var state = trainer.Train(windows, windows, null);
        var after = trainer.Evaluate(windows);
        Assert.Equal("max-steps", state.StopReason);
        Assert.True(after.Kl > 0.05, $"KL {after.Kl} nats: the latent carries nothing");
        Assert.True(after.Reconstruction < before.Reconstruction / 2, $"reconstruction {before.Reconstruction} -> {after.Reconstruction}");
        // Beyond always answering HOLD, the most common token.
        double holds = windows.SelectMany(w => w).Count(t => t == GridTokenizer.HoldId) / (double)windows.Sum(w => w.Length);
        Assert.True(after.TokenAccuracy > holds + 0.03, $"accuracy {after.TokenAccuracy}, HOLD share {holds}");
        Assert.Equal(4, trainer.Log.Count);
    }

    [Fact]
    public void A_checkpoint_round_trips_and_each_kind_refuses_the_other()
    {
        var dir = Directory.CreateTempSubdirectory("melos-vae-").FullName;
        try
        {
            var config = Tiny;
            var tokenizer = Tokenizer(config);
            torch.manual_seed(1);
            using var vae = new MelodyVae(config, tokenizer.VocabularySize, tokenizer.Bos);
            using (var trainer = new VaeTrainer(vae, new TrainingConfig { MaxSteps = 2, BatchSize = 2, WarmupSteps = 1 }, tokenizer.Config, new ConditioningVocabulary { StepsPerQuarter = 4 }))
                trainer.Train([Window(config, 0), Window(config, 1)], null, dir);
            var json = File.ReadAllText(Path.Combine(dir, Checkpoint.ConfigFile));
            Assert.Contains("\"architecture\": \"vae\"", json);
            Assert.Contains("\"formatVersion\": 1", json);
            using var loaded = LoadedVae.Load(dir);
            Assert.Equal(config, loaded.Config);
            var (a, _) = vae.EncodeWindows([Window(config, 2)]);
            var (b, _) = loaded.Model.EncodeWindows([Window(config, 2)]);
            Assert.Equal(a[0], b[0]);
            var e = Assert.Throws<ModelKindException>(() => Checkpoint.LoadModel(dir));
            Assert.Contains("holds a VAE; this needs an autoregressive model", e.Message);
            Assert.Equal(config, ModelConfig.FromJson(config.ToJson()));
            Assert.Throws<InvalidConfigurationException>(() => (config with { LatentSize = 0 }).Validate());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Windows_start_at_every_bar_and_count_what_they_leave_out()
    {
        var config = Tiny;
        var tokenizer = Tokenizer(config);
        var varied = Melody.Create(NoteSequence.Parse("C4 D4 E4 F4 G4 A4 B4 C5 D5 C5 B4 A4 G4 F4 E4 D4 C4 E4 G4 C5 E5 D5 C5 B4"), Key.CMajor);
        var waltz = Melody.Create(NoteSequence.Parse("C4 D4 E4 F4 G4 A4 B4 C5 D5 C5 B4 A4 G4 F4 E4"), Key.CMajor, [new MeterChange(Duration.Zero, TimeSignature.Parse("3/4"))]);
        var silent = Melody.Create(NoteSequence.Parse("C4 D4 E4 F4 r r r r G4 A4 B4 C5 D5 C5 B4 A4"), Key.CMajor);
        var set = VaeWindows.Extract([varied, waltz, Riff(0, 6), silent], config, tokenizer);
        // 6 bars of varied: 3 windows; the riff of 6 bars: 3 windows that are all the same; the silent bar: its only window.
        Assert.Equal(3 + 1, set.Windows.Count);
        Assert.Equal(1, set.Discarded["melodies not wholly in 4/4"]);
        Assert.Equal(2, set.Discarded["windows repeating an earlier one"]);
        Assert.Equal(1, set.Discarded["windows with a silent bar"]);
        Assert.Equal([(0, 0), (0, 1), (0, 2), (2, 0)], set.Origins);
        Assert.All(set.Windows, w => Assert.Equal(64, w.Length));
    }

    [Fact]
    public void Prepare_uses_the_first_bars_pads_short_melodies_and_refuses_other_meters()
    {
        var config = Tiny;
        var tokenizer = Tokenizer(config);
        var longer = VaeWindows.Prepare(Riff(0, 6), config, tokenizer, "long");
        Assert.Contains("used bars 1-4 of 6", longer.Notes);
        Assert.Equal(Duration.FromQuarters(16), longer.Melody.Length);
        var pickup = Melody.Create(NoteSequence.Parse("r r r G3 " + string.Join(' ', Enumerable.Repeat("C4 E4/2 G4/2 C5 r/2 G4/2", 5))), Key.CMajor);
        var skipped = VaeWindows.Prepare(pickup, config, tokenizer, "pickup");
        Assert.Contains("skipped the pickup bar", skipped.Notes);
        Assert.Equal(60, skipped.Melody.Notes[0].Pitch.Number);
        var shorter = VaeWindows.Prepare(Riff(0, 2), config, tokenizer, "short");
        Assert.Contains("padded with rest from 2 to 4 bars", shorter.Notes);
        Assert.Equal(64, shorter.Tokens.Length);
        Assert.Equal(GridTokenizer.NoteOffId, shorter.Tokens[32]); // the last note ends where bar 3 starts
        var waltz = Melody.Create(NoteSequence.Parse("C4 D4 E4"), Key.CMajor, [new MeterChange(Duration.Zero, TimeSignature.Parse("3/4"))]);
        var e = Assert.Throws<VaeInputException>(() => VaeWindows.Prepare(waltz, config, tokenizer, "waltz.abc"));
        Assert.Equal("waltz.abc: is in 3/4; this VAE reads 4/4 only", e.Message);
    }
}
