using System.Collections.Immutable;
using Melos.Music;

namespace Melos.Evaluation;

/// <summary>A named set of melodies compared as a whole (generated melodies, a reference split, a training set).</summary>
public sealed record MelodySet
{
    private MelodySet(string name, ImmutableArray<Melody> melodies)
    {
        Name = name;
        Melodies = melodies;
    }

    /// <summary>Creates a set.</summary>
    /// <exception cref="ArgumentException">The name is blank.</exception>
    public static MelodySet Create(string name, IEnumerable<Melody> melodies)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(melodies);
        var list = melodies.ToImmutableArray();
        if (list.Any(m => m is null)) throw new ArgumentException("A melody set cannot hold null melodies.", nameof(melodies));
        return new MelodySet(name, list);
    }

    /// <summary>The name shown in reports (a folder name, or <c>corpus:split</c>).</summary>
    public string Name { get; }

    /// <summary>The melodies.</summary>
    public ImmutableArray<Melody> Melodies { get; }

    /// <summary>The number of melodies.</summary>
    public int Count => Melodies.Length;

    /// <summary>
    /// The set with every melody cut to its first <paramref name="bars"/> whole bars: a pickup bar (a bar 0 that opens
    /// with silence, see <see cref="HasPickup"/>) is dropped first, so every cut melody starts on a downbeat as generated
    /// ones do; then notes that start after the cut are dropped and notes that sound past it are shortened to it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bars"/> is below 1.</exception>
    public MelodySet Crop(int bars) => new(Name, [.. Melodies.Select(m => CropMelody(DropPickup(m), bars))]);

    /// <summary>
    /// True when the melody opens with a pickup: its first note starts after time zero but inside bar 0, so bar 0 is the
    /// upbeat and the first downbeat is bar 1.
    /// </summary>
    public static bool HasPickup(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        return !melody.Notes.IsEmpty && melody.Notes[0].Start > Duration.Zero && melody.BarCount > 1 && melody.Notes[0].Start < melody.BarStart(1);
    }

    /// <summary>The melody without its pickup bar (moved to start at bar 1's downbeat), or the melody itself when it has none.</summary>
    public static Melody DropPickup(Melody melody)
    {
        if (!HasPickup(melody)) return melody;
        var shift = melody.BarStart(1);
        Duration Moved(Duration at) => at > shift ? at - shift : Duration.Zero;
        var meters = new List<MeterChange> { new(Duration.Zero, melody.MeterAt(shift)) };
        meters.AddRange(melody.Meters.Where(m => m.At > shift).Select(m => m with { At = m.At - shift }));
        var chords = new List<ChordChange>();
        if (melody.ChordAt(shift) is { } sounding) chords.Add(new ChordChange(Duration.Zero, sounding));
        chords.AddRange(melody.Chords.Where(c => c.At > shift).Select(c => c with { At = c.At - shift }));
        var tempos = new List<TempoChange>();
        var before = melody.Tempos.LastOrDefault(t => t.At <= shift);
        if (before is not null) tempos.Add(new TempoChange(Duration.Zero, before.MicrosecondsPerQuarter));
        tempos.AddRange(melody.Tempos.Where(t => t.At > shift).Select(t => new TempoChange(Moved(t.At), t.MicrosecondsPerQuarter)));
        var notes = melody.Notes.Where(n => n.Start >= shift).Select(n => n with { Start = n.Start - shift });
        return Melody.Create(notes, melody.Key, meters, tempos, chords, melody.Info, melody.Length - shift);
    }

    /// <summary>The melody cut to its first <paramref name="bars"/> bars from time zero (no pickup handling; see <see cref="Crop"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bars"/> is below 1.</exception>
    public static Melody CropMelody(Melody melody, int bars)
    {
        ArgumentNullException.ThrowIfNull(melody);
        ArgumentOutOfRangeException.ThrowIfLessThan(bars, 1);
        var end = melody.BarStart(bars);
        if (melody.Length <= end) return melody;
        var notes = melody.Notes.Where(n => n.Start < end).Select(n => n.End > end ? n with { Length = end - n.Start } : n);
        return Melody.Create(notes, melody.Key, melody.Meters.Where(m => m.At < end), melody.Tempos.Where(t => t.At < end),
            melody.Chords.Where(c => c.At < end), melody.Info, end);
    }
}
