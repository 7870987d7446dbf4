using Melos.Music;

namespace Melos.Data.Transcription;

/// <summary>
/// The meter of a transcription, among 4/4, 3/4, 6/8 and 9/8, in two steps. First simple or compound: with onsets in
/// eighths (beats tracked at a simple period halved, or at a compound one in thirds, whichever the onsets fit better),
/// the notes followed by a longer gap (a quarter or more) start on every other eighth in simple meters, on every third
/// in compound ones (a jig's quarter-eighth pairs); the grouping whose best residue holds the larger share of them
/// above chance wins (the envelope's autocorrelation cannot tell this: a run of even eighths correlates at two and
/// three eighths alike). Then beats per bar (4 or 3 simple, 2 or 3 compound): each
/// candidate scores how well its bars repeat (the best phase's <see cref="DownbeatFinder.Repetition"/>, 0..1) plus how
/// much of the long notes' weight starts on one beat of its bar, as a multiple of the even share (1 when spread evenly,
/// up to the beats per bar); the first candidate listed wins ties. 2/4 is not told from 4/4 (the same beats, bars
/// half as long) and is written as 4/4.
/// </summary>
public static class MeterEstimator
{
    /// <summary>The meter of the notes: 4/4, 3/4, 6/8 or 9/8.</summary>
    /// <param name="notes">The notes found, in order.</param>
    /// <param name="envelope">Their onset envelope (<see cref="BeatTracker.Envelope"/>).</param>
    /// <param name="seconds">The recording's length.</param>
    public static TimeSignature Estimate(IReadOnlyList<TranscribedNote> notes, double[] envelope, double seconds) =>
        EstimateWithBeats(notes, envelope, seconds).Meter;

    /// <summary>
    /// The meter of the notes (<see cref="Estimate"/>) and the beats tracked at its kind of beat: the simple period's
    /// (<see cref="BeatTracker.Period"/> with a preferred 0.5 s) or the compound one's (0.6 s), the same grid a caller
    /// would track for that meter, so it need not be tracked again.
    /// </summary>
    /// <param name="notes">The notes found, in order.</param>
    /// <param name="envelope">Their onset envelope (<see cref="BeatTracker.Envelope"/>).</param>
    /// <param name="seconds">The recording's length.</param>
    public static (TimeSignature Meter, BeatGrid Beats) EstimateWithBeats(IReadOnlyList<TranscribedNote> notes, double[] envelope, double seconds)
    {
        ArgumentNullException.ThrowIfNull(notes);
        ArgumentNullException.ThrowIfNull(envelope);
        var simple = BeatTracker.Track(envelope, BeatTracker.Period(envelope, compound: false), seconds);
        if (notes.Count < 2) return (TimeSignature.CommonTime, simple);
        // Eighths from whichever grid the onsets fit better: a simple beat halved or a compound one in thirds (a simple
        // period can lock onto a jig's dotted quarter, and then its halves are no eighths).
        var dotted = BeatTracker.Track(envelope, BeatTracker.Period(envelope, compound: true, preferredSeconds: 0.6), seconds);
        double[] simpleBeats = [.. notes.Select(n => simple.BeatAt(n.Start))], dottedBeats = [.. notes.Select(n => dotted.BeatAt(n.Start))];
        var eighths = GridFit(simpleBeats, 2) >= GridFit(dottedBeats, 3) ? simpleBeats.Select(b => 2 * b) : dottedBeats.Select(b => 3 * b);
        bool compound = IsCompound([.. eighths]);
        var onsetBeats = compound ? dottedBeats : simpleBeats;
        int[] pitches = [.. notes.Select(n => n.Pitch)];
        double[] weights = [.. notes.Select(n => n.Seconds * n.Confidence)];
        int[] candidates = compound ? [2, 3] : [4, 3];
        int best = candidates[0];
        double bestScore = double.NegativeInfinity;
        foreach (int beatsPerBar in candidates)
        {
            double score = BarScore(onsetBeats, pitches, weights, beatsPerBar, compound ? 3 : 4);
            if (score > bestScore + 1e-9) (best, bestScore) = (beatsPerBar, score);
        }
        return compound ? (new TimeSignature(3 * best, 8), dotted) : (new TimeSignature(best, 4), simple);
    }

