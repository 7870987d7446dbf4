using System.Collections.Immutable;
using Melos.Music;

namespace Melos.Generation.Tuning;

/// <summary>
/// <c>in-key</c>: every note's pitch class belongs to the melody's key (its scale: major, minor or the mode).
/// Checks: the notes. Nothing is checked without a key.
/// </summary>
public sealed class InKeyRule : IRewardRule
{
    /// <inheritdoc/>
    public string Name => "in-key";

    /// <inheritdoc/>
    public string Description => "notes stay in the key's scale";

    /// <inheritdoc/>
    public RuleScore Score(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        if (melody.Key is not { } key) return default;
        return new RuleScore(melody.Notes.Length, melody.Notes.Count(n => !key.Scale.Contains(n.Pitch)));
    }
}

/// <summary>
/// <c>tonic-ends</c>: the first and the last note are the key's tonic (any octave). Checks: 2 per melody with notes
/// (the first and the last note, the same note counted twice in a one-note melody). Nothing is checked without a key.
/// </summary>
public sealed class TonicEndsRule : IRewardRule
{
    /// <inheritdoc/>
    public string Name => "tonic-ends";

    /// <inheritdoc/>
    public string Description => "start and end on the tonic";

    /// <inheritdoc/>
    public RuleScore Score(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        if (melody.Key is not { } key || melody.Notes.IsEmpty) return default;
        int tonic = key.Tonic.PitchClass;
        int violations = (melody.Notes[0].Pitch.PitchClass == tonic ? 0 : 1) + (melody.Notes[^1].Pitch.PitchClass == tonic ? 0 : 1);
        return new RuleScore(2, violations);
    }
}

/// <summary>
/// <c>repeats</c>: no pitch is played more than <see cref="MaxRepeats"/> times in a row (rests between do not break
/// the run). Checks: the notes; each note that is the (<see cref="MaxRepeats"/> + 1)-th or later of a run is a violation.
/// </summary>
/// <param name="maxRepeats">The longest allowed run of one pitch (at least 1; default 3).</param>
public sealed class RepeatedNotesRule(int maxRepeats = 3) : IRewardRule
{
    /// <summary>The longest allowed run of one pitch.</summary>
    public int MaxRepeats { get; } = maxRepeats >= 1 ? maxRepeats : throw new ArgumentOutOfRangeException(nameof(maxRepeats), maxRepeats, "At least 1.");

    /// <inheritdoc/>
    public string Name => "repeats";

    /// <inheritdoc/>
    public string Description => $"no pitch played more than {MaxRepeats} times in a row";

    /// <inheritdoc/>
    public RuleScore Score(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        var notes = melody.Notes;
        int violations = 0, run = 0;
        for (int i = 0; i < notes.Length; i++)
        {
            run = i > 0 && notes[i].Pitch.Number == notes[i - 1].Pitch.Number ? run + 1 : 1;
            if (run > MaxRepeats) violations++;
        }
        return new RuleScore(notes.Length, violations);
    }
}

/// <summary>
/// <c>rests</c>: no bar is mostly silence. Checks: the bars of the melody (to its <see cref="Melody.Length"/>); a bar whose
/// silent share is more than <see cref="MaxSilentShare"/> is a violation.
/// </summary>
/// <param name="maxSilentShare">The largest silent share of a bar allowed (0..1; default 0.5).</param>
public sealed class RestRule(double maxSilentShare = 0.5) : IRewardRule
{
    /// <summary>The largest silent share of a bar allowed.</summary>
    public double MaxSilentShare { get; } = maxSilentShare is >= 0 and <= 1 ? maxSilentShare : throw new ArgumentOutOfRangeException(nameof(maxSilentShare), maxSilentShare, "Must be 0..1.");

    /// <inheritdoc/>
    public string Name => "rests";

    /// <inheritdoc/>
    public string Description => $"no bar more than {MaxSilentShare:0%} silent";

    /// <inheritdoc/>
    public RuleScore Score(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        int bars = melody.BarCount, violations = 0;
        for (int b = 0; b < bars; b++)
        {
            var start = melody.BarStart(b);
            var end = Duration.Min(melody.BarStart(b + 1), melody.Length);
            if (end <= start) continue;
            var sounding = Rational.Zero;
            foreach (var n in melody.Notes)
            {
                var from = n.Start > start ? n.Start : start;
                var to = n.End < end ? n.End : end;
                if (to > from) sounding += (to - from).Quarters;
            }
            double silent = 1 - (sounding / (end - start).Quarters).ToDouble();
            if (silent > MaxSilentShare + 1e-12) violations++;
        }
        return new RuleScore(bars, violations);
    }
}

