using System.Collections.Immutable;
using Melos.Music;

namespace Melos.Evaluation;

/// <summary>How many windows of one size were found in the training set.</summary>
/// <param name="Bars">The window size in bars.</param>
/// <param name="Windows">Windows with notes in the measured melodies.</param>
/// <param name="Verbatim">Windows found note for note (same pitches, onsets, lengths) in a training melody.</param>
/// <param name="Transposed">Windows found in a training melody up to transposition (verbatim ones included).</param>
public sealed record WindowNovelty(int Bars, int Windows, int Verbatim, int Transposed)
{
    /// <summary>Share of windows found verbatim (0 when there are no windows).</summary>
    public double VerbatimShare => Windows == 0 ? 0 : (double)Verbatim / Windows;

    /// <summary>Share of windows found up to transposition.</summary>
    public double TransposedShare => Windows == 0 ? 0 : (double)Transposed / Windows;
}

/// <summary>The longest stretch of one melody found in the training set.</summary>
/// <param name="Melody">The melody's name (its source, or its number in the set).</param>
/// <param name="Notes">Consecutive notes found with the same pitches and inter-onset intervals.</param>
/// <param name="TransposedNotes">Consecutive notes found with the same intervals and inter-onset intervals (any transposition).</param>
/// <param name="TrainingMelody">The training melody holding the verbatim stretch, or null when nothing matched.</param>
public sealed record LongestRun(string Melody, int Notes, int TransposedNotes, string? TrainingMelody);

/// <summary>What a set of melodies shares with the training set.</summary>
/// <param name="Windows">Windows of 1, 2 and 4 bars found in the training set.</param>
/// <param name="LongestRun">Per melody, the longest verbatim run of notes shared with a training melody.</param>
/// <param name="LongestTransposedRun">Per melody, the longest run shared up to transposition.</param>
/// <param name="Longest">The melody with the longest verbatim run.</param>
/// <param name="Runs">Every melody's longest runs, in set order.</param>
public sealed record NoveltyReport(ImmutableArray<WindowNovelty> Windows, ValueSummary? LongestRun, ValueSummary? LongestTransposedRun, LongestRun? Longest,
    ImmutableArray<LongestRun> Runs)
{
    /// <summary>The window figures for <paramref name="bars"/>-bar windows.</summary>
    public WindowNovelty For(int bars) => Windows.First(w => w.Bars == bars);
}

/// <summary>
/// The training set indexed for novelty checks: every window of 1, 2 and 4 bars (<see cref="BarWindows"/>), verbatim and
/// transposed, and a suffix automaton over every training melody's notes, written as (pitch, inter-onset interval) or
/// (interval to the next pitch, inter-onset interval) tokens (the last note's inter-onset interval is its length), that
/// finds the longest run of notes any training melody shares with a melody in time linear in the melody's length.
/// </summary>
public sealed class NoveltyIndex
{
    /// <summary>The window sizes measured, in bars.</summary>
    public static ImmutableArray<int> WindowSizes { get; } = [1, 2, 4];

    private readonly Dictionary<int, HashSet<WindowKey>> _verbatim = [];
    private readonly Dictionary<int, HashSet<WindowKey>> _transposed = [];
    private readonly Dictionary<(int, Rational), int> _tokens = [];
    private readonly Dictionary<(int, Rational), int> _steps = [];
    private readonly SuffixAutomaton _pitchRuns, _stepRuns;
    private readonly int[] _pitchOffsets;
    private readonly ImmutableArray<string> _names;

    private NoveltyIndex(IReadOnlyList<Melody> training)
    {
        foreach (var n in WindowSizes)
        {
            var v = new HashSet<WindowKey>();
            var t = new HashSet<WindowKey>();
            foreach (var m in training)
                foreach (var w in BarWindows.Of(m, n))
                {
                    v.Add(w.Verbatim);
                    t.Add(w.Transposed);
                }
            _verbatim[n] = v;
            _transposed[n] = t;
        }
        _names = [.. training.Select((m, i) => NameOf(m, i))];
        var pitchSeq = new List<int>();
        var stepSeq = new List<int>();
        _pitchOffsets = new int[training.Count + 1];
        for (int i = 0; i < training.Count; i++)
        {
            _pitchOffsets[i] = pitchSeq.Count;
            pitchSeq.AddRange(Tokens(training[i], _tokens, grow: true));
            pitchSeq.Add(-1 - i);
            stepSeq.AddRange(Steps(training[i], _steps, grow: true));
            stepSeq.Add(-1 - i);
        }
        _pitchOffsets[training.Count] = pitchSeq.Count;
        _pitchRuns = new SuffixAutomaton(pitchSeq);
        _stepRuns = new SuffixAutomaton(stepSeq);
        Count = training.Count;
    }

