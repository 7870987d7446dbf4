using Melos.Data.Transcription;
using Melos.Formats;
using Melos.Formats.Audio;
using Melos.Music;
using Melos.Tests;

namespace Melos.Data.Tests.Transcription;

/// <summary>Transcription of shared folk tunes rendered by FluidSynth (piano, the score's own timing): note F-measure and the quantized notes.</summary>
public sealed class RenderedTuneTests
{
    [DatasetToolFact("fluidsynth", "/usr/share/sounds/sf2/FluidR3_GM.sf2")]
    public void Rendered_nottingham_tunes_are_transcribed_note_for_note()
    {
        foreach (var file in new[] { "jigs.abc", "reelsa-c.abc" })
        {
            var tune = FormatRegistry.Default.Read(Datasets.PathOf("nottingham", "ABC_cleaned", file));
            // The first eight bars, without the chord track (the rendering must be one line).
            var bars = tune.Meter.BarLength.Quarters * 8;
            var melody = Melody.Create(tune.Notes.Where(n => n.End.Quarters <= bars), tune.Key, tune.Meters, [TempoChange.FromBpm(Duration.Zero, 110)]);
            var wav = new WavWriteOptions { Synth = SynthKind.FluidSynth }.Render(melody);
            var signal = AudioDecoder.Decode(wav, file + ".wav");
            var t = Transcriber.Transcribe(signal, new TranscriptionHints { Meter = melody.Meter, Bpm = 110 });
            double secondsPerQuarter = 60.0 / 110;
            var reference = melody.Notes.Select(n => new TimedNote(n.Start.ToQuarterDouble() * secondsPerQuarter, n.End.ToQuarterDouble() * secondsPerQuarter, n.Pitch.Number)).ToList();
            var estimated = t.Notes.Select(n => new TimedNote(n.Start, n.End, n.Pitch)).ToList();
            var score = NoteScore.Score(reference, estimated);
            Assert.True(score.F >= 0.85, $"{file}: F {score.F:0.000} (P {score.Precision:0.000}, R {score.Recall:0.000}; {score.Estimated} notes for {score.Reference})");
            // After quantization (tempo and meter given) the pitches are the score's, in order, but for ornaments.
            var got = t.Melody.Notes.Select(n => n.Pitch.Number).ToList();
            var want = melody.Notes.Select(n => n.Pitch.Number).ToList();
            Assert.True(got.Count >= want.Count - 3 && got.Count <= want.Count + 1 && got.Zip(want).Count(p => p.First == p.Second) >= want.Count / 2,
                $"{file}: {got.Count} notes for {want.Count}");
        }
    }
}
