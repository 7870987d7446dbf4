using Melos.Data.Tokenizers;

namespace Melos.Models.Vae;

/// <summary>
/// The VAE's decoder as a next-token model for a list of latents: <see cref="CreateState"/> hands out a state for each
/// latent in turn (the first call the first latent, and so on, wrapping around), so the one decoder loop and its grammar
/// can run it like any autoregressive model. Feed BOS first; the conditioning streams are ignored (the latent carries
/// everything). States reset to their bar's conductor embedding at each bar when the decoder is hierarchical.
/// </summary>
public sealed class LatentDecoder : ISequenceModel
{
    private readonly MelodyVae _vae;
    private readonly VaeInference _inference;
    private readonly float[][] _init;
    private readonly float[][] _bias;
    private int _next;

    internal LatentDecoder(MelodyVae vae, VaeInference inference, float[][] init, float[][] bias)
    {
        _vae = vae;
        _inference = inference;
        _init = init;
        _bias = bias;
    }

    /// <summary>A decoder for latent <paramref name="index"/> alone (sharing the weights), so decoders of different latents can run on different threads.</summary>
    public LatentDecoder Single(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return new LatentDecoder(_vae, _inference, [_init[index]], [_bias[index]]);
    }

    /// <summary>The number of latents.</summary>
    public int Count => _init.Length;

    /// <inheritdoc/>
    public string Architecture => "vae";

    /// <inheritdoc/>
    public int VocabularySize => _vae.VocabularySize;

    /// <inheritdoc/>
    public ModelConfig Config => _vae.Config;

    /// <inheritdoc/>
    public LogitsBatch Forward(TokenBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int v = VocabularySize;
        var values = new float[batch.BatchSize * batch.Length * v];
        for (int b = 0; b < batch.BatchSize; b++)
        {
            using var state = StateFor(b % Count);
            for (int t = 0; t < batch.Length; t++)
                Step(state, (int)batch.Inputs[b * batch.Length + t], default).CopyTo(values, (b * batch.Length + t) * v);
        }
        return new LogitsBatch(batch.BatchSize, batch.Length, v, values);
    }

    /// <summary>A fresh state for the next latent (in order, wrapping around).</summary>
    public IGenerationState CreateState()
    {
        var state = StateFor(_next);
        _next = (_next + 1) % Count;
        return state;
    }

    /// <summary>A fresh state for latent <paramref name="index"/>.</summary>
    public IGenerationState StateFor(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        int width = _inference.Layers * _inference.Hidden;
        return new State(index, new float[width], new float[width], new float[4 * _inference.Hidden]);
    }

    /// <inheritdoc/>
    public float[] Step(IGenerationState state, int token, ConditionStep next)
    {
        var s = state as State ?? throw new ArgumentException("Not a state of this decoder.", nameof(state));
        if (s.Length >= _vae.Config.Length) throw new InvalidOperationException($"This VAE writes {_vae.Config.Length} grid steps; the state has already written them.");
        if (token < 0 || token >= VocabularySize) throw new ArgumentOutOfRangeException(nameof(token), token, $"Token id outside 0..{VocabularySize - 1}.");
        int segment = s.Length / _vae.SegmentLength;
        if (s.Length % _vae.SegmentLength == 0)
        {
            // A new segment starts from the decoder's initial state for its latent (or its bar's conductor embedding).
            int hd = _inference.Hidden, layers = _inference.Layers, width = 2 * layers * hd;
            var init = _init[s.Index].AsSpan(segment * width, width);
            init[..(layers * hd)].CopyTo(s.H);
            init[(layers * hd)..].CopyTo(s.C);
        }
        var logits = new float[VocabularySize];
        int g4 = 4 * _inference.Hidden;
        _inference.Step(s.H, s.C, token, _bias[s.Index].AsSpan(segment * g4, g4), s.Gates, logits);
        s.Length++;
        return logits;
    }

    /// <inheritdoc/>
    public void Dispose() { }

    private sealed class State(int index, float[] h, float[] c, float[] gates) : IGenerationState
    {
        public int Index { get; } = index;
        public float[] H { get; } = h;
        public float[] C { get; } = c;
        public float[] Gates { get; } = gates;
        public int Length { get; set; }
        public void Dispose() { }
    }
}
