using System.Text.Json;
using System.Text.Json.Serialization;
using Melos.Data.Tokenizers;

namespace Melos.Models;

/// <summary>How the conditioning embeddings join the token embedding.</summary>
public enum ConditioningMode
{
    /// <summary>No conditioning: only the tokens.</summary>
    None,
    /// <summary>Each conditioning embedding is added to the token embedding.</summary>
    Sum,
    /// <summary>The conditioning embeddings are concatenated to the token embedding.</summary>
    Concat,
}

/// <summary>
/// A model's architecture and hyperparameters, saved as JSON with an <c>architecture</c> discriminator
/// (<c>lstm</c>, <c>transformer</c>, <c>ngram</c>, <c>vae</c>) and a <c>formatVersion</c>.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "architecture")]
[JsonDerivedType(typeof(LstmConfig), "lstm")]
[JsonDerivedType(typeof(TransformerConfig), "transformer")]
[JsonDerivedType(typeof(NGramConfig), "ngram")]
[JsonDerivedType(typeof(Vae.VaeConfig), "vae")]
public abstract record ModelConfig
{
    /// <summary>The format version this code writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The format version.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The architecture name.</summary>
    [JsonIgnore]
    public abstract string Architecture { get; }

    /// <summary>Checks every field.</summary>
    /// <exception cref="InvalidConfigurationException">A field is impossible; the message names it.</exception>
    public virtual void Validate() =>
        InvalidConfigurationException.Require(FormatVersion == CurrentFormatVersion, nameof(FormatVersion), $"is {FormatVersion}; this code reads version {CurrentFormatVersion}");

    /// <summary>JSON options for saved configurations.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true };
        o.Converters.Add(new JsonStringEnumConverter());
        return o;
    }

    /// <summary>This configuration as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a configuration written by <see cref="ToJson"/>.</summary>
    /// <exception cref="IncompatibleFormatException">Another format version or an unknown architecture.</exception>
    public static ModelConfig FromJson(JsonElement element)
    {
        int version = element.TryGetProperty("formatVersion", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : -1;
        if (version != CurrentFormatVersion)
            throw new IncompatibleFormatException("formatVersion", CurrentFormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), version < 0 ? null : version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string? arch = element.TryGetProperty("architecture", out var a) ? a.GetString() : null;
        if (arch is not ("lstm" or "transformer" or "ngram" or "vae")) throw new IncompatibleFormatException("architecture", "lstm|transformer|ngram|vae", arch);
        return element.Deserialize<ModelConfig>(JsonOptions)!;
    }

    /// <summary>Reads a configuration written by <see cref="ToJson"/>.</summary>
    public static ModelConfig FromJson(string json) => FromJson(JsonDocument.Parse(json).RootElement);

    /// <summary>Checks a dropout probability.</summary>
    protected static void RequireDropout(double dropout, string field) =>
        InvalidConfigurationException.Require(dropout >= 0 && dropout < 1, field, $"{dropout} must be in [0, 1)");
}

/// <summary>Configuration of <see cref="LstmModel"/> (Magenta MelodyRNN family).</summary>
public sealed record LstmConfig : ModelConfig
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override string Architecture => "lstm";

    /// <summary>Token (and each conditioning) embedding width.</summary>
    public int EmbeddingSize { get; init; } = 64;

    /// <summary>LSTM layers.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>LSTM hidden width.</summary>
    public int Hidden { get; init; } = 256;

    /// <summary>Dropout between LSTM layers and before the output head.</summary>
    public double Dropout { get; init; } = 0.2;

    /// <summary>How conditioning joins the input.</summary>
    public ConditioningMode Conditioning { get; init; } = ConditioningMode.Sum;

    /// <summary>Attention over the last <see cref="AttentionLength"/> outputs (MelodyRNN attention_rnn).</summary>
    public bool Attention { get; init; }

    /// <summary>How many past outputs attention sees.</summary>
    public int AttentionLength { get; init; } = 40;

    /// <summary>Lookback inputs (MelodyRNN lookback_rnn): the tokens 1 and 2 bars back and whether the input repeats them.</summary>
    public bool Lookback { get; init; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        InvalidConfigurationException.Require(EmbeddingSize >= 1, nameof(EmbeddingSize), $"{EmbeddingSize} must be at least 1");
        InvalidConfigurationException.Require(Layers >= 1, nameof(Layers), $"{Layers} must be at least 1");
        InvalidConfigurationException.Require(Hidden >= 1, nameof(Hidden), $"{Hidden} must be at least 1");
        RequireDropout(Dropout, nameof(Dropout));
        InvalidConfigurationException.Require(!Attention || AttentionLength >= 1, nameof(AttentionLength), $"{AttentionLength} must be at least 1 when attention is on");
    }
}

