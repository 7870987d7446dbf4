using System.Text.Json;
using Melos.Generation.Explanation;
using Melos.Music;

namespace Melos.Generation.Tests.Explanation;

public sealed class ExplanationWriterTests
{
    [Fact]
    public void JsonCarriesEveryNoteWithTheDocumentedKeys()
    {
        var (melody, e) = ExplainedSample.Explained();
        using var doc = JsonDocument.Parse(ExplanationWriter.ToJson(e).ToJsonString());
        var notes = doc.RootElement.GetProperty("notes");
        Assert.Equal(melody.Notes.Length, notes.GetArrayLength());
        foreach (var key in new[] { "pitch", "start", "probability", "rank", "surprisalBits", "entropyBits", "alternatives" })
            Assert.True(notes[0].TryGetProperty(key, out _), $"missing {key}");
        Assert.Equal("E4", notes[1].GetProperty("pitch").GetString());
        Assert.Equal(1.0, notes[1].GetProperty("start").GetDouble());
        double p = notes[3].GetProperty("probability").GetDouble();
        Assert.Equal(-Math.Log2(p), notes[3].GetProperty("surprisalBits").GetDouble(), 9);
        Assert.Contains("bar 2 repeats bar 1 exactly", ExplanationWriter.ToText(e), StringComparison.Ordinal);
    }
}
