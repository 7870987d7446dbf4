using System.Text.Json;
using System.Text.Json.Serialization;
using Melos.Data.Tokenizers;

namespace Melos.Models.Polyphonic;

/// <summary>The piano-roll models.</summary>
public enum FrameArchitecture
{
    /// <summary>An LSTM with 88 independent sigmoid outputs (the benchmark's published LSTM row).</summary>
    Lstm,

    /// <summary>A relative-attention Transformer decoder with 88 independent sigmoid outputs.</summary>
    Transformer,

    /// <summary>
    /// An LSTM over frames whose state conditions a masked autoencoder (MADE) that predicts the keys of each frame
    /// jointly, autoregressively from the lowest key to the highest (NADE-style, after Boulanger-Lewandowski et al. 2012).
    /// </summary>
    Nade,
}

/// <summary>A piano-roll model and how it is trained; every field is checked by <see cref="Validate"/>.</summary>
public sealed record FrameModelConfig
{
    /// <summary>The architecture.</summary>
    public FrameArchitecture Architecture { get; init; } = FrameArchitecture.Lstm;

    /// <summary>LSTM hidden size, or the Transformer's width.</summary>
    public int Hidden { get; init; } = 256;

    /// <summary>LSTM or Transformer layers.</summary>
    public int Layers { get; init; } = 1;

    /// <summary>Dropout on the recurrent outputs (and inside the Transformer).</summary>
    public double Dropout { get; init; } = 0.3;

    /// <summary>Dropout on the input frames (keys dropped at random while training).</summary>
    public double InputDropout { get; init; }

    /// <summary>Transformer attention heads (<see cref="Hidden"/> must be divisible by it).</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Transformer feed-forward width.</summary>
    public int FeedForward { get; init; } = 512;

    /// <summary>Transformer: relative distances past this share the farthest embedding; also the context at evaluation.</summary>
    public int MaxRelativeDistance { get; init; } = 256;

    /// <summary>NADE: hidden units of the within-frame masked autoencoder.</summary>
    public int NadeHidden { get; init; } = 300;

    /// <summary>AdamW learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>AdamW weight decay.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Training windows per batch.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Frames per training window (long sequences are cut; every frame is predicted once per epoch).</summary>
    public int Window { get; init; } = 200;

    /// <summary>The most epochs.</summary>
    public int MaxEpochs { get; init; } = 200;

    /// <summary>Stop after this many epochs without a better validation NLL.</summary>
    public int Patience { get; init; } = 10;

    /// <summary>Gradient norm clipping.</summary>
    public double ClipNorm { get; init; } = 1.0;

    /// <summary>Seeds the weights, the shuffles and dropout.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Checks every field.</summary>
    /// <exception cref="InvalidConfigurationException">A field is impossible; the message names it.</exception>
    public void Validate()
    {
        InvalidConfigurationException.Require(Enum.IsDefined(Architecture), nameof(Architecture), $"{Architecture} is not an architecture");
        InvalidConfigurationException.Require(Hidden >= 1, nameof(Hidden), $"{Hidden} must be at least 1");
        InvalidConfigurationException.Require(Layers >= 1, nameof(Layers), $"{Layers} must be at least 1");
        InvalidConfigurationException.Require(Dropout >= 0 && Dropout < 1, nameof(Dropout), $"{Dropout} must be in [0, 1)");
        InvalidConfigurationException.Require(InputDropout >= 0 && InputDropout < 1, nameof(InputDropout), $"{InputDropout} must be in [0, 1)");
        InvalidConfigurationException.Require(Heads >= 1 && Hidden % Heads == 0, nameof(Heads), $"{Heads} must be at least 1 and divide {nameof(Hidden)} {Hidden}");
        InvalidConfigurationException.Require(FeedForward >= 1, nameof(FeedForward), $"{FeedForward} must be at least 1");
        InvalidConfigurationException.Require(MaxRelativeDistance >= 2, nameof(MaxRelativeDistance), $"{MaxRelativeDistance} must be at least 2");
        InvalidConfigurationException.Require(NadeHidden >= 1, nameof(NadeHidden), $"{NadeHidden} must be at least 1");
        InvalidConfigurationException.Require(LearningRate > 0 && double.IsFinite(LearningRate), nameof(LearningRate), $"{LearningRate} must be above 0");
        InvalidConfigurationException.Require(WeightDecay >= 0, nameof(WeightDecay), $"{WeightDecay} must be at least 0");
        InvalidConfigurationException.Require(BatchSize >= 1, nameof(BatchSize), $"{BatchSize} must be at least 1");
        InvalidConfigurationException.Require(Window >= 2, nameof(Window), $"{Window} must be at least 2");
        InvalidConfigurationException.Require(MaxEpochs >= 1, nameof(MaxEpochs), $"{MaxEpochs} must be at least 1");
        InvalidConfigurationException.Require(Patience >= 1, nameof(Patience), $"{Patience} must be at least 1");
        InvalidConfigurationException.Require(ClipNorm > 0, nameof(ClipNorm), $"{ClipNorm} must be above 0");
    }

    /// <summary>JSON options (camelCase, enums as names).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Reads a configuration (missing fields keep their defaults) and validates it.</summary>
    /// <exception cref="InvalidConfigurationException">The JSON is not a configuration or a field is impossible.</exception>
    public static FrameModelConfig FromJson(string json)
    {
        FrameModelConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<FrameModelConfig>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidConfigurationException(e.Path ?? "(config)", e.Message);
        }
        if (config is null) throw new InvalidConfigurationException("(config)", "is null");
        config.Validate();
        return config;
    }
}
