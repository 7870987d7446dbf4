using FsCheck;
using FsCheck.Xunit;
using Melos.Formats.Midi;
using Melos.Models.Training;
using Melos.Models.Vae;
using Melos.Music;
using static Melos.Tests.CliRun;

namespace Melos.Generation.Tests;

/// <summary>A tiny VAE trained once (40 steps) on 4-bar tunes in a temporary folder.</summary>
public sealed class TinyVae : IDisposable
{
    private static readonly Lazy<TinyVae> SharedLazy = new(() =>
    {
        var vae = new TinyVae();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => vae.Dispose();
        return vae;
    });

    public static TinyVae Shared => SharedLazy.Value;

    public static readonly string[] Tunes =
    [
        "C4 D4 E4 F4 G4/2 A4/2 G4 E4 C4 D4 E4 D4 C4 E4 G4 C5",
        "E4/2 F4/2 G4 G4 A4 G4/2 F4/2 E4 D4 C4 E4 D4 B3 C4 r C4",
        "G4 E4 C4 E4 G4 A4 G4 r F4 D4 B3 D4 C4/2 D4/2 E4 C4 r",
        "C5 B4 A4 G4 F4 E4 D4 C4 D4 E4/2 F4/2 G4 E4 C4 r",
    ];

    public static Melody Tune(int i, int shift = 0) =>
        Melody.Create(NoteSequence.Parse(Tunes[i % Tunes.Length]), Key.CMajor, [new MeterChange(Duration.Zero, TimeSignature.CommonTime)], length: Duration.FromQuarters(16)).Transpose(shift);

    private TinyVae()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("melos-gen-vae-").FullName;
        var melodies = Enumerable.Range(0, 12).Select(i => Tune(i, i % 3 * 2)).ToList();
        var config = new VaeConfig { EmbeddingSize = 8, EncoderHidden = 16, LatentSize = 8, DecoderHidden = 24, DecoderLayers = 1, FreeBits = 0, MaxBeta = 0.05, BetaWarmupSteps = 10 };
        VaeTraining.Run(melodies, melodies.Take(2).ToList(), config, new TrainingConfig { MaxSteps = 40, BatchSize = 8, LearningRate = 1e-2, WarmupSteps = 2, LogEvery = 10, Seed = 3 },
            null, null, Directory);
    }

    public string Directory { get; }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { }
    }
}

