using System.Collections.Immutable;
using Melos.Music;

namespace Melos.Formats.Midi;

/// <summary>A tempo change in ticks.</summary>
/// <param name="Tick">Where it takes effect.</param>
/// <param name="MicrosecondsPerQuarter">The tempo.</param>
public readonly record struct MidiTempo(long Tick, int MicrosecondsPerQuarter)
{
    /// <summary>Quarter notes per minute.</summary>
    public double Bpm => 60_000_000.0 / MicrosecondsPerQuarter;
}

/// <summary>
/// Converts ticks to time exactly. For a metrical division, time is the sum over tempo segments of
/// ticks × microseconds-per-quarter ÷ division, kept as an integer numerator over a fixed denominator so the only rounding
/// is the last division into seconds. Before the first tempo event the tempo is 120 BPM (500000 µs per quarter).
/// SMPTE divisions ignore tempo: a tick is 1 ÷ (frames per second × ticks per frame) seconds (29 meaning 30000/1001 fps).
/// </summary>
public sealed class TempoMap
{
    /// <summary>The default tempo: 500000 µs per quarter (120 BPM).</summary>
    public const int DefaultMicrosecondsPerQuarter = 500_000;

    private readonly long[] _ticks;
    private readonly int[] _tempo;
    private readonly Int128[] _acc; // microseconds × division at each segment start
    private readonly MidiDivision _division;

    private TempoMap(MidiDivision division, List<MidiTempo> changes)
    {
        _division = division;
        Changes = [.. changes];
        var ticks = new List<long> { 0 };
        var tempo = new List<int> { DefaultMicrosecondsPerQuarter };
        foreach (var c in changes)
        {
            if (c.Tick == ticks[^1]) tempo[^1] = c.MicrosecondsPerQuarter;
            else
            {
                ticks.Add(c.Tick);
                tempo.Add(c.MicrosecondsPerQuarter);
            }
        }
        _ticks = [.. ticks];
        _tempo = [.. tempo];
        _acc = new Int128[_ticks.Length];
        for (int i = 1; i < _ticks.Length; i++)
            _acc[i] = _acc[i - 1] + (Int128)(_ticks[i] - _ticks[i - 1]) * _tempo[i - 1];
    }

    /// <summary>The tempo events in tick order, as found (several at one tick are all kept; the last one rules).</summary>
    public ImmutableArray<MidiTempo> Changes { get; }

    /// <summary>The tempo changes as listed by <c>melos notes</c>: the file's, with 120 BPM at tick 0 first when no change is there.</summary>
    public IEnumerable<MidiTempo> EffectiveChanges =>
        Changes.IsEmpty || Changes[0].Tick != 0 ? Changes.Prepend(new MidiTempo(0, DefaultMicrosecondsPerQuarter)) : Changes;

    /// <summary>Builds the map from the set-tempo events of <paramref name="tracks"/> (merged by tick, stable by track order).</summary>
    public static TempoMap From(MidiDivision division, IEnumerable<MidiTrack> tracks)
    {
        var changes = new List<MidiTempo>();
        foreach (var t in tracks)
            foreach (var e in t.Events)
                if (e.TempoValue is { } us) changes.Add(new MidiTempo(e.Tick, us));
        // Stable sort by tick (List.Sort is not stable).
        var sorted = changes.Select((c, i) => (c, i)).OrderBy(x => x.c.Tick).ThenBy(x => x.i).Select(x => x.c).ToList();
        return new TempoMap(division, sorted);
    }

    /// <summary>Builds the map from explicit changes (in tick order).</summary>
    public static TempoMap From(MidiDivision division, IEnumerable<MidiTempo> changes) => new(division, [.. changes.OrderBy(c => c.Tick)]);

    /// <summary>The tempo in force at <paramref name="tick"/>.</summary>
    public int MicrosecondsPerQuarterAt(long tick) => _tempo[Segment(tick)];

    private int Segment(long tick)
    {
        int i = Array.BinarySearch(_ticks, tick);
        if (i < 0) i = ~i - 1;
        return Math.Max(i, 0);
    }

    /// <summary>The exact time of <paramref name="tick"/> as a numerator over <see cref="Denominator"/> microseconds.</summary>
    public Int128 Numerator(long tick)
    {
        if (_division.IsSmpte)
        {
            // µs = tick × 1e6 / (fps × tpf); 29 means 30000/1001 fps.
            return _division.FramesPerSecond == 29 ? (Int128)tick * 1_000_000 * 1001 : (Int128)tick * 1_000_000;
        }
        int s = Segment(tick);
        return _acc[s] + (Int128)(tick - _ticks[s]) * _tempo[s];
    }

    /// <summary>The denominator of <see cref="Numerator"/>: microseconds = numerator ÷ denominator.</summary>
    public long Denominator => _division.IsSmpte
        ? (_division.FramesPerSecond == 29 ? 30000L * _division.TicksPerFrame : (long)_division.FramesPerSecond * _division.TicksPerFrame)
        : Math.Max(1, _division.TicksPerQuarter);

    /// <summary>The exact time of <paramref name="tick"/> in microseconds.</summary>
    /// <exception cref="OverflowException">The time does not fit a 64-bit rational.</exception>
    public Rational ToMicroseconds(long tick) => new(checked((long)Numerator(tick)), Denominator);

    /// <summary>The time of <paramref name="tick"/> in seconds, rounded once from the exact value.</summary>
    public double ToSeconds(long tick) => (double)Numerator(tick) / ((double)Denominator * 1_000_000.0);
}
