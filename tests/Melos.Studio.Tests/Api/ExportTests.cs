using System.Net;
using Melos.Formats.Abc;
using Melos.Formats.Audio;
using Melos.Formats.Midi;
using Melos.Formats.MusicXml;
using Melos.Music;

namespace Melos.Studio.Tests.Api;

[Collection(StudioCollection.Name)]
public sealed class ExportTests(StudioServer server)
{
    private static readonly (int Pitch, Rational Start, Rational Length)[] Expected =
        [.. StudioServer.Phrase()["notes"]!.AsArray().Select(n => (n!["pitch"]!.GetValue<int>(),
            new Rational((long)(n["start"]!.GetValue<double>() * 12), 12), new Rational((long)(n["duration"]!.GetValue<double>() * 12), 12)))];

    private static (int, Rational, Rational)[] Notes(Melody m) => [.. m.Notes.Select(n => (n.Pitch.Number, n.Start.Quarters, n.Length.Quarters))];

    private async Task<(byte[] Bytes, HttpResponseMessage Response)> Export(string format)
    {
        var response = await server.Post($"/api/export?format={format}", StudioServer.Body());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsByteArrayAsync(), response);
    }

    [Theory]
    [InlineData("mid", "audio/midi", "melos.mid")]
    [InlineData("abc", "text/vnd.abc", "melos.abc")]
    [InlineData("musicxml", "application/vnd.recordare.musicxml+xml", "melos.musicxml")]
    [InlineData("wav", "audio/wav", "melos.wav")]
    public async Task Each_format_is_an_attachment_with_its_content_type(string format, string contentType, string fileName)
    {
        var (_, response) = await Export(format);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(fileName, response.Content.Headers.ContentDisposition?.FileName);
    }

    [Fact]
    public async Task The_midi_reads_back_with_the_melody_and_its_chords()
    {
        var (bytes, _) = await Export("mid");
        var melody = MidiMelody.Read(bytes);
        Assert.Equal(Expected, Notes(melody));
        Assert.Equal(["G", "D/F#", "Em", "C"], melody.Chords.Select(c => c.Chord.ToString()));
        Assert.Equal(Key.Parse("G"), melody.Key);
        Assert.Equal(120, melody.Tempos[0].Bpm, 6);
        Assert.True(MidiReader.Read(bytes).File.Tracks.Length >= 2, "no chord track");
    }

    [Fact]
    public async Task The_abc_and_musicxml_read_back()
    {
        var (abc, _) = await Export("abc");
        var tune = AbcReader.ReadTune(System.Text.Encoding.UTF8.GetString(abc));
        Assert.Equal(Expected, Notes(tune.Melody));
        Assert.Equal(["G", "D/F#", "Em", "C"], tune.Melody.Chords.Select(c => c.Chord.ToString()));

        var (xml, _) = await Export("musicxml");
        var read = MusicXmlReader.Read(xml).Melody;
        Assert.Equal(Expected, Notes(read));
        Assert.Equal(TimeSignature.Parse("4/4"), read.Meter);
    }

    [Fact]
    public async Task The_wav_has_a_pcm_header_and_lasts_the_four_bars()
    {
        var (bytes, _) = await Export("wav");
        Assert.Equal("RIFF"u8.ToArray(), bytes[..4]);
        Assert.Equal("WAVE"u8.ToArray(), bytes[8..12]);
        var info = WavReader.ReadHeader(bytes);
        Assert.Equal(44_100, info.SampleRate);
        Assert.Equal(2, info.Channels);
        Assert.Equal(16, info.BitsPerSample);
        Assert.InRange(info.Seconds, 8.0, 9.0); // 16 quarters at 120 per minute, plus the release
    }
}
