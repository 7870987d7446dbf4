using Melos.Generation;
using System.Net;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Melos.Data.Tokenizers;
using Melos.Music;

namespace Melos.Studio.Tests.Api;

[Collection(StudioCollection.Name)]
public sealed class ContractTests(StudioServer server)
{
    [Fact]
    public async Task The_model_endpoint_describes_the_shipped_model_and_the_limits()
    {
        var info = JsonSerializer.Deserialize<ModelInfo>(await server.Http.GetStringAsync("/api/model"), StudioServer.Json)!;
        var generator = server.Inference.Generator;
        Assert.Equal("default", info.Name);
        Assert.Equal("note", info.Tokenizer);
        Assert.Equal(MelodyGenerator.TokenizerName(generator.Tokenizer.Config), info.Tokenizer);
        Assert.Equal(generator.Tokenizer.Config.StepsPerQuarter, info.StepsPerQuarter);
        Assert.Equal((generator.Tokenizer.Config.MinPitch, generator.Tokenizer.Config.MaxPitch), (info.MinPitch, info.MaxPitch));
        Assert.Equal(generator.Vocabulary.Styles, info.Styles);
        Assert.Contains("jig", info.Styles);
        Assert.Equal(generator.ContextTokens, info.ContextTokens);
        Assert.Equal(new ModelLimits(2000, 64, 16, 256 * 1024, 300, StudioMelodies.MinTempo, StudioMelodies.MaxTempo, StudioApi.MinTemperature,
            StudioApi.MaxTemperature, StudioApi.MaxCandidates, ProgressionChord.MaxBeats, StudioBudgets.Default.MaxBarCandidates, 30), info.Limits);
        Assert.Equal(["continue", "infill", "vary", "explain", "export", "chords"], info.Operations);
    }

    [Fact]
    public async Task The_model_endpoint_lists_the_models_meters_with_the_grammars_bar_and_beat_lengths()
    {
        var info = JsonSerializer.Deserialize<ModelInfo>(await server.Http.GetStringAsync("/api/model"), StudioServer.Json)!;
        var vocabulary = server.Inference.Generator.Vocabulary;
        Assert.Equal(vocabulary.Meters, info.Meters.Select(m => m.Name));
        foreach (var m in info.Meters)
        {
            var meter = TimeSignature.Parse(m.Name);
            Assert.Equal((meter.BarLength.ToQuarterDouble(), meter.BeatLength.ToQuarterDouble(), meter.BeatsPerBar), (m.BarQuarters, m.BeatQuarters, m.BeatsPerBar));
        }
        var sixEight = Assert.Single(info.Meters, m => m.Name == "6/8");
        Assert.Equal((3.0, 1.5, 2), (sixEight.BarQuarters, sixEight.BeatQuarters, sixEight.BeatsPerBar));
    }

    [Fact]
    public async Task The_model_endpoint_lists_keys_the_server_reads_back_and_note_lengths_on_the_grid()
    {
        var info = JsonSerializer.Deserialize<ModelInfo>(await server.Http.GetStringAsync("/api/model"), StudioServer.Json)!;
        // Every tonic in every mode, once each; each name parses back to a key of that mode, written as responses write it.
        Assert.Equal(12 * Enum.GetValues<Mode>().Length, info.Keys.Count);
        Assert.Equal(info.Keys.Count, info.Keys.Select(k => k.Name).Distinct().Count());
        foreach (var k in info.Keys)
        {
            Assert.True(Key.TryParse(k.Name, out var key), k.Name);
            Assert.Equal(k.Mode, key!.Mode.ToString().ToLowerInvariant());
            Assert.Equal(k.Name, Melos.Formats.Abc.AbcWriter.KeyText(key));
        }
        foreach (var mode in Enum.GetValues<Mode>())
            Assert.Equal(12, info.Keys.Where(k => k.Mode == mode.ToString().ToLowerInvariant()).Select(k => Key.Parse(k.Name).Tonic.PitchClass).Distinct().Count());
        Assert.Contains(info.Keys, k => k.Name == "G");
        Assert.Contains(info.Keys, k => k.Name == "Em");
        Assert.Contains(info.Keys, k => k.Name == "Ddor");
        // Note lengths: whole numbers of grid steps, longest first; 12 steps per quarter hold sixteenths and triplets.
        Assert.All(info.NoteLengths, l => Assert.Equal(l.Quarters * info.StepsPerQuarter, l.Steps, 9));
        Assert.Equal(info.NoteLengths.OrderByDescending(l => l.Quarters), info.NoteLengths);
        Assert.Equal(["1/1", "1/2", "1/4", "1/4 triplet", "1/8", "1/8 triplet", "1/16", "1/16 triplet", "1/32 triplet"], info.NoteLengths.Select(l => l.Label));
        Assert.Equal(["1/1", "1/2", "1/4", "1/8", "1/16"], StudioGrammar.NoteLengths(4).Select(l => l.Label));
    }

    [Fact]
    public void A_model_that_knows_other_meters_lists_those()
    {
        // The vocabulary, not a fixed list, fills the page's meter and style controls.
        var vocabulary = new ConditioningVocabulary { Meters = ["9/8", "2/2"] };
        Assert.Equal(["9/8", "2/2"], StudioGrammar.Meters(vocabulary).Select(m => m.Name));
        var nine = StudioGrammar.Meters(vocabulary)[0];
        Assert.Equal((4.5, 1.5, 3), (nine.BarQuarters, nine.BeatQuarters, nine.BeatsPerBar));
    }

