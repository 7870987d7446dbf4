using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Melos.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Melos.Studio.Tests.Api;

/// <summary>The real studio on 127.0.0.1 (a free port) with the shipped model, and a client for it.</summary>
public sealed class StudioServer : IAsyncLifetime
{
    public static string ModelDirectory => Path.Combine(Datasets.RepoRoot, "models", "default");

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    private readonly StudioOptions _options;

    public StudioServer() : this(new StudioOptions(ModelDirectory) { Budgets = Unthrottled }) { }

    /// <summary>Per-client limits the tests' bursts from one address do not reach (the tests of the limits set their own).</summary>
    public static StudioBudgets Unthrottled { get; } = new() { ClientRate = 10_000, ClientBurst = 10_000, ClientConcurrency = 1_000 };

    internal StudioServer(StudioOptions options) => _options = options;

    public WebApplication App { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public StudioInference Inference => App.Services.GetRequiredService<StudioInference>();

    public async Task InitializeAsync()
    {
        App = StudioApp.Build(_options, ["--urls", "http://127.0.0.1:0"]);
        await App.StartAsync();
        var address = App.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        Http = new HttpClient { BaseAddress = new Uri(address) };
        if (_options.Token is { } token) Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>The server's address.</summary>
    public Uri Address => Http.BaseAddress!;

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }

    /// <summary>POSTs a JSON body; the response.</summary>
    public Task<HttpResponseMessage> Post(string path, JsonNode body, CancellationToken cancellation = default)
    {
        var text = body.ToJsonString();
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(text, Encoding.UTF8, "application/json") };
        // A large body waits for the server's go-ahead: a server that refuses it by its Content-Length answers first,
        // instead of closing the connection while the client is still writing (a broken pipe, not an answer).
        if (text.Length > 64 * 1024) request.Headers.ExpectContinue = true;
        return Http.SendAsync(request, cancellation);
    }

    /// <summary>POSTs and reads a 200 answer as <typeparamref name="T"/> (fails with the problem's detail otherwise).</summary>
    public async Task<T> Ok<T>(string path, JsonNode body)
    {
        using var response = await Post(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return JsonSerializer.Deserialize<T>(text, Json)!;
    }

    /// <summary>POSTs and reads an error answer: its status and its problem's detail.</summary>
    public async Task<(HttpStatusCode Status, string Detail, HttpResponseMessage Response)> Problem(string path, JsonNode body)
    {
        var response = await Post(path, body);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Json);
        return (response.StatusCode, problem!["detail"]?.GetValue<string>() ?? "", response);
    }

    /// <summary>A 4-bar phrase in G over G D/F# Em C (11 notes, a rest at the end of bar 4).</summary>
    public static JsonObject Phrase() => JsonNode.Parse("""
        {"key":"G","meter":"4/4","tempo":120,"bars":4,"style":null,
         "chords":[{"start":0,"symbol":"G"},{"start":4,"symbol":"D/F#"},{"start":8,"symbol":"Em"},{"start":12,"symbol":"C"}],
         "notes":[{"pitch":67,"start":0,"duration":1},{"pitch":69,"start":1,"duration":1},{"pitch":71,"start":2,"duration":1},{"pitch":67,"start":3,"duration":1},
                  {"pitch":74,"start":4,"duration":2},{"pitch":71,"start":6,"duration":1},{"pitch":67,"start":7,"duration":1},{"pitch":69,"start":8,"duration":2},
                  {"pitch":66,"start":10,"duration":1},{"pitch":62,"start":11,"duration":1},{"pitch":67,"start":12,"duration":3}]}
        """)!.AsObject();

    /// <summary>A request body: <c>{"melody": melody, ...fields}</c>.</summary>
    public static JsonObject Body(JsonObject? melody = null, object? fields = null)
    {
        var body = new JsonObject { ["melody"] = melody?.DeepClone() ?? Phrase() };
        if (fields is not null)
            foreach (var (k, v) in JsonSerializer.SerializeToNode(fields, Json)!.AsObject().ToList())
                body[k] = v?.DeepClone();
        return body;
    }
}

/// <summary>One studio shared by the API tests of a collection (the model loads once).</summary>
[CollectionDefinition(Name)]
public sealed class StudioCollection : ICollectionFixture<StudioServer>
{
    public const string Name = "studio";
}
