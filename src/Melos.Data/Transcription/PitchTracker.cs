using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;

namespace Melos.Data.Transcription;

/// <summary>
/// How audio is transcribed: the analysis rate and frames, the pitch range, the pYIN prior and HMM, and note
/// segmentation. Immutable and validated; saved with <see cref="FormatVersion"/>.
/// </summary>
public sealed record TranscriptionSettings
{
    /// <summary>The settings' JSON format version.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The defaults: 16 kHz analysis, 10 ms hop, 32 ms YIN window, 65..2100 Hz.</summary>
    public static TranscriptionSettings Default { get; } = new();

    /// <summary>The JSON format version.</summary>
    [JsonPropertyName("formatVersion")]
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The rate audio is resampled to before analysis, in Hz.</summary>
    public int AnalysisRate { get; init; } = 16_000;

    /// <summary>Samples between frames at the analysis rate (160 = 10 ms at 16 kHz).</summary>
    public int Hop { get; init; } = 160;

    /// <summary>The YIN integration window in samples (512 = 32 ms at 16 kHz).</summary>
    public int Window { get; init; } = 512;

    /// <summary>The lowest fundamental tracked, in Hz.</summary>
    public double MinHz { get; init; } = 65;

    /// <summary>The highest fundamental tracked, in Hz.</summary>
    public double MaxHz { get; init; } = 2100;

    /// <summary>The mean of the beta prior over YIN thresholds (pYIN uses 0.1 to 0.2).</summary>
    public double ThresholdMean { get; init; } = 0.15;

    /// <summary>The probability of switching between voiced and unvoiced from one frame to the next.</summary>
    public double VoicingSwitch { get; init; } = 0.01;

    /// <summary>The HMM's cost (negative log probability) per 20-cent step of pitch change between frames.</summary>
    public double JumpCost { get; init; } = 0.25;

    /// <summary>Frames quieter than this (dB below the loudest frame) count as silence.</summary>
    public double SilenceDb { get; init; } = 40;

    /// <summary>The shortest note kept, in seconds (shorter pieces join a neighbour: slides, vibrato, attacks).</summary>
    public double MinNoteSeconds { get; init; } = 0.06;

    /// <summary>A level rise (dB over the previous 40 ms) that starts a new note of the same pitch.</summary>
    public double OnsetRiseDb { get; init; } = 6;

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The offending value, named.</exception>
    public TranscriptionSettings Validate()
    {
        if (FormatVersion != CurrentFormatVersion) throw new ArgumentOutOfRangeException(nameof(FormatVersion), FormatVersion, $"Transcription settings format {CurrentFormatVersion} is read.");
        if (AnalysisRate is < 4000 or > 96_000) throw new ArgumentOutOfRangeException(nameof(AnalysisRate), AnalysisRate, "The analysis rate is 4000..96000 Hz.");
        if (Hop < 1 || Hop > Window) throw new ArgumentOutOfRangeException(nameof(Hop), Hop, "The hop is 1..Window samples.");
        if (Window is < 64 or > 8192) throw new ArgumentOutOfRangeException(nameof(Window), Window, "The window is 64..8192 samples.");
        if (!(MinHz > 0 && MaxHz > MinHz * 2 && MaxHz < AnalysisRate / 4.0)) throw new ArgumentOutOfRangeException(nameof(MaxHz), MaxHz, "0 < MinHz, MaxHz over an octave above it and under a quarter of the analysis rate.");
        if (!(ThresholdMean is > 0.01 and < 0.9)) throw new ArgumentOutOfRangeException(nameof(ThresholdMean), ThresholdMean, "The threshold mean is 0.01..0.9.");
        if (!(VoicingSwitch is > 0 and < 0.5)) throw new ArgumentOutOfRangeException(nameof(VoicingSwitch), VoicingSwitch, "The voicing switch probability is in (0, 0.5).");
        if (!(JumpCost >= 0)) throw new ArgumentOutOfRangeException(nameof(JumpCost), JumpCost, "The jump cost is 0 or more.");
        if (!(SilenceDb > 0)) throw new ArgumentOutOfRangeException(nameof(SilenceDb), SilenceDb, "The silence level is a positive number of dB.");
        if (!(MinNoteSeconds > 0)) throw new ArgumentOutOfRangeException(nameof(MinNoteSeconds), MinNoteSeconds, "The shortest note is positive.");
        if (!(OnsetRiseDb > 0)) throw new ArgumentOutOfRangeException(nameof(OnsetRiseDb), OnsetRiseDb, "The onset rise is positive.");
        return this;
    }

