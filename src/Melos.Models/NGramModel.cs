using System.Text.Json;
using System.Text.Json.Nodes;
using Melos.Data.Tokenizers;

namespace Melos.Models;

/// <summary>
/// An interpolated Kneser-Ney n-gram model over token ids (Chen and Goodman 1998), in plain C#: no torch is needed.
/// Conditioning is ignored. Histories are left-padded with <c>Order - 2</c> extra BOS so every prediction has a full
/// context; the highest order uses raw counts, lower orders continuation counts, and the lowest interpolates with the
/// uniform distribution over the whole vocabulary, so every token has a non-zero probability and each distribution
/// sums to one. With <see cref="NGramUnit.Event"/> the order counts the tokenizer's events instead of tokens (see
/// <c>NGramModel.Events.cs</c>); the default <see cref="NGramUnit.Token"/> is the model described here.
/// </summary>
public sealed partial class NGramModel : ISequenceModel
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

    private readonly Func<int, int, bool>? _startsEvent; // The tokenizer's StartsEvent, for the event unit only.

    private NGramModel(NGramConfig config, int vocabularySize, int bos, Table[] tables, Func<int, int, bool>? startsEvent = null)
    {
        NGramConfig = config;
        VocabularySize = vocabularySize;
        Bos = bos;
        _tables = tables;
        _startsEvent = startsEvent;
    }

    private bool Events => NGramConfig.Unit == NGramUnit.Event;

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

    /// <summary>
    /// The discount used at each order (index 0 = unigrams); for the event unit at each level of the context chain
    /// (0 = no context, 1 = the last token, 2 + j = the current event and the j complete events before it).
    /// </summary>
    public IReadOnlyList<double> Discounts => [.. _tables.Select(t => t.Discount)];

    private int Padding => Math.Max(NGramConfig.Order - 2, 0);

    /// <summary>
    /// Counts n-grams of <paramref name="sequences"/> (each starting with BOS, encoded by <paramref name="tokenizer"/>) and
    /// builds the model, in tokens or in the tokenizer's events as the configuration's <see cref="NGramConfig.Unit"/> says.
    /// </summary>
    /// <exception cref="InvalidConfigurationException">The configuration is impossible, or the vocabulary too large for the order.</exception>
    public static NGramModel Fit(NGramConfig config, ITokenizer tokenizer, IEnumerable<IReadOnlyList<int>> sequences)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(sequences);
        config.Validate();
        return config.Unit == NGramUnit.Event
            ? FitEvents(config, tokenizer.VocabularySize, tokenizer.Bos, tokenizer.StartsEvent, sequences)
            : Fit(config, tokenizer.VocabularySize, tokenizer.Bos, sequences);
    }

    /// <summary>Counts token n-grams of <paramref name="sequences"/> (each starting with BOS) and builds the model.</summary>
    /// <exception cref="InvalidConfigurationException">
    /// The configuration is impossible, the vocabulary too large for the order, or the unit is events (which needs the
    /// tokenizer: use the other overload).
    /// </exception>
    public static NGramModel Fit(NGramConfig config, int vocabularySize, int bos, IEnumerable<IReadOnlyList<int>> sequences)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(sequences);
        config.Validate();
        InvalidConfigurationException.Require(config.Unit == NGramUnit.Token, nameof(config.Unit), "event n-grams need the tokenizer to find event starts");
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
        return new NGramModel(config, vocabularySize, bos, BuildTables(raw, config.Discount));
    }

    private static Table[] BuildTables(Dictionary<ulong, Dictionary<int, int>>[] raw, double? discount)
    {
        var tables = new Table[raw.Length];
        for (int k = 0; k < raw.Length; k++)
        {
            var t = new Table();
            foreach (var (ctx, words) in raw[k])
            {
                var ordered = words.OrderBy(p => p.Key).ToArray();
                t.Contexts[ctx] = new Context { Total = ordered.Sum(p => p.Value), Words = [.. ordered.Select(p => p.Key)], Counts = [.. ordered.Select(p => p.Value)] };
            }
            t.Discount = discount ?? EstimateDiscount(t);
            tables[k] = t;
        }
        return tables;
    }

    /// <summary>
    /// One step of interpolated Kneser-Ney: when <paramref name="table"/> knows <paramref name="key"/>, p becomes
    /// max(c(w) - D, 0) / c + D N1+ / c * p; otherwise p (the shorter contexts' distribution) is left as it is.
    /// </summary>
    private static void Interpolate(double[] p, Table table, ulong key)
    {
        if (!table.Contexts.TryGetValue(key, out var ctx)) return;
        double d = table.Discount, gamma = d * ctx.Words.Length / ctx.Total;
        for (int w = 0; w < p.Length; w++) p[w] *= gamma;
        for (int i = 0; i < ctx.Words.Length; i++) p[ctx.Words[i]] += Math.Max(ctx.Counts[i] - d, 0) / ctx.Total;
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
        if (!Events) return TokenDistribution(history);
        var starts = new List<int>();
        for (int i = 0; i < history.Count; i++) AddEventStart(history, i, starts);
        return EventDistribution(history, starts);
    }

    private double[] Distribution(List<int> history, List<int> starts) => Events ? EventDistribution(history, starts) : TokenDistribution(history);

    /// <summary>Appends <paramref name="i"/> to <paramref name="starts"/> when token <paramref name="i"/> of <paramref name="tokens"/> begins an event (the first token always does).</summary>
    private void AddEventStart(IReadOnlyList<int> tokens, int i, List<int> starts)
    {
        if (!Events) return;
        if (i == 0 || _startsEvent!(tokens[i - 1], tokens[i])) starts.Add(i);
    }

    private double[] TokenDistribution(IReadOnlyList<int> history)
    {
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
            Interpolate(p, _tables[k - 1], Code(padded, padded.Length - ctxLength, ctxLength, VocabularySize));
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
            var starts = new List<int>();
            for (int t = 0; t < batch.Length; t++)
            {
                history.Add((int)batch.Inputs[b * batch.Length + t]);
                AddEventStart(history, history.Count - 1, starts);
                if (batch.Targets[b * batch.Length + t] == TokenBatch.IgnoreTarget) continue;
                var p = Distribution(history, starts);
                int offset = (b * batch.Length + t) * VocabularySize;
                for (int w = 0; w < p.Length; w++) values[offset + w] = (float)Math.Log(p[w]);
            }
        }
        return new LogitsBatch(batch.BatchSize, batch.Length, VocabularySize, values);
    }

    private sealed class State : IForkableGenerationState
    {
        public List<int> History { get; } = [];
        public List<int> EventStarts { get; } = []; // Event unit only: the indices in History where events begin.
        public int Length => History.Count;
        public void Dispose() { }

        public IGenerationState Fork()
        {
            var copy = new State();
            copy.History.AddRange(History);
            copy.EventStarts.AddRange(EventStarts);
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
        AddEventStart(s.History, s.History.Count - 1, s.EventStarts);
        return [.. Distribution(s.History, s.EventStarts).Select(p => (float)Math.Log(p))];
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

    /// <summary>Reads a token-unit model written by <see cref="ToJson"/>.</summary>
    /// <exception cref="IncompatibleFormatException">Another format version or architecture, or an event-unit model (which needs the tokenizer).</exception>
    public static NGramModel FromJson(string json) => FromJson(json, null);

    /// <summary>Reads a model written by <see cref="ToJson"/>; an event-unit model needs the <paramref name="tokenizer"/> it was fitted with.</summary>
    /// <exception cref="IncompatibleFormatException">Another format version or architecture, an event-unit model without a tokenizer, or a tokenizer of another vocabulary size.</exception>
    public static NGramModel FromJson(string json, ITokenizer? tokenizer)
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
        int vocabularySize = root["vocabularySize"]!.GetValue<int>();
        Func<int, int, bool>? startsEvent = null;
        if (config.Unit == NGramUnit.Event)
        {
            if (tokenizer is null) throw new IncompatibleFormatException("tokenizer", "the tokenizer of an event n-gram", null);
            if (tokenizer.VocabularySize != vocabularySize)
                throw new IncompatibleFormatException("vocabularySize", vocabularySize.ToString(System.Globalization.CultureInfo.InvariantCulture), tokenizer.VocabularySize.ToString(System.Globalization.CultureInfo.InvariantCulture));
            startsEvent = tokenizer.StartsEvent;
        }
        return new NGramModel(config, vocabularySize, root["bos"]!.GetValue<int>(), [.. tables], startsEvent);
    }

    /// <summary>Nothing to release.</summary>
    public void Dispose() { }
}
