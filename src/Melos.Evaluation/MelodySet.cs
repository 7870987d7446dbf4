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
    /// The set with every melody cut to its first <paramref name="bars"/> bars (from time zero, so a pickup bar counts as
    /// the first): notes that start later are dropped and notes that sound past the cut are shortened to it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bars"/> is below 1.</exception>
    public MelodySet Crop(int bars) => new(Name, [.. Melodies.Select(m => CropMelody(m, bars))]);

    /// <summary>The melody cut to its first <paramref name="bars"/> bars (see <see cref="Crop"/>).</summary>
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
