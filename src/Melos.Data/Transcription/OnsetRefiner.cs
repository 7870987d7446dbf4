using System.Runtime.CompilerServices;
namespace Melos.Data.Transcription;

/// <summary>
/// Places note starts at the attack of the note's own harmonics. A boundary found by pitch lies where the new note has
/// come to dominate the old one's release, 20-60 ms after its attack on slow-attack instruments (bowed strings, reeds).
/// Around each note start this measures the note's harmonic salience - the level summed over its first harmonics below
/// 5 kHz, leaving out those that coincide with the previous note's harmonics - every 5 ms on Hann-windowed 32 ms frames,
/// and moves the start to the steepest rise of that salience (less half the differencing span) when it rises by
/// <see cref="MinRiseDb"/> or more within the search window (<see cref="BeforeSeconds"/> before the start to
/// <see cref="AfterSeconds"/> after it, never into the previous note's first 40 ms).
/// </summary>
public static class OnsetRefiner
{
    /// <summary>How far before a note's start its attack is searched, in seconds.</summary>
    public const double BeforeSeconds = 0.12;

    /// <summary>How far after a note's start its attack is searched, in seconds.</summary>
    public const double AfterSeconds = 0.02;

    /// <summary>The least rise of the note's harmonic salience over <see cref="SpanSeconds"/> that counts as its attack, in dB.</summary>
    public const double MinRiseDb = 3;

    /// <summary>The span over which the salience's rise is measured, in seconds.</summary>
    public const double SpanSeconds = 0.02;

    private const int Window = 512, Size = 1024, MaxHarmonics = 10;
    private const double StepSeconds = 0.005, TopHz = 5000;

    /// <summary>The notes with their starts moved to their attacks (and the previous note's end with a start moved earlier).</summary>
    /// <param name="samples">Mono samples at <paramref name="rate"/>.</param>
    /// <param name="rate">The sample rate in Hz.</param>
    /// <param name="notes">Notes in time order, as <see cref="NoteSegmenter.Segment"/> gives them.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static IReadOnlyList<TranscribedNote> Refine(ReadOnlySpan<float> samples, int rate, IReadOnlyList<TranscribedNote> notes)
    {
        ArgumentNullException.ThrowIfNull(notes);
        if (notes.Count == 0 || samples.Length < Window) return notes;
        var result = notes.ToArray();
        var fft = new Fft(Size);
        var re = new double[Size];
        var im = new double[Size];
        var hann = new double[Window];
        for (int i = 0; i < Window; i++) hann[i] = 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / Window);
        double binHz = (double)rate / Size;
        int span = (int)Math.Round(SpanSeconds / StepSeconds);
        var bins = new List<int>(MaxHarmonics);
        for (int n = 0; n < result.Length; n++)
        {
            var note = result[n];
            double f0 = 440 * Math.Pow(2, (note.Midi - 69) / 12);
            var previous = n > 0 && result[n - 1].End >= note.Start - 0.03 ? result[n - 1] : null;
            double q0 = previous is null ? 0 : 440 * Math.Pow(2, (previous.Midi - 69) / 12);
            bins.Clear();
            for (int h = 1; h <= MaxHarmonics && h * f0 < Math.Min(TopHz, rate / 2.0 - 2 * binHz); h++)
            {
                double hz = h * f0;
                // A harmonic the previous note shares (within 2.5 bins) cannot tell the new note from the old one's release.
                if (q0 > 0 && Math.Abs(hz / q0 - Math.Round(hz / q0)) * q0 < 2.5 * binHz && Math.Round(hz / q0) >= 1) continue;
                bins.Add((int)Math.Round(hz / binHz));
            }
            if (bins.Count == 0) continue;
            double from = note.Start - BeforeSeconds;
            if (n > 0) from = Math.Max(from, result[n - 1].Start + 0.04);
            double to = note.Start + AfterSeconds;
            int steps = (int)Math.Floor((to - from) / StepSeconds) + 1;
            if (steps <= span + 1) continue;
            var salience = new double[steps];
            // Two real frames per complex transform.
            for (int s = 0; s < steps; s += 2)
            {
                Array.Clear(re);
                Array.Clear(im);
                Fill(samples, rate, from + s * StepSeconds, hann, re);
                bool pair = s + 1 < steps;
                if (pair) Fill(samples, rate, from + (s + 1) * StepSeconds, hann, im);
                fft.Transform(re, im);
                double a = 0, b = 0;
                foreach (int k in bins)
                {
                    double best = 0, bestB = 0;
                    for (int j = Math.Max(1, k - 1); j <= Math.Min(Size / 2 - 1, k + 1); j++)
                    {
                        int m = Size - j;
                        double xr = (re[j] + re[m]) / 2, xi = (im[j] - im[m]) / 2; // first frame
                        double yr = (im[j] + im[m]) / 2, yi = -(re[j] - re[m]) / 2; // second frame
                        best = Math.Max(best, xr * xr + xi * xi);
                        bestB = Math.Max(bestB, yr * yr + yi * yi);
                    }
                    a += Math.Sqrt(best);
                    b += Math.Sqrt(bestB);
                }
                salience[s] = a;
                if (pair) salience[s + 1] = b;
            }
            double top = salience.Max();
            if (top <= 0) continue;
            int arg = -1;
            double rise = double.NegativeInfinity;
            for (int s = span; s < steps; s++)
            {
                double r = 20 * Math.Log10((salience[s] + 1e-3 * top) / (salience[s - span] + 1e-3 * top));
                if (r > rise) (rise, arg) = (r, s);
            }
            if (arg < 0 || rise < MinRiseDb) continue;
            double start = from + (arg - span / 2.0) * StepSeconds;
            start = Math.Clamp(start, n > 0 ? result[n - 1].Start + 0.04 : 0, note.End - 0.03);
            result[n] = note with { Start = start };
            if (previous is not null) result[n - 1] = result[n - 1] with { End = start };
        }
        return result;
    }

    private static void Fill(ReadOnlySpan<float> samples, int rate, double centre, double[] hann, double[] into)
    {
        int first = (int)Math.Round(centre * rate) - Window / 2;
        for (int i = 0; i < Window; i++)
        {
            int j = first + i;
            into[i] = j >= 0 && j < samples.Length ? samples[j] * hann[i] : 0;
        }
    }
}
