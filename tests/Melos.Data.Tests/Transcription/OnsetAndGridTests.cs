using Melos.Data.Transcription;
using Melos.Formats.Audio;
using Melos.Music;

namespace Melos.Data.Tests.Transcription;

/// <summary>Note starts placed at attacks, short notes kept, and the quantization grid chosen from the onsets.</summary>
public sealed class OnsetAndGridTests
{
    /// <summary>
    /// Legato notes whose next note swells in over 80 ms while the one before dies away over 120 ms (a bowed string): the
    /// pitch changes hands 40 ms or more after the attack.
    /// </summary>
    private static AudioSignal SlowAttacks(double[] pitches, double[] starts, double seconds)
    {
        const int rate = Tones.Rate;
        var x = new float[(int)(seconds * rate)];
        for (int n = 0; n < pitches.Length; n++)
        {
            double start = starts[n], end = n + 1 < starts.Length ? starts[n + 1] : seconds - 0.2;
            double hz = 440 * Math.Pow(2, (pitches[n] - 69) / 12), phase = 0;
            for (int i = (int)(start * rate); i < Math.Min(x.Length, (int)((end + 0.12) * rate)); i++)
            {
                double t = (double)i / rate - start;
                double env = Math.Min(1, t / 0.08) * (t + start < end ? 1 : Math.Exp(-(t + start - end) / 0.03));
                phase += 2 * Math.PI * hz / rate;
                x[i] += (float)(0.25 * env * (Math.Sin(phase) + 0.6 * Math.Sin(2 * phase) + 0.4 * Math.Sin(3 * phase) + 0.2 * Math.Sin(4 * phase)));
            }
        }
        return new AudioSignal(x, rate, new AudioSourceInfo("slow", "synthetic", rate, 1, 32, x.Length));
    }

    [Fact]
    public void Slow_attacks_start_their_notes_at_the_attack_not_where_the_pitch_changes_hands()
    {
        double[] pitches = [67, 71, 69, 74, 72], starts = [0.2, 0.5, 0.8, 1.1, 1.4];
        var signal = SlowAttacks(pitches, starts, 2.1);
        var notes = Transcriber.Transcribe(signal).Notes;
        Assert.Equal(pitches.Select(p => (int)p), notes.Select(n => n.Pitch));
        foreach (var (n, s) in notes.Zip(starts).Skip(1)) Assert.InRange(n.Start, s - 0.025, s + 0.025);
        // The pitch boundaries alone are later: the refinement is what brings them in.
        var frames = PitchTracker.Track(signal.Samples);
        var byPitch = NoteSegmenter.Segment(frames, NoteSegmenter.Tuning(frames));
        Assert.True(byPitch.Skip(1).Zip(starts.Skip(1)).Average(p => p.First.Start - p.Second) > 0.025, "the pitch boundaries were already at the attacks");
    }

    [Fact]
    public void The_refiner_leaves_a_note_without_a_rise_where_it_is()
    {
        var notes = new List<TranscribedNote> { new(0.5, 1.0, 69, 69, 1) };
        var silence = new float[Tones.Rate * 2];
        Assert.Equal(0.5, OnsetRefiner.Refine(silence, Tones.Rate, notes)[0].Start);
    }

    [Fact]
    public void A_short_note_that_glides_into_the_next_is_kept_when_its_pitch_holds_for_50_ms()
    {
        // 76, a 110 ms 81 whose last 40 ms slide down, then 76 again: the 81 is a note, not a slide.
        var tones = new List<Tones.Tone> { new(76, 0.2, 0.3), new(81, 0.5, 0.12), new(76, 0.62, 0.35, GlideFrom: 80, GlideSeconds: 0.04) };
        var notes = Transcriber.Transcribe(Tones.Render(tones, 1.3)).Notes;
        Assert.Equal([76, 81, 76], notes.Select(n => n.Pitch));
    }

    [Fact]
    public void Swung_eighths_keep_the_sixteenth_grid_and_real_triplets_get_triplets()
    {
        // Offbeat eighths 0.08 quarter late are swing, not triplets.
        var swung = Enumerable.Range(0, 16).Select(i => new PerformedNote(60, i / 2.0 + (i % 2 == 1 ? 0.08 : 0), i / 2.0 + 0.45)).ToList();
        Assert.Equal([4], Transcriber.ChooseGrid(swung).StepsPerQuarter);
        var triplets = Enumerable.Range(0, 12).Select(i => new PerformedNote(60, i / 3.0 + 0.01, i / 3.0 + 0.3)).ToList();
        Assert.Equal([3, 4], Transcriber.ChooseGrid(triplets).StepsPerQuarter);
    }

    [Fact]
    public void Detached_notes_are_written_to_the_next_onset_and_rests_stay_rests()
    {
        // Quarter notes held 70% of their length at 120 BPM, then a rest of a whole beat before the last note.
        var tones = new List<Tones.Tone> { new(67, 0.2, 0.35), new(69, 0.7, 0.35), new(71, 1.2, 0.35), new(72, 1.7, 0.35), new(74, 2.7, 0.35) };
        var t = Transcriber.Transcribe(Tones.Render(tones, 3.4), new TranscriptionHints { Bpm = 120, Meter = TimeSignature.CommonTime });
        var lengths = t.Melody.Notes.Select(n => n.Length.ToQuarterDouble()).ToList();
        Assert.Equal([1.0, 1.0, 1.0], lengths.Take(3));
        Assert.True(t.Melody.Notes[4].Start.ToQuarterDouble() - t.Melody.Notes[3].End.ToQuarterDouble() >= 0.9, "the rest before the last note was filled");
    }
}
