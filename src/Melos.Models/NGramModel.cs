using System.Text.Json;
using System.Text.Json.Nodes;
using Melos.Data.Tokenizers;

namespace Melos.Models;

/// <summary>
/// An interpolated Kneser-Ney n-gram model over token ids (Chen and Goodman 1998), in plain C#: no torch is needed.
/// Conditioning is ignored. Histories are left-padded with <c>Order - 2</c> extra BOS so every prediction has a full
/// context; the highest order uses raw counts, lower orders continuation counts, and the lowest interpolates with the
/// uniform distribution over the whole vocabulary, so every token has a non-zero probability and each distribution
/// sums to one.
/// </summary>
public sealed class NGramModel : ISequenceModel
{
    private readonly Table[] _tables; // _tables[k - 1] holds order k (context of k - 1 tokens).

    private sealed class Table
    {
        public double Discount;
        public Dictionary<ulong, Context> Contexts = [];
    }

    private sealed class Context
    {
        public int Total;
        public int[] Words = [];
        public int[] Counts = [];
    }

    private NGramModel(NGramConfig config, int vocabularySize, int bos, Table[] tables)
    {
        NGramConfig = config;
        VocabularySize = vocabularySize;
        Bos = bos;
        _tables = tables;
    }

    /// <summary>The configuration.</summary>
    public NGramConfig NGramConfig { get; }

    /// <inheritdoc/>
    public ModelConfig Config => NGramConfig;

    /// <inheritdoc/>
    public string Architecture => "ngram";

    /// <inheritdoc/>
    public int VocabularySize { get; }

    /// <summary>The BOS id used for padding histories.</summary>
    public int Bos { get; }

    /// <summary>The discount used at each order (index 0 = unigrams).</summary>
    public IReadOnlyList<double> Discounts => [.. _tables.Select(t => t.Discount)];

    private int Padding => Math.Max(NGramConfig.Order - 2, 0);