public sealed class LatentSpaceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-latent-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Interpolation_starts_and_ends_with_the_reconstructions_of_A_and_B()
    {
        using var space = LatentSpace.Load(TinyVae.Shared.Directory);
        var a = TinyVae.Tune(0);
        var b = TinyVae.Tune(2, 2);
        var result = space.Interpolate(a, b, 5, path: InterpolationPath.Even);
        Assert.Equal(5, result.Steps.Count);
        Assert.Equal([0, 0.25, 0.5, 0.75, 1], result.Steps.Select(s => s.Position));
        Assert.Equal(space.Reconstruct(a).Tokens, result.Steps[0].Tokens);
        Assert.Equal(space.Reconstruct(b).Tokens, result.Steps[^1].Tokens);
        Assert.All(result.Steps, s =>
        {
            Assert.Equal(64, s.Tokens.Count);
            Assert.Equal(Duration.FromQuarters(16), s.Melody.Length);
            Assert.Equal(Key.CMajor, s.Melody.Key);
            Assert.Equal(TimeSignature.CommonTime, s.Melody.Meter);
        });
        Assert.Empty(result.NotesA);
    }

    [Fact]
    public void A_smooth_interpolation_keeps_the_ends_and_goes_against_the_direction_no_more_than_the_even_one()
    {
        using var space = LatentSpace.Load(TinyVae.Shared.Directory);
        int checkedPairs = 0;
        for (int x = 0; x < TinyVae.Tunes.Length; x++)
        {
            for (int y = 0; y < TinyVae.Tunes.Length; y++)
            {
                if (x == y) continue;
                var a = TinyVae.Tune(x);
                var b = TinyVae.Tune(y, 2);
                var smooth = space.Interpolate(a, b, 7).Steps;
                var even = space.Interpolate(a, b, 7, path: InterpolationPath.Even).Steps;
                Assert.Equal(even[0].Tokens, smooth[0].Tokens);
                Assert.Equal(even[^1].Tokens, smooth[^1].Tokens);
                Assert.Equal(0, smooth[0].Position);
                Assert.Equal(1, smooth[^1].Position);
                for (int i = 1; i < 6; i++)
                {
                    Assert.True(smooth[i].Position > smooth[i - 1].Position, $"positions rise: {string.Join(" ", smooth.Select(s => s.Position))}");
                    Assert.True(Math.Abs(smooth[i].Position - i / 6.0) < 1 / 6.0, $"step {i} at {smooth[i].Position} is a step or more from {i / 6.0}");
                }
                var tokensA = space.Prepare(a, "a").Tokens;
                var tokensB = space.Prepare(b, "b").Tokens;
                Assert.True(Against(smooth, tokensA, tokensB) <= Against(even, tokensA, tokensB));
                checkedPairs++;
            }
        }
        Assert.Equal(12, checkedPairs);
    }

    /// <summary>Tokens by which the distance to A falls or the distance to B rises along the steps.</summary>
    private static int Against(IReadOnlyList<InterpolationStep> steps, int[] a, int[] b)
    {
        static int Distance(IReadOnlyList<int> x, int[] y) => x.Zip(y).Count(p => p.First != p.Second);
        int against = 0;
        for (int i = 1; i < steps.Count; i++)
        {
            against += Math.Max(0, Distance(steps[i - 1].Tokens, a) - Distance(steps[i].Tokens, a));
            against += Math.Max(0, Distance(steps[i].Tokens, b) - Distance(steps[i - 1].Tokens, b));
        }
        return against;
    }

    [Fact]
    public void The_smooth_path_moves_a_step_off_its_even_point_only_to_keep_the_direction()
    {
        // 3 steps of 2 points: the inner step may take point 1, 2 or 3. Point 2 (its even point) is further from A (7)
        // than the end (6); point 1 is further from B (7) than the start (6); point 3 keeps the direction.
        int[] toA = [0, 2, 7, 3, 6], toB = [6, 7, 1, 3, 0];
        Assert.Equal([0, 3, 4], LatentSpace.SmoothPath(toA, toB, (_, _) => false, 3, 2));
        // Where the even point keeps the direction, it is taken.
        Assert.Equal([0, 2, 4, 6, 8], LatentSpace.SmoothPath([0, 1, 2, 3, 4, 5, 6, 7, 8], [8, 7, 6, 5, 4, 3, 2, 1, 0], (_, _) => false, 5, 2));
        // A repeated melody counts as half a step away: with 4 points a step, point 5 (one point off, a new melody) beats
        // point 4 (the even point, the start's melody again); point 3 is further from A than the end.
        Assert.Equal([0, 5, 8], LatentSpace.SmoothPath([0, 1, 2, 9, 0, 5, 6, 7, 8], [8, 7, 6, 9, 8, 3, 2, 1, 0], (x, y) => (x, y) is (0, 4) or (4, 0), 3, 4));
        // No point keeps the direction: the fewest tokens against it.
        Assert.Equal([0, 1, 4], LatentSpace.SmoothPath([5, 3, 1, 2, 6], [5, 6, 9, 8, 1], (_, _) => false, 3, 2));
        Assert.Equal([0, 1], LatentSpace.SmoothPath([0, 3], [3, 0], (_, _) => false, 2, 1));
        Assert.Throws<ArgumentException>(() => LatentSpace.SmoothPath([0, 1, 2], [2, 1, 0], (_, _) => false, 3, 2));
    }

    [Fact]
    public void A_sampled_candidate_is_taken_only_where_it_keeps_the_direction_or_lies_nearer()
    {
        // 3 steps of 2 points; greedy candidates 0..4 at points 0..4, samples 5 and 6 at point 2.
        SmoothCandidate G(int point, int a, int b) => new(point, a, b, 0);
        var greedy = new[] { G(0, 0, 6), G(1, 1, 9), G(2, 8, 2), G(3, 9, 1), G(4, 6, 0) };
        // Every greedy inner candidate goes against the direction; sample 6 does not.
        SmoothCandidate[] withSamples = [.. greedy, new(2, 7, 1, 1), new(2, 3, 3, 1)];
        Assert.Equal([0, 6, 4], LatentSpace.SmoothPath(withSamples, (_, _) => false, 3, 2));
        // Where the greedy candidate at the even point keeps the direction, it beats a sample there (penalty 1).
        SmoothCandidate[] fine = [G(0, 0, 6), G(1, 1, 9), G(2, 3, 3), G(3, 9, 1), G(4, 6, 0), new(2, 4, 2, 1)];
        Assert.Equal([0, 2, 4], LatentSpace.SmoothPath(fine, (_, _) => false, 3, 2));
        Assert.Throws<ArgumentException>(() => LatentSpace.SmoothPath([G(0, 0, 1), G(4, 1, 0)], (_, _) => false, 3, 2));
        Assert.Throws<ArgumentException>(() => LatentSpace.SmoothPath([G(0, 0, 1), G(2, 1, 1), G(5, 1, 0)], (_, _) => false, 3, 2));
        // 4 steps of 2 points: step 1 may take only point 3 and step 2 only point 3 too, so no rising path exists.
        Assert.Throws<ArgumentException>(() => LatentSpace.SmoothPath([G(0, 0, 1), G(3, 1, 1), G(6, 1, 0)], (_, _) => false, 4, 2));
    }

    [Property(MaxTest = 200)]
    public void The_smooth_path_is_valid_and_never_goes_against_the_direction_more_than_the_even_path(byte[] seedBytes, PositiveInt stepsRaw, PositiveInt subRaw)
    {
        int steps = 2 + stepsRaw.Get % 8, sub = 1 + subRaw.Get % 4, points = (steps - 1) * sub + 1;
        var rng = new Random(seedBytes.Aggregate(17, (h, x) => h * 31 + x));
        var toA = Enumerable.Range(0, points).Select(_ => rng.Next(0, 12)).ToArray();
        var toB = Enumerable.Range(0, points).Select(_ => rng.Next(0, 12)).ToArray();
        var path = LatentSpace.SmoothPath(toA, toB, (x, y) => toA[x] == toA[y] && toB[x] == toB[y], steps, sub);
        Assert.Equal(steps, path.Length);
        Assert.Equal(0, path[0]);
        Assert.Equal(points - 1, path[^1]);
        for (int i = 1; i < steps; i++) Assert.True(path[i] > path[i - 1]);
        for (int i = 1; i < steps - 1; i++) Assert.True(Math.Abs(path[i] - i * sub) < sub);
        int Against(int[] p) => Enumerable.Range(1, p.Length - 1).Sum(i => Math.Max(0, toA[p[i - 1]] - toA[p[i]]) + Math.Max(0, toB[p[i]] - toB[p[i - 1]]));
        var evenPath = Enumerable.Range(0, steps).Select(i => i * sub).ToArray();
        Assert.True(Against(path) <= Against(evenPath));
        // Any other valid path: one random choice per inner step, kept rising.
        var other = (int[])evenPath.Clone();
        for (int i = 1; i < steps - 1; i++) other[i] = Math.Max(other[i - 1] + 1, i * sub + rng.Next(-(sub - 1), sub));
        if (other.Zip(other.Skip(1)).All(q => q.First < q.Second) && Enumerable.Range(1, steps - 2).All(i => Math.Abs(other[i] - i * sub) < sub))
            Assert.True(Against(path) <= Against(other));
    }

    [Fact]
    public void Slerp_keeps_the_ends_and_the_norm_between_unit_vectors()
    {
        float[] a = [1, 0, 0], b = [0, 1, 0];
        Assert.Equal(a, LatentSpace.Slerp(a, b, 0));
        Assert.Equal(b, LatentSpace.Slerp(a, b, 1));
        var mid = LatentSpace.Slerp(a, b, 0.5);
        Assert.Equal(1.0, Math.Sqrt(mid.Sum(x => x * (double)x)), 5);
        Assert.Equal(mid[0], mid[1], 5);
    }

    [Fact]
    public void Different_meters_and_unreadable_melodies_are_refused()
    {
        using var space = LatentSpace.Load(TinyVae.Shared.Directory);
        var waltz = Melody.Create(NoteSequence.Parse("C4 D4 E4"), Key.CMajor, [new MeterChange(Duration.Zero, TimeSignature.Parse("3/4"))]);
        var e = Assert.Throws<VaeInputException>(() => space.Interpolate(TinyVae.Tune(0), waltz, 3, nameA: "a.mid", nameB: "b.abc"));
        Assert.Equal("b.abc: is in 3/4 but a.mid is in 4/4; interpolation needs two melodies of one meter", e.Message);
        Assert.Throws<VaeInputException>(() => space.Interpolate(waltz, waltz, 3));
    }

    [Fact]
    public void Prior_samples_follow_the_request_constraints_and_the_seed()
    {
        using var space = LatentSpace.Load(TinyVae.Shared.Directory);
        var request = new GenerationRequest { Bars = 4, Count = 3, Seed = 4, Key = Key.Parse("G"), Meter = TimeSignature.CommonTime };
        var melodies = space.SamplePrior(request);
        Assert.Equal(3, melodies.Count);
        Assert.All(melodies, m => Assert.All(m.Melody.Notes, n => Assert.True(Key.Parse("G").Scale.Contains(n.Pitch), $"{n.Pitch} is not in G major")));
        Assert.Equal(melodies.Select(m => m.Tokens), space.SamplePrior(request).Select(m => m.Tokens));
        var e = Assert.Throws<InvalidRequestException>(() => space.SamplePrior(request with { Bars = 8 }));
        Assert.Equal(RequestField.Bars, e.Field);
        Assert.Equal(RequestField.BeamWidth, Assert.Throws<InvalidRequestException>(() => space.SamplePrior(request with { BeamWidth = 4, Count = 1 })).Field);
    }

    [Fact]
    public void Similar_finds_a_corpus_tune_nearest_to_itself()
    {
        using var space = LatentSpace.Load(TinyVae.Shared.Directory);
        var corpus = Enumerable.Range(0, 4).Select(i => TinyVae.Tune(i)).ToList();
        var found = space.Similar(TinyVae.Tune(1), corpus, 2, out int skipped);
        Assert.Equal(0, skipped);
        Assert.Equal(2, found.Count);
        Assert.Equal(1, found[0].Index);
        Assert.Equal(0, found[0].Distance, 5);
        Assert.True(found[1].Distance > 0);
    }

    [Fact]
    public void Cli_interpolate_writes_every_step_in_every_format_and_generate_samples_the_prior()
    {
        var a = Path.Combine(_dir, "a.mid");
        var b = Path.Combine(_dir, "b.mid");
        File.WriteAllBytes(a, MidiMelody.Write(TinyVae.Tune(0, 0).WithKey(Key.Parse("D"))));
        File.WriteAllBytes(b, MidiMelody.Write(TinyVae.Tune(3, 2)));
        var outDir = Path.Combine(_dir, "morph");
        var (code, output, err) = Run(["interpolate", a, b, "--steps", "4", "--model", TinyVae.Shared.Directory, "--out", outDir, "--formats", "mid,abc"]);
        Assert.True(code == 0, err);
        Assert.Contains("step-04.mid", output);
        for (int i = 1; i <= 4; i++)
        {
            var m = MidiMelody.Read(Path.Combine(outDir, $"step-0{i}.mid"));
            Assert.True(m.Length <= Duration.FromQuarters(16));
            Assert.Equal(Key.Parse("D"), m.Key);
            Assert.True(File.Exists(Path.Combine(outDir, $"step-0{i}.abc")));
        }
        var (evenCode, evenOutput, evenErr) = Run(["interpolate", a, b, "--steps", "4", "--even", "--model", TinyVae.Shared.Directory, "--out", outDir, "--formats", "mid", "--force"]);
        Assert.True(evenCode == 0, evenErr);
        Assert.Matches(@"step-02\.mid\s+0\.333\s", evenOutput);
        Assert.Matches(@"step-03\.mid\s+0\.667\s", evenOutput);

        var (gen, genOut, genErr) = Run(["generate", "--model", TinyVae.Shared.Directory, "--bars", "4", "--count", "2", "--out", Path.Combine(_dir, "prior"), "--formats", "mid"]);
        Assert.True(gen == 0, genErr);
        Assert.Contains("melody-02.mid", genOut);
        var (beam, _, beamErr) = Run(["generate", "--model", TinyVae.Shared.Directory, "--bars", "4", "--beam", "2", "--out", Path.Combine(_dir, "beam")]);
        Assert.Equal(1, beam);
        Assert.Contains("beam", beamErr);
        Assert.Contains("autoregressive", beamErr);
    }

    [Fact]
    public void Cli_refuses_the_wrong_kind_of_model_each_way_and_other_meters()
    {
        var a = Path.Combine(_dir, "a.mid");
        File.WriteAllBytes(a, MidiMelody.Write(TinyVae.Tune(0)));
        var (code, _, err) = Run(["interpolate", a, a, "--model", TinyModel.Shared.Directory, "--out", Path.Combine(_dir, "x")]);
        Assert.Equal(1, code);
        Assert.Contains("holds an autoregressive model (lstm); this needs a VAE", err);
        var (code2, _, err2) = Run(["infill", a, "--bars", "2-3", "--model", TinyVae.Shared.Directory, "--out", Path.Combine(_dir, "y.mid")]);
        Assert.Equal(1, code2);
        Assert.Contains("holds a VAE; this needs an autoregressive model", err2);
        var waltz = Path.Combine(_dir, "w.mid");
        File.WriteAllBytes(waltz, MidiMelody.Write(Melody.Create(NoteSequence.Parse("C4 D4 E4 F4 G4 A4"), Key.CMajor, [new MeterChange(Duration.Zero, TimeSignature.Parse("3/4"))])));
        var (code3, _, err3) = Run(["interpolate", a, waltz, "--model", TinyVae.Shared.Directory, "--out", Path.Combine(_dir, "z")]);
        Assert.Equal(1, code3);
        Assert.Contains("w.mid: is in 3/4 but a.mid is in 4/4", err3);
    }

    [Fact]
    public void Cli_trains_a_hierarchical_vae_of_8_bars_with_card_and_loss_plot()
    {
        var entries = new List<Melos.Data.Corpus.CorpusEntry>();
        for (int i = 0; i < 12; i++)
        {
            var tune = string.Join(' ', TinyVae.Tunes[i % 4], TinyVae.Tunes[(i + 1) % 4]);
            var m = Melody.Create(NoteSequence.Parse(tune), Key.CMajor, [new MeterChange(Duration.Zero, TimeSignature.CommonTime)], length: Duration.FromQuarters(32)).Transpose(i % 3);
            entries.Add(new Melos.Data.Corpus.CorpusEntry($"toy/{i}", "toy", "a", i < 10 ? Melos.Data.Corpus.CorpusSplit.Train : Melos.Data.Corpus.CorpusSplit.Valid, m, 0, false));
        }
        var waltz = Melody.Create(NoteSequence.Parse("C4 D4 E4 F4 G4 A4"), Key.CMajor, [new MeterChange(Duration.Zero, TimeSignature.Parse("3/4"))]);
        entries.Add(new Melos.Data.Corpus.CorpusEntry("toy/w", "toy", "a", Melos.Data.Corpus.CorpusSplit.Train, waltz, 0, false));
        var corpus = Path.Combine(_dir, "toy.corpus");
        Melos.Data.Corpus.CorpusFile.Write(corpus, new Melos.Data.Corpus.CorpusData(entries, new Melos.Data.Corpus.BuildSummary { MelodiesKept = entries.Count }, new Melos.Data.Corpus.CorpusHeader { ContentHash = "vae1" }));
        var config = Path.Combine(_dir, "small.json");
        File.WriteAllText(config, """{"model": {"embeddingSize": 8, "encoderHidden": 16, "latentSize": 8, "decoderHidden": 16, "decoderLayers": 1, "conductorHidden": 16}, "training": {"batchSize": 4}}""");
        var model = Path.Combine(_dir, "vae8");
        var (code, output, err) = Run(["train", "--corpus", corpus, "--arch", "vae", "--bars", "8", "--config", config, "--steps", "4", "--out", model]);
        Assert.True(code == 0, err);
        Assert.Contains("training windows of 8 bars", output);
        Assert.Contains("1 melodies not wholly in 4/4", output);
        using var loaded = LoadedVae.Load(model);
        Assert.Equal(8, loaded.Config.Bars);
        Assert.True(loaded.Config.Hierarchical);
        Assert.True(File.Exists(Path.Combine(model, "loss.png")));
        var card = File.ReadAllText(Path.Combine(model, ModelCard.FileName));
        Assert.Contains("## Variational autoencoder", card);
        Assert.Contains("hierarchical decoder (a conductor per bar)", card);
        Assert.Contains("- Training windows used: ", card);
        Assert.DoesNotContain("Training melodies used", card);
        var (bad, _, badErr) = Run(["train", "--corpus", corpus, "--arch", "lstm", "--bars", "8", "--out", Path.Combine(_dir, "x")]);
        Assert.Equal(1, bad);
        Assert.Contains("--bars is for --arch vae only", badErr);
    }
}
