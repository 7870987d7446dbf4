using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Melos.Generation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Melos.Studio.Tests.Api;

/// <summary>
/// How the API answers failures: the caller's mistakes are 400 problem+json naming the field's JSON path (whether the
/// studio or the generation request found them); anything else is 500 with an error id that the server log repeats.
/// </summary>
[Collection(StudioCollection.Name)]
public sealed class ErrorTests(StudioServer server)
{
    private static async Task<(HttpStatusCode Status, JsonObject Problem)> Problem(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonObject>(StudioServer.Json))!);
    }

    [Fact]
    public async Task A_request_the_generator_refuses_is_400_with_the_fields_json_path()
    {
        // Bar 2 lies inside a note held from bar 1: the studio's own checks pass, the infill request refuses it.
        var melody = StudioServer.Phrase();
        melody["notes"] = JsonNode.Parse("""[{"pitch":67,"start":0,"duration":8},{"pitch":69,"start":8,"duration":4}]""");
        using var response = await server.Post("/api/infill", StudioServer.Body(melody, new { firstBar = 2, lastBar = 2, seed = 1 }));
        var (status, problem) = await Problem(response);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("firstBar", problem["field"]!.GetValue<string>());
        Assert.StartsWith("firstBar: bars 2-2 lie inside a note", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(problem["errorId"]);
    }

    [Fact]
    public async Task The_studios_own_checks_name_the_field_the_same_way()
    {
        using var response = await server.Post("/api/continue", StudioServer.Body(fields: new { bars = 2, temperature = 0 }));
        var (status, problem) = await Problem(response);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("temperature", problem["field"]!.GetValue<string>());
        Assert.StartsWith("temperature: ", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"temprature":0.5}""", "temprature", "temprature: is not a field of this request")]
    [InlineData("""{"melody":{"colour":"red"}}""", "melody.colour", "melody.colour: is not a field of this request")]
    [InlineData("""{"melody":{"notes":[{"pitch":60,"start":0,"duration":1,"velocity":90}]}}""", "melody.notes[0].velocity", "melody.notes[0].velocity: is not a field")]
    [InlineData("""{"bars":"x"}""", "bars", "bars: must be a whole number")]
    [InlineData("""{"bars":2.5}""", "bars", "bars: must be a whole number")]
    [InlineData("""{"temperature":"hot"}""", "temperature", "temperature: must be a number")]
    [InlineData("""{"topP":"high"}""", "topP", "topP: must be a number or null")]
    [InlineData("""{"seed":"lucky"}""", "seed", "seed: must be a whole number or null")]
    [InlineData("""{"chromatic":1}""", "chromatic", "chromatic: must be true or false")]
    [InlineData("""{"low":60}""", "low", "low: must be a string")]
    [InlineData("""{"melody":{"notes":5}}""", "melody.notes", "melody.notes: must be an array")]
    [InlineData("""{"melody":{"notes":[{"pitch":"x"}]}}""", "melody.notes[0].pitch", "melody.notes[0].pitch: must be a whole number")]
    [InlineData("""{"melody":{"chords":[{"start":0,"symbol":7}]}}""", "melody.chords[0].symbol", "melody.chords[0].symbol: must be a string")]
    [InlineData("""{"melody":[]}""", "melody", "melody: must be an object")]
    public async Task A_field_of_the_wrong_type_or_an_unknown_field_is_400_naming_the_field_not_a_dotnet_type(string fields, string field, string detail)
    {
        // The fields given replace the valid request's, melody fields inside its melody.
        var body = StudioServer.Body(fields: new { bars = 2, seed = 1 });
        foreach (var (k, v) in JsonNode.Parse(fields)!.AsObject().ToList())
        {
            if (k == "melody" && v is JsonObject m && body["melody"] is JsonObject target)
                foreach (var (mk, mv) in m.ToList()) target[mk] = mv?.DeepClone();
            else body[k] = v?.DeepClone();
        }
        using var response = await server.Post("/api/continue", body);
        var (status, problem) = await Problem(response);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(field, problem["field"]!.GetValue<string>());
        var text = problem["detail"]!.GetValue<string>();
        Assert.StartsWith(detail, text, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Melos.", text, StringComparison.Ordinal);
        Assert.Null(problem["errorId"]);
    }

    [Fact]
    public async Task A_negative_seed_is_400_naming_the_seed()
    {
        using var response = await server.Post("/api/continue", StudioServer.Body(fields: new { bars = 2, seed = -1 }));
        var (status, problem) = await Problem(response);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("seed", problem["field"]!.GetValue<string>());
        Assert.Equal("seed: must be 0 or more, not -1", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_unexpected_exception_is_500_with_an_id_that_the_server_log_gives_with_the_exception()
    {
        var log = new CapturingLoggerProvider();
        await using var app = StudioApp.Build(new StudioOptions(StudioServer.ModelDirectory), ["--urls", "http://127.0.0.1:0"]);
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(log);
        app.MapPost("/api/test-bug", (Delegate)((HttpContext http) => StudioApi.Guard<int>(http, () => throw new IndexOutOfRangeException("an indexing bug"))));
        app.MapPost("/api/test-argument", (Delegate)((HttpContext http) => StudioApi.Guard<int>(http, () => throw new ArgumentException("not the caller's fault", "index"))));
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First()) };
            foreach (var (path, type) in new[] { ("/api/test-bug", typeof(IndexOutOfRangeException)), ("/api/test-argument", typeof(ArgumentException)) })
            {
                using var response = await http.PostAsync(path, null);
                var (status, problem) = await Problem(response);
                Assert.Equal(HttpStatusCode.InternalServerError, status);
                var id = problem["errorId"]!.GetValue<string>();
                Assert.Matches("^[0-9a-f]{32}$", id);
                Assert.Contains(id, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
                Assert.DoesNotContain("indexing bug", problem.ToJsonString(), StringComparison.Ordinal); // no internals in the answer
                var entry = Assert.Single(log.Entries, e => e.Message.Contains(id, StringComparison.Ordinal));
                Assert.Equal(LogLevel.Error, entry.Level);
                Assert.IsType(type, entry.Exception);
                Assert.Contains(path, entry.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose() { }

        private sealed class Logger(CapturingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Entries.Enqueue((logLevel, formatter(state, exception), exception));
        }
    }
}
