using Melos.Data.Transcription;
using Melos.Music;

namespace Melos.Data.Tests.Transcription;

public sealed class TranscriberTests
{
    private static void AssertNotes(IReadOnlyList<TranscribedNote> notes, IReadOnlyList<Tones.Tone> expected, double onsetTolerance = 0.05)
    {
        Assert.True(expected.Count == notes.Count, $"expected {expected.Count} notes, found {notes.Count}: {string.Join(", ", notes.Select(n => $"{n.Pitch}@{n.Start:0.000}-{n.End:0.000}"))}");
        foreach (var (e, n) in expected.Zip(notes))
        {
            Assert.Equal((int)Math.Round(e.Midi), n.Pitch);
            Assert.InRange(n.Start, e.Start - onsetTolerance, e.Start + onsetTolerance);
            Assert.InRange(n.Confidence, 0.3, 1.0);
        }
    }

    [Fact]
    public void A_scale_becomes_its_notes_with_onsets_within_50_ms()
    {
        var tones = Tones.Line(120, 62, 64, 66, 67, 69, 71, 73, 74);
        var t = Transcriber.Transcribe(Tones.Render(tones, 4.6));
        AssertNotes(t.Notes, tones);
    }

    [Fact]
    public void Repeated_notes_of_one_pitch_stay_separate()
    {
        var tones = Tones.Line(140, 67, 67, 67, 69, 69, 67);
        AssertNotes(Transcriber.Transcribe(Tones.Render(tones, 3.2)).Notes, tones);
    }

    [Fact]
    public void Vibrato_of_40_cents_is_one_note_per_tone()
    {
        var tones = new List<Tones.Tone> { new(69, 0.2, 0.9, VibratoCents: 40), new(71, 1.2, 0.9, VibratoCents: 40), new(72, 2.2, 0.9, VibratoCents: 40) };
        AssertNotes(Transcriber.Transcribe(Tones.Render(tones, 3.4)).Notes, tones);
    }

    [Fact]
    public void A_slide_into_a_note_is_part_of_it()
    {
        var tones = new List<Tones.Tone> { new(67, 0.2, 0.5), new(71, 0.8, 0.6, GlideFrom: 68, GlideSeconds: 0.1), new(69, 1.5, 0.5) };
        AssertNotes(Transcriber.Transcribe(Tones.Render(tones, 2.2)).Notes, tones);
    }

    [Fact]
    public void A_recording_30_cents_sharp_is_tuned_and_transcribed_on_the_semitones()
    {
        var tones = Tones.Line(120, 62.3, 64.3, 66.3, 67.3, 69.3);
        var t = Transcriber.Transcribe(Tones.Render(tones, 3.2));
        Assert.InRange(t.TuningCents, 25, 35);
        Assert.Equal([62, 64, 66, 67, 69], t.Notes.Select(n => n.Pitch));
        Assert.InRange(t.ReferenceHz, 447, 450);
    }

    [Fact]
    public void Tempo_meter_and_key_are_estimated_and_hints_override_them()
    {
        // D major arpeggios in quarter notes at 100 BPM over a steady pulse: 16 notes, four bars of 4/4.
        var pitches = new double[] { 62, 66, 69, 74, 69, 66, 62, 66, 69, 74, 76, 74, 69, 66, 64, 62 };
        var tones = Tones.Line(100, pitches);
        var signal = Tones.Render(tones, 10.2);
        var t = Transcriber.Transcribe(signal);
        Assert.InRange(t.Bpm, 95, 105);
        Assert.Equal(new Key(new NoteName(Step.D)), t.Melody.Key);
        Assert.Equal(16, t.Melody.Notes.Length);
        Assert.All(t.Melody.Notes, n => Assert.Equal(0, (n.Start.Quarters * 1).Denominator == 1 ? 0 : 1)); // on the beats
        var hinted = Transcriber.Transcribe(signal, new TranscriptionHints { Meter = new TimeSignature(3, 4), Bpm = 100, Key = new Key(new NoteName(Step.B), Mode.Minor) });
        Assert.Equal((new TimeSignature(3, 4), 100.0), (hinted.Melody.Meters[0].Meter, hinted.Bpm));
        Assert.Equal(new Key(new NoteName(Step.B), Mode.Minor), hinted.Melody.Key);
    }

    [Fact]
    public void Silence_noise_and_chords_are_refused_with_their_reason()
    {
        Assert.Equal(TranscriptionDiscard.Silent, Assert.Throws<UnusableRecordingException>(() => Transcriber.Transcribe(Tones.Render([], 2))).Reason);
        Assert.Equal(TranscriptionDiscard.Noisy, Assert.Throws<UnusableRecordingException>(() => Transcriber.Transcribe(Tones.Render([], 2, noiseDb: 0))).Reason);
        var chords = new List<Tones.Tone>();
        for (int i = 0; i < 4; i++)
            foreach (var p in new[] { 60.0, 64.3, 67.1, 70.6 }) chords.Add(new(p + 2 * i, 0.1 + 0.5 * i, 0.45));
        var e = Assert.Throws<UnusableRecordingException>(() => Transcriber.Transcribe(Tones.Render(chords, 2.3)));
        Assert.Equal(TranscriptionDiscard.Polyphonic, e.Reason);
    }
}
