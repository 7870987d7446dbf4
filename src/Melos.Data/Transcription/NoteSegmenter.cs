namespace Melos.Data.Transcription;

/// <summary>A note found in a recording, in seconds.</summary>
/// <param name="Start">Onset in seconds.</param>
/// <param name="End">Release in seconds.</param>
/// <param name="Pitch">The MIDI pitch after the tuning correction.</param>
/// <param name="Midi">The note's median pitch as a fractional MIDI number before the tuning correction.</param>
/// <param name="Confidence">0..1: the mean voicing probability of its frames times the share of them within half a semitone of <paramref name="Pitch"/>.</param>
public sealed record TranscribedNote(double Start, double End, int Pitch, double Midi, double Confidence)
{
    /// <summary>The length in seconds.</summary>
    public double Seconds => End - Start;
}

/// <summary>
/// Notes from a pitch track: the tuning (the weighted circular mean of every voiced frame's offset from the equal-tempered
/// semitones), then voiced runs cut where the pitch leaves the current note by more than 0.65 semitone and settles on
/// another for <see cref="TranscriptionSettings.MinNoteSeconds"/> (so vibrato and a slide into a note stay one note),
/// and where the level rises by <see cref="TranscriptionSettings.OnsetRiseDb"/> (a repeated note); pieces shorter than the
/// shortest note join the neighbour nearest in pitch.
/// </summary>
public static class NoteSegmenter
{
    /// <summary>
    /// The tuning offset in cents from A440 equal temperament (-50..50): the weighted circular mean of each voiced frame's
    /// offset from the semitones, taken on the pitch averaged over 190 ms (so that vibrato, which spends its time at its
    /// extremes, counts at its centre), leaving out frames where the pitch moves over a semitone (slides, note changes).
    /// </summary>
    public static double Tuning(IReadOnlyList<PitchFrame> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        double frame = frames.Count > 1 ? frames[1].Seconds - frames[0].Seconds : 0.01;
        int half = Math.Max(1, (int)Math.Round(0.095 / frame));
        double s = 0, c = 0;
        for (int i = 0; i < frames.Count; i++)
        {
            if (!frames[i].Voiced) continue;
            double sum = 0, lo = double.MaxValue, hi = double.MinValue;
            int count = 0;
            bool whole = true;
            for (int j = i - half; j <= i + half; j++)
            {
                if (j < 0 || j >= frames.Count || !frames[j].Voiced) { whole = false; break; }
                double m = frames[j].Midi;
                sum += m;
                count++;
                lo = Math.Min(lo, m);
                hi = Math.Max(hi, m);
            }
            if (!whole || hi - lo > 1.0) continue;
            double mean = sum / count;
            double angle = 2 * Math.PI * (mean - Math.Round(mean));
            s += frames[i].VoicedProbability * Math.Sin(angle);
            c += frames[i].VoicedProbability * Math.Cos(angle);
        }
        return s == 0 && c == 0 ? 0 : 100 * Math.Atan2(s, c) / (2 * Math.PI);
    }