/// <summary>
/// <c>resolve-leaps</c>: a leap larger than a perfect fifth (more than <see cref="MaxUnresolvedLeap"/> semitones) is
/// followed by a step (1 or 2 semitones) in the other direction. Checks: the leaps that have a note after them.
/// </summary>
/// <param name="maxUnresolvedLeap">The largest interval that needs no resolution, in semitones (default 7, a fifth).</param>
public sealed class ResolveLeapsRule(int maxUnresolvedLeap = 7) : IRewardRule
{
    /// <summary>The largest interval that needs no resolution, in semitones.</summary>
    public int MaxUnresolvedLeap { get; } = maxUnresolvedLeap >= 1 ? maxUnresolvedLeap : throw new ArgumentOutOfRangeException(nameof(maxUnresolvedLeap), maxUnresolvedLeap, "At least 1.");

    /// <inheritdoc/>
    public string Name => "resolve-leaps";

    /// <inheritdoc/>
    public string Description => $"leaps above {MaxUnresolvedLeap} semitones resolved by a step the other way";

    /// <inheritdoc/>
    public RuleScore Score(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        var notes = melody.Notes;
        int checks = 0, violations = 0;
        for (int i = 0; i + 2 < notes.Length; i++)
        {
            int leap = notes[i + 1].Pitch.Number - notes[i].Pitch.Number;
            if (Math.Abs(leap) <= MaxUnresolvedLeap) continue;
            checks++;
            int next = notes[i + 2].Pitch.Number - notes[i + 1].Pitch.Number;
            bool resolved = Math.Abs(next) is 1 or 2 && Math.Sign(next) == -Math.Sign(leap);
            if (!resolved) violations++;
        }
        return new RuleScore(checks, violations);
    }
}

/// <summary>
/// <c>motifs</c>: bars pick up a motif heard before. A bar's motif is the rhythm (onsets within the bar) and the two
/// intervals of its first three notes, so a transposed or varied bar that starts the same way counts. Checks: the bars
/// with at least three notes after the first such bar; a bar whose motif no earlier bar started with is a violation.
/// </summary>
public sealed class MotifRule : IRewardRule
{
    /// <inheritdoc/>
    public string Name => "motifs";

    /// <inheritdoc/>
    public string Description => "bars repeat a motif (rhythm and intervals of three notes) heard earlier";

    /// <inheritdoc/>
    public RuleScore Score(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int checks = 0, violations = 0;
        bool first = true;
        foreach (var (_, offsets, notes) in Bars.Of(melody))
        {
            if (notes.Count < 3) continue;
            string motif = string.Join(';', offsets.Take(3).Select(o => o.Quarters.ToString()))
                + "|" + (notes[1].Pitch.Number - notes[0].Pitch.Number) + "," + (notes[2].Pitch.Number - notes[1].Pitch.Number);
            if (!first)
            {
                checks++;
                if (!seen.Contains(motif)) violations++;
            }
            first = false;
            seen.Add(motif);
        }
        return new RuleScore(checks, violations);
    }
}

/// <summary>
/// <c>bar-copies</c>: a bar is not copied note for note (same pitches, onsets and lengths within the bar) more than
/// <see cref="MaxCopies"/> times. Checks: the bars with notes; a bar with more than <see cref="MaxCopies"/> identical
/// earlier bars is a violation.
/// </summary>
/// <param name="maxCopies">How many exact copies of a bar are allowed (at least 0; default 1).</param>
public sealed class BarCopiesRule(int maxCopies = 1) : IRewardRule
{
    /// <summary>How many exact copies of a bar are allowed.</summary>
    public int MaxCopies { get; } = maxCopies >= 0 ? maxCopies : throw new ArgumentOutOfRangeException(nameof(maxCopies), maxCopies, "At least 0.");

    /// <inheritdoc/>
    public string Name => "bar-copies";

    /// <inheritdoc/>
    public string Description => $"no bar copied exactly more than {MaxCopies} time(s)";

    /// <inheritdoc/>
    public RuleScore Score(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        int checks = 0, violations = 0;
        foreach (var (_, offsets, notes) in Bars.Of(melody))
        {
            if (notes.Count == 0) continue;
            checks++;
            string content = string.Join(';', notes.Select((n, i) => $"{offsets[i].Quarters}:{n.Pitch.Number}:{n.Length.Quarters}"));
            int earlier = counts.GetValueOrDefault(content);
            if (earlier > MaxCopies) violations++;
            counts[content] = earlier + 1;
        }
        return new RuleScore(checks, violations);
    }
}

