using Melos.Data.Tokenizers;

namespace Melos.Models;

/// <summary>
/// The event unit (<see cref="NGramUnit.Event"/>): the order counts the tokenizer's events
/// (<see cref="ITokenizer.StartsEvent"/>), not tokens.
/// </summary>
/// <remarks>
/// <para>
/// To predict a token, the history (BOS, ...) is cut into events; the current event is the one holding the last token
/// (it may go on, or the next token may begin a new one: that is not known before it is seen, so the first token of a
/// note sees the note just finished as the current event). The contexts, longest first, are the tokens from the start of
/// the j-th complete event before the current one through the last token, for j = Order - 1 down to 0 (level 2 + j), then
/// the last token alone when the current event has more than one (level 1), then no context (level 0), then the uniform
/// distribution over the vocabulary. Interpolated Kneser-Ney (Chen and Goodman 1998) runs down that chain: the longest
/// context keeps raw counts, each shorter one continuation counts (the number of distinct contexts one level up that
/// were followed by the token), so every token has a non-zero probability and each distribution sums to one.
/// </para>
/// <para>
/// A history with fewer than Order - 1 complete events before the current one has a shorter chain whose longest context
/// starts at BOS; as BOS only begins a melody, such a context is never the shorter context of another, and keeps raw
/// counts like every longest context.
/// </para>
/// <para>
/// Contexts have variable token lengths, so they are keyed by a 64-bit FNV-1a hash of (level, length, tokens). Two
/// different contexts share a key with probability about k² / 2⁶⁵ for k distinct contexts: about 10⁻⁸ for a million,
/// which is negligible; a collision would only merge two contexts' counts, never break a distribution.
/// </para>
/// </remarks>
public sealed partial class NGramModel
{
    /// <summary>Level of the context that is only the last token (when the current event has more than one).</summary>
    private const int LastTokenLevel = 1;

    /// <summary>Level of the context that is the current event; j complete events before it make level 2 + j.</summary>
    private const int CurrentEventLevel = 2;

    private static NGramModel FitEvents(NGramConfig config, int vocabularySize, int bos, Func<int, int, bool> startsEvent, IEnumerable<IReadOnlyList<int>> sequences)
    {
        InvalidConfigurationException.Require(vocabularySize >= 2, nameof(vocabularySize), "must be at least 2");
        int levels = config.Order + CurrentEventLevel;
        var raw = new Dictionary<ulong, Dictionary<int, int>>[levels];
        for (int k = 0; k < levels; k++) raw[k] = [];
        // (context key, token) pairs already counted as a continuation of the next shorter context: a shorter context's
        // continuation count of a token is the number of distinct longer contexts followed by it. The shorter context is
        // a function of the longer one (its suffix from the next event start, or its last token, or nothing).
        var seen = new HashSet<(ulong, int)>();
        var starts = new List<int>();
        var chain = new List<(int Level, int Start)>();
        var keys = new ulong[levels + 1];
        foreach (var seq in sequences)
        {
            starts.Clear();
            for (int i = 0; i < seq.Count; i++)
            {
                int w = seq[i];
                if (w < 0 || w >= vocabularySize) throw new ArgumentOutOfRangeException(nameof(sequences), w, $"Token outside 0..{vocabularySize - 1}.");
                if (i > 0)
                {
                    EventChain(config.Order, i, starts, chain);
                    for (int c = 0; c < chain.Count; c++) keys[c] = ContextKey(chain[c].Level, seq, chain[c].Start, i);
                    Add(raw[chain[0].Level], keys[0], w, 1);
                    for (int c = 1; c < chain.Count; c++)
                        if (seen.Add((keys[c - 1], w))) Add(raw[chain[c].Level], keys[c], w, 1);
                }
                if (i == 0 || startsEvent(seq[i - 1], w)) starts.Add(i);
            }
        }
        return new NGramModel(config, vocabularySize, bos, BuildTables(raw, config.Discount), startsEvent);
    }

    /// <summary>
    /// The contexts for the token after the first <paramref name="count"/> tokens, longest first, as (level, first token
    /// index); each runs to the end of the history. <paramref name="starts"/> holds the indices of the events' first tokens.
    /// </summary>
    private static void EventChain(int order, int count, IReadOnlyList<int> starts, List<(int Level, int Start)> chain)
    {
        chain.Clear();
        int s = starts.Count;
        if (s > 0)
        {
            for (int j = Math.Min(order - 1, s - 1); j >= 0; j--) chain.Add((CurrentEventLevel + j, starts[s - 1 - j]));
            if (count - 1 > starts[s - 1]) chain.Add((LastTokenLevel, count - 1));
        }
        chain.Add((0, count));
    }

    /// <summary>The 64-bit FNV-1a hash of the level, the length and the tokens <paramref name="start"/>..<paramref name="end"/> - 1, each as 4 little-endian bytes.</summary>
    internal static ulong ContextKey(int level, IReadOnlyList<int> tokens, int start, int end)
    {
        ulong h = Mix(Mix(14695981039346656037UL, level), end - start);
        for (int i = start; i < end; i++) h = Mix(h, tokens[i]);
        return h;
    }

    private static ulong Mix(ulong h, int value)
    {
        const ulong prime = 1099511628211UL;
        for (int b = 0; b < 32; b += 8)
        {
            h ^= (byte)(value >> b);
            h *= prime;
        }
        return h;
    }

    private double[] EventDistribution(IReadOnlyList<int> history, IReadOnlyList<int> starts)
    {
        var chain = new List<(int Level, int Start)>();
        EventChain(NGramConfig.Order, history.Count, starts, chain);
        var p = new double[VocabularySize];
        Array.Fill(p, 1.0 / VocabularySize);
        for (int c = chain.Count - 1; c >= 0; c--)
            Interpolate(p, _tables[chain[c].Level], ContextKey(chain[c].Level, history, chain[c].Start, history.Count));
        return p;
    }
}