/// <summary>Configuration of <see cref="TransformerModel"/> (decoder-only Music Transformer).</summary>
public sealed record TransformerConfig : ModelConfig
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override string Architecture => "transformer";

    /// <summary>Decoder layers.</summary>
    public int Layers { get; init; } = 4;

    /// <summary>Model width (embedding size).</summary>
    public int Width { get; init; } = 256;

    /// <summary>Attention heads; <see cref="Width"/> must be divisible by it.</summary>
    public int Heads { get; init; } = 8;

    /// <summary>Feed-forward inner width.</summary>
    public int FeedForward { get; init; } = 1024;

    /// <summary>Dropout on embeddings, attention outputs and feed-forward outputs.</summary>
    public double Dropout { get; init; } = 0.1;

    /// <summary>Relative distances past this share the farthest learned embedding.</summary>
    public int MaxRelativeDistance { get; init; } = 512;

    /// <summary>Whether conditioning embeddings are added to the token embedding (Concat is treated as Sum).</summary>
    public ConditioningMode Conditioning { get; init; } = ConditioningMode.Sum;

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        InvalidConfigurationException.Require(Layers >= 1, nameof(Layers), $"{Layers} must be at least 1");
        InvalidConfigurationException.Require(Width >= 1, nameof(Width), $"{Width} must be at least 1");
        InvalidConfigurationException.Require(Heads >= 1, nameof(Heads), $"{Heads} must be at least 1");
        InvalidConfigurationException.Require(Width % Heads == 0, nameof(Width), $"{Width} is not divisible by {nameof(Heads)} {Heads}");
        InvalidConfigurationException.Require(FeedForward >= 1, nameof(FeedForward), $"{FeedForward} must be at least 1");
        RequireDropout(Dropout, nameof(Dropout));
        InvalidConfigurationException.Require(MaxRelativeDistance >= 1, nameof(MaxRelativeDistance), $"{MaxRelativeDistance} must be at least 1");
    }
}

/// <summary>What an n-gram model's order counts.</summary>
public enum NGramUnit
{
    /// <summary>Token ids: order n conditions on the n - 1 previous tokens.</summary>
    Token,
    /// <summary>
    /// The tokenizer's events (<see cref="ITokenizer.StartsEvent"/>: for the note tokenizer a note, a bar line, LENGTH, EOS):
    /// order n conditions on the tokens of the current event so far and of the n - 1 complete events before it.
    /// </summary>
    Event,
}

/// <summary>Configuration of <see cref="NGramModel"/> (interpolated Kneser-Ney).</summary>
public sealed record NGramConfig : ModelConfig
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override string Architecture => "ngram";

    /// <summary>
    /// The n-gram order (1 = unigram), counted in <see cref="Unit"/>s: with <see cref="NGramUnit.Event"/> the context is
    /// the current (partial) event and the <c>Order - 1</c> complete events before it.
    /// </summary>
    public int Order { get; init; } = 5;

    /// <summary>What the order counts: tokens (the default, and what files written before this field mean) or the tokenizer's events.</summary>
    public NGramUnit Unit { get; init; } = NGramUnit.Token;

    /// <summary>A fixed discount in (0, 1), or null to estimate one per order as n1 / (n1 + 2 n2).</summary>
    public double? Discount { get; init; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        InvalidConfigurationException.Require(Order is >= 1 and <= 12, nameof(Order), $"{Order} must be 1..12");
        InvalidConfigurationException.Require(Discount is null or (> 0 and < 1), nameof(Discount), $"{Discount} must be in (0, 1)");
    }
}
