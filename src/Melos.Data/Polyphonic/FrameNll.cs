namespace Melos.Data.Polyphonic;

/// <summary>Summed negative log-likelihood over predicted frames.</summary>
/// <param name="Frames">Predicted frames (every frame but each sequence's first).</param>
/// <param name="TotalNll">The summed NLL in nats.</param>
public sealed record FrameScore(long Frames, double TotalNll)
{
    /// <summary>Nats per predicted frame, the benchmark's figure.</summary>
    public double NllPerFrame => Frames == 0 ? double.NaN : TotalNll / Frames;

    /// <summary>Sums two scores.</summary>
    public static FrameScore operator +(FrameScore a, FrameScore b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(a.Frames + b.Frames, a.TotalNll + b.TotalNll);
    }

    /// <summary>No frames.</summary>
    public static FrameScore Empty { get; } = new(0, 0);
}

/// <summary>
/// The benchmark's metric (Boulanger-Lewandowski et al. 2012; Bai, Kolter, Koltun 2018): for each frame after a
/// sequence's first, the sum over the 88 keys of the Bernoulli negative log-likelihood of the key being on or off; the
/// total over all sequences divided by the number of predicted frames. Predicting 0.5 everywhere gives 88 ln 2 = 61.00.
/// </summary>
public static class FrameNll
{
    /// <summary>The Bernoulli NLL (nats) of one frame's 88 keys given each key's probability of sounding.</summary>
    /// <param name="probabilities">88 probabilities in [0, 1].</param>
    /// <param name="frame">88 values, non-zero where the key sounds.</param>
    public static double OfFrame(ReadOnlySpan<double> probabilities, ReadOnlySpan<byte> frame)
    {
        if (probabilities.Length != PianoRollSet.KeyCount || frame.Length != PianoRollSet.KeyCount)
            throw new ArgumentException($"A frame has {PianoRollSet.KeyCount} keys.", nameof(frame));
        double nll = 0;
        for (int k = 0; k < PianoRollSet.KeyCount; k++)
        {
            double p = frame[k] != 0 ? probabilities[k] : 1 - probabilities[k];
            nll -= Math.Log(p);
        }
        return nll;
    }

    /// <summary>
    /// The Bernoulli NLL (nats) of one key from its logit <paramref name="logit"/> = log(p / (1 - p)), computed stably:
    /// softplus(-logit) when on, softplus(logit) when off.
    /// </summary>
    public static double OfLogit(double logit, bool on)
    {
        double x = on ? -logit : logit;
        return x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));
    }
}
