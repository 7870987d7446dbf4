namespace Melos.Music;

/// <summary>One candidate key and how well the melody's pitch-class profile correlates with it.</summary>
/// <param name="Key">The candidate key.</param>
/// <param name="Correlation">Pearson correlation with the key's profile, -1..1.</param>
public sealed record KeyCandidate(Key Key, double Correlation);

/// <summary>The estimated key and every candidate, best first.</summary>
/// <param name="Key">The best key.</param>
/// <param name="Correlation">Its correlation.</param>
/// <param name="Candidates">All 24 major and minor keys, best first.</param>
public sealed record KeyEstimate(Key Key, double Correlation, IReadOnlyList<KeyCandidate> Candidates)
{
    /// <summary>How far the best key's correlation is ahead of the runner-up (0 = a tie).</summary>
    public double Margin => Candidates.Count > 1 ? Candidates[0].Correlation - Candidates[1].Correlation : Correlation;
}

/// <summary>
/// Krumhansl-Schmuckler key finding: the duration-weighted pitch-class histogram is correlated with the
/// Krumhansl-Kessler probe-tone profiles of all 24 major and minor keys, and the best match wins.
/// </summary>
public static class KeyEstimator
{
    /// <summary>Krumhansl-Kessler major profile, tonic first.</summary>
    public static IReadOnlyList<double> MajorProfile { get; } = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];

    /// <summary>Krumhansl-Kessler minor profile, tonic first.</summary>
    public static IReadOnlyList<double> MinorProfile { get; } = [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];

    // Conventional spellings of the 12 major and minor tonics.
    private static readonly string[] MajorTonics = ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"];
    private static readonly string[] MinorTonics = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B"];

    /// <summary>Estimates the key of a melody from its notes (weighted by length).</summary>
    /// <exception cref="ArgumentException">There are no notes.</exception>
    public static KeyEstimate Estimate(IEnumerable<Note> notes)
    {
        var histogram = new double[12];
        foreach (var n in notes) histogram[n.Pitch.PitchClass] += n.Length.ToQuarterDouble();
        return Estimate(histogram);
    }

    /// <summary>Estimates the key from a 12-bin pitch-class histogram (C first).</summary>
    /// <exception cref="ArgumentException">The histogram is empty (all zero) or not 12 bins.</exception>
    public static KeyEstimate Estimate(IReadOnlyList<double> histogram)
    {
        if (histogram.Count != 12) throw new ArgumentException("A pitch-class histogram has 12 bins.", nameof(histogram));
        if (histogram.All(v => v <= 0)) throw new ArgumentException("Cannot estimate the key of a melody with no notes.", nameof(histogram));
        var candidates = new List<KeyCandidate>(24);
        for (int tonic = 0; tonic < 12; tonic++)
        {
            candidates.Add(new KeyCandidate(new Key(NoteName.Parse(MajorTonics[tonic]), Mode.Major), Correlate(histogram, MajorProfile, tonic)));
            candidates.Add(new KeyCandidate(new Key(NoteName.Parse(MinorTonics[tonic]), Mode.Minor), Correlate(histogram, MinorProfile, tonic)));
        }
        // Stable order: best correlation first; ties keep major before minor and C upwards.
        var ordered = candidates.Select((c, i) => (c, i)).OrderByDescending(x => x.c.Correlation).ThenBy(x => x.i).Select(x => x.c).ToList();
        return new KeyEstimate(ordered[0].Key, ordered[0].Correlation, ordered);
    }

    private static double Correlate(IReadOnlyList<double> histogram, IReadOnlyList<double> profile, int tonic)
    {
        double mx = histogram.Average(), my = profile.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (int pc = 0; pc < 12; pc++)
        {
            double x = histogram[pc] - mx;
            double y = profile[((pc - tonic) % 12 + 12) % 12] - my;
            sxy += x * y;
            sxx += x * x;
            syy += y * y;
        }
        return sxx == 0 ? 0 : sxy / Math.Sqrt(sxx * syy);
    }
}
