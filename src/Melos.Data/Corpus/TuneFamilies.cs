using System.Collections.Immutable;
using Melos.Music;

namespace Melos.Data.Corpus;

/// <summary>
/// Finds near-duplicate tunes (the same tune in another format or edition, transposed, ornamented, quantized differently,
/// with or without a pickup or repeats) without aligning them. Each melody is sampled once per eighth note from its first
/// onset (the pitch sounding longest in each eighth, gaps under a quarter bridged, longer silences a rest symbol); the
/// samples become a transposition-invariant sequence of intervals; every run of <see cref="ShingleLength"/> consecutive
/// symbols is hashed into the melody's shingle set. Two melodies are near-duplicates when the share of the smaller set
/// found in the other reaches <see cref="DefaultThreshold"/>. Families are the connected groups of near-duplicates
/// (union-find over the pairs an inverted index of shingles proposes).
/// </summary>
public static class TuneFamilies
{
    /// <summary>Consecutive eighth-note samples per shingle (ten eighths: a bar and a quarter of 4/4).</summary>
    public const int ShingleLength = 10;

    /// <summary>The least share of the smaller melody's shingles found in the other for two melodies to be near-duplicates.</summary>
    public const double DefaultThreshold = 0.3;

    /// <summary>Melodies with fewer distinct shingles than this join a family only through an exact fingerprint.</summary>
    public const int MinShingles = 8;

    /// <summary>Shingles held by more melodies than this are stock figures: they never propose a pair by themselves (they still count in the similarity).</summary>
    public const int MaxPostings = 64;

    private const int Rest = 1000;
    private static readonly Rational Step = new(1, 2);

    /// <summary>The transposition-invariant symbol per eighth note: the interval from the previous sounding sample (0 for a held or repeated pitch), or a rest.</summary>
    public static int[] Contour(Melody melody)
    {
        var notes = melody.Notes;
        if (notes.IsEmpty) return [];
        var origin = notes[0].Start.Quarters;
        double step = Step.ToDouble();
        double end = 0;
        var spans = new (double Start, double End, int Pitch)[notes.Length];
        for (int i = 0; i < notes.Length; i++)
        {
            double s = (notes[i].Start.Quarters - origin).ToDouble();
            double e = s + notes[i].Length.ToQuarterDouble();
            // Articulation differs between editions (a MIDI performance's short notes, a staccato): bridge gaps under a quarter.
            if (i + 1 < notes.Length)
            {
                double next = (notes[i + 1].Start.Quarters - origin).ToDouble();
                if (next - e < 1.0 + 1e-9) e = Math.Max(e, next);
            }
            spans[i] = (s, e, notes[i].Pitch.Number);
            end = Math.Max(end, e);
        }
        int windows = Math.Max(1, (int)Math.Ceiling(end / step - 1e-9));
        var best = new int[windows];
        var bestOverlap = new double[windows];
        var total = new double[windows];
        Array.Fill(best, -1);
        foreach (var (s, e, p) in spans)
        {
            int w0 = Math.Max(0, (int)Math.Floor(s / step + 1e-9));
            for (int w = w0; w < windows && w * step < e - 1e-9; w++)
            {
                double overlap = Math.Min(e, (w + 1) * step) - Math.Max(s, w * step);
                if (overlap <= 1e-9) continue;
                total[w] += overlap;
                if (overlap > bestOverlap[w] + 1e-9) { bestOverlap[w] = overlap; best[w] = p; }
            }
        }
        var symbols = new int[windows];
        int previous = -1;
        for (int w = 0; w < windows; w++)
        {
            if (best[w] < 0 || total[w] < step / 2 - 1e-9) { symbols[w] = Rest; continue; }
            symbols[w] = previous < 0 ? 0 : best[w] - previous;
            previous = best[w];
        }
        return symbols;
    }