    /// <summary>Counts n-grams of <paramref name="sequences"/> (each starting with BOS) and builds the model.</summary>
    /// <exception cref="InvalidConfigurationException">The configuration is impossible, or the vocabulary too large for the order.</exception>
    public static NGramModel Fit(NGramConfig config, int vocabularySize, int bos, IEnumerable<IReadOnlyList<int>> sequences)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(sequences);
        config.Validate();
        InvalidConfigurationException.Require(vocabularySize >= 2, nameof(vocabularySize), "must be at least 2");
        InvalidConfigurationException.Require(Math.Pow(vocabularySize + 1, config.Order) < Math.Pow(2, 62), nameof(config.Order),
            $"{config.Order} is too high for a vocabulary of {vocabularySize} tokens (n-gram keys would overflow 64 bits)");
        int n = config.Order, pad = Math.Max(n - 2, 0);
        var raw = new Dictionary<ulong, Dictionary<int, int>>[n];
        for (int k = 0; k < n; k++) raw[k] = [];
        var distinct = new HashSet<(ulong, int)>[n]; // distinct k-grams (k >= 2) as (code of first k - 1 tokens, last token).
        for (int k = 0; k < n; k++) distinct[k] = [];
        foreach (var seq in sequences)
        {
            var padded = new int[pad + seq.Count];
            Array.Fill(padded, bos, 0, pad);
            for (int i = 0; i < seq.Count; i++)
            {
                if (seq[i] < 0 || seq[i] >= vocabularySize) throw new ArgumentOutOfRangeException(nameof(sequences), seq[i], $"Token outside 0..{vocabularySize - 1}.");
                padded[pad + i] = seq[i];
            }
            for (int i = pad + 1; i < padded.Length; i++)
            {
                int w = padded[i];
                Add(raw[n - 1], Code(padded, i - (n - 1), n - 1, vocabularySize), w, 1);
                for (int k = 2; k < n; k++)
                    if (i - k + 1 >= 0) distinct[k - 1].Add((Code(padded, i - k + 1, k - 1, vocabularySize), w));
                if (n >= 2 && i - n + 1 >= 0) distinct[n - 1].Add((Code(padded, i - n + 1, n - 1, vocabularySize), w));
            }
        }
        // Continuation counts: a lower-order k-gram g counts the distinct (k + 1)-grams that end with it.
        for (int k = n - 1; k >= 1; k--)
        {
            foreach (var (ctxCode, w) in distinct[k])
            {
                // Drop the first token of the (k + 1)-gram's context: the remaining k - 1 tokens are g's context.
                ulong shorter = DropFirst(ctxCode, k, vocabularySize);
                Add(raw[k - 1], shorter, w, 1);
            }
        }
        var tables = new Table[n];
        for (int k = 0; k < n; k++)
        {
            var t = new Table();
            foreach (var (ctx, words) in raw[k])
            {
                var ordered = words.OrderBy(p => p.Key).ToArray();
                t.Contexts[ctx] = new Context { Total = ordered.Sum(p => p.Value), Words = [.. ordered.Select(p => p.Key)], Counts = [.. ordered.Select(p => p.Value)] };
            }
            t.Discount = config.Discount ?? EstimateDiscount(t);
            tables[k] = t;
        }
        return new NGramModel(config, vocabularySize, bos, tables);
    }

    private static void Add(Dictionary<ulong, Dictionary<int, int>> table, ulong ctx, int w, int count)
    {
        if (!table.TryGetValue(ctx, out var words)) table[ctx] = words = [];
        words[w] = words.GetValueOrDefault(w) + count;
    }

    private static double EstimateDiscount(Table t)
    {
        long n1 = 0, n2 = 0;
        foreach (var c in t.Contexts.Values)
            foreach (int a in c.Counts)
            {
                if (a == 1) n1++;
                else if (a == 2) n2++;
            }
        if (n1 == 0 || n2 == 0) return 0.5;
        return Math.Clamp((double)n1 / (n1 + 2 * n2), 0.05, 0.95);
    }

    /// <summary>The key of <paramref name="count"/> tokens starting at <paramref name="start"/>: 1 followed by the tokens in base V + 1.</summary>
    private static ulong Code(IReadOnlyList<int> tokens, int start, int count, int vocabularySize)
    {
        ulong code = 1;
        for (int i = start; i < start + count; i++) code = code * (ulong)(vocabularySize + 1) + (ulong)(tokens[i] + 1);
        return code;
    }

    private static ulong DropFirst(ulong code, int length, int vocabularySize)
    {
        if (length == 0) return code;
        ulong b = (ulong)(vocabularySize + 1), scale = 1;
        for (int i = 1; i < length; i++) scale *= b;
        // code = (1 * b + t0) * b^(length-1) + rest; keep 1 * b^(length-1) + rest.
        ulong rest = code % scale;
        return scale + rest;
    }

    /// <summary>The probability of every token after <paramref name="history"/> (which starts with BOS).</summary>
    public double[] Distribution(IReadOnlyList<int> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        int n = NGramConfig.Order, pad = Padding;
        var padded = new int[pad + history.Count];
        Array.Fill(padded, Bos, 0, pad);
        for (int i = 0; i < history.Count; i++) padded[pad + i] = history[i];
        var p = new double[VocabularySize];
        Array.Fill(p, 1.0 / VocabularySize);
        for (int k = 1; k <= n; k++)
        {
            int ctxLength = k - 1;
            if (ctxLength > padded.Length) break;
            var table = _tables[k - 1];
            if (!table.Contexts.TryGetValue(Code(padded, padded.Length - ctxLength, ctxLength, VocabularySize), out var ctx)) continue;
            double d = table.Discount, gamma = d * ctx.Words.Length / ctx.Total;
            for (int w = 0; w < p.Length; w++) p[w] *= gamma;
            for (int i = 0; i < ctx.Words.Length; i++) p[ctx.Words[i]] += Math.Max(ctx.Counts[i] - d, 0) / ctx.Total;
        }
        return p;
    }

    /// <summary>The probability of <paramref name="token"/> after <paramref name="history"/>.</summary>
    public double Probability(IReadOnlyList<int> history, int token) => Distribution(history)[token];

    /// <inheritdoc/>
    public LogitsBatch Forward(TokenBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var values = new float[batch.BatchSize * batch.Length * VocabularySize];
        for (int b = 0; b < batch.BatchSize; b++)
        {
            var history = new List<int>();
            for (int t = 0; t < batch.Length; t++)
            {
                history.Add((int)batch.Inputs[b * batch.Length + t]);
                if (batch.Targets[b * batch.Length + t] == TokenBatch.IgnoreTarget) continue;
                var p = Distribution(history);
                int offset = (b * batch.Length + t) * VocabularySize;
                for (int w = 0; w < p.Length; w++) values[offset + w] = (float)Math.Log(p[w]);
            }
        }
        return new LogitsBatch(batch.BatchSize, batch.Length, VocabularySize, values);
    }

    private sealed class State : IForkableGenerationState
    {
        public List<int> History { get; } = [];
        public int Length => History.Count;
        public void Dispose() { }

        public IGenerationState Fork()
        {
            var copy = new State();
            copy.History.AddRange(History);
            return copy;
        }
    }

    /// <inheritdoc/>
    public IGenerationState CreateState() => new State();

    /// <inheritdoc/>
    public float[] Step(IGenerationState state, int token, ConditionStep next)
    {
        if (state is not State s) throw new ArgumentException("Not a state of this n-gram model.", nameof(state));
        s.History.Add(token);
        return [.. Distribution(s.History).Select(p => (float)Math.Log(p))];
    }

    /// <summary>The counts as JSON (with the configuration, vocabulary size, BOS id and discounts).</summary>
    public string ToJson()
    {
        var tables = new JsonArray();
        for (int k = 0; k < _tables.Length; k++)
        {
            var entries = new JsonArray();
            foreach (var (code, ctx) in _tables[k].Contexts.OrderBy(p => p.Key))
                entries.Add(new JsonObject { ["context"] = code, ["words"] = new JsonArray([.. ctx.Words.Select(w => (JsonNode)w)]), ["counts"] = new JsonArray([.. ctx.Counts.Select(c => (JsonNode)c)]) });
            tables.Add(new JsonObject { ["order"] = k + 1, ["discount"] = _tables[k].Discount, ["contexts"] = entries });
        }
        var root = new JsonObject
        {
            ["formatVersion"] = ModelConfig.CurrentFormatVersion,
            ["config"] = JsonNode.Parse(NGramConfig.ToJson()),
            ["vocabularySize"] = VocabularySize,
            ["bos"] = Bos,
            ["tables"] = tables,
        };
        return root.ToJsonString();
    }

    /// <summary>Reads a model written by <see cref="ToJson"/>.</summary>
    /// <exception cref="IncompatibleFormatException">Another format version or architecture.</exception>
    public static NGramModel FromJson(string json)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        int version = root["formatVersion"]?.GetValue<int>() ?? -1;
        if (version != ModelConfig.CurrentFormatVersion)
            throw new IncompatibleFormatException("formatVersion", ModelConfig.CurrentFormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var config = ModelConfig.FromJson(root["config"]!.ToJsonString()) as NGramConfig
            ?? throw new IncompatibleFormatException("architecture", "ngram", root["config"]?["architecture"]?.GetValue<string>());
        var tables = new List<Table>();
        foreach (var tNode in root["tables"]!.AsArray())
        {
            var t = new Table { Discount = tNode!["discount"]!.GetValue<double>() };
            foreach (var e in tNode["contexts"]!.AsArray())
            {
                var words = e!["words"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray();
                var counts = e["counts"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray();
                t.Contexts[e["context"]!.GetValue<ulong>()] = new Context { Words = words, Counts = counts, Total = counts.Sum() };
            }
            tables.Add(t);
        }
        return new NGramModel(config, root["vocabularySize"]!.GetValue<int>(), root["bos"]!.GetValue<int>(), [.. tables]);
    }

    /// <summary>Nothing to release.</summary>
    public void Dispose() { }
}
