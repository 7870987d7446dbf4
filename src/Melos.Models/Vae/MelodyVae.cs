using Melos.Data.Tokenizers;
using Melos.Models.Inference;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Melos.Models.Vae;

/// <summary>The terms of the VAE's loss on one batch (means per window, nats).</summary>
/// <param name="Loss">The optimised loss tensor: reconstruction + beta * max(KL - free nats, 0).</param>
/// <param name="Reconstruction">Reconstruction negative log-likelihood per window.</param>
/// <param name="Kl">KL divergence from the prior per window.</param>
/// <param name="Correct">Tokens the decoder's argmax got right under teacher forcing.</param>
/// <param name="Tokens">Tokens scored.</param>
public sealed record VaeLoss(Tensor Loss, double Reconstruction, double Kl, long Correct, long Tokens);

/// <summary>
/// A melody variational autoencoder (MusicVAE's melody models): grid tokens of a fixed window (no BOS/EOS) go through a
/// bidirectional LSTM encoder to the mean and log-variance of a Gaussian latent; the decoder LSTM, started from and
/// fed the latent (or, when <see cref="VaeConfig.Hierarchical"/>, from and with one conductor embedding per bar), predicts
/// each token from the previous one (BOS before the first). Generation runs through <see cref="LatentDecoder"/>, an
/// <see cref="ISequenceModel"/> whose state carries a latent, so the one decoder loop and its grammar choose the tokens.
/// </summary>
public sealed class MelodyVae : nn.Module
{
    private readonly Embedding embedding;
    private readonly LSTM encoder;
    private readonly Linear toMu, toLogVar;
    private readonly LSTM? conductor;
    private readonly Linear? conductorInit;
    private readonly Linear decoderInit;
    private readonly LSTM decoder;
    private readonly Linear head;
    private VaeInference? _inference;