    /// <summary>The notes of a pitch track, with pitches corrected by <paramref name="tuningCents"/>.</summary>
    public static IReadOnlyList<TranscribedNote> Segment(IReadOnlyList<PitchFrame> frames, double tuningCents, TranscriptionSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        settings = (settings ?? TranscriptionSettings.Default).Validate();
        if (frames.Count == 0) return [];
        double frame = frames.Count > 1 ? frames[1].Seconds - frames[0].Seconds : settings.FrameSeconds;
        int minFrames = Math.Max(2, (int)Math.Round(settings.MinNoteSeconds / frame));
        int riseFrames = Math.Max(1, (int)Math.Round(0.04 / frame));
        double shift = tuningCents / 100;
        var m = frames.Select(f => f.Voiced ? f.Midi - shift : double.NaN).ToArray();
        var pieces = new List<(int From, int To)>(); // [From, To)
        int t = 0;
        while (t < frames.Count)
        {
            if (!frames[t].Voiced) { t++; continue; }
            int runEnd = t;
            while (runEnd < frames.Count && frames[runEnd].Voiced) runEnd++;
            // Cut the voiced run [t, runEnd) at pitch changes and level rises.
            int start = t;
            double reference = Math.Round(Median(m, start, Math.Min(runEnd, start + minFrames)));
            for (int i = t + 1; i < runEnd; i++)
            {
                bool cut = false;
                if (Math.Abs(m[i] - reference) > 0.65)
                {
                    int end = Math.Min(runEnd, i + minFrames);
                    double next = Math.Round(Median(m, i, end));
                    if (next != reference && end - i >= Math.Min(minFrames, runEnd - i) && Enumerable.Range(i, end - i).All(j => Math.Abs(m[j] - next) < 0.65))
                    {
                        cut = true;
                        reference = next;
                    }
                }
                else if (i - start >= minFrames && runEnd - i >= minFrames && IsRise(frames, i, riseFrames, settings.OnsetRiseDb))
                {
                    cut = true;
                }
                if (cut)
                {
                    pieces.Add((start, i));
                    start = i;
                }
            }
            pieces.Add((start, runEnd));
            t = runEnd;
        }
        // A slide into a note (a short piece whose pitch moves towards the next, with no new attack) joins that note.
        // A piece whose pitch holds within half a semitone of one note for 50 ms is a short note, not a slide.
        int slideFrames = (int)Math.Round(0.15 / frame), stableFrames = Math.Max(2, (int)Math.Round(0.05 / frame));
        for (int i = pieces.Count - 2; i >= 0; i--)
        {
            var (from, to) = pieces[i];
            if (to - from > slideFrames || pieces[i + 1].From != to || StableRun(m, from, to) >= stableFrames) continue;
            double first = m[from], last = m[to - 1], next = Median(m, pieces[i + 1].From, pieces[i + 1].To);
            if (Math.Abs(last - first) > 0.5 && Math.Sign(last - first) == Math.Sign(next - first) && Math.Abs(next - first) > Math.Abs(next - last)
                && !IsRise(frames, to, riseFrames, settings.OnsetRiseDb))
            {
                pieces[i + 1] = (from, pieces[i + 1].To);
                pieces.RemoveAt(i);
            }
        }
        // Short pieces join the adjacent piece nearest in pitch (a slide, a vibrato excursion, an attack); alone, they go.
        bool merged = true;
        while (merged)
        {
            merged = false;
            for (int i = 0; i < pieces.Count; i++)
            {
                var (from, to) = pieces[i];
                if (to - from >= minFrames) continue;
                double pitch = Median(m, from, to);
                bool left = i > 0 && pieces[i - 1].To == from, right = i + 1 < pieces.Count && pieces[i + 1].From == to;
                if (!left && !right)
                {
                    pieces.RemoveAt(i);
                    merged = true;
                    break;
                }
                double dl = left ? Math.Abs(Median(m, pieces[i - 1].From, pieces[i - 1].To) - pitch) : double.MaxValue;
                double dr = right ? Math.Abs(Median(m, pieces[i + 1].From, pieces[i + 1].To) - pitch) : double.MaxValue;
                if (dl <= dr) pieces[i - 1] = (pieces[i - 1].From, to);
                else pieces[i + 1] = (from, pieces[i + 1].To);
                pieces.RemoveAt(i);
                merged = true;
                break;
            }
        }
        // A boundary between two notes found by pitch sits where the new note's pitch has come to dominate, an attack
        // after its onset: move it back to the level dip between the notes (the release of one, the attack of the next)
        // when there is one within 80 ms (3 dB or more below the new note's level where it was found).
        int back = (int)Math.Round(0.08 / frame);
        for (int k = 1; k < pieces.Count; k++)
        {
            if (pieces[k - 1].To != pieces[k].From) continue;
            int at = pieces[k].From, lo = Math.Max(pieces[k - 1].From + minFrames / 2, at - back);
            int dip = at;
            for (int j = at; j >= lo; j--)
                if (frames[j].Level < frames[dip].Level) dip = j;
            if (dip < at && frames[at].Level - frames[dip].Level >= 3)
            {
                pieces[k - 1] = (pieces[k - 1].From, dip);
                pieces[k] = (dip, pieces[k].To);
            }
        }
        var notes = new List<TranscribedNote>(pieces.Count);
        double half = frame / 2;
        foreach (var (from, to) in pieces)
        {
            double median = Median(m, from, to);
            int pitch = (int)Math.Round(median);
            if (pitch is < 0 or > 127) continue;
            double prob = 0;
            int near = 0;
            for (int i = from; i < to; i++)
            {
                prob += frames[i].VoicedProbability;
                if (Math.Abs(m[i] - pitch) < 0.5) near++;
            }
            double confidence = Math.Clamp(prob / (to - from), 0, 1) * near / (to - from);
            notes.Add(new TranscribedNote(frames[from].Seconds - half, frames[to - 1].Seconds + half, pitch, median + shift, confidence));
        }
        return notes;
    }

    /// <summary>The longest run of frames in [from, to) held within half a semitone of the piece's median semitone.</summary>
    private static int StableRun(double[] m, int from, int to)
    {
        double pitch = Math.Round(Median(m, from, to));
        int best = 0, run = 0;
        for (int i = from; i < to; i++)
        {
            // Held: near the semitone and moving under 0.15 semitone a frame (vibrato of 25 cents at 5.5 Hz moves 0.09; a glide more).
            run = Math.Abs(m[i] - pitch) < 0.5 && (run == 0 || Math.Abs(m[i] - m[i - 1]) < 0.15) ? run + 1 : Math.Abs(m[i] - pitch) < 0.5 ? 1 : 0;
            best = Math.Max(best, run);
        }
        return best;
    }

    private static bool IsRise(IReadOnlyList<PitchFrame> frames, int i, int span, double db)
    {
        double before = double.MaxValue;
        for (int j = Math.Max(0, i - span); j < i; j++) before = Math.Min(before, frames[j].Level);
        double rise = frames[i].Level - before;
        if (rise < db) return false;
        // The steepest point of the rise: a local maximum of the rise function.
        double Rise(int k)
        {
            double b = double.MaxValue;
            for (int j = Math.Max(0, k - span); j < k; j++) b = Math.Min(b, frames[j].Level);
            return frames[k].Level - b;
        }
        return rise >= Rise(i - 1) && (i + 1 >= frames.Count || rise > Rise(i + 1));
    }

    private static double Median(double[] values, int from, int to)
    {
        if (to <= from) return double.NaN;
        var slice = values[from..to];
        Array.Sort(slice);
        return slice.Length % 2 == 1 ? slice[slice.Length / 2] : (slice[slice.Length / 2 - 1] + slice[slice.Length / 2]) / 2;
    }
}
