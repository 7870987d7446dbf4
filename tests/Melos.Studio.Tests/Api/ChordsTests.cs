using System.Net;
using System.Text.Json.Nodes;
using Melos.Generation;
using Melos.Music;

namespace Melos.Studio.Tests.Api;

/// <summary><c>POST /api/chords</c>: the command line's chord grammar (<see cref="ChordProgression"/>) for the page.</summary>
[Collection(StudioCollection.Name)]
public sealed class ChordsTests(StudioServer server)
{
    private static JsonObject Request(string? text, string meter, int bars) => new() { ["text"] = text, ["meter"] = meter, ["bars"] = bars };

    /// <summary>The chord track <c>melos generate --chords TEXT</c> lays out over the bars: (start, length, symbol) in quarters.</summary>
    private static List<(double Start, double Length, string Symbol)> Cli(string text, string meter, int bars)
    {
        var signature = TimeSignature.Parse(meter);
        var end = signature.BarLength * new Rational(bars, 1);
        var changes = ChordProgression.Layout(ChordProgression.Parse(text), signature, end);
        return [.. changes.Select((c, i) => (c.At.ToQuarterDouble(), ((i + 1 < changes.Count ? changes[i + 1].At : end) - c.At).ToQuarterDouble(), c.Chord.ToString()))];
    }

    [Theory]
    [InlineData("G:2 D Em C", "4/4", 4)]
    [InlineData("G:2 D Em C", "3/4", 4)]
    [InlineData("G:2 D Em C", "6/8", 4)]
    [InlineData("G:2 D Em C", "2/4", 4)]
    [InlineData("G:2 D Em C", "9/8", 3)]
    [InlineData("G:2 D Em C", "12/8", 5)]
    [InlineData("D/F#:1 Em7:3 A7", "6/8", 7)]
    [InlineData("G D/F# Em C", "3/4", 2)]
    public async Task The_layout_is_the_command_lines_in_every_meter(string text, string meter, int bars)
    {
        var layout = await server.Ok<ChordsResponse>("/api/chords", Request(text, meter, bars));
        Assert.Equal(Cli(text, meter, bars), layout.Chords.Select(c => (c.Start, c.Length, c.Symbol)));
        Assert.Equal((meter, bars), (layout.Meter, layout.Bars));
        Assert.Equal(string.Join(' ', ChordProgression.Parse(text)), layout.Text);
        Assert.Equal(ChordProgression.Parse(text).Select(p => (p.Chord.ToString(), p.Beats)), layout.Progression.Select(p => (p.Symbol, p.Beats)));
    }

    [Fact]
    public async Task G_for_two_beats_lasts_two_beats_of_the_meter()
    {
        // A beat is the meter's: a quarter in 4/4, 3/4 and 2/4, a dotted quarter in 6/8.
        foreach (var (meter, quarters) in new[] { ("4/4", 2.0), ("3/4", 2.0), ("2/4", 2.0), ("6/8", 3.0) })
        {
            var layout = await server.Ok<ChordsResponse>("/api/chords", Request("G:2 D Em C", meter, 4));
            var g = layout.Chords[0];
            Assert.Equal(("G", 0.0), (g.Symbol, g.Start));
            Assert.Equal(TimeSignature.Parse(meter).BeatLength.ToQuarterDouble() * 2, g.Length);
            Assert.Equal(quarters, g.Length);
        }
    }

    [Fact]
    public async Task The_progression_repeats_until_the_bars_are_full_and_the_last_chord_stops_at_the_end()
    {
        var layout = await server.Ok<ChordsResponse>("/api/chords", Request("G:3 D", "4/4", 2));
        Assert.Equal([(0.0, 3.0, "G"), (3.0, 4.0, "D"), (7.0, 1.0, "G")], layout.Chords.Select(c => (c.Start, c.Length, c.Symbol)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task No_text_is_no_chords(string? text)
    {
        var layout = await server.Ok<ChordsResponse>("/api/chords", Request(text, "4/4", 4));
        Assert.Empty(layout.Chords);
        Assert.Empty(layout.Progression);
        Assert.Equal("", layout.Text);
    }

    [Theory]
    [InlineData("G Hm", "4/4", 4, "text: ", "Hm")]
    [InlineData("G:x D", "4/4", 4, "text: ", "G:x")]
    [InlineData("G:0 D", "3/4", 4, "text: ", "G:0")]
    [InlineData("G:1.5 D", "6/8", 4, "text: ", "G:1.5")]
    [InlineData("G | D", "4/4", 4, "text: ", "|")]
    [InlineData("G D", "5/x", 4, "meter: ", "5/x")]
    [InlineData("G D", "", 4, "meter: ", "required")]
    [InlineData("G D", "4/4", 0, "bars: ", "1..64")]
    [InlineData("G D", "4/4", 65, "bars: ", "1..64")]
    public async Task Bad_input_is_a_400_problem_naming_the_field(string text, string meter, int bars, string field, string mention)
    {
        var (status, detail, response) = await server.Problem("/api/chords", Request(text, meter, bars));
        response.Dispose();
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(field, detail, StringComparison.Ordinal);
        Assert.Contains(mention, detail, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', detail);
    }

    [Fact]
    public async Task The_page_text_error_is_the_command_lines_parse_error()
    {
        var (_, detail, response) = await server.Problem("/api/chords", Request("G:x D", "4/4", 4));
        response.Dispose();
        var e = Assert.ThrowsAny<MusicParseException>(() => ChordProgression.Parse("G:x D"));
        Assert.Equal("text: " + e.Message, detail);
    }
}
