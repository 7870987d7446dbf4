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
        Assert.Equal(generator.Grid.GridConfig.StepsPerQuarter, info.StepsPerQuarter);
        Assert.Equal((generator.Grid.GridConfig.MinPitch, generator.Grid.GridConfig.MaxPitch), (info.MinPitch, info.MaxPitch));
        Assert.Equal(generator.Vocabulary.Styles, info.Styles);
        Assert.Contains("4/4", info.Meters);
        Assert.Contains("jig", info.Styles);
        Assert.Equal(generator.ContextTokens, info.ContextTokens);
        Assert.Equal(new ModelLimits(2000, 64, 16, 256 * 1024, 300), info.Limits);
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
        })
        {
            var post = paths.GetProperty(path).GetProperty("post");
            Assert.EndsWith(request, post.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
            Assert.EndsWith(response, post.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
            Assert.True(post.GetProperty("responses").TryGetProperty("400", out _), $"{path} documents no 400");
            Assert.True(post.GetProperty("responses").TryGetProperty("503", out _), $"{path} documents no 503");
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