    /// <summary>The number of training melodies.</summary>
    public int Count { get; }

    /// <summary>Indexes a training set.</summary>
    public static NoveltyIndex Build(IReadOnlyList<Melody> training)
    {
        ArgumentNullException.ThrowIfNull(training);
        return new NoveltyIndex(training);
    }

    /// <summary>A melody's name in reports: its source, its title, or its number in the set.</summary>
    public static string NameOf(Melody melody, int index) => melody.Info.Source ?? melody.Info.Title ?? $"#{index + 1}";

    /// <summary>Measures a set of melodies against the training set.</summary>
    public NoveltyReport Measure(IReadOnlyList<Melody> melodies)
    {
        ArgumentNullException.ThrowIfNull(melodies);
        var windows = ImmutableArray.CreateBuilder<WindowNovelty>();
        foreach (var n in WindowSizes)
        {
            int total = 0, verbatim = 0, transposed = 0;
            foreach (var m in melodies)
                foreach (var w in BarWindows.Of(m, n))
                {
                    total++;
                    if (_verbatim[n].Contains(w.Verbatim)) verbatim++;
                    if (_transposed[n].Contains(w.Transposed)) transposed++;
                }
            windows.Add(new WindowNovelty(n, total, verbatim, transposed));
        }
        var runs = melodies.Select((m, i) => Run(m, NameOf(m, i))).ToImmutableArray();
        var withNotes = runs.Where((_, i) => !melodies[i].Notes.IsEmpty).ToList();
        return new NoveltyReport(windows.ToImmutable(), ValueSummary.Of(withNotes.Select(r => (double)r.Notes)),
            ValueSummary.Of(withNotes.Select(r => (double)r.TransposedNotes)), withNotes.MaxBy(r => r.Notes), runs);
    }

    /// <summary>The longest runs of one melody.</summary>
    public LongestRun Run(Melody melody, string name)
    {
        ArgumentNullException.ThrowIfNull(melody);
        var (length, end) = _pitchRuns.LongestMatch(Tokens(melody, _tokens, grow: false));
        var (steps, _) = _stepRuns.LongestMatch(Steps(melody, _steps, grow: false));
        string? source = null;
        if (length > 0)
        {
            int tune = Array.BinarySearch(_pitchOffsets, end);
            if (tune < 0) tune = ~tune - 1;
            source = _names[Math.Clamp(tune, 0, _names.Length - 1)];
        }
        // A run of k interval tokens spans k + 1 notes; with no interval matched, a single note still matches up to transposition.
        return new LongestRun(name, length, steps == 0 ? Math.Min(1, melody.Notes.Length) : steps + 1, source);
    }

    private static List<int> Tokens(Melody m, Dictionary<(int, Rational), int> ids, bool grow)
    {
        var list = new List<int>(m.Notes.Length);
        for (int i = 0; i < m.Notes.Length; i++)
        {
            var ioi = i + 1 < m.Notes.Length ? m.Notes[i + 1].Start - m.Notes[i].Start : m.Notes[i].Length;
            list.Add(Id(ids, (m.Notes[i].Pitch.Number, ioi.Quarters), grow));
        }
        return list;
    }

    private static List<int> Steps(Melody m, Dictionary<(int, Rational), int> ids, bool grow)
    {
        var list = new List<int>(Math.Max(0, m.Notes.Length - 1));
        for (int i = 0; i + 1 < m.Notes.Length; i++)
        {
            var ioi = m.Notes[i + 1].Start - m.Notes[i].Start;
            list.Add(Id(ids, (m.Notes[i + 1].Pitch.Number - m.Notes[i].Pitch.Number, ioi.Quarters), grow));
        }
        return list;
    }

