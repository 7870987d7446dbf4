namespace Melos.Data.Transcription;

/// <summary>
/// The bar phase of a transcription: which beat of the bar the tracked beats' downbeats fall on. Each candidate phase
/// is scored by two cues, added: how much the bars it cuts repeat one another (folk tunes repeat bars and two-bar
/// units, and a wrong phase cuts each repeat across a bar line, so its windows match less), and, with a fifth of the
/// weight, how much of the long notes' weight starts on its beats (metrical accent by length), which decides when the
/// repetition does not (no repeats, or as many for two phases). Repetition compares the bars slot by slot (the pitch
/// sounding and whether a note starts there), so it also tells beat 1 from beat 3 in 4/4, where long notes fall on both.
/// The first note's beat is no cue: tunes with a pickup start off the downbeat.
/// </summary>
public static class DownbeatFinder
{
    /// <summary>The weight of the long-note cue (each phase's long-note weight as a share of the best phase's, 0..1) against repetition (0..1).</summary>
    public const double AccentWeight = 0.2;

    /// <summary>How many bars before and after a bar are searched for its repeat.</summary>
    public const int Reach = 64;

    /// <summary>The bar phase: the beat index modulo <paramref name="beatsPerBar"/> that starts bars.</summary>
    /// <param name="onsetBeats">Each note's onset in beats (fractional), ascending.</param>
    /// <param name="pitches">Each note's MIDI pitch.</param>
    /// <param name="weights">Each note's accent weight (its length in seconds times its confidence).</param>
    /// <param name="beatsPerBar">Beats in a bar (at least 1).</param>
    /// <param name="subdivisions">Slots per beat used to compare bars (4 for simple meters, 3 for compound).</param>
    public static int Choose(IReadOnlyList<double> onsetBeats, IReadOnlyList<int> pitches, IReadOnlyList<double> weights, int beatsPerBar, int subdivisions)
    {
        var scores = Scores(onsetBeats, pitches, weights, beatsPerBar, subdivisions);
        int best = 0;
        for (int k = 1; k < scores.Length; k++) if (scores[k] > scores[best] + 1e-9) best = k;
        return best;
    }

    /// <summary>Each phase's combined score (higher is likelier the downbeat); see <see cref="Choose"/>.</summary>
    public static double[] Scores(IReadOnlyList<double> onsetBeats, IReadOnlyList<int> pitches, IReadOnlyList<double> weights, int beatsPerBar, int subdivisions)
    {
        ArgumentNullException.ThrowIfNull(onsetBeats);
        ArgumentNullException.ThrowIfNull(pitches);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfLessThan(beatsPerBar, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(subdivisions, 1);
        var scores = new double[beatsPerBar];
        int n = onsetBeats.Count;
        if (n == 0 || beatsPerBar == 1) return scores;
        var accent = Accents(onsetBeats, weights, beatsPerBar);
        double maxAccent = accent.Max();
        var repetition = Repetition(onsetBeats, pitches, beatsPerBar, subdivisions);
        for (int k = 0; k < beatsPerBar; k++)
            scores[k] = repetition[k] + (maxAccent > 0 ? AccentWeight * accent[k] / maxAccent : 0);
        return scores;
    }

    /// <summary>The accent weight starting on each beat of the bar: the weights of the notes within 0.2 beat of a beat, summed by the beat's index modulo <paramref name="beatsPerBar"/>.</summary>
    /// <param name="onsetBeats">Each note's onset in beats.</param>
    /// <param name="weights">Each note's accent weight.</param>
    /// <param name="beatsPerBar">Beats in a bar (at least 1).</param>
    public static double[] Accents(IReadOnlyList<double> onsetBeats, IReadOnlyList<double> weights, int beatsPerBar)
    {
        ArgumentNullException.ThrowIfNull(onsetBeats);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfLessThan(beatsPerBar, 1);
        var accent = new double[beatsPerBar];
        for (int i = 0; i < onsetBeats.Count; i++)
        {
            double b = onsetBeats[i];
            long nearest = (long)Math.Round(b);
            if (Math.Abs(b - nearest) < 0.2) accent[(int)(((nearest % beatsPerBar) + beatsPerBar) % beatsPerBar)] += weights[i];
        }
        return accent;
    }

    /// <summary>
    /// For each phase, the mean over its bars of the best match with any other bar (within <see cref="Reach"/> bars, so
    /// long recordings stay linear in time): the share of slots alike, mapped
    /// from 0.75..1 onto 0..1 (a bar half alike counts nothing). A slot holds the pitch sounding (each note held to the
    /// next onset, the last for one slot) and whether a note starts there; bars mostly empty are left out.
    /// </summary>
    public static double[] Repetition(IReadOnlyList<double> onsetBeats, IReadOnlyList<int> pitches, int beatsPerBar, int subdivisions)
    {
        ArgumentNullException.ThrowIfNull(onsetBeats);
        ArgumentNullException.ThrowIfNull(pitches);
        var result = new double[beatsPerBar];
        int n = onsetBeats.Count;
        if (n < 2) return result;
        var slot = new long[n];
        for (int i = 0; i < n; i++) slot[i] = (long)Math.Round(onsetBeats[i] * subdivisions);
        // The last note's length is not known here: it fills one slot.
        long first = slot[0], last = slot[n - 1] + subdivisions;
        if (last - first > 1_000_000) return result;
        var cells = new int[last - first];
        Array.Fill(cells, -1);
        for (int i = 0; i < n; i++)
        {
            long from = slot[i], to = i + 1 < n ? Math.Max(slot[i + 1], from + 1) : from + 1;
            for (long s = from; s < to && s < last; s++) cells[s - first] = 2 * pitches[i] + (s == from ? 1 : 0);
        }
        int barSlots = beatsPerBar * subdivisions;
        for (int k = 0; k < beatsPerBar; k++)
        {
            // Bars of this phase lying wholly inside the notes.
            long firstBeat = (long)Math.Ceiling((double)first / subdivisions);
            long start = firstBeat + Mod((int)(k - firstBeat % beatsPerBar), beatsPerBar);
            var bars = new List<int>();
            for (long b = start; (b * subdivisions - first) + barSlots <= cells.Length; b += beatsPerBar)
            {
                int offset = (int)(b * subdivisions - first), filled = 0;
                for (int s = 0; s < barSlots; s++) if (cells[offset + s] >= 0) filled++;
                if (filled * 2 > barSlots) bars.Add(offset);
            }
            if (bars.Count < 2) continue;
            double sum = 0;
            for (int x = 0; x < bars.Count; x++)
            {
                int bestSame = 0;
                for (int y = Math.Max(0, x - Reach); y < Math.Min(bars.Count, x + Reach + 1); y++)
                {
                    if (y == x) continue;
                    int same = 0;
                    for (int s = 0; s < barSlots; s++) if (cells[bars[x] + s] == cells[bars[y] + s]) same++;
                    bestSame = Math.Max(bestSame, same);
                }
                sum += Math.Max(0, ((double)bestSame / barSlots - 0.75) / 0.25);
            }
            result[k] = sum / bars.Count;
        }
        return result;
    }

    private static int Mod(int a, int m) => ((a % m) + m) % m;
}
