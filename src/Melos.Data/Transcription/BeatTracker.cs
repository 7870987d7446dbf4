namespace Melos.Data.Transcription;

/// <summary>Beats found in a recording: their times, and the period they were tracked at.</summary>
/// <param name="Times">Beat times in seconds, ascending, covering every note.</param>
/// <param name="Period">The tracked beat period in seconds.</param>
public sealed record BeatGrid(IReadOnlyList<double> Times, double Period)
{
    /// <summary>The position of <paramref name="seconds"/> in beats from the first beat, interpolated between beats (extrapolated at the ends).</summary>
    public double BeatAt(double seconds)
    {
        var t = Times;
        if (t.Count < 2) return (seconds - (t.Count == 1 ? t[0] : 0)) / Period;
        if (seconds <= t[0]) return (seconds - t[0]) / (t[1] - t[0]);
        if (seconds >= t[^1]) return t.Count - 1 + (seconds - t[^1]) / (t[^1] - t[^2]);
        int lo = 0, hi = t.Count - 1;
        while (hi - lo > 1)
        {
            int mid = (lo + hi) / 2;
            if (t[mid] <= seconds) lo = mid; else hi = mid;
        }
        return lo + (seconds - t[lo]) / (t[hi] - t[lo]);
    }
}

/// <summary>
/// Tempo and beats from note onsets: an onset envelope (each onset a Gaussian of 20 ms weighted by its note's confidence
/// and, as an agogic accent, by the square root of its length relative to the median),
/// the beat period chosen by its autocorrelation under a log-normal tempo prior, and the beats placed by dynamic
/// programming (Ellis 2007), which follows tempo drift.
/// </summary>
public static class BeatTracker
{
    private const double FrameSeconds = 0.01;

    /// <summary>The onset envelope at 100 frames a second.</summary>
    public static double[] Envelope(IReadOnlyList<TranscribedNote> notes, double seconds)
    {
        int n = (int)Math.Ceiling(seconds / FrameSeconds) + 8;
        var o = new double[n];
        var lengths = notes.Select(x => x.Seconds).Order().ToList();
        double median = lengths.Count == 0 ? 1 : Math.Max(1e-3, lengths[lengths.Count / 2]);
        foreach (var note in notes)
        {
            // Longer notes fall on beats more often (agogic accent): weight by the square root of the relative length.
            double weight = (0.25 + note.Confidence) * Math.Sqrt(Math.Clamp(note.Seconds / median, 0.5, 4));
            double at = note.Start / FrameSeconds;
            for (int k = (int)at - 6; k <= (int)at + 6; k++)
                if (k >= 0 && k < n) o[k] += weight * Math.Exp(-0.5 * Math.Pow((k - at) / 2.0, 2));
        }
        return o;
    }

    /// <summary>The autocorrelation of <paramref name="o"/> at a (fractional) lag in frames.</summary>
    private static double Ac(double[] o, double lag)
    {
        int l = (int)Math.Floor(lag);
        double f = lag - l;
        if (l + 1 >= o.Length) return 0;
        double a = 0, b = 0;
        for (int i = 0; i + l + 1 < o.Length; i++)
        {
            a += o[i] * o[i + l];
            b += o[i] * o[i + l + 1];
        }
        return (1 - f) * a + f * b;
    }

    /// <summary>The beat period in seconds: the lag in 0.25..1.5 s whose autocorrelation, with its subdivision (a half for simple meters, a third for compound ones) and double, scores best under a log-normal prior centred on <paramref name="preferredSeconds"/>.</summary>
    public static double Period(double[] envelope, bool compound, double preferredSeconds = 0.5)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        double best = double.NegativeInfinity, bestLag = preferredSeconds / FrameSeconds;
        for (double lag = 0.25 / FrameSeconds; lag <= 1.5 / FrameSeconds; lag += 0.5)
        {
            double sub = compound ? Ac(envelope, lag / 3) : Ac(envelope, lag / 2);
            double score = Ac(envelope, lag) + 0.5 * Ac(envelope, 2 * lag) + 0.5 * sub;
            double prior = Math.Exp(-0.5 * Math.Pow(Math.Log2(lag * FrameSeconds / preferredSeconds) / 0.6, 2));
            if (score * prior > best) (best, bestLag) = (score * prior, lag);
        }
        return bestLag * FrameSeconds;
    }

    /// <summary>Beats at about <paramref name="period"/> seconds apart following the envelope, extended to cover <paramref name="seconds"/>.</summary>
    public static BeatGrid Track(double[] envelope, double period, double seconds, double tightness = 30)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        int n = envelope.Length;
        double p = period / FrameSeconds;
        var score = new double[n];
        var back = new int[n];
        double norm = envelope.Length == 0 ? 1 : Math.Max(1e-9, envelope.Max());
        for (int t = 0; t < n; t++)
        {
            double local = envelope[t] / norm;
            int from = (int)Math.Round(t - 2 * p), to = (int)Math.Round(t - p / 2);
            double best = double.NegativeInfinity;
            int arg = -1;
            for (int tau = Math.Max(0, from); tau <= to; tau++)
            {
                double penalty = Math.Log((t - tau) / p);
                double s = score[tau] - tightness * penalty * penalty;
                if (s > best) (best, arg) = (s, tau);
            }
            score[t] = local + (arg >= 0 && best > 0 ? best : 0);
            back[t] = arg >= 0 && best > 0 ? arg : -1;
        }
        // The last beat: the best score within the last period.
        int end = n - 1;
        for (int t = Math.Max(0, n - (int)Math.Ceiling(p)); t < n; t++)
            if (score[t] > score[end]) end = t;
        var beats = new List<double>();
        for (int t = end; t >= 0; t = back[t])
        {
            beats.Add(t * FrameSeconds);
            if (back[t] < 0) break;
        }
        beats.Reverse();
        if (beats.Count == 0) beats.Add(0);
        // Extend at the ends by the local period to cover the whole recording.
        double head = beats.Count > 1 ? beats[1] - beats[0] : period, tail = beats.Count > 1 ? beats[^1] - beats[^2] : period;
        while (beats[0] > 0) beats.Insert(0, beats[0] - head);
        while (beats[^1] < seconds) beats.Add(beats[^1] + tail);
        return new BeatGrid(beats, period);
    }
}
