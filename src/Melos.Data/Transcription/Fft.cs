using System.Runtime.CompilerServices;

namespace Melos.Data.Transcription;

/// <summary>An in-place radix-2 complex FFT of one power-of-two size, with its twiddles and bit reversal computed once.</summary>
internal sealed class Fft
{
    private readonly int _n;
    private readonly double[] _cos, _sin, _sinInverse;
    private readonly int[] _rev;

    public Fft(int n)
    {
        if (n < 2 || (n & (n - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(n), n, "The FFT size is a power of two.");
        _n = n;
        _cos = new double[n / 2];
        _sin = new double[n / 2];
        _sinInverse = new double[n / 2];
        for (int i = 0; i < n / 2; i++)
        {
            _cos[i] = Math.Cos(2 * Math.PI * i / n);
            _sin[i] = -Math.Sin(2 * Math.PI * i / n);
            _sinInverse[i] = -_sin[i];
        }
        _rev = new int[n];
        int bits = System.Numerics.BitOperations.Log2((uint)n);
        for (int i = 0; i < n; i++)
        {
            int r = 0;
            for (int b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
            _rev[i] = r;
        }
    }

    public int Size => _n;

    /// <summary>Transforms (re, im) in place; <paramref name="inverse"/> conjugates the twiddles (no 1/n scaling).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Transform(double[] re, double[] im, bool inverse = false)
    {
        int n = _n;
        if (re.Length < n || im.Length < n) throw new ArgumentException($"The arrays hold fewer than {n} values.");
        var rev = _rev;
        for (int i = 0; i < n; i++)
        {
            int j = rev[i];
            if (j > i)
            {
                (re[i], re[j]) = (re[j], re[i]);
                (im[i], im[j]) = (im[j], im[i]);
            }
        }
        // The first stage's only twiddle is 1.
        for (int a = 0; a + 1 < n; a += 2)
        {
            double xr = re[a + 1], xi = im[a + 1];
            re[a + 1] = re[a] - xr;
            im[a + 1] = im[a] - xi;
            re[a] += xr;
            im[a] += xi;
        }
        var cos = _cos;
        var sin = inverse ? _sinInverse : _sin;
        for (int size = 4; size <= n; size <<= 1)
        {
            int half = size >> 1, step = n / size;
            for (int start = 0; start < n; start += size)
            {
                for (int k = 0, t = 0; k < half; k++, t += step)
                {
                    double wr = cos[t], wi = sin[t];
                    int a = start + k, b = a + half;
                    double br = re[b], bi = im[b];
                    double xr = br * wr - bi * wi, xi = br * wi + bi * wr;
                    double ar = re[a], ai = im[a];
                    re[b] = ar - xr;
                    im[b] = ai - xi;
                    re[a] = ar + xr;
                    im[a] = ai + xi;
                }
            }
        }
    }
}