    /// <summary>Seconds per frame.</summary>
    [JsonIgnore]
    public double FrameSeconds => (double)Hop / AnalysisRate;
}

/// <summary>One analysis frame of a pitch track.</summary>
/// <param name="Seconds">The frame's centre.</param>
/// <param name="Hz">The decoded fundamental; 0 when unvoiced.</param>
/// <param name="VoicedProbability">The pYIN voicing probability (the summed candidate probabilities).</param>
/// <param name="Level">The frame's RMS level in dB relative to full scale.</param>
/// <param name="Aperiodicity">The smallest normalized YIN difference (0 for a pure periodic frame, near 1 for noise).</param>
public readonly record struct PitchFrame(double Seconds, double Hz, double VoicedProbability, double Level, double Aperiodicity)
{
    /// <summary>True when the frame was decoded as voiced.</summary>
    public bool Voiced => Hz > 0;

    /// <summary>The pitch as a fractional MIDI number (A440 = 69); NaN when unvoiced.</summary>
    public double Midi => Hz > 0 ? 69 + 12 * Math.Log2(Hz / 440) : double.NaN;
}

/// <summary>
/// Pitch tracking in the manner of pYIN (Mauch and Dixon 2014): the YIN cumulative mean normalized difference of each
/// frame, thresholded at 100 thresholds under a beta prior to give pitch candidates with probabilities, then a hidden
/// Markov model over 20-cent pitch bins times voicing, decoded with Viterbi. Pitch changes cost
/// <see cref="TranscriptionSettings.JumpCost"/> per bin (a Laplacian transition, decoded in linear time per frame by
/// a distance transform), voicing changes <see cref="TranscriptionSettings.VoicingSwitch"/>.
/// </summary>
public static class PitchTracker
{
    private const double BinCents = 20;

