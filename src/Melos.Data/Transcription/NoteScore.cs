using Melos.Music;

namespace Melos.Data.Transcription;

/// <summary>A note in seconds with a pitch in (fractional) MIDI numbers, as transcription scores compare them.</summary>
/// <param name="Onset">Onset in seconds.</param>
/// <param name="Offset">Release in seconds.</param>
/// <param name="Midi">Pitch as a MIDI number (A440 = 69); fractions allowed.</param>
public readonly record struct TimedNote(double Onset, double Offset, double Midi);

/// <summary>Note-level precision, recall and F-measure.</summary>
/// <param name="Precision">Matched / estimated.</param>
/// <param name="Recall">Matched / reference.</param>
/// <param name="F">The harmonic mean (0 when both are 0).</param>
/// <param name="Matched">Notes matched one to one.</param>
/// <param name="Reference">Reference notes.</param>
/// <param name="Estimated">Estimated notes.</param>
public sealed record NoteScoreResult(double Precision, double Recall, double F, int Matched, int Reference, int Estimated);

/// <summary>
/// Note-level scores with mir_eval's conventions (<c>mir_eval.transcription.precision_recall_f1_overlap</c>): a reference
/// and an estimated note match when their onsets are within 50 ms and their pitches within 50 cents (and, with offsets,
/// their releases within the larger of 50 ms and 20% of the reference note's length); each note matches at most once,
/// and the matching is a maximum bipartite matching.
/// </summary>
public static class NoteScore
{
    /// <summary>Scores <paramref name="estimated"/> against <paramref name="reference"/>.</summary>
    /// <param name="reference">The reference notes.</param>
    /// <param name="estimated">The estimated notes.</param>
    /// <param name="withOffsets">True to require offsets to match as well.</param>
    /// <param name="onsetTolerance">Seconds (mir_eval: 0.05).</param>
    /// <param name="pitchToleranceCents">Cents (mir_eval: 50).</param>
    /// <param name="offsetRatio">The share of the reference length allowed for offsets (mir_eval: 0.2).</param>
    /// <param name="offsetMinTolerance">The least offset tolerance in seconds (mir_eval: 0.05).</param>
    public static NoteScoreResult Score(IReadOnlyList<TimedNote> reference, IReadOnlyList<TimedNote> estimated, bool withOffsets = false,
        double onsetTolerance = 0.05, double pitchToleranceCents = 50, double offsetRatio = 0.2, double offsetMinTolerance = 0.05)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(estimated);
        // Candidate pairs (mir_eval rounds distances to 4 decimals before comparing with <=, as here).
        var edges = new List<int>[reference.Count];
        for (int r = 0; r < reference.Count; r++)
        {
            edges[r] = [];
            var a = reference[r];
            for (int e = 0; e < estimated.Count; e++)
            {
                var b = estimated[e];
                if (Math.Round(Math.Abs(a.Onset - b.Onset), 4) > onsetTolerance) continue;
                if (Math.Round(Math.Abs(a.Midi - b.Midi) * 100, 4) > pitchToleranceCents) continue;
                if (withOffsets && Math.Round(Math.Abs(a.Offset - b.Offset), 4) > Math.Max(offsetMinTolerance, offsetRatio * (a.Offset - a.Onset))) continue;
                edges[r].Add(e);
            }
        }
        var owner = new int[estimated.Count];
        Array.Fill(owner, -1);
        int matched = 0;
        for (int r = 0; r < reference.Count; r++)
            if (Augment(r, edges, owner, new bool[estimated.Count])) matched++;
        double p = estimated.Count == 0 ? 0 : (double)matched / estimated.Count, rc = reference.Count == 0 ? 0 : (double)matched / reference.Count;
        return new NoteScoreResult(p, rc, p + rc == 0 ? 0 : 2 * p * rc / (p + rc), matched, reference.Count, estimated.Count);
    }

    // Kuhn's augmenting path for reference note r.
    private static bool Augment(int r, List<int>[] edges, int[] owner, bool[] seen)
    {
        foreach (var e in edges[r])
        {
            if (seen[e]) continue;
            seen[e] = true;
            if (owner[e] < 0 || Augment(owner[e], edges, owner, seen))
            {
                owner[e] = r;
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The share of the reference's bars (those holding a note onset) whose notes (onset within the bar, pitch, length)
    /// the transcription has exactly in the same bar, with the transcription's bars shifted by the whole number of bars
    /// (-2..2) that matches most; 0 when the reference has no notes.
    /// </summary>
    public static double ExactBarShare(Melody reference, Melody transcribed)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(transcribed);
        var want = Bars(reference);
        if (want.Count == 0) return 0;
        var got = Bars(transcribed);
        int best = 0;
        for (int shift = -2; shift <= 2; shift++)
        {
            int same = want.Count(kv => got.TryGetValue(kv.Key + shift, out var g) && g == kv.Value);
            best = Math.Max(best, same);
        }
        return (double)best / want.Count;
    }

    private static Dictionary<int, string> Bars(Melody melody)
    {
        var bars = new Dictionary<int, System.Text.StringBuilder>();
        var barLength = melody.Meter.BarLength;
        foreach (var n in melody.Notes)
        {
            var index = (int)Math.Floor((n.Start.Quarters / barLength.Quarters).ToDouble());
            var within = n.Start.Quarters - barLength.Quarters * index;
            if (!bars.TryGetValue(index, out var sb)) bars[index] = sb = new System.Text.StringBuilder();
            sb.Append(within).Append(':').Append(n.Pitch.Number).Append(':').Append(n.Length.Quarters).Append(' ');
        }
        return bars.ToDictionary(kv => kv.Key, kv => kv.Value.ToString());
    }
}
