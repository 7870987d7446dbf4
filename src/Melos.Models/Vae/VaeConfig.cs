using System.Text.Json.Serialization;
using Melos.Data.Tokenizers;

namespace Melos.Models.Vae;

/// <summary>
/// Configuration of <see cref="MelodyVae"/> (after MusicVAE, Roberts et al. 2018): a fixed window of <see cref="Bars"/>
/// bars of <see cref="Meter"/> on a grid of <see cref="StepsPerBar"/> steps, a bidirectional LSTM encoder to a Gaussian
/// latent of <see cref="LatentSize"/> dimensions, and an LSTM decoder conditioned on the latent; from
/// <see cref="ConductorFromBars"/> bars on, a "conductor" LSTM turns the latent into one embedding per bar and the
/// decoder restarts from each (MusicVAE's hierarchical decoder). The KL term is annealed to <see cref="MaxBeta"/> over
/// <see cref="BetaWarmupSteps"/> steps, and the first <see cref="FreeBits"/> bits of it are free.
/// Saved as JSON with the <c>architecture</c> <c>vae</c> and the <see cref="ModelConfig.FormatVersion"/>.
/// </summary>
public sealed record VaeConfig : ModelConfig
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override string Architecture => "vae";

    /// <summary>Bars per window (4, 8 or 16).</summary>
    public int Bars { get; init; } = 4;

    /// <summary>The meter of every window (one meter per model).</summary>
    public string Meter { get; init; } = "4/4";

    /// <summary>Grid steps per bar (16: sixteenth notes in 4/4).</summary>
    public int StepsPerBar { get; init; } = 16;

    /// <summary>Token embedding width.</summary>
    public int EmbeddingSize { get; init; } = 32;

    /// <summary>Encoder LSTM width per direction.</summary>
    public int EncoderHidden { get; init; } = 256;

    /// <summary>Encoder LSTM layers.</summary>
    public int EncoderLayers { get; init; } = 1;

    /// <summary>Latent dimensions.</summary>
    public int LatentSize { get; init; } = 64;

    /// <summary>Decoder LSTM width.</summary>
    public int DecoderHidden { get; init; } = 256;

    /// <summary>Decoder LSTM layers.</summary>
    public int DecoderLayers { get; init; } = 2;

    /// <summary>Conductor LSTM width (hierarchical decoder only).</summary>
    public int ConductorHidden { get; init; } = 256;

    /// <summary>Conductor LSTM layers (hierarchical decoder only).</summary>
    public int ConductorLayers { get; init; } = 1;

    /// <summary>Windows of this many bars or more use the hierarchical conductor decoder.</summary>
    public int ConductorFromBars { get; init; } = 8;

    /// <summary>Bits of KL divergence per window that cost nothing (free bits).</summary>
    public double FreeBits { get; init; } = 32;

    /// <summary>The weight of the KL term once annealed.</summary>
    public double MaxBeta { get; init; } = 0.2;

    /// <summary>Steps over which the KL weight rises linearly from 0 to <see cref="MaxBeta"/>.</summary>
    public int BetaWarmupSteps { get; init; } = 1000;

    /// <summary>Grid steps per window.</summary>
    [JsonIgnore]
    public int Length => Bars * StepsPerBar;

    /// <summary>True when the decoder is hierarchical (a conductor per bar).</summary>
    [JsonIgnore]
    public bool Hierarchical => Bars >= ConductorFromBars;

    /// <summary>The KL weight at <paramref name="step"/>.</summary>
    public double BetaAt(int step) => BetaWarmupSteps <= 0 ? MaxBeta : MaxBeta * Math.Min(1.0, step / (double)BetaWarmupSteps);

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        InvalidConfigurationException.Require(Bars is >= 1 and <= 64, nameof(Bars), $"{Bars} must be 1..64");
        InvalidConfigurationException.Require(StepsPerBar >= 1, nameof(StepsPerBar), $"{StepsPerBar} must be at least 1");
        InvalidConfigurationException.Require(Melos.Music.TimeSignature.TryParse(Meter, out _), nameof(Meter), $"'{Meter}' is not a time signature such as 4/4");
        foreach (var (value, name) in new[] { (EmbeddingSize, nameof(EmbeddingSize)), (EncoderHidden, nameof(EncoderHidden)), (EncoderLayers, nameof(EncoderLayers)),
                     (LatentSize, nameof(LatentSize)), (DecoderHidden, nameof(DecoderHidden)), (DecoderLayers, nameof(DecoderLayers)),
                     (ConductorHidden, nameof(ConductorHidden)), (ConductorLayers, nameof(ConductorLayers)), (ConductorFromBars, nameof(ConductorFromBars)) })
            InvalidConfigurationException.Require(value >= 1, name, $"{value} must be at least 1");
        InvalidConfigurationException.Require(FreeBits >= 0 && double.IsFinite(FreeBits), nameof(FreeBits), $"{FreeBits} must be 0 or more");
        InvalidConfigurationException.Require(MaxBeta >= 0 && double.IsFinite(MaxBeta), nameof(MaxBeta), $"{MaxBeta} must be 0 or more");
        InvalidConfigurationException.Require(BetaWarmupSteps >= 0, nameof(BetaWarmupSteps), $"{BetaWarmupSteps} must be 0 or more");
    }
}
