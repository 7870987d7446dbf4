using Melos.Data.Transcription;

namespace Melos.Data.Tests.Transcription;

public sealed class PitchTrackerTests
{
    private static (double Median, double VoicedShare) Summary(IReadOnlyList<PitchFrame> frames, double from, double to)
    {
        var inside = frames.Where(f => f.Seconds >= from && f.Seconds <= to).ToList();
        var voiced = inside.Where(f => f.Voiced).Select(f => f.Midi).Order().ToList();
        return (voiced.Count == 0 ? double.NaN : voiced[voiced.Count / 2], (double)voiced.Count / inside.Count);
    }

    [Theory]
    [InlineData(45.0)] // A2, 110 Hz
    [InlineData(62.0)] // D4
    [InlineData(69.0)] // A4
    [InlineData(86.0)] // D6, a whistle's high note
    [InlineData(95.0)] // B6, 1976 Hz
    public void A_steady_harmonic_tone_is_tracked_within_ten_cents(double midi)
    {
        var frames = PitchTracker.Track(Tones.Render([new(midi, 0.1, 0.8)], 1.0).Samples);
        var (median, voiced) = Summary(frames, 0.2, 0.8);
        Assert.InRange(median, midi - 0.1, midi + 0.1);
        Assert.True(voiced > 0.95, $"voiced share {voiced}");
        Assert.True(Summary(frames, 0.95, 1.0).VoicedShare == 0, "the silence after the tone is unvoiced");
    }

    [Fact]
    public void A_glide_is_followed_frame_by_frame()
    {
        // From C4 to C5 over 0.6 s: at each frame the tracked pitch is near the glide's.
        var frames = PitchTracker.Track(Tones.Render([new(72, 0.1, 0.8, GlideFrom: 60, GlideSeconds: 0.6)], 1.0).Samples);
        var errors = frames.Where(f => f.Seconds is > 0.15 and < 0.65 && f.Voiced)
            .Select(f => Math.Abs(f.Midi - (60 + 12 * (f.Seconds - 0.1) / 0.6))).Order().ToList();
        Assert.True(errors.Count > 40);
        Assert.True(errors[errors.Count * 9 / 10] < 0.35, $"90th percentile error {errors[errors.Count * 9 / 10]} semitones");
    }

    [Fact]
    public void White_noise_is_aperiodic()
    {
        var frames = PitchTracker.Track(Tones.Render([], 1.0, noiseDb: 0).Samples);
        Assert.True(frames.Select(f => f.Aperiodicity).Order().ElementAt(frames.Count / 2) > 0.45);
    }
}