    /// <summary>Creates the model with fresh weights (seed torch first for reproducible weights).</summary>
    /// <param name="config">The configuration.</param>
    /// <param name="vocabularySize">The grid tokenizer's vocabulary size.</param>
    /// <param name="bos">The BOS id (the decoder's first input).</param>
    /// <exception cref="InvalidConfigurationException">A field is impossible; the message names it.</exception>
    public MelodyVae(VaeConfig config, int vocabularySize, int bos) : base(nameof(MelodyVae))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        VocabularySize = vocabularySize;
        Bos = bos;
        int e = config.EmbeddingSize, z = config.LatentSize, hd = config.DecoderHidden;
        embedding = nn.Embedding(vocabularySize, e);
        encoder = nn.LSTM(e, config.EncoderHidden, config.EncoderLayers, batchFirst: true, bidirectional: true);
        toMu = nn.Linear(2 * config.EncoderHidden, z);
        toLogVar = nn.Linear(2 * config.EncoderHidden, z);
        if (config.Hierarchical)
        {
            conductorInit = nn.Linear(z, 2 * config.ConductorLayers * config.ConductorHidden);
            conductor = nn.LSTM(z, config.ConductorHidden, config.ConductorLayers, batchFirst: true);
        }
        decoderInit = nn.Linear(SegmentSize, 2 * config.DecoderLayers * hd);
        decoder = nn.LSTM(e + SegmentSize, hd, config.DecoderLayers, batchFirst: true);
        head = nn.Linear(hd, vocabularySize);
        RegisterComponents();
    }

    /// <summary>The configuration.</summary>
    public VaeConfig Config { get; }

    /// <summary>The number of token ids.</summary>
    public int VocabularySize { get; }

    /// <summary>The decoder's first input.</summary>
    public int Bos { get; }

    /// <summary>The width of what conditions each decoder segment: the latent, or a conductor embedding.</summary>
    public int SegmentSize => Config.Hierarchical ? Config.ConductorHidden : Config.LatentSize;

    /// <summary>Decoder segments per window: one per bar with a conductor, else one.</summary>
    public int Segments => Config.Hierarchical ? Config.Bars : 1;

    /// <summary>Grid steps per decoder segment.</summary>
    public int SegmentLength => Config.Length / Segments;

    /// <summary>The device of the parameters.</summary>
    public Device Device => head.weight!.device;

    /// <summary>Token windows [N, Length] as an int64 tensor.</summary>
    public Tensor TokenTensor(IReadOnlyList<int[]> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        int t = Config.Length;
        var data = new long[windows.Count * t];
        for (int b = 0; b < windows.Count; b++)
        {
            if (windows[b].Length != t) throw new ArgumentException($"Window {b} has {windows[b].Length} tokens; this VAE reads {t}.", nameof(windows));
            for (int i = 0; i < t; i++) data[b * t + i] = windows[b][i];
        }
        return tensor(data, [windows.Count, t], int64, Device);
    }

    /// <summary>The encoder: [B, T] tokens to the latent's mean and log-variance, [B, Z] each.</summary>
    public (Tensor Mu, Tensor LogVar) Encode(Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var (_, hn, _) = encoder.call(embedding.call(tokens));
        var last = cat([hn[-2], hn[-1]], -1); // the top layer's forward and backward final states
        return (toMu.call(last), toLogVar.call(last));
    }

    /// <summary>What conditions each decoder segment: [B, U, SegmentSize] (the latent itself, or the conductor's output per bar).</summary>
    public Tensor SegmentVectors(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (conductor is null) return z.unsqueeze(1);
        long b = z.shape[0];
        int layers = Config.ConductorLayers, hc = Config.ConductorHidden;
        var init = tanh(conductorInit!.call(z)).view(b, 2, layers, hc).permute(1, 2, 0, 3).contiguous();
        var input = z.unsqueeze(1).expand(b, Config.Bars, Config.LatentSize);
        var (output, _, _) = conductor.call(input, (init[0], init[1]));
        return output;
    }

    /// <summary>Teacher-forced decoder logits [B, T, V] for latents [B, Z] and target windows [B, T].</summary>
    public Tensor DecodeLogits(Tensor z, Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(tokens);
        long b = tokens.shape[0];
        int u = Segments, s = SegmentLength, layers = Config.DecoderLayers, hd = Config.DecoderHidden;
        var previous = cat([full([b, 1], (long)Bos, int64, tokens.device), tokens.narrow(1, 0, Config.Length - 1)], 1);
        var segments = SegmentVectors(z);                                              // [B, U, D]
        var init = tanh(decoderInit.call(segments)).view(b * u, 2, layers, hd).permute(1, 2, 0, 3).contiguous();
        var x = embedding.call(previous).view(b * u, s, Config.EmbeddingSize);
        var cond = segments.reshape(b * u, 1, SegmentSize).expand(b * u, s, SegmentSize);
        var (output, _, _) = decoder.call(cat([x, cond], -1), (init[0], init[1]));
        return head.call(output).view(b, Config.Length, VocabularySize);
    }

    /// <summary>The loss on a batch of windows [B, T] at KL weight <paramref name="beta"/>, with the reparameterised sample (training) or the mean.</summary>
    public VaeLoss Loss(Tensor tokens, double beta, bool sample)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var (mu, logVar) = Encode(tokens);
        var z = sample ? mu + exp(0.5 * logVar) * randn_like(mu) : mu;
        var logits = DecodeLogits(z, tokens);
        long b = tokens.shape[0];
        var flat = logits.reshape(-1, VocabularySize);
        var targets = tokens.reshape(-1);
        var reconstruction = nn.functional.cross_entropy(flat, targets, reduction: nn.Reduction.Sum) / b;
        var kl = (0.5 * (mu.pow(2) + logVar.exp() - 1 - logVar)).sum(-1).mean();
        double freeNats = Config.FreeBits * Math.Log(2);
        var loss = reconstruction + beta * (kl - freeNats).clamp_min(0);
        long correct = flat.argmax(-1).eq(targets).sum().item<long>();
        return new VaeLoss(loss, reconstruction.item<float>(), kl.item<float>(), correct, targets.shape[0]);
    }

    /// <summary>The latent means and log-variances of token windows, as [N][Z] arrays (no gradients).</summary>
    public (float[][] Mu, float[][] LogVar) EncodeWindows(IReadOnlyList<int[]> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var mus = new float[windows.Count][];
        var logVars = new float[windows.Count][];
        const int Chunk = 256;
        for (int start = 0; start < windows.Count; start += Chunk)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            bool was = training;
            eval();
            var part = windows.Skip(start).Take(Chunk).ToList();
            var (mu, logVar) = Encode(TokenTensor(part));
            train(was);
            var m = mu.to(float32).cpu().contiguous().data<float>().ToArray();
            var l = logVar.to(float32).cpu().contiguous().data<float>().ToArray();
            int zs = Config.LatentSize;
            for (int i = 0; i < part.Count; i++)
            {
                mus[start + i] = m.AsSpan(i * zs, zs).ToArray();
                logVars[start + i] = l.AsSpan(i * zs, zs).ToArray();
            }
        }
        return (mus, logVars);
    }

    /// <summary>
    /// A decoder for each latent: an <see cref="ISequenceModel"/> whose states generate tokens conditioned on it (run it with
    /// the grid grammar, whose BOS is the first token fed). Every call reads the current weights.
    /// </summary>
    public LatentDecoder Decoder(IReadOnlyList<float[]> latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        var inference = Inference();
        int u = Segments;
        var init = new float[latents.Count][];
        var bias = new float[latents.Count][];
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var zData = new float[latents.Count * Config.LatentSize];
            for (int i = 0; i < latents.Count; i++)
            {
                if (latents[i].Length != Config.LatentSize) throw new ArgumentException($"Latent {i} has {latents[i].Length} dimensions; this VAE has {Config.LatentSize}.", nameof(latents));
                latents[i].CopyTo(zData, i * Config.LatentSize);
            }
            var z = tensor(zData, [latents.Count, Config.LatentSize], float32, Device);
            var segments = SegmentVectors(z);                                           // [N, U, D]
            var initAll = tanh(decoderInit.call(segments)).to(float32).cpu().contiguous().data<float>().ToArray();   // [N, U, 2 * layers * H]
            var parameters = decoder.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            var w = parameters["weight_ih_l0"].narrow(1, Config.EmbeddingSize, SegmentSize);  // [4H, D]
            var b0 = parameters["bias_ih_l0"] + parameters["bias_hh_l0"];
            var biasAll = (matmul(segments, w.t()) + b0).to(float32).cpu().contiguous().data<float>().ToArray(); // [N, U, 4H]
            int initWidth = 2 * Config.DecoderLayers * Config.DecoderHidden, gates = 4 * Config.DecoderHidden;
            for (int i = 0; i < latents.Count; i++)
            {
                init[i] = initAll.AsSpan(i * u * initWidth, u * initWidth).ToArray();
                bias[i] = biasAll.AsSpan(i * u * gates, u * gates).ToArray();
            }
        }
        return new LatentDecoder(this, inference, init, bias);
    }

    /// <summary>Drops the managed copy of the decoder weights (call after the weights change).</summary>
    public void InvalidateInference() => _inference = null;

    private VaeInference Inference()
    {
        if (_inference is not null) return _inference;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        static float[] Data(Tensor t) => t.detach().to(float32).cpu().contiguous().data<float>().ToArray();
        var p = decoder.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        int layers = Config.DecoderLayers;
        var table = Data(matmul(embedding.weight!, p["weight_ih_l0"].narrow(1, 0, Config.EmbeddingSize).t())); // [V, 4H]
        var wih = new float[layers][];
        var whh = new float[layers][];
        var bias = new float[layers][];
        for (int l = 0; l < layers; l++)
        {
            whh[l] = Data(p[$"weight_hh_l{l}"]);
            if (l > 0)
            {
                wih[l] = Data(p[$"weight_ih_l{l}"]);
                bias[l] = Data(p[$"bias_ih_l{l}"] + p[$"bias_hh_l{l}"]);
            }
            else
            {
                wih[l] = [];
                bias[l] = [];
            }
        }
        _inference = new VaeInference(Config.DecoderHidden, layers, VocabularySize, table, wih, whh, bias, Data(head.weight!), Data(head.bias!));
        return _inference;
    }
}

