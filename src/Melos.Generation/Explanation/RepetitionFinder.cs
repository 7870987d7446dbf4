using Melos.Music;

namespace Melos.Generation.Explanation;

/// <summary>Finds bars that repeat an earlier bar: the same onsets and lengths, every pitch moved by one interval.</summary>
public static class RepetitionFinder
{
    /// <summary>
    /// Every bar with at least two notes that repeats an earlier bar (up to an octave either way). With an attribution
    /// matrix (<c>[i][j]</c> = share of note i's attribution on note j) the source is the matching bar the bar's notes drew
    /// on most; without, the earliest matching bar.
    /// </summary>
    public static IReadOnlyList<Repetition> Find(Melody melody, double[][]? attribution = null)
    {
        ArgumentNullException.ThrowIfNull(melody);
        var bars = new SortedDictionary<int, List<int>>();
        for (int i = 0; i < melody.Notes.Length; i++)
        {
            int bar = melody.BarOf(melody.Notes[i].Start).Bar;
            if (!bars.TryGetValue(bar, out var list)) bars[bar] = list = [];
            list.Add(i);
        }
        var result = new List<Repetition>();
        foreach (var (bar, notes) in bars)
        {
            if (notes.Count < 2) continue;
            var candidates = new List<(int Source, int Semitones)>();
            foreach (var (source, sourceNotes) in bars)
            {
                if (source >= bar) break;
                if (Matches(melody, bar, notes, source, sourceNotes) is { } semitones) candidates.Add((source, semitones));
            }
            if (candidates.Count == 0) continue;
            double Share(int source) => attribution is null ? 0 : notes.Average(i => bars[source].Sum(j => attribution[i][j]));
            var chosen = attribution is null ? candidates[0] : candidates.OrderByDescending(c => Share(c.Source)).ThenBy(c => c.Source).First();
            double? share = attribution is null ? null : Share(chosen.Source);
            bool drew = attribution is not null && bars.Keys.Where(b => b < bar && b != chosen.Source).All(b => Share(b) <= share);
            string text = $"bar {bar + 1} repeats bar {chosen.Source + 1} {Interval(chosen.Semitones)}";
            if (drew && share is { } s) text += $"; the model drew on it ({s * 100:0}% of the bar's saliency)";
            result.Add(new Repetition(bar + 1, chosen.Source + 1, chosen.Semitones, share, drew, text));
        }
        return result;
    }

    private static int? Matches(Melody melody, int bar, List<int> notes, int source, List<int> sourceNotes)
    {
        if (notes.Count != sourceNotes.Count) return null;
        var start = melody.BarStart(bar);
        var sourceStart = melody.BarStart(source);
        int? shift = null;
        for (int n = 0; n < notes.Count; n++)
        {
            var a = melody.Notes[notes[n]];
            var b = melody.Notes[sourceNotes[n]];
            if (a.Start - start != b.Start - sourceStart || a.Length != b.Length) return null;
            int d = a.Pitch.Number - b.Pitch.Number;
            if (shift is { } s && s != d) return null;
            shift = d;
        }
        return shift is { } x && Math.Abs(x) <= 12 ? x : null;
    }

    /// <summary>"exactly", "up a fourth", "down a tone", "an octave up".</summary>
    public static string Interval(int semitones)
    {
        if (semitones == 0) return "exactly";
        string[] names = ["", "a semitone", "a tone", "a minor third", "a major third", "a fourth", "a tritone", "a fifth", "a minor sixth", "a major sixth", "a minor seventh", "a major seventh", "an octave"];
        return $"{(semitones > 0 ? "up" : "down")} {names[Math.Abs(semitones)]}";
    }
}
