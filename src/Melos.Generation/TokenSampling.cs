namespace Melos.Generation;

/// <summary>Draws one token from a model's logits under a mask, with temperature, top-k and top-p.</summary>
public static class TokenSampling
{
    /// <summary>
    /// Draws a token among the <paramref name="allowed"/> ones: softmax of <c>logits / temperature</c> over the allowed
    /// tokens, cut to the <paramref name="topK"/> most likely (ties: lower id first), then to the smallest prefix whose
    /// probability reaches <paramref name="topP"/>, then one draw with <c>rng.NextDouble()</c>. Exactly one number is
    /// taken from <paramref name="rng"/> per call, so runs with the same seed stay aligned.
    /// </summary>
    /// <exception cref="ArgumentException">No token is allowed, or the spans differ in length.</exception>
    public static int Draw(ReadOnlySpan<float> logits, ReadOnlySpan<bool> allowed, double temperature, int? topK, double? topP, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (logits.Length != allowed.Length) throw new ArgumentException("The mask and the logits differ in length.", nameof(allowed));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(temperature);
        var ids = new List<int>();
        for (int i = 0; i < logits.Length; i++)
            if (allowed[i]) ids.Add(i);
        if (ids.Count == 0) throw new ArgumentException("The mask allows no token.", nameof(allowed));
        var copy = logits.ToArray();
        ids.Sort((a, b) => copy[b] != copy[a] ? copy[b].CompareTo(copy[a]) : a.CompareTo(b));
        int keep = Math.Min(topK ?? ids.Count, ids.Count);
        var weights = new double[keep];
        double max = copy[ids[0]], sum = 0;
        for (int k = 0; k < keep; k++) sum += weights[k] = Math.Exp((copy[ids[k]] - max) / temperature);
        if (topP is { } p && p < 1)
        {
            double cumulative = 0;
            int cut = keep;
            for (int k = 0; k < keep; k++)
            {
                cumulative += weights[k] / sum;
                if (cumulative >= p) { cut = k + 1; break; }
            }
            keep = cut;
            sum = 0;
            for (int k = 0; k < keep; k++) sum += weights[k];
        }
        double u = rng.NextDouble() * sum;
        for (int k = 0; k < keep; k++)
        {
            u -= weights[k];
            if (u < 0) return ids[k];
        }
        return ids[keep - 1];
    }

    /// <summary>The natural log of the model's probability of <paramref name="token"/> (plain softmax, no mask, temperature 1).</summary>
    public static double LogProbability(ReadOnlySpan<float> logits, int token)
    {
        if ((uint)token >= (uint)logits.Length) throw new ArgumentOutOfRangeException(nameof(token), token, "Token outside the logits.");
        double max = double.NegativeInfinity;
        foreach (var l in logits) max = Math.Max(max, l);
        double sum = 0;
        foreach (var l in logits) sum += Math.Exp(l - max);
        return logits[token] - max - Math.Log(sum);
    }

    /// <summary>The model's probability of every token (plain softmax, temperature 1), in double precision.</summary>
    public static double[] Softmax(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (var v in logits) max = Math.Max(max, v);
        var p = new double[logits.Length];
        double sum = 0;
        for (int i = 0; i < logits.Length; i++) sum += p[i] = Math.Exp(logits[i] - max);
        for (int i = 0; i < p.Length; i++) p[i] /= sum;
        return p;
    }

    /// <summary>The natural log of the model's probability of every token (plain softmax, temperature 1); the same arithmetic as <see cref="LogProbability"/>.</summary>
    public static double[] LogSoftmax(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (var l in logits) max = Math.Max(max, l);
        double sum = 0;
        foreach (var l in logits) sum += Math.Exp(l - max);
        double log = Math.Log(sum);
        var result = new double[logits.Length];
        for (int i = 0; i < logits.Length; i++) result[i] = logits[i] - max - log;
        return result;
    }

    /// <summary>The most likely allowed token (greedy decoding); ties go to the lower id.</summary>
    /// <exception cref="ArgumentException">No token is allowed, or the spans differ in length.</exception>
    public static int Best(ReadOnlySpan<float> logits, ReadOnlySpan<bool> allowed)
    {
        if (logits.Length != allowed.Length) throw new ArgumentException("The mask and the logits differ in length.", nameof(allowed));
        int best = -1;
        for (int i = 0; i < logits.Length; i++)
            if (allowed[i] && (best < 0 || logits[i] > logits[best])) best = i;
        return best >= 0 ? best : throw new ArgumentException("The mask allows no token.", nameof(allowed));
    }
}
