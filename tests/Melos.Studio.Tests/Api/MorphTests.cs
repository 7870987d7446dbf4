using System.Net;
using System.Text.Json.Nodes;
using Melos.Models.Training;
using Melos.Models.Vae;
using Melos.Music;

namespace Melos.Studio.Tests.Api;

/// <summary>POST /api/morph on a studio whose VAE is a tiny one trained here (the shipped model answers the other endpoints).</summary>
public sealed class MorphTests : IAsyncLifetime
{
    private readonly string _vae = Directory.CreateTempSubdirectory("melos-studio-vae-").FullName;
    private StudioServer _server = null!;

    public async Task InitializeAsync()
    {
        var tunes = new[] { "G4 A4 B4 G4 D5/2 B4 G4 A4/2 F#4 D4 G4:3", "D5 C5 B4 A4 G4 A4 B4 G4 E4 F#4 G4 A4 G4:4", "B4 D5 B4 G4 A4 B4 A4 F#4 G4/2 A4/2 B4:4" };
        var melodies = Enumerable.Range(0, 9).Select(i => Melody.Create(NoteSequence.Parse(tunes[i % 3]), Key.Parse("G"),
            [new MeterChange(Duration.Zero, TimeSignature.CommonTime)], length: Duration.FromQuarters(16)).Transpose(i / 3)).ToList();
        VaeTraining.Run(melodies, [], new VaeConfig { EmbeddingSize = 8, EncoderHidden = 16, LatentSize = 8, DecoderHidden = 16, DecoderLayers = 1 },
            new TrainingConfig { MaxSteps = 10, BatchSize = 4, WarmupSteps = 1, LogEvery = 5 }, null, null, _vae);
        _server = new StudioServer(new StudioOptions(StudioServer.ModelDirectory) { VaeDirectory = _vae });
        await _server.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_vae, true);
    }

    private static JsonObject Body(int steps, JsonObject? b = null, object? extra = null)
    {
        var body = new JsonObject { ["a"] = StudioServer.Phrase(), ["b"] = b ?? Transposed(StudioServer.Phrase(), 2), ["steps"] = steps };
        if (extra is not null) foreach (var (k, v) in System.Text.Json.JsonSerializer.SerializeToNode(extra, StudioServer.Json)!.AsObject().ToList()) body[k] = v?.DeepClone();
        return body;
    }

    private static JsonObject Transposed(JsonObject melody, int semitones)
    {
        foreach (var n in melody["notes"]!.AsArray()) n!["pitch"] = n["pitch"]!.GetValue<int>() + semitones;
        return melody;
    }

    [Fact]
    public async Task Morph_returns_the_steps_from_A_to_B_of_the_VAE_bars()
    {
        var r = await _server.Ok<MorphResponse>("/api/morph", Body(5, null, new { even = true }));
        Assert.Equal(5, r.Steps.Count);
        Assert.Equal([0, 0.25, 0.5, 0.75, 1], r.Steps.Select(s => s.Position));
        Assert.Equal(4, r.Bars);
        Assert.All(r.Steps, s =>
        {
            Assert.Equal(4, s.Melody.Bars);
            Assert.Equal("4/4", s.Melody.Meter);
            Assert.Equal("G", s.Melody.Key);
            Assert.All(s.Melody.Notes, n => Assert.True(n.Start + n.Duration <= 16 + 1e-9));
        });
        var again = await _server.Ok<MorphResponse>("/api/morph", Body(5, null, new { even = true }));
        Assert.Equal(r.Steps.Select(s => s.Melody.Notes), again.Steps.Select(s => s.Melody.Notes));
        // The default, smooth path: the same ends; each inner step less than a step from its even point, in order.
        var smooth = await _server.Ok<MorphResponse>("/api/morph", Body(5));
        Assert.Equal(r.Steps[0].Melody.Notes, smooth.Steps[0].Melody.Notes);
        Assert.Equal(r.Steps[^1].Melody.Notes, smooth.Steps[^1].Melody.Notes);
        Assert.Equal(0, smooth.Steps[0].Position);
        Assert.Equal(1, smooth.Steps[^1].Position);
        for (int i = 1; i < 4; i++)
        {
            Assert.True(smooth.Steps[i].Position > smooth.Steps[i - 1].Position);
            Assert.True(Math.Abs(smooth.Steps[i].Position - i / 4.0) < 0.25, $"step {i} at {smooth.Steps[i].Position}");
        }
    }

    [Fact]
    public async Task A_bar_range_of_a_longer_phrase_is_used_and_said()
    {
        var longer = StudioServer.Phrase();
        longer["bars"] = 6;
        var body = Body(3, null, new { firstBarA = 2 });
        body["a"] = longer;
        var r = await _server.Ok<MorphResponse>("/api/morph", body);
        Assert.Equal(3, r.Steps.Count);
        Assert.Contains("a: used bars 1-4 of 5", r.Notes);
    }

    [Fact]
    public async Task Bad_morphs_are_400s_naming_the_field()
    {
        var (status, detail, _) = await _server.Problem("/api/morph", Body(1));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("steps: must be 2..16", detail);
        var waltz = JsonNode.Parse("""{"key":"G","meter":"3/4","tempo":120,"bars":2,"style":null,"chords":[],"notes":[{"pitch":67,"start":0,"duration":3},{"pitch":69,"start":3,"duration":3}]}""")!.AsObject();
        var (status2, detail2, _) = await _server.Problem("/api/morph", Body(3, waltz));
        Assert.Equal(HttpStatusCode.BadRequest, status2);
        Assert.Contains("b.meter", detail2);
        var (status3, detail3, _) = await _server.Problem("/api/morph", Body(3, null, new { firstBarB = 9 }));
        Assert.Equal(HttpStatusCode.BadRequest, status3);
        Assert.StartsWith("firstBarB: must be 1..4", detail3);
    }
}