    /// <summary>Tracks the pitch of mono samples at the settings' analysis rate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static IReadOnlyList<PitchFrame> Track(ReadOnlySpan<float> samples, TranscriptionSettings? settings = null)
    {
        settings = (settings ?? TranscriptionSettings.Default).Validate();
        int rate = settings.AnalysisRate, w = settings.Window, hop = settings.Hop;
        int minLag = Math.Max(2, (int)Math.Floor(rate / settings.MaxHz)), maxLag = (int)Math.Ceiling(rate / settings.MinHz);
        int n = 1;
        while (n < w + maxLag + 1) n <<= 1;
        var fft = new Fft(n);
        int frames = samples.Length < w + maxLag ? 0 : 1 + (samples.Length - w - maxLag) / hop;
        if (frames == 0) return [];

        // The threshold prior: Beta(2, b) with the chosen mean over thresholds 0.01..1.
        const int thresholds = 100;
        double beta = 2 / settings.ThresholdMean - 2;
        var prior = new double[thresholds];
        for (int i = 0; i < thresholds; i++)
        {
            double s = (i + 1) / 100.0 - 0.005;
            prior[i] = s * Math.Pow(1 - s, beta - 1);
        }
        double priorSum = prior.Sum();
        for (int i = 0; i < thresholds; i++) prior[i] /= priorSum;
        var thresholdOf = Enumerable.Range(0, thresholds).Select(i => (i + 1) / 100.0).ToArray();

        int bins = (int)Math.Floor(1200 * Math.Log2(settings.MaxHz / settings.MinHz) / BinCents) + 1;
        var candidates = new List<(double Hz, double P)>[frames];
        var level = new double[frames];
        var aperiodicity = new double[frames];
        var voicedMass = new double[frames];
        var re = new double[n];
        var im = new double[n];
        var pr = new double[n];
        var pi = new double[n];
        var d = new double[maxLag + 1];
        var cmnd = new double[maxLag + 1];
        var energy = new double[w + maxLag + 1]; // prefix sums of squares
        var crossing = new int[thresholds];
        var found = new Dictionary<int, double>();
        // Two frames per inverse transform: both cross-correlations are real, so the first is the real part of the
        // inverse of (P0 + i P1) and the second its imaginary part.
        for (int f0 = 0; f0 < frames; f0 += 2)
        {
            bool pair = f0 + 1 < frames;
            CrossSpectrum(samples, f0 * hop, w, maxLag, fft, re, im);
            if (pair)
            {
                Array.Copy(re, pr, n);
                Array.Copy(im, pi, n);
                CrossSpectrum(samples, (f0 + 1) * hop, w, maxLag, fft, re, im);
                for (int k = 0; k < n; k++)
                {
                    double r1 = re[k], i1 = im[k];
                    re[k] = pr[k] - i1;
                    im[k] = pi[k] + r1;
                }
            }
            fft.Transform(re, im, inverse: true);
            for (int q = 0; q < (pair ? 2 : 1); q++)
            {
                int f = f0 + q;
                var corr = q == 0 ? re : im;
                int start = f * hop;
                energy[0] = 0;
                for (int i = 0; i < w + maxLag; i++) energy[i + 1] = energy[i] + (double)samples[start + i] * samples[start + i];
                double e0 = energy[w];
                level[f] = 10 * Math.Log10(Math.Max(e0 / w, 1e-12));
                double running = 0;
                cmnd[0] = 1;
                d[0] = 0;
                for (int tau = 1; tau <= maxLag; tau++)
                {
                    double r = corr[tau] / n;
                    d[tau] = Math.Max(0, e0 + (energy[tau + w] - energy[tau]) - 2 * r);
                    running += d[tau];
                    cmnd[tau] = running > 0 ? d[tau] * tau / running : 1;
                }
                // pYIN: for each threshold, the first dip below it (descended to its local minimum) takes the threshold's prior.
                found.Clear();
                int globalMin = minLag;
                for (int tau = minLag; tau < maxLag; tau++)
                    if (cmnd[tau] < cmnd[globalMin]) globalMin = tau;
                aperiodicity[f] = cmnd[globalMin];
                int ti = thresholds - 1;
                double prefixMin = double.MaxValue;
                // Walk lags upwards; thresholds above the running minimum are crossed at the lag where the minimum fell under them.
                Array.Fill(crossing, -1);
                for (int tau = minLag; tau < maxLag && ti >= 0; tau++)
                {
                    if (cmnd[tau] >= prefixMin) continue;
                    prefixMin = cmnd[tau];
                    // Every threshold s with s > cmnd[tau] and no crossing yet is crossed here.
                    for (int i = 0; i < thresholds; i++)
                        if (crossing[i] < 0 && thresholdOf[i] > prefixMin) crossing[i] = tau;
                    while (ti >= 0 && crossing[ti] >= 0) ti--;
                }
                double mass = 0;
                for (int i = 0; i < thresholds; i++)
                {
                    int tau = crossing[i];
                    double p = prior[i];
                    if (tau < 0)
                    {
                        tau = globalMin;
                        p *= 0.01; // pYIN's small probability for the global minimum when no dip is under the threshold
                    }
                    else
                    {
                        while (tau + 1 < maxLag && cmnd[tau + 1] < cmnd[tau]) tau++;
                    }
                    found[tau] = found.GetValueOrDefault(tau) + p;
                }
                var list = new List<(double Hz, double P)>(found.Count);
                foreach (var (tau, p) in found)
                {
                    // Parabolic interpolation of the dip.
                    double a = d[tau - 1], b = d[tau], c = tau + 1 <= maxLag ? d[tau + 1] : b;
                    double den = a - 2 * b + c;
                    double shift = den > 0 ? Math.Clamp(0.5 * (a - c) / den, -0.5, 0.5) : 0;
                    double hz = rate / (tau + shift);
                    if (hz < settings.MinHz || hz > settings.MaxHz) continue;
                    list.Add((hz, p));
                    mass += p;
                }
                candidates[f] = list;
                voicedMass[f] = mass;
            }
        }

        // Silence: frames far below the loudest carry no pitch.
        double loudest = level.Max();
        double gate = Math.Max(loudest - settings.SilenceDb, -75);
        var path = Viterbi(candidates, voicedMass, level, gate, bins, settings);
        var result = new PitchFrame[frames];
        for (int f = 0; f < frames; f++)
        {
            double hz = 0;
            if (path[f] >= 0)
            {
                // The candidate nearest the decoded bin gives the refined frequency.
                double centre = settings.MinHz * Math.Pow(2, path[f] * BinCents / 1200);
                hz = centre;
                double best = double.MaxValue;
                foreach (var (cHz, _) in candidates[f])
                {
                    double dist = Math.Abs(1200 * Math.Log2(cHz / centre));
                    if (dist < best && dist <= 1.5 * BinCents) (best, hz) = (dist, cHz);
                }
            }
            result[f] = new PitchFrame((f * hop + w / 2.0) / rate, hz, level[f] < gate ? 0 : voicedMass[f], level[f], aperiodicity[f]);
        }
        return result;
    }

