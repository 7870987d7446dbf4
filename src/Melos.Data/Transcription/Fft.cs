namespace Melos.Data.Transcription;

/// <summary>An in-place radix-2 complex FFT of one power-of-two size, with its twiddles and bit reversal computed once.</summary>
internal sealed class Fft
{
    private readonly int _n;
    private readonly double[] _cos, _sin;
    private readonly int[] _rev;

    public Fft(int n)
    {
        if (n < 2 || (n & (n - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(n), n, "The FFT size is a power of two.");
        _n = n;
        _cos = new double[n / 2];
        _sin = new double[n / 2];
        for (int i = 0; i < n / 2; i++)
        {
            _cos[i] = Math.Cos(2 * Math.PI * i / n);
            _sin[i] = -Math.Sin(2 * Math.PI * i / n);
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
    public void Transform(double[] re, double[] im, bool inverse = false)
    {
        for (int i = 0; i < _n; i++)
        {
            int j = _rev[i];
            if (j > i)
            {
                (re[i], re[j]) = (re[j], re[i]);
                (im[i], im[j]) = (im[j], im[i]);
            }
        }
        double sign = inverse ? -1 : 1;
        for (int size = 2; size <= _n; size <<= 1)
        {
            int half = size >> 1, step = _n / size;
            for (int start = 0; start < _n; start += size)
            {
                for (int k = 0, t = 0; k < half; k++, t += step)
                {
                    double wr = _cos[t], wi = sign * _sin[t];
                    int a = start + k, b = a + half;
                    double xr = re[b] * wr - im[b] * wi, xi = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - xr;
                    im[b] = im[a] - xi;
                    re[a] += xr;
                    im[a] += xi;
                }
            }
        }
    }
}