    /// <summary>The melody's distinct shingle hashes, sorted. Shingles with fewer than two pitch changes (a held note, a silence) are left out.</summary>
    /// <param name="melody">The melody.</param>
    /// <param name="shingleLength">Samples per shingle (default <see cref="ShingleLength"/>).</param>
    public static ulong[] Shingles(Melody melody, int shingleLength = ShingleLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shingleLength, 2);
        var c = Contour(melody);
        var set = new HashSet<ulong>();
        for (int i = 0; i + shingleLength <= c.Length; i++)
        {
            ulong h = 14695981039346656037UL;
            int moves = 0;
            for (int k = 0; k < shingleLength; k++)
            {
                int v = c[i + k];
                // The first symbol's interval leads in from outside the window: only what follows it is the figure.
                if (k == 0 && v != Rest) v = 0;
                if (v != 0 && v != Rest) moves++;
                h = (h ^ (uint)(v + 0x10000)) * 1099511628211UL;
                h ^= h >> 29;
            }
            if (moves >= 2) set.Add(h);
        }
        var a = set.ToArray();
        Array.Sort(a);
        return a;
    }

    /// <summary>The share of the smaller set found in the larger (0 when either is smaller than <see cref="MinShingles"/>).</summary>
    public static double Similarity(ulong[] a, ulong[] b)
    {
        int small = Math.Min(a.Length, b.Length);
        if (small < MinShingles) return 0;
        int i = 0, j = 0, common = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] == b[j]) { common++; i++; j++; }
            else if (a[i] < b[j]) i++;
            else j++;
        }
        return (double)common / small;
    }

    /// <summary>Every pair (lower index first) whose similarity reaches the threshold, with the similarity.</summary>
    public static List<(int A, int B, double Similarity)> SimilarPairs(IReadOnlyList<ulong[]> shingles, double threshold = DefaultThreshold)
    {
        var index = new Dictionary<ulong, List<int>>();
        for (int i = 0; i < shingles.Count; i++)
            foreach (var h in shingles[i])
            {
                if (!index.TryGetValue(h, out var list)) index[h] = list = [];
                list.Add(i);
            }
        var pairs = new List<(int, int, double)>();
        var counts = new int[shingles.Count];
        var touched = new List<int>();
        for (int i = 0; i < shingles.Count; i++)
        {
            if (shingles[i].Length < MinShingles) continue;
            foreach (var h in shingles[i])
            {
                var list = index[h];
                if (list.Count > MaxPostings) continue;
                foreach (var j in list)
                {
                    if (j >= i) break;
                    if (counts[j]++ == 0) touched.Add(j);
                }
            }
            foreach (var j in touched)
            {
                // A pair can only reach the threshold when enough of the smaller set is shared; stock shingles were not
                // counted, so test the exact similarity of every pair that shares at least two rarer shingles.
                if (counts[j] >= 2)
                {
                    double s = Similarity(shingles[i], shingles[j]);
                    if (s >= threshold) pairs.Add((j, i, s));
                }
                counts[j] = 0;
            }
            touched.Clear();
        }
        pairs.Sort();
        return pairs;
    }

    /// <summary>
    /// Groups melodies into families of near-duplicates: melodies with the same fingerprint, and melodies whose shingle
    /// similarity reaches the threshold, joined transitively. Returns, per melody, the index of its family's
    /// representative: the member with the smallest fingerprint (then the smallest index), so a family and its split
    /// depend on its members, not on the order files were read in.
    /// </summary>
    public static int[] Group(IReadOnlyList<Melody> melodies, IReadOnlyList<string> fingerprints, double threshold = DefaultThreshold)
    {
        if (melodies.Count != fingerprints.Count) throw new ArgumentException("one fingerprint per melody", nameof(fingerprints));
        var shingles = new ulong[melodies.Count][];
        Parallel.For(0, melodies.Count, i => shingles[i] = Shingles(melodies[i]));
        var parent = Enumerable.Range(0, melodies.Count).ToArray();
        int Find(int x)
        {
            while (parent[x] != x) x = parent[x] = parent[parent[x]];
            return x;
        }
        void Union(int a, int b)
        {
            int ra = Find(a), rb = Find(b);
            if (ra != rb) parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
        }
        var byFingerprint = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < fingerprints.Count; i++)
            if (!byFingerprint.TryAdd(fingerprints[i], i)) Union(byFingerprint[fingerprints[i]], i);
        foreach (var (a, b, _) in SimilarPairs(shingles, threshold)) Union(a, b);

        var representative = new Dictionary<int, int>();
        for (int i = 0; i < melodies.Count; i++)
        {
            int root = Find(i);
            if (!representative.TryGetValue(root, out int r) || string.CompareOrdinal(fingerprints[i], fingerprints[r]) < 0) representative[root] = i;
        }
        return [.. Enumerable.Range(0, melodies.Count).Select(i => representative[Find(i)])];
    }

    /// <summary>
    /// Leakage between splits: of the melodies in <paramref name="held"/>, how many have a near-duplicate (similarity at
    /// least <paramref name="threshold"/>, or the same fingerprint) in <paramref name="train"/>.
    /// </summary>
    /// <returns>The held-out melodies and how many of them leak.</returns>
    public static (int Held, int Leaked) Leakage(IReadOnlyList<Melody> melodies, IReadOnlyList<CorpusSplit> splits, CorpusSplit held = CorpusSplit.Test,
        CorpusSplit train = CorpusSplit.Train, double threshold = DefaultThreshold)
    {
        var shingles = new ulong[melodies.Count][];
        var fingerprints = new string[melodies.Count];
        Parallel.For(0, melodies.Count, i => { shingles[i] = Shingles(melodies[i]); fingerprints[i] = Fingerprint.Of(melodies[i]); });
        var leaked = new HashSet<int>();
        void Check(int a, int b)
        {
            if (splits[a] == held && splits[b] == train) leaked.Add(a);
            if (splits[b] == held && splits[a] == train) leaked.Add(b);
        }
        foreach (var (a, b, _) in SimilarPairs(shingles, threshold)) Check(a, b);
        foreach (var g in Enumerable.Range(0, melodies.Count).GroupBy(i => fingerprints[i], StringComparer.Ordinal))
        {
            var members = g.ToList();
            for (int x = 0; x < members.Count; x++)
                for (int y = x + 1; y < members.Count; y++) Check(members[x], members[y]);
        }
        return (splits.Count(s => s == held), leaked.Count);
    }

    /// <summary>Family sizes of a grouping from <see cref="Group"/>: how many families have two or more members, and how many melodies they hold.</summary>
    public static (int Families, int Members) Count(IReadOnlyList<int> representatives)
    {
        var sizes = representatives.GroupBy(r => r).Select(g => g.Count()).Where(n => n > 1).ToImmutableArray();
        return (sizes.Length, sizes.Sum());
    }
}
