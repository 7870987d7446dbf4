using Melos.Music;

namespace Melos.Studio.Tests.Api;

[Collection(StudioCollection.Name)]
public sealed class EditTests(StudioServer server)
{
    private static List<StudioNote> NotesOf(System.Text.Json.Nodes.JsonObject melody) =>
        [.. melody["notes"]!.AsArray().Select(n => new StudioNote(n!["pitch"]!.GetValue<int>(), n["start"]!.GetValue<double>(), n["duration"]!.GetValue<double>()))];

    private static StudioNote Plain(StudioNote n) => n with { Probability = null };

    [Theory]
    [InlineData(2, 3, 5)]
    [InlineData(1, 1, 9)]
    [InlineData(4, 4, 2)]
    public async Task Infill_keeps_every_note_outside_the_bars(int first, int last, int seed)
    {
        var phrase = StudioServer.Phrase();
        var r = await server.Ok<InfillResponse>("/api/infill", StudioServer.Body(phrase, new { firstBar = first, lastBar = last, seed, candidates = 4 }));
        double from = (first - 1) * 4, to = last * 4;
        bool Outside(StudioNote n) => n.Start < from || n.Start >= to;
        Assert.Equal(NotesOf(phrase).Where(Outside), r.Melody.Notes.Where(Outside).Select(Plain));
        Assert.All(r.Melody.Notes.Where(n => !Outside(n)), n => Assert.True(n.Start + n.Duration <= to + 1e-9, $"a new note at {n.Start} runs past bar {last}"));
        Assert.All(r.Melody.Notes, n => Assert.NotNull(n.Probability));
        Assert.Equal(4, r.Melody.Bars);
        var again = await server.Ok<InfillResponse>("/api/infill", StudioServer.Body(phrase, new { firstBar = first, lastBar = last, seed, candidates = 4 }));
        Assert.Equal(r.Melody.Notes, again.Melody.Notes);
    }

    [Theory]
    [InlineData(0.3, 1)]
    [InlineData(0.5, 2)]
    [InlineData(1.0, 3)]
    public async Task Vary_changes_about_amount_times_the_notes_and_keeps_the_rhythm(double amount, int seed)
    {
        var phrase = StudioServer.Phrase();
        var original = NotesOf(phrase);
        var r = await server.Ok<VaryResponse>("/api/vary", StudioServer.Body(phrase, new { amount, seed }));
        var varied = r.Melody.Notes.Select(Plain).ToList();
        Assert.Equal(original.Select(n => (n.Start, n.Duration)), varied.Select(n => (n.Start, n.Duration)));
        int differing = original.Zip(varied).Count(p => p.First.Pitch != p.Second.Pitch);
        Assert.Equal(differing, r.ChangedNotes);
        int asked = (int)Math.Round(amount * original.Count, MidpointRounding.AwayFromZero);
        Assert.InRange(r.ChangedNotes, Math.Max(1, asked - 1), asked);
        Assert.All(varied, n => Assert.True(Key.Parse("G").Scale.Contains(n.Pitch % 12), $"pitch {n.Pitch} is outside G major"));
    }

    [Fact]
    public async Task Vary_with_amount_zero_returns_the_melody_and_with_rhythm_keeps_its_length()
    {
        var phrase = StudioServer.Phrase();
        var none = await server.Ok<VaryResponse>("/api/vary", StudioServer.Body(phrase, new { amount = 0.0, seed = 1 }));
        Assert.Equal(0, none.ChangedNotes);
        Assert.Equal(NotesOf(phrase), none.Melody.Notes.Select(Plain));

        var rhythm = await server.Ok<VaryResponse>("/api/vary", StudioServer.Body(phrase, new { amount = 0.5, rhythm = true, seed = 4 }));
        Assert.Equal(4, rhythm.Melody.Bars);
        Assert.True(rhythm.ChangedNotes >= 1);
        Assert.All(rhythm.Melody.Notes, n => Assert.True(n.Start + n.Duration <= 16 + 1e-9));
    }

    [Fact]
    public async Task Explain_scores_every_note_and_agrees_with_the_probabilities_of_continue()
    {
        var phrase = StudioServer.Phrase();
        var r = await server.Ok<ExplainResponse>("/api/explain", StudioServer.Body(phrase));
        var notes = NotesOf(phrase);
        Assert.Equal(notes.Count, r.Notes.Count);
        for (int i = 0; i < notes.Count; i++)
        {
            var n = r.Notes[i];
            Assert.Equal(i, n.Index);
            Assert.Equal((notes[i].Pitch, notes[i].Start, notes[i].Duration), (n.Pitch, n.Start, n.Duration));
            Assert.InRange(n.Probability, double.Epsilon, 1);
            Assert.Equal(-Math.Log2(n.Probability), n.SurprisalBits, 9);
            Assert.True(n.Rank >= 1);
            Assert.Equal(5, n.Alternatives.Count);
            Assert.Equal(n.Alternatives.OrderByDescending(a => a.Probability).Select(a => a.Probability), n.Alternatives.Select(a => a.Probability));
            Assert.Equal(n.Rank - 1 <= 5 ? n.Rank - 1 : 5, n.Alternatives.Count(a => a.Probability > n.Probability));
        }
        Assert.True(r.BitsPerNote > 0);

        // With grid tokens, the probabilities continue returns for the phrase's notes are the same model's, given only
        // what came before. (Whole-tune note tokens open with the tune's LENGTH, so a longer tune conditions every note.)
        var c = await server.Ok<ContinueResponse>("/api/continue", StudioServer.Body(phrase, new { bars = 1, seed = 5 }));
        if (server.Inference.Generator.Tokenizer is Melos.Data.Tokenizers.GridTokenizer)
            for (int i = 0; i < notes.Count; i++) Assert.Equal(r.Notes[i].Probability, c.Melody.Notes[i].Probability!.Value, 1e-5); // float32: prefill vs one forward pass

        // And those of the answer's notes are what explain gives the whole answered melody.
        var whole = System.Text.Json.JsonSerializer.SerializeToNode(c.Melody with { Notes = [.. c.Melody.Notes.Select(Plain)] }, StudioServer.Json)!.AsObject();
        var explained = await server.Ok<ExplainResponse>("/api/explain", StudioServer.Body(whole));
        Assert.True(c.Melody.Notes.Count > notes.Count);
        Assert.Equal(c.Melody.Notes.Select(n => n.Probability!.Value), explained.Notes.Select(n => n.Probability), new Tolerance(1e-5));
    }

    [Fact]
    public async Task Explain_of_a_melody_without_notes_has_no_bits_per_note()
    {
        var phrase = StudioServer.Phrase();
        phrase["notes"] = new System.Text.Json.Nodes.JsonArray();
        var r = await server.Ok<ExplainResponse>("/api/explain", StudioServer.Body(phrase));
        Assert.Empty(r.Notes);
        Assert.Null(r.BitsPerNote);
    }

    private sealed class Tolerance(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
