using Melos.Formats.Audio;

namespace Melos.Data.Tests.Transcription;

/// <summary>Synthetic recordings with known notes: harmonic tones with attack and release, vibrato, glides, tuning and noise.</summary>
internal static class Tones
{
    public const int Rate = 16_000;

    /// <summary>A tone: MIDI pitch (fractional allowed), start and length in seconds, vibrato depth in cents at 5.5 Hz, a glide from another pitch over the first seconds.</summary>
    public sealed record Tone(double Midi, double Start, double Length, double VibratoCents = 0, double? GlideFrom = null, double GlideSeconds = 0.08);

    public static AudioSignal Render(IEnumerable<Tone> tones, double seconds, double noiseDb = double.NegativeInfinity, int seed = 1)
    {
        var x = new float[(int)(seconds * Rate)];
        foreach (var t in tones)
        {
            double phase = 0;
            int from = (int)(t.Start * Rate), to = Math.Min(x.Length, (int)((t.Start + t.Length) * Rate));
            for (int i = from; i < to; i++)
            {
                double local = (double)(i - from) / Rate;
                double midi = t.Midi + t.VibratoCents / 100 * Math.Sin(2 * Math.PI * 5.5 * local);
                if (t.GlideFrom is { } g && local < t.GlideSeconds) midi = g + (t.Midi - g) * local / t.GlideSeconds;
                double hz = 440 * Math.Pow(2, (midi - 69) / 12);
                phase += 2 * Math.PI * hz / Rate;
                double env = Math.Min(1, local / 0.015) * Math.Min(1, (t.Length - local) / 0.03);
                x[i] += (float)(0.3 * env * (Math.Sin(phase) + 0.5 * Math.Sin(2 * phase) + 0.25 * Math.Sin(3 * phase)));
            }
        }
        if (!double.IsNegativeInfinity(noiseDb))
        {
            var random = new Random(seed);
            double amp = 0.3 * Math.Pow(10, noiseDb / 20);
            for (int i = 0; i < x.Length; i++) x[i] += (float)(amp * (random.NextDouble() * 2 - 1) * Math.Sqrt(3));
        }
        return new AudioSignal(x, Rate, new AudioSourceInfo("synthetic", "synthetic", Rate, 1, 32, x.Length));
    }

    /// <summary>A melody of quarter notes at <paramref name="bpm"/>, each 90% of its beat.</summary>
    public static List<Tone> Line(double bpm, params double[] pitches)
    {
        double beat = 60 / bpm;
        return [.. pitches.Select((p, i) => new Tone(p, 0.2 + i * beat, 0.9 * beat))];
    }
}
