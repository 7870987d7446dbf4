namespace Melos.Formats.Audio;

/// <summary>
/// Band-limited resampling by a windowed sinc (Blackman window, 8 zero crossings each side, a table of 256 phases per
/// input sample read with linear interpolation); the passband ends at 94% of the lower rate's Nyquist frequency.
/// </summary>
public static class Resampler
{
    private const int ZeroCrossings = 8;
    private const int Phases = 256;

    /// <summary>The samples at <paramref name="to"/> Hz; a copy when the rates are equal.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate is not positive.</exception>
    public static float[] Resample(ReadOnlySpan<float> x, int from, int to)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(from);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(to);
        if (from == to) return x.ToArray();
        double ratio = (double)to / from;
        double cut = Math.Min(1.0, ratio) * 0.94; // cutoff as a fraction of the input Nyquist frequency
        double half = ZeroCrossings / cut; // kernel half-width in input samples
        int tableSize = (int)Math.Ceiling(half * Phases) + 2;
        var table = new float[tableSize];
        for (int i = 0; i < tableSize; i++)
        {
            double u = (double)i / Phases;
            if (u >= half) break;
            double s = u == 0 ? 1 : Math.Sin(Math.PI * cut * u) / (Math.PI * cut * u);
            double w = 0.42 + 0.5 * Math.Cos(Math.PI * u / half) + 0.08 * Math.Cos(2 * Math.PI * u / half);
            table[i] = (float)(cut * s * w);
        }
        long count = (long)Math.Round(x.Length * ratio);
        var y = new float[count];
        double step = 1 / ratio;
        for (long i = 0; i < count; i++)
        {
            double t = i * step;
            int lo = (int)Math.Ceiling(t - half), hi = (int)Math.Floor(t + half);
            if (lo < 0) lo = 0;
            if (hi >= x.Length) hi = x.Length - 1;
            double acc = 0;
            for (int k = lo; k <= hi; k++)
            {
                double p = Math.Abs(t - k) * Phases;
                int j = (int)p;
                if (j + 1 >= tableSize) continue;
                double f = p - j;
                acc += x[k] * (table[j] + f * (table[j + 1] - table[j]));
            }
            y[i] = (float)acc;
        }
        return y;
    }
}
