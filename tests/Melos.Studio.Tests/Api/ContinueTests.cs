using System.Text.Json.Nodes;
using Melos.Music;

namespace Melos.Studio.Tests.Api;

[Collection(StudioCollection.Name)]
public sealed class ContinueTests(StudioServer server)
{
    private static readonly Scale GMajor = Key.Parse("G").Scale;

    [Fact]
    public async Task The_answer_keeps_the_phrase_and_lies_in_the_answer_bars_in_the_key()
    {
        var phrase = StudioServer.Phrase();
        var r = await server.Ok<ContinueResponse>("/api/continue", StudioServer.Body(phrase, new { bars = 4, seed = 7 }));
        Assert.Equal(8, r.Melody.Bars);
        Assert.Equal(new BarRange(5, 8), r.Answer);
        Assert.Equal(7, r.Seed);
        var given = phrase["notes"]!.AsArray().Select(n => (n!["pitch"]!.GetValue<int>(), n["start"]!.GetValue<double>(), n["duration"]!.GetValue<double>())).ToList();
        var back = r.Melody.Notes.Select(n => (n.Pitch, n.Start, n.Duration)).ToList();
        Assert.Equal(given, back.Take(given.Count));
        var answer = r.Melody.Notes.Skip(given.Count).ToList();
        Assert.NotEmpty(answer);
        Assert.All(answer, n =>
        {
            Assert.True(n.Start >= 16, $"answer note at {n.Start} starts before bar 5");
            Assert.True(n.Start + n.Duration <= 32 + 1e-9, $"answer note at {n.Start} ends after bar 8");
            Assert.True(GMajor.Contains(n.Pitch % 12), $"answer pitch {n.Pitch} is outside G major");
        });
        Assert.All(r.Melody.Notes, n => Assert.InRange(n.Probability!.Value, double.Epsilon, 1));
        Assert.True(r.LogLikelihood < 0);
        Assert.True(r.ElapsedMs > 0);
        Assert.Equal(["G", "D/F#", "Em", "C"], r.Melody.Chords!.Select(c => c.Symbol));
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_answer_and_a_missing_seed_is_reported()
    {
        var a = await server.Ok<ContinueResponse>("/api/continue", StudioServer.Body(fields: new { bars = 2, seed = 11 }));
        var b = await server.Ok<ContinueResponse>("/api/continue", StudioServer.Body(fields: new { bars = 2, seed = 11 }));
        Assert.Equal(a.Melody.Notes, b.Melody.Notes);
        Assert.Equal(a.LogLikelihood, b.LogLikelihood);

        var random = await server.Ok<ContinueResponse>("/api/continue", StudioServer.Body(fields: new { bars = 2 }));
        var again = await server.Ok<ContinueResponse>("/api/continue", StudioServer.Body(fields: new { bars = 2, seed = random.Seed }));
        Assert.Equal(random.Melody.Notes, again.Melody.Notes);

        var seeds = new List<IReadOnlyList<StudioNote>>();
        for (int seed = 1; seed <= 4; seed++)
            seeds.Add((await server.Ok<ContinueResponse>("/api/continue", StudioServer.Body(fields: new { bars = 2, seed }))).Melody.Notes);
        Assert.True(seeds.Skip(1).Any(s => !s.SequenceEqual(seeds[0])), "four seeds gave the same answer");
    }

    [Fact]
    public async Task The_range_and_chords_of_the_answer_bars_are_honoured_and_explain_false_leaves_out_probabilities()
    {
        var phrase = StudioServer.Phrase();
        phrase["chords"]!.AsArray().Add(new JsonObject { ["start"] = 16, ["symbol"] = "Am" });
        phrase["chords"]!.AsArray().Add(new JsonObject { ["start"] = 20, ["symbol"] = "D7" });
        var r = await server.Ok<ContinueResponse>("/api/continue", StudioServer.Body(phrase, new { bars = 2, seed = 3, low = "G4", high = "G5", explain = false }));
        Assert.Equal(["G", "D/F#", "Em", "C", "Am", "D7"], r.Melody.Chords!.Select(c => c.Symbol));
        Assert.Equal([16.0, 20.0], r.Melody.Chords!.Skip(4).Select(c => c.Start));
        Assert.All(r.Melody.Notes.Skip(11), n => Assert.InRange(n.Pitch, 67, 79));
        Assert.All(r.Melody.Notes, n => Assert.Null(n.Probability));
    }

    [Fact]
    public async Task Style_and_meter_reach_the_model_and_come_back()
    {
        var waltz = JsonNode.Parse("""
            {"key":"D","meter":"3/4","tempo":150,"bars":2,"style":"waltz","chords":[{"start":0,"symbol":"D"},{"start":3,"symbol":"A7"}],
             "notes":[{"pitch":62,"start":0,"duration":2},{"pitch":66,"start":2,"duration":1},{"pitch":69,"start":3,"duration":3}]}
            """)!.AsObject();
        var styled = await server.Ok<ContinueResponse>("/api/continue", StudioServer.Body(waltz, new { bars = 2, seed = 1 }));
        Assert.Equal(("D", "3/4", 150.0, 4, "waltz"), (styled.Melody.Key, styled.Melody.Meter, styled.Melody.Tempo, styled.Melody.Bars, styled.Melody.Style));
        Assert.All(styled.Melody.Notes.Skip(3), n => Assert.InRange(n.Start, 6, 12 - n.Duration));

        waltz["style"] = "";
        var plain = await server.Ok<ContinueResponse>("/api/continue", StudioServer.Body(waltz, new { bars = 2, seed = 1 }));
        Assert.Null(plain.Melody.Style);
        // The style label is conditioning: the model scores the same phrase notes differently with and without it.
        Assert.NotEqual(styled.Melody.Notes.Take(3).Select(n => n.Probability), plain.Melody.Notes.Take(3).Select(n => n.Probability));
    }

    [Fact]
    public async Task An_empty_phrase_is_answered_from_scratch_in_the_answer_bars()
    {
        var phrase = StudioServer.Phrase();
        phrase["notes"] = new JsonArray();
        phrase["bars"] = 1;
        phrase["chords"] = new JsonArray(new JsonObject { ["start"] = 0, ["symbol"] = "G" });
        var r = await server.Ok<ContinueResponse>("/api/continue", StudioServer.Body(phrase, new { bars = 2, seed = 2 }));
        Assert.Equal(3, r.Melody.Bars);
        Assert.NotEmpty(r.Melody.Notes);
        Assert.All(r.Melody.Notes, n => Assert.InRange(n.Start, 4, 12 - n.Duration));
    }

    [Fact]
    public async Task Times_near_the_grid_are_snapped_to_it()
    {
        var phrase = StudioServer.Phrase();
        phrase["notes"]![1]!["start"] = 1 + 1.0 / 200;    // 1/200 quarter off: within 1/96
        phrase["notes"]![1]!["duration"] = 1 - 1.0 / 200;
        var r = await server.Ok<ContinueResponse>("/api/continue", StudioServer.Body(phrase, new { bars = 1, seed = 1 }));
        Assert.Equal(1.0, r.Melody.Notes[1].Start);
        Assert.Equal(1.0, r.Melody.Notes[1].Duration);
    }
}
