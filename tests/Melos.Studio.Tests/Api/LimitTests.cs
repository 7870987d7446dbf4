using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Melos.Studio.Tests.Api;

/// <summary>Every limit of the contract is answered 400 (413 for the body size) with a one-line message naming the field.</summary>
[Collection(StudioCollection.Name)]
public sealed class LimitTests(StudioServer server)
{
    /// <summary>A change to the phrase of a request: (endpoint, edit of the body, text the detail must hold).</summary>
    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        // Melody fields, through /api/continue (the same reader serves every endpoint).
        data.Add("continue", "melody=null", "melody: is required");
        data.Add("continue", "melody.key=null", "melody.key");
        data.Add("continue", "melody.key=\"H\"", "melody.key: unknown key 'H'");
        data.Add("continue", "melody.meter=\"x/4\"", "melody.meter: unknown meter");
        data.Add("continue", "melody.meter=\"11/8\"", "melody.meter: the model does not know the meter 11/8");
        data.Add("continue", "melody.tempo=10", "melody.tempo");
        data.Add("continue", "melody.tempo=401", "melody.tempo");
        data.Add("continue", "melody.bars=0", "melody.bars");
        data.Add("continue", "melody.bars=65", "melody.bars");
        data.Add("continue", "melody.style=\"polka\"", "melody.style: unknown style 'polka'");
        data.Add("continue", "melody.chords[1].symbol=\"Hmaj\"", "melody.chords[1].symbol: unknown chord symbol 'Hmaj'");
        data.Add("continue", "melody.chords[1].symbol=null", "melody.chords[1].symbol");
        data.Add("continue", "melody.chords[1].start=-1", "melody.chords[1].start");
        data.Add("continue", "melody.chords[1].start=60", "melody.chords[1].start");
        data.Add("continue", "melody.chords[1].start=4.05", "melody.chords[1].start");
        data.Add("continue", "melody.notes=null", "melody.notes");
        data.Add("continue", "melody.notes[2].pitch=-1", "melody.notes[2].pitch");
        data.Add("continue", "melody.notes[2].pitch=128", "melody.notes[2].pitch");
        data.Add("continue", "melody.notes[2].start=-0.5", "melody.notes[2].start");
        data.Add("continue", "melody.notes[2].duration=0", "melody.notes[2].duration");
        data.Add("continue", "melody.notes[2].duration=-1", "melody.notes[2].duration");
        data.Add("continue", "melody.notes[2].start=2.05", "melody.notes[2].start");
        data.Add("continue", "melody.notes[2].duration=0.96", "melody.notes[2].duration");
        data.Add("continue", "melody.notes[2].duration=0.01", "melody.notes[2].duration");
        data.Add("continue", "melody.notes[10].duration=5", "melody.notes[10]: ends at 17 quarters, after the last bar");
        data.Add("continue", "melody.notes[2].start=1.5", "melody.notes[2]: overlaps notes[1]");
        data.Add("continue", "melody.notes[2].pitch=100", "pitch 100 is outside the tokenizer's range 48..84");
        data.Add("continue", "melody.notes=2001", "melody.notes: has 2001 notes; at most 2000");
        data.Add("continue", "melody.chords=2001", "melody.chords: has 2001 chords; at most 2000");
        // /api/continue's own fields.
        data.Add("continue", "bars=0", "bars: the answer must be 1..16");
        data.Add("continue", "bars=17", "bars: the answer must be 1..16");
        data.Add("continue", "melody.bars=60", "bars: the phrase's 60 bars and the answer's 8 make 68; at most 64");
        data.Add("continue", "temperature=0.01", "temperature: must be 0.05..5");
        data.Add("continue", "temperature=5.5", "temperature: must be 0.05..5");
        data.Add("continue", "topP=0", "topP: must be in (0, 1]");
        data.Add("continue", "topP=1.5", "topP: must be in (0, 1]");
        data.Add("continue", "low=\"X9\"", "low: 'X9' is not a pitch");
        data.Add("continue", "high=\"bright\"", "high: 'bright' is not a pitch");
        data.Add("continue", "low=\"C6\"", "low: C6 is above high C5");
        data.Add("continue", "low=\"C2\";high=\"B2\"", "low: no pitch of G major lies between C2 and B2 within the model's range C3-C6");
        data.Add("continue", "low=\"C#4\";high=\"C#4\"", "low: no pitch of G major lies between C#4 and C#4");
        // /api/infill.
        data.Add("infill", "firstBar=0", "firstBar: must be 1..4");
        data.Add("infill", "firstBar=5", "firstBar: must be 1..4");
        data.Add("infill", "lastBar=5", "lastBar: must be 2..4");
        data.Add("infill", "lastBar=1", "lastBar: must be 2..4");
        data.Add("infill", "candidates=0", "candidates: must be 1..64");
        data.Add("infill", "candidates=65", "candidates: must be 1..64");
        data.Add("infill", "temperature=0", "temperature: must be 0.05..5");
        data.Add("infill", "melody.notes=[]", "melody: has no notes");
        // /api/vary.
        data.Add("vary", "amount=-0.1", "amount: must be 0..1");
        data.Add("vary", "amount=1.5", "amount: must be 0..1");
        data.Add("vary", "temperature=9", "temperature: must be 0.05..5");
        data.Add("vary", "melody.notes=[]", "melody: has no notes to vary");
        // /api/explain and /api/export.
        data.Add("explain", "melody.notes[0].pitch=30", "the model cannot encode it");
        data.Add("explain", "melody.key=\"Zm\"", "melody.key: unknown key 'Zm'");
        data.Add("export?format=pdf", "", "format: unknown format 'pdf'");
        data.Add("export", "", "format: is required");
        data.Add("export?format=wav", "melody.tempo=20;melody.bars=64;melody.notes=[]", "WAV export renders at most 300 s");
        data.Add("export?format=mid", "melody.notes[0].start=-1", "melody.notes[0].start");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_value_outside_the_limits_is_a_400_naming_the_field(string endpoint, string edits, string expected)
    {
        var body = endpoint switch
        {
            "continue" => StudioServer.Body(fields: new { bars = 8, seed = 1, high = "C5" }),
            "infill" => StudioServer.Body(fields: new { firstBar = 2, lastBar = 3, seed = 1 }),
            "vary" => StudioServer.Body(fields: new { amount = 0.3, seed = 1 }),
            _ => StudioServer.Body(),
        };
        if (endpoint == "continue" && !edits.StartsWith("low", StringComparison.Ordinal)) body.Remove("high");
        foreach (var edit in edits.Split(';', StringSplitOptions.RemoveEmptyEntries)) Apply(body, edit);
        var (status, detail, _) = await server.Problem("/api/" + endpoint, body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, detail, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', detail);
        Assert.DoesNotContain("(Parameter '", detail, StringComparison.Ordinal);
    }

    /// <summary>Applies <c>path=json</c> to a body; <c>notes=N</c> or <c>chords=N</c> fills the list with N items.</summary>
    private static void Apply(JsonObject body, string edit)
    {
        int eq = edit.IndexOf('=');
        var path = edit[..eq].Split('.');
        var value = edit[(eq + 1)..];
        JsonNode parent = body;
        for (int i = 0; i < path.Length - 1; i++) parent = Step(parent, path[i]);
        var last = path[^1];
        JsonNode? node = int.TryParse(value, out int count) && last is "notes" or "chords"
            ? new JsonArray([.. Enumerable.Range(0, count).Select(k => last == "notes"
                ? (JsonNode)new JsonObject { ["pitch"] = 60 + k % 12, ["start"] = k / 12.0, ["duration"] = 1 / 12.0 }
                : new JsonObject { ["start"] = 0, ["symbol"] = "C" })])
            : JsonNode.Parse(value);
        int bracket = last.IndexOf('[');
        if (bracket >= 0) Step(parent, last[..bracket]).AsArray()[int.Parse(last[(bracket + 1)..^1])] = node;
        else parent.AsObject()[last] = node;
    }

    private static JsonNode Step(JsonNode node, string part)
    {
        int bracket = part.IndexOf('[');
        if (bracket < 0) return node[part]!;
        return node[part[..bracket]]![int.Parse(part[(bracket + 1)..^1])]!;
    }

    [Fact]
    public async Task A_body_over_256_KB_is_refused_with_a_message()
    {
        var body = StudioServer.Body();
        body["melody"]!["style"] = new string(' ', 300 * 1024); // a known field: an unknown one is refused as such
        var (status, detail, _) = await server.Problem("/api/continue", body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("at most 262144", detail, StringComparison.Ordinal);

        // The same without a Content-Length (chunked): Kestrel's own limit, still a problem with a message.
        var content = new PushStreamContent(Encoding.UTF8.GetBytes(body.ToJsonString()));
        using var chunked = await server.Http.PostAsync("/api/continue", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        var problem = JsonNode.Parse(await chunked.Content.ReadAsStringAsync())!;
        Assert.Contains("262144", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{bad", "not valid JSON")]
    [InlineData("{\"melody\":{\"key\":\"G\",\"meter\":\"4/4\",\"tempo\":120,\"bars\":4,\"notes\":[{\"pitch\":\"x\"}]}}", "melody.notes[0].pitch: must be a whole number")]
    [InlineData("", "has no body")]
    public async Task A_body_that_is_not_the_request_is_a_400_with_a_message(string text, string expected)
    {
        using var response = await server.Http.PostAsync("/api/continue", new StringContent(text, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>();
        Assert.Contains(expected, detail, StringComparison.Ordinal);
    }

    /// <summary>Content with no length: sent chunked.</summary>
    private sealed class PushStreamContent : HttpContent
    {
        private readonly byte[] _bytes;

        public PushStreamContent(byte[] bytes)
        {
            _bytes = bytes;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
