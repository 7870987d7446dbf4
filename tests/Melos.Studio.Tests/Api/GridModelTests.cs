using System.Net.Http.Json;
using Melos.Music;
using Melos.Tests;

namespace Melos.Studio.Tests.Api;

/// <summary>
/// The studio serving the shipped grid-token model (models/grid): every endpoint runs through the one decoder on the
/// grid grammar, exactly as with the default whole-tune model (note tokens) that the other API tests serve.
/// </summary>
public sealed class GridModelTests : IAsyncLifetime
{
    private readonly StudioServer _server = new(new StudioOptions(Path.Combine(Datasets.RepoRoot, "models", "grid")));

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    private static List<StudioNote> NotesOf(System.Text.Json.Nodes.JsonObject melody) =>
        [.. melody["notes"]!.AsArray().Select(n => new StudioNote(n!["pitch"]!.GetValue<int>(), n["start"]!.GetValue<double>(), n["duration"]!.GetValue<double>()))];

    [Fact]
    public async Task Model_info_names_the_grid_tokenizer_and_every_operation()
    {
        var info = await _server.Http.GetFromJsonAsync<ModelInfo>("/api/model", StudioServer.Json);
        Assert.Equal("grid", info!.Tokenizer);
        Assert.Equal(["continue", "infill", "vary", "explain", "export", "chords"], info.Operations);
    }

    [Fact]
    public async Task Continue_answers_after_the_phrase_in_its_key()
    {
        var phrase = StudioServer.Phrase();
        var r = await _server.Ok<ContinueResponse>("/api/continue", StudioServer.Body(phrase, new { bars = 4, seed = 3, explain = true }));
        var original = NotesOf(phrase);
        Assert.Equal(original, r.Melody.Notes.Take(original.Count).Select(n => n with { Probability = null }));
        var answer = r.Melody.Notes.Skip(original.Count).ToList();
        Assert.NotEmpty(answer);
        Assert.All(answer, n => Assert.True(n.Start >= 16 && n.Start + n.Duration <= 32 + 1e-9 && Key.Parse("G").Scale.Contains(n.Pitch % 12), $"{n}"));
        Assert.All(r.Melody.Notes, n => Assert.InRange(n.Probability!.Value, 1e-12, 1.0));
        Assert.Equal(new BarRange(5, 8), r.Answer);
    }

    [Fact]
    public async Task Infill_vary_and_explain_serve_a_grid_model()
    {
        var phrase = StudioServer.Phrase();
        var original = NotesOf(phrase);
        var infill = await _server.Ok<InfillResponse>("/api/infill", StudioServer.Body(phrase, new { firstBar = 2, lastBar = 3, seed = 5, candidates = 4 }));
        bool Outside(StudioNote n) => n.Start < 4 || n.Start >= 12;
        Assert.Equal(original.Where(Outside), infill.Melody.Notes.Where(Outside).Select(n => n with { Probability = null }));
        Assert.Contains(infill.Melody.Notes, n => !Outside(n));

        var vary = await _server.Ok<VaryResponse>("/api/vary", StudioServer.Body(phrase, new { amount = 0.5, seed = 2 }));
        Assert.Equal(original.Select(n => (n.Start, n.Duration)), vary.Melody.Notes.Select(n => (n.Start, n.Duration)));
        Assert.InRange(vary.ChangedNotes, 1, original.Count);

        var explain = await _server.Ok<ExplainResponse>("/api/explain", StudioServer.Body(phrase));
        Assert.Equal(original.Count, explain.Notes.Count);
        Assert.All(explain.Notes, n => Assert.InRange(n.Probability, 1e-12, 1.0));
        Assert.True(explain.BitsPerNote > 0);
    }

    [Fact]
    public async Task With_grid_tokens_continue_gives_the_phrase_the_probabilities_explain_gives_it()
    {
        var phrase = StudioServer.Phrase();
        var explained = await _server.Ok<ExplainResponse>("/api/explain", StudioServer.Body(phrase));
        var c = await _server.Ok<ContinueResponse>("/api/continue", StudioServer.Body(phrase, new { bars = 1, seed = 5, explain = true }));
        for (int i = 0; i < explained.Notes.Count; i++)
            Assert.Equal(explained.Notes[i].Probability, c.Melody.Notes[i].Probability!.Value, 1e-5); // float32: one forward pass each
    }
}