    // The cross-spectrum conj(W) * S of the window (the first w samples at start) and the segment (w + maxLag samples at
    // start), both real, from one complex transform with the window in the real part and the segment in the imaginary.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CrossSpectrum(ReadOnlySpan<float> samples, int start, int w, int maxLag, Fft fft, double[] re, double[] im)
    {
        int n = re.Length;
        Array.Clear(re);
        Array.Clear(im);
        for (int i = 0; i < w; i++) re[i] = samples[start + i];
        for (int i = 0; i < w + maxLag; i++) im[i] = samples[start + i];
        fft.Transform(re, im);
        for (int k = 0; k <= n / 2; k++)
        {
            int m = (n - k) & (n - 1);
            double zr = re[k], zi = im[k], cr = re[m], ci = -im[m];
            double ar = (zr + cr) / 2, ai = (zi + ci) / 2; // window spectrum
            double br = (zi - ci) / 2, bi = -(zr - cr) / 2; // segment spectrum: (Z - conj Z[-k]) / 2i
            // conj(A) * B
            double pr = ar * br + ai * bi, pi = ar * bi - ai * br;
            re[k] = pr;
            im[k] = pi;
            if (m != k)
            {
                re[m] = pr;
                im[m] = -pi;
            }
        }
    }

    // Viterbi over (bin, voiced) states; returns each frame's voiced bin or -1 for unvoiced.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int[] Viterbi(List<(double Hz, double P)>[] candidates, double[] voicedMass, double[] level, double gate, int bins, TranscriptionSettings settings)
    {
        int frames = candidates.Length;
        double stay = Math.Log(1 - settings.VoicingSwitch), change = Math.Log(settings.VoicingSwitch), jump = settings.JumpCost;
        const double floor = 1e-6;
        double logFloor = Math.Log(floor);
        var voiced = new double[bins];
        var unvoiced = new double[bins];
        var tv = new double[bins];
        var tu = new double[bins];
        var av = new int[bins];
        var au = new int[bins];
        var obs = new double[bins];
        var back = new short[frames, 2 * bins]; // predecessor state: bin, +bins when unvoiced
        for (int f = 0; f < frames; f++)
        {
            Array.Fill(obs, logFloor);
            bool silent = level[f] < gate;
            double vm = silent ? 0 : voicedMass[f];
            if (!silent)
                foreach (var (hz, p) in candidates[f])
                {
                    int b = (int)Math.Round(1200 * Math.Log2(hz / settings.MinHz) / BinCents);
                    if (b >= 0 && b < bins) obs[b] = Math.Log(Math.Exp(obs[b]) + p);
                }
            double obsU = Math.Log(Math.Max(1 - vm, floor));
            if (f == 0)
            {
                for (int b = 0; b < bins; b++)
                {
                    voiced[b] = obs[b];
                    unvoiced[b] = obsU;
                }
                continue;
            }
            Transform(voiced, tv, av, jump);
            Transform(unvoiced, tu, au, jump);
            for (int b = 0; b < bins; b++)
            {
                double fromV = tv[b] + stay, fromU = tu[b] + change;
                if (fromV >= fromU)
                {
                    voiced[b] = fromV + obs[b];
                    back[f, b] = (short)av[b];
                }
                else
                {
                    voiced[b] = fromU + obs[b];
                    back[f, b] = (short)(au[b] + bins);
                }
                double uFromU = tu[b] + stay, uFromV = tv[b] + change;
                if (uFromU >= uFromV)
                {
                    unvoiced[b] = uFromU + obsU;
                    back[f, bins + b] = (short)(au[b] + bins);
                }
                else
                {
                    unvoiced[b] = uFromV + obsU;
                    back[f, bins + b] = (short)av[b];
                }
            }
        }
        int state = 0;
        double bestScore = double.NegativeInfinity;
        for (int b = 0; b < bins; b++)
        {
            if (voiced[b] > bestScore) (bestScore, state) = (voiced[b], b);
            if (unvoiced[b] > bestScore) (bestScore, state) = (unvoiced[b], b + bins);
        }
        var path = new int[frames];
        for (int f = frames - 1; f >= 0; f--)
        {
            path[f] = state < bins ? state : -1;
            if (f > 0) state = back[f, state];
        }
        return path;
    }

    // Max-plus convolution with -jump·|i - j|: the best predecessor of each bin and its score, in two sweeps.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transform(double[] score, double[] best, int[] arg, double jump)
    {
        int n = score.Length;
        best[0] = score[0];
        arg[0] = 0;
        for (int i = 1; i < n; i++)
        {
            if (best[i - 1] - jump > score[i]) (best[i], arg[i]) = (best[i - 1] - jump, arg[i - 1]);
            else (best[i], arg[i]) = (score[i], i);
        }
        for (int i = n - 2; i >= 0; i--)
            if (best[i + 1] - jump > best[i]) (best[i], arg[i]) = (best[i + 1] - jump, arg[i + 1]);
    }
}