    private static int Id(Dictionary<(int, Rational), int> ids, (int, Rational) key, bool grow)
    {
        if (ids.TryGetValue(key, out int id)) return id;
        if (!grow) return int.MinValue;
        id = ids.Count;
        ids[key] = id;
        return id;
    }
}

/// <summary>
/// A suffix automaton of one integer sequence (Blumer et al.): it recognizes every substring, so walking another
/// sequence through it gives, at each position, the longest substring ending there that also occurs in the indexed one.
/// Transitions live in one dictionary keyed by (state, symbol); each state keeps the list of its symbols for cloning.
/// </summary>
internal sealed class SuffixAutomaton
{
    private readonly List<int> _length, _link, _firstEnd, _edgeHead, _edgeSymbol, _edgeNext;
    private readonly Dictionary<long, int> _next;
    private int _last;

    public SuffixAutomaton(IReadOnlyList<int> sequence)
    {
        // At most 2n states and 3n transitions.
        int states = 2 * sequence.Count + 2, edges = 3 * sequence.Count + 2;
        _length = new(states) { 0 };
        _link = new(states) { -1 };
        _firstEnd = new(states) { -1 };
        _edgeHead = new(states) { -1 };
        _edgeSymbol = new(edges);
        _edgeNext = new(edges);
        _next = new(edges);
        for (int i = 0; i < sequence.Count; i++) Extend(sequence[i], i);
    }

    private static long Key(int state, int symbol) => ((long)state << 32) | (uint)symbol;

    private bool TryNext(int state, int symbol, out int target) => _next.TryGetValue(Key(state, symbol), out target);

    private void SetNext(int state, int symbol, int target)
    {
        if (_next.TryAdd(Key(state, symbol), target))
        {
            _edgeSymbol.Add(symbol);
            _edgeNext.Add(_edgeHead[state]);
            _edgeHead[state] = _edgeSymbol.Count - 1;
        }
        else _next[Key(state, symbol)] = target;
    }

    private int NewState(int length, int link, int firstEnd)
    {
        _length.Add(length);
        _link.Add(link);
        _firstEnd.Add(firstEnd);
        _edgeHead.Add(-1);
        return _length.Count - 1;
    }

    private void Extend(int symbol, int position)
    {
        int cur = NewState(_length[_last] + 1, -1, position);
        int p = _last;
        while (p != -1 && !TryNext(p, symbol, out _))
        {
            SetNext(p, symbol, cur);
            p = _link[p];
        }
        if (p == -1) _link[cur] = 0;
        else
        {
            TryNext(p, symbol, out int q);
            if (_length[p] + 1 == _length[q]) _link[cur] = q;
            else
            {
                int clone = NewState(_length[p] + 1, _link[q], _firstEnd[q]);
                for (int e = _edgeHead[q]; e != -1; e = _edgeNext[e])
                {
                    int s = _edgeSymbol[e];
                    TryNext(q, s, out int t);
                    SetNext(clone, s, t);
                }
                while (p != -1 && TryNext(p, symbol, out int t2) && t2 == q)
                {
                    SetNext(p, symbol, clone);
                    p = _link[p];
                }
                _link[q] = clone;
                _link[cur] = clone;
            }
        }
        _last = cur;
    }

    /// <summary>The longest substring of <paramref name="sequence"/> that occurs in the indexed sequence, and the position in the indexed sequence where one occurrence ends.</summary>
    public (int Length, int End) LongestMatch(IReadOnlyList<int> sequence)
    {
        int v = 0, l = 0, best = 0, bestEnd = -1;
        foreach (int c in sequence)
        {
            while (v != 0 && !TryNext(v, c, out _))
            {
                v = _link[v];
                l = _length[v];
            }
            if (TryNext(v, c, out int t))
            {
                v = t;
                l++;
            }
            else
            {
                v = 0;
                l = 0;
            }
            if (l > best)
            {
                best = l;
                bestEnd = _firstEnd[v];
            }
        }
        return (best, bestEnd);
    }
}