/// <summary>The decoder's weights as managed arrays, for token-by-token generation without native calls.</summary>
internal sealed record VaeInference(int Hidden, int Layers, int Vocabulary, float[] Table, float[][] InputWeights, float[][] RecurrentWeights,
    float[][] Biases, float[] HeadWeight, float[] HeadBias)
{
    /// <summary>One LSTM step of every layer for one state, then the head's logits into <paramref name="logits"/>.</summary>
    public void Step(float[] h, float[] c, int token, ReadOnlySpan<float> segmentBias, float[] gates, Span<float> logits)
    {
        int hd = Hidden, g4 = 4 * hd;
        for (int l = 0; l < Layers; l++)
        {
            var hl = h.AsSpan(l * hd, hd);
            var cl = c.AsSpan(l * hd, hd);
            if (l == 0)
            {
                var row = Table.AsSpan(token * g4, g4);
                for (int i = 0; i < g4; i++) gates[i] = row[i] + segmentBias[i];
                Simd.MatMul(RecurrentWeights[0], hd, g4, hd, default, hl, hd, 1, gates, g4, accumulate: true);
            }
            else
            {
                Simd.MatMul(InputWeights[l], hd, g4, hd, Biases[l], h.AsSpan((l - 1) * hd, hd), hd, 1, gates, g4, accumulate: false);
                Simd.MatMul(RecurrentWeights[l], hd, g4, hd, default, hl, hd, 1, gates, g4, accumulate: true);
            }
            var span = gates.AsSpan(0, g4);
            Simd.Sigmoid(span[..(2 * hd)]);
            Simd.Tanh(span.Slice(2 * hd, hd));
            Simd.Sigmoid(span.Slice(3 * hd, hd));
            for (int i = 0; i < hd; i++)
            {
                cl[i] = span[hd + i] * cl[i] + span[i] * span[2 * hd + i];
                hl[i] = cl[i];
            }
            Simd.Tanh(hl);
            for (int i = 0; i < hd; i++) hl[i] *= span[3 * hd + i];
        }
        Simd.MatMul(HeadWeight, hd, Vocabulary, hd, HeadBias, h.AsSpan((Layers - 1) * hd, hd), hd, 1, logits, Vocabulary, accumulate: false);
    }
}
