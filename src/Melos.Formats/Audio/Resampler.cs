using System.Numerics;
using System.Runtime.CompilerServices;

namespace Melos.Formats.Audio;

/// <summary>
/// Band-limited resampling by a windowed sinc (Blackman window, 8 zero crossings each side); the passband ends at 94%
/// of the lower rate's Nyquist frequency. When the ratio of the rates reduces to at most 4,096 output phases (every
/// pair of common rates: 22,050 to 16,000 Hz has 320, 44,100 to 16,000 has 160) the kernel is evaluated once per phase
/// and each output sample is one dot product (polyphase); otherwise a table of 256 phases per input sample is read with
/// linear interpolation.
/// </summary>
public static class Resampler
{
    private const int ZeroCrossings = 8;
    private const int Phases = 256;
    private const int MaxPolyphase = 4096;

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
        long count = (long)Math.Round(x.Length * ratio);
        int g = Gcd(from, to);
        int up = to / g, down = from / g;
        return up <= MaxPolyphase ? Polyphase(x, count, up, down, cut, half) : Interpolated(x, count, ratio, cut, half);
    }

    private static double Kernel(double u, double cut, double half)
    {
        u = Math.Abs(u);
        if (u >= half) return 0;
        double s = u == 0 ? 1 : Math.Sin(Math.PI * cut * u) / (Math.PI * cut * u);
        double w = 0.42 + 0.5 * Math.Cos(Math.PI * u / half) + 0.08 * Math.Cos(2 * Math.PI * u / half);
        return cut * s * w;
    }

    // Output i sits at input time t = i * down / up: its integer part advances by whole samples, its fraction takes one
    // of `up` values, and each fraction has its own taps, computed once.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float[] Polyphase(ReadOnlySpan<float> x, long count, int up, int down, double cut, double half)
    {
        int reach = (int)Math.Ceiling(half); // taps from floor(t) - reach + 1 .. floor(t) + reach
        int taps = 2 * reach;
        var bank = new float[up * taps];
        for (int p = 0; p < up; p++)
        {
            double frac = (double)p / up;
            for (int j = 0; j < taps; j++) bank[p * taps + j] = (float)Kernel(frac - (j - reach + 1), cut, half);
        }
        var y = new float[count];
        long whole = 0;
        int phase = 0;
        for (long i = 0; i < count; i++)
        {
            long first = whole - reach + 1;
            var h = bank.AsSpan(phase * taps, taps);
            float acc;
            if (first >= 0 && first + taps <= x.Length) acc = Dot(x.Slice((int)first, taps), h);
            else
            {
                acc = 0;
                for (int j = 0; j < taps; j++)
                {
                    long k = first + j;
                    if (k >= 0 && k < x.Length) acc += x[(int)k] * h[j];
                }
            }
            y[i] = acc;
            phase += down;
            whole += phase / up;
            phase %= up;
        }
        return y;
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int n = a.Length, i = 0;
        float sum = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var acc = Vector<float>.Zero;
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
                acc += new Vector<float>(a.Slice(i)) * new Vector<float>(b.Slice(i));
            sum = Vector.Sum(acc);
        }
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float[] Interpolated(ReadOnlySpan<float> x, long count, double ratio, double cut, double half)
    {
        int tableSize = (int)Math.Ceiling(half * Phases) + 2;
        var table = new float[tableSize];
        for (int i = 0; i < tableSize; i++) table[i] = (float)Kernel((double)i / Phases, cut, half);
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

    private static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}
