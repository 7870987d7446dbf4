namespace Melos.Music;

/// <summary>A note as performed: onset and release in (possibly fractional) quarter notes, as read from a performance.</summary>
/// <param name="Pitch">MIDI pitch 0..127.</param>
/// <param name="Start">Onset in quarter notes.</param>
/// <param name="End">Release in quarter notes.</param>
/// <param name="Velocity">MIDI velocity.</param>
public sealed record PerformedNote(int Pitch, double Start, double End, int Velocity = Note.DefaultVelocity);

/// <summary>
/// A quantization grid: the union of equal subdivisions of the quarter note. <c>[4, 3]</c> (the default) allows
/// sixteenths and eighth-note triplets.
/// </summary>
public sealed record QuantizationGrid
{
    /// <summary>Creates a grid from subdivisions of the quarter note.</summary>
    /// <exception cref="ArgumentException">No subdivision is given, or one is not 1..96.</exception>
    public QuantizationGrid(params int[] stepsPerQuarter)
    {
        if (stepsPerQuarter.Length == 0) throw new ArgumentException("A grid needs at least one subdivision.", nameof(stepsPerQuarter));
        foreach (var s in stepsPerQuarter)
            if (s is < 1 or > 96) throw new ArgumentException($"Steps per quarter must be 1..96, not {s}.", nameof(stepsPerQuarter));
        StepsPerQuarter = [.. stepsPerQuarter.Distinct().Order()];
        var points = new SortedSet<Rational>();
        foreach (var s in StepsPerQuarter)
            for (int k = 0; k <= s; k++) points.Add(new Rational(k, s));
        Points = [.. points];
        long lcm = 1;
        foreach (var s in StepsPerQuarter) lcm = lcm / Rational.Gcd(lcm, s) * s;
        FinestStepsPerQuarter = (int)lcm;
        Smallest = Duration.FromQuarters(1, StepsPerQuarter.Max());
    }

    /// <summary>Sixteenths and eighth-note triplets.</summary>
    public static QuantizationGrid Default { get; } = new(4, 3);

    /// <summary>The subdivisions of the quarter note, ascending.</summary>
    public IReadOnlyList<int> StepsPerQuarter { get; }

    /// <summary>The grid points within one quarter, from 0 to 1 inclusive.</summary>
    public IReadOnlyList<Rational> Points { get; }

    /// <summary>The least common multiple of the subdivisions: every grid point is a whole number of these steps.</summary>
    public int FinestStepsPerQuarter { get; }

    /// <summary>The shortest note length the grid gives (one step of the finest subdivision).</summary>
    public Duration Smallest { get; }

    /// <summary>The grid point nearest to <paramref name="quarters"/> (ties go to the earlier point).</summary>
    public Duration Snap(double quarters)
    {
        if (double.IsNaN(quarters) || double.IsInfinity(quarters)) throw new ArgumentOutOfRangeException(nameof(quarters), quarters, "Not a finite time.");
        double floor = Math.Floor(quarters);
        double frac = quarters - floor;
        var best = Points[0];
        double bestErr = double.MaxValue;
        foreach (var p in Points)
        {
            double err = Math.Abs(p.ToDouble() - frac);
            if (err < bestErr - 1e-12) { best = p; bestErr = err; }
        }
        return Duration.FromQuarters(new Rational((long)floor, 1) + best);
    }
}

/// <summary>What quantization changed and discarded.</summary>
public sealed record QuantizationReport
{
    /// <summary>Notes given.</summary>
    public int NotesIn { get; init; }
    /// <summary>Notes kept.</summary>
    public int NotesKept { get; init; }
    /// <summary>Notes dropped because a higher note started at the same grid point (the line keeps the top note).</summary>
    public int DroppedSimultaneous { get; init; }
    /// <summary>Notes dropped because they had no room before the next note.</summary>
    public int DroppedNoRoom { get; init; }
    /// <summary>Notes shortened so they end where the next note starts.</summary>
    public int Truncated { get; init; }
    /// <summary>Mean absolute onset shift, in quarter notes.</summary>
    public double MeanOnsetError { get; init; }
    /// <summary>Largest absolute onset shift, in quarter notes.</summary>
    public double MaxOnsetError { get; init; }
    /// <summary>Mean absolute release shift, in quarter notes.</summary>
    public double MeanOffsetError { get; init; }
}

/// <summary>Snaps performed notes to a grid and makes them one line (highest note wins a shared onset; overlaps are cut).</summary>
public static class Quantizer
{
    /// <summary>Quantizes performed notes into notes of a monophonic line, reporting errors and what was dropped.</summary>
    public static (IReadOnlyList<Note> Notes, QuantizationReport Report) Quantize(IEnumerable<PerformedNote> performed, QuantizationGrid? grid = null)
    {
        grid ??= QuantizationGrid.Default;
        var input = performed.ToList();
        double onsetErrSum = 0, onsetErrMax = 0, offErrSum = 0;
        var snapped = new List<(Duration Start, Duration End, PerformedNote Source)>(input.Count);
        foreach (var p in input)
        {
            if (p.Pitch is < 0 or > 127) throw new ArgumentOutOfRangeException(nameof(performed), p.Pitch, "A performed note's pitch must be MIDI 0..127.");
            var s = grid.Snap(Math.Max(0, p.Start));
            var e = grid.Snap(Math.Max(p.End, p.Start));
            if (e <= s) e = s + grid.Smallest;
            double es = Math.Abs(s.ToQuarterDouble() - p.Start);
            onsetErrSum += es;
            onsetErrMax = Math.Max(onsetErrMax, es);
            offErrSum += Math.Abs(e.ToQuarterDouble() - p.End);
            snapped.Add((s, e, p));
        }

        // Highest pitch first among equal onsets; keep one note per onset.
        snapped.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.Source.Pitch.CompareTo(a.Source.Pitch));
        int simultaneous = 0, noRoom = 0, truncated = 0;
        var distinct = new List<(Duration Start, Duration End, PerformedNote Source)>(snapped.Count);
        foreach (var n in snapped)
        {
            if (distinct.Count > 0 && distinct[^1].Start == n.Start) { simultaneous++; continue; }
            distinct.Add(n);
        }
        var notes = new List<Note>(distinct.Count);
        for (int i = 0; i < distinct.Count; i++)
        {
            var (s, e, src) = distinct[i];
            if (i + 1 < distinct.Count && distinct[i + 1].Start < e)
            {
                e = distinct[i + 1].Start;
                truncated++;
            }
            if (e <= s) { noRoom++; continue; }
            int vel = Math.Clamp(src.Velocity, 1, 127);
            notes.Add(new Note(Pitch.FromMidi(src.Pitch), s, e - s, vel));
        }
        int count = Math.Max(1, input.Count);
        return (notes, new QuantizationReport
        {
            NotesIn = input.Count,
            NotesKept = notes.Count,
            DroppedSimultaneous = simultaneous,
            DroppedNoRoom = noRoom,
            Truncated = truncated,
            MeanOnsetError = onsetErrSum / count,
            MaxOnsetError = onsetErrMax,
            MeanOffsetError = offErrSum / count,
        });
    }
}