/// <summary>
/// <c>rhythm-variety</c>: the rhythm is not monotonous. The melody is cut into windows of <see cref="WindowBars"/> bars;
/// checks: the windows in which a note starts; a window whose notes use fewer than <see cref="MinDistinct"/> different
/// note lengths is a violation.
/// </summary>
/// <param name="minDistinct">The fewest different note lengths per window (at least 1; default 2).</param>
/// <param name="windowBars">Bars per window (at least 1; default 2).</param>
public sealed class RhythmVarietyRule(int minDistinct = 2, int windowBars = 2) : IRewardRule
{
    /// <summary>The fewest different note lengths per window.</summary>
    public int MinDistinct { get; } = minDistinct >= 1 ? minDistinct : throw new ArgumentOutOfRangeException(nameof(minDistinct), minDistinct, "At least 1.");

    /// <summary>Bars per window.</summary>
    public int WindowBars { get; } = windowBars >= 1 ? windowBars : throw new ArgumentOutOfRangeException(nameof(windowBars), windowBars, "At least 1.");

    /// <inheritdoc/>
    public string Name => "rhythm-variety";

    /// <inheritdoc/>
    public string Description => $"at least {MinDistinct} different note lengths every {WindowBars} bar(s)";

    /// <inheritdoc/>
    public RuleScore Score(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        var lengths = new Dictionary<int, HashSet<Duration>>();
        foreach (var (bar, _, notes) in Bars.Of(melody))
            foreach (var n in notes)
            {
                int window = bar / WindowBars;
                if (!lengths.TryGetValue(window, out var set)) lengths[window] = set = [];
                set.Add(n.Length);
            }
        return new RuleScore(lengths.Count, lengths.Values.Count(s => s.Count < MinDistinct));
    }
}

/// <summary>
/// <c>chord-tones</c>: on strong beats the sounding note belongs to the chord. Strong beats: every downbeat and, in
/// meters of four or more beats with an even count (4/4, 12/8, 4/2), the middle of the bar. Checks: the strong beats that
/// have both a chord (<see cref="Melody.ChordAt"/>) and a sounding note; nothing is checked in a melody without chords.
/// </summary>
public sealed class ChordTonesRule : IRewardRule
{
    /// <inheritdoc/>
    public string Name => "chord-tones";

    /// <inheritdoc/>
    public string Description => "chord tones on strong beats when chords are given";

    /// <inheritdoc/>
    public RuleScore Score(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        if (melody.Chords.IsEmpty) return default;
        int checks = 0, violations = 0;
        int bars = melody.BarCount;
        for (int b = 0; b < bars; b++)
        {
            var start = melody.BarStart(b);
            var meter = melody.MeterAt(start);
            var beats = new List<Duration> { start };
            if (meter.BeatsPerBar >= 4 && meter.BeatsPerBar % 2 == 0) beats.Add(start + meter.BeatLength * (meter.BeatsPerBar / 2));
            foreach (var at in beats)
            {
                if (at >= melody.Length || melody.ChordAt(at) is not { } chord) continue;
                var note = melody.Notes.FirstOrDefault(n => n.Start <= at && at < n.End);
                if (note is null) continue;
                checks++;
                if (!chord.Contains(note.Pitch.PitchClass)) violations++;
            }
        }
        return new RuleScore(checks, violations);
    }
}

/// <summary>Notes grouped by the bar they start in.</summary>
internal static class Bars
{
    /// <summary>Every bar that has a note starting in it, in order: its index, the notes' onsets within the bar and the notes.</summary>
    public static IEnumerable<(int Bar, ImmutableArray<Duration> Offsets, IReadOnlyList<Note> Notes)> Of(Melody melody)
    {
        int current = -1;
        var offsets = ImmutableArray.CreateBuilder<Duration>();
        var notes = new List<Note>();
        foreach (var n in melody.Notes)
        {
            var (bar, offset) = melody.BarOf(n.Start);
            if (bar != current && notes.Count > 0)
            {
                yield return (current, offsets.ToImmutable(), notes);
                offsets.Clear();
                notes = [];
            }
            current = bar;
            offsets.Add(offset);
            notes.Add(n);
        }
        if (notes.Count > 0) yield return (current, offsets.ToImmutable(), notes);
    }
}
