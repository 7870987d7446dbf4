namespace Melos.Data.Polyphonic;

/// <summary>
/// The benchmark's two floor baselines, fitted on training frames with add-one (Laplace) smoothing: a per-key marginal
/// Bernoulli (each key sounds with its training frequency, whatever came before), and a per-key first-order Markov chain
/// (each key's probability of sounding given whether it sounded in the previous frame). Neither looks at other keys.
/// </summary>
public sealed class FrameBaselines
{
    private readonly double[] _marginal = new double[PianoRollSet.KeyCount];
    private readonly double[] _afterOff = new double[PianoRollSet.KeyCount];
    private readonly double[] _afterOn = new double[PianoRollSet.KeyCount];

    private FrameBaselines()
    {
    }

    /// <summary>P(key sounds), per key.</summary>
    public IReadOnlyList<double> Marginal => _marginal;

    /// <summary>P(key sounds | it was silent in the previous frame), per key.</summary>
    public IReadOnlyList<double> AfterOff => _afterOff;

    /// <summary>P(key sounds | it sounded in the previous frame), per key.</summary>
    public IReadOnlyList<double> AfterOn => _afterOn;

    /// <summary>Counts the training frames (all of them for the marginal; consecutive pairs for the chain).</summary>
    public static FrameBaselines Fit(IEnumerable<PianoRollSequence> train)
    {
        ArgumentNullException.ThrowIfNull(train);
        const int k = PianoRollSet.KeyCount;
        long frames = 0;
        var on = new long[k];
        var fromOff = new long[k];
        var fromOffOn = new long[k];
        var fromOn = new long[k];
        var fromOnOn = new long[k];
        foreach (var s in train)
        {
            var keys = s.Keys;
            for (int f = 0; f < s.FrameCount; f++)
            {
                frames++;
                for (int i = 0; i < k; i++)
                {
                    bool now = keys[f * k + i] != 0;
                    if (now) on[i]++;
                    if (f == 0) continue;
                    if (keys[(f - 1) * k + i] != 0)
                    {
                        fromOn[i]++;
                        if (now) fromOnOn[i]++;
                    }
                    else
                    {
                        fromOff[i]++;
                        if (now) fromOffOn[i]++;
                    }
                }
            }
        }
        var b = new FrameBaselines();
        for (int i = 0; i < k; i++)
        {
            b._marginal[i] = (on[i] + 1.0) / (frames + 2.0);
            b._afterOff[i] = (fromOffOn[i] + 1.0) / (fromOff[i] + 2.0);
            b._afterOn[i] = (fromOnOn[i] + 1.0) / (fromOn[i] + 2.0);
        }
        return b;
    }

    /// <summary>The marginal baseline's score on sequences (the first frame of each is not scored).</summary>
    public FrameScore ScoreMarginal(IEnumerable<PianoRollSequence> sequences) => Score(sequences, markov: false);

    /// <summary>The Markov baseline's score on sequences (the first frame of each is not scored).</summary>
    public FrameScore ScoreMarkov(IEnumerable<PianoRollSequence> sequences) => Score(sequences, markov: true);

    private FrameScore Score(IEnumerable<PianoRollSequence> sequences, bool markov)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        const int k = PianoRollSet.KeyCount;
        var p = new double[k];
        long frames = 0;
        double nll = 0;
        foreach (var s in sequences)
        {
            var keys = s.Keys;
            for (int f = 1; f < s.FrameCount; f++)
            {
                for (int i = 0; i < k; i++)
                    p[i] = !markov ? _marginal[i] : keys[(f - 1) * k + i] != 0 ? _afterOn[i] : _afterOff[i];
                nll += FrameNll.OfFrame(p, keys.Slice(f * k, k));
                frames++;
            }
        }
        return new FrameScore(frames, nll);
    }
}