    /// <summary>
    /// True when the beats divide in three: the notes followed by a gap of two eighths or more start more unevenly over
    /// the eighths' residues modulo 3 than modulo 2 (the best residue's share less the chance share, 1/3 or 1/2).
    /// </summary>
    /// <param name="eighths">Each note's onset in eighths (fractional, rounded here), ascending.</param>
    public static bool IsCompound(IReadOnlyList<double> eighths)
    {
        ArgumentNullException.ThrowIfNull(eighths);
        return GroupingExcess(eighths, 3) > GroupingExcess(eighths, 2);
    }

    /// <summary>The best residue's share, modulo <paramref name="group"/> eighths, of the notes followed by a gap of two eighths or more, less the chance share 1/<paramref name="group"/> (0 when there are none).</summary>
    /// <param name="eighths">Each note's onset in eighths (fractional, rounded here), ascending.</param>
    /// <param name="group">Eighths per beat tried: 2 or 3.</param>
    public static double GroupingExcess(IReadOnlyList<double> eighths, int group)
    {
        ArgumentNullException.ThrowIfNull(eighths);
        ArgumentOutOfRangeException.ThrowIfLessThan(group, 1);
        var counts = new int[group];
        int total = 0;
        for (int i = 0; i + 1 < eighths.Count; i++)
        {
            long at = (long)Math.Round(eighths[i]), next = (long)Math.Round(eighths[i + 1]);
            if (next - at < 2) continue;
            counts[(int)(((at % group) + group) % group)]++;
            total++;
        }
        return total == 0 ? 0 : (double)counts.Max() / total - 1.0 / group;
    }

    /// <summary>The share of onsets within 0.15 of a point dividing the beat in <paramref name="unitsPerBeat"/>.</summary>
    /// <param name="onsetBeats">Each note's onset in beats.</param>
    /// <param name="unitsPerBeat">Points per beat (2 for a simple beat's eighths, 3 for a compound one's).</param>
    public static double GridFit(IReadOnlyList<double> onsetBeats, int unitsPerBeat)
    {
        ArgumentNullException.ThrowIfNull(onsetBeats);
        if (onsetBeats.Count == 0) return 0;
        return (double)onsetBeats.Count(b => Math.Abs(b * unitsPerBeat - Math.Round(b * unitsPerBeat)) < 0.15) / onsetBeats.Count;
    }

    /// <summary>
    /// How well bars of <paramref name="beatsPerBar"/> beats fit: the best phase's repetition
    /// (<see cref="DownbeatFinder.Repetition"/>, 0..1) plus the largest share of the long-note weight starting on one beat
    /// of the bar (notes within 0.2 beat of a beat) times <paramref name="beatsPerBar"/> (1 when spread evenly).
    /// </summary>
    /// <param name="onsetBeats">Each note's onset in beats, ascending.</param>
    /// <param name="pitches">Each note's MIDI pitch.</param>
    /// <param name="weights">Each note's accent weight (its length in seconds times its confidence).</param>
    /// <param name="beatsPerBar">Beats in a bar (at least 1).</param>
    /// <param name="subdivisions">Slots per beat used to compare bars (4 for simple meters, 3 for compound).</param>
    public static double BarScore(IReadOnlyList<double> onsetBeats, IReadOnlyList<int> pitches, IReadOnlyList<double> weights, int beatsPerBar, int subdivisions)
    {
        var accent = DownbeatFinder.Accents(onsetBeats, weights, beatsPerBar);
        double sum = accent.Sum();
        double contrast = sum > 0 ? beatsPerBar * accent.Max() / sum : 1;
        return DownbeatFinder.Repetition(onsetBeats, pitches, beatsPerBar, subdivisions).Max() + contrast;
    }
}