    [Fact]
    public async Task The_openapi_document_describes_every_endpoint_with_request_and_response_schemas()
    {
        using var doc = JsonDocument.Parse(await server.Http.GetStringAsync("/openapi/v1.json"));
        var paths = doc.RootElement.GetProperty("paths");
        foreach (var (path, request, response) in new[]
        {
            ("/api/continue", "ContinueRequest", "ContinueResponse"),
            ("/api/infill", "InfillApiRequest", "InfillResponse"),
            ("/api/vary", "VaryApiRequest", "VaryResponse"),
            ("/api/explain", "MelodyRequest", "ExplainResponse"),
            ("/api/chords", "ChordsRequest", "ChordsResponse"),
        })
        {
            var post = paths.GetProperty(path).GetProperty("post");
            Assert.EndsWith(request, post.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
            Assert.EndsWith(response, post.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
            Assert.True(post.GetProperty("responses").TryGetProperty("400", out _), $"{path} documents no 400");
            if (path != "/api/chords") Assert.True(post.GetProperty("responses").TryGetProperty("503", out _), $"{path} documents no 503");
        }
        var export = paths.GetProperty("/api/export").GetProperty("post");
        var types = export.GetProperty("responses").GetProperty("200").GetProperty("content").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(["audio/midi", "text/vnd.abc", "application/vnd.recordare.musicxml+xml", "audio/wav"], types);
        Assert.Contains(export.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "format");
        Assert.True(paths.GetProperty("/api/model").TryGetProperty("get", out _));
        var schemas = doc.RootElement.GetProperty("components").GetProperty("schemas");
        var melody = schemas.GetProperty("StudioMelody").GetProperty("properties");
        foreach (var name in new[] { "key", "meter", "tempo", "bars", "style", "chords", "notes" }) Assert.True(melody.TryGetProperty(name, out _), $"StudioMelody lacks {name}");
    }

    [Fact]
    public async Task The_page_is_served_at_the_root()
    {
        using var response = await server.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }
}

/// <summary>A time near grid step <see cref="Step"/> (12 per quarter): <see cref="Offset"/> quarters off it.</summary>
public readonly record struct NearTime(int Step, double Offset);

/// <summary>A time further than 1/96 quarter from grid step <see cref="Step"/>.</summary>
public readonly record struct FarTime(int Step, double Offset);

/// <summary>The grid snapping and the messages, without a server.</summary>
public sealed class SnapTests
{
    private static readonly StudioMelodies Melodies = new(12, new ConditioningVocabulary(), StudioLimits.Default);

    public static class Times
    {
        public static Arbitrary<NearTime> Near() =>
            Gen.Zip(Gen.Choose(0, 100_000), Gen.Choose(-1000, 1000)).Select(t => new NearTime(t.Item1, t.Item2 / 1000.0 / 96)).ToArbitrary();

        // 1.1/96 to 4.9/96 of a quarter (a step is 8/96), either side.
        public static Arbitrary<FarTime> Far() =>
            Gen.Zip(Gen.Choose(0, 100_000), Gen.Choose(1100, 4900), (step, k) => new FarTime(step, (k % 2 == 0 ? 1 : -1) * k / 1000.0 / 96)).ToArbitrary();
    }

    [Property(Arbitrary = [typeof(Times)], MaxTest = 500)]
    public void A_time_within_a_96th_of_a_quarter_of_a_grid_step_snaps_to_that_step(NearTime t) =>
        Assert.Equal(Duration.FromQuarters(t.Step, 12), Melodies.Snap(t.Step / 12.0 + t.Offset, "x"));

    [Property(Arbitrary = [typeof(Times)], MaxTest = 500)]
    public void A_time_further_from_the_grid_is_refused_naming_the_field(FarTime t)
    {
        var e = Assert.Throws<StudioRequestException>(() => Melodies.Snap(t.Step / 12.0 + t.Offset, "melody.notes[0].start"));
        Assert.Equal("melody.notes[0].start", e.Field);
        Assert.StartsWith("melody.notes[0].start: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_request_field_has_a_json_path_in_the_request_bodies()
    {
        Assert.Equal("temperature", StudioApi.JsonPath(RequestField.Temperature));
        Assert.Equal("topP", StudioApi.JsonPath(RequestField.TopP));
        Assert.Equal("firstBar", StudioApi.JsonPath(RequestField.FirstBar));
        Assert.Equal("lastBar", StudioApi.JsonPath(RequestField.LastBar));
        Assert.Equal("low", StudioApi.JsonPath(RequestField.Low));
        Assert.Equal("melody.meter", StudioApi.JsonPath(RequestField.Meter));
        Assert.Equal("melody", StudioApi.JsonPath(RequestField.Melody));
        // Every path is a property of a request body or of its melody, as the contracts spell it.
        var bodies = new[] { typeof(ContinueRequest), typeof(InfillApiRequest), typeof(VaryApiRequest) }
            .SelectMany(t => t.GetProperties()).Select(p => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(p.Name)).ToHashSet();
        var melody = typeof(StudioMelody).GetProperties().Select(p => "melody." + System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(p.Name)).ToHashSet();
        foreach (var field in new[] { RequestField.Bars, RequestField.Temperature, RequestField.TopP, RequestField.Low, RequestField.High, RequestField.Chromatic,
                     RequestField.Seed, RequestField.Melody, RequestField.FirstBar, RequestField.LastBar, RequestField.Candidates, RequestField.Amount,
                     RequestField.Rhythm, RequestField.Key, RequestField.Meter, RequestField.Style, RequestField.Chords, RequestField.TempoBpm, RequestField.Primer })
        {
            var path = StudioApi.JsonPath(field);
            Assert.True(bodies.Contains(path) || melody.Contains(path), $"{field} -> {path}");
        }
    }
}
