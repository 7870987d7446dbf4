using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Melos.Data.Tokenizers;

/// <summary>
/// The saved form of a tokenizer: an immutable record written as JSON with a <c>kind</c> discriminator
/// (<c>grid</c> or <c>note</c>) and a <c>formatVersion</c>.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(GridTokenizerConfig), "grid")]
[JsonDerivedType(typeof(NoteTokenizerConfig), "note")]
public abstract record TokenizerConfig
{
    /// <summary>The format version this code writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The format version of this configuration.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>Lowest encodable MIDI pitch (inclusive).</summary>
    public int MinPitch { get; init; } = 48;

    /// <summary>Highest encodable MIDI pitch (inclusive).</summary>
    public int MaxPitch { get; init; } = 84;

    /// <summary>Grid steps per quarter note (12 holds sixteenths and eighth triplets; 4 holds sixteenths only).</summary>
    public int StepsPerQuarter { get; init; } = 12;

    /// <summary>Builds the tokenizer, checking the configuration.</summary>
    /// <exception cref="InvalidConfigurationException">A field is impossible; the message names it.</exception>
    public abstract ITokenizer Create();

    /// <summary>Checks the fields shared by all tokenizers.</summary>
    protected void ValidateCommon()
    {
        InvalidConfigurationException.Require(FormatVersion == CurrentFormatVersion, nameof(FormatVersion), $"is {FormatVersion}; this code reads version {CurrentFormatVersion}");
        InvalidConfigurationException.Require(MinPitch is >= 0 and <= 127, nameof(MinPitch), $"{MinPitch} is outside MIDI 0..127");
        InvalidConfigurationException.Require(MaxPitch is >= 0 and <= 127, nameof(MaxPitch), $"{MaxPitch} is outside MIDI 0..127");
        InvalidConfigurationException.Require(MaxPitch >= MinPitch, nameof(MaxPitch), $"{MaxPitch} is below {nameof(MinPitch)} {MinPitch}");
        InvalidConfigurationException.Require(StepsPerQuarter is >= 1 and <= 960, nameof(StepsPerQuarter), $"{StepsPerQuarter} must be 1..960");
    }

    /// <summary>JSON options used for every saved configuration (camelCase, indented).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>This configuration as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a configuration written by <see cref="ToJson"/>.</summary>
    /// <exception cref="IncompatibleFormatException">The JSON has another format version or an unknown kind.</exception>
    public static TokenizerConfig FromJson(string json) => FromJson(JsonDocument.Parse(json).RootElement);

    /// <summary>Reads a configuration from a JSON element written by <see cref="ToJson"/>.</summary>
    /// <exception cref="IncompatibleFormatException">The JSON has another format version or an unknown kind.</exception>
    public static TokenizerConfig FromJson(JsonElement element)
    {
        int version = element.TryGetProperty("formatVersion", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : -1;
        if (version != CurrentFormatVersion)
            throw new IncompatibleFormatException("formatVersion", CurrentFormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), version < 0 ? null : version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string? kind = element.TryGetProperty("kind", out var k) ? k.GetString() : null;
        if (kind is not ("grid" or "note")) throw new IncompatibleFormatException("kind", "grid|note", kind);
        return element.Deserialize<TokenizerConfig>(JsonOptions) ?? throw new IncompatibleFormatException("kind", "grid|note", null);
    }
}

/// <summary>Configuration of <see cref="GridTokenizer"/>.</summary>
public sealed record GridTokenizerConfig : TokenizerConfig
{
    /// <inheritdoc/>
    public override ITokenizer Create() => new GridTokenizer(this);

    /// <summary>Checks every field.</summary>
    /// <exception cref="InvalidConfigurationException">A field is impossible; the message names it.</exception>
    public void Validate() => ValidateCommon();
}

/// <summary>Configuration of <see cref="NoteTokenizer"/>.</summary>
public sealed record NoteTokenizerConfig : TokenizerConfig
{
    /// <summary>The number of POSITION tokens: the longest bar in grid steps (default 96: 8 quarter notes at 12 steps).</summary>
    public int MaxBarSteps { get; init; } = 96;

    /// <summary>
    /// The DURATION vocabulary in grid steps. A note's length is written as one or more DURATION tokens that add up
    /// (largest first), so a vocabulary holding 1 writes every on-grid length exactly.
    /// </summary>
    public ImmutableArray<int> DurationSteps { get; init; } = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 18, 21, 24, 30, 36, 42, 48, 60, 72, 84, 96];

    /// <summary>The meters that have a METER token (written after BAR where the meter starts or changes).</summary>
    public ImmutableArray<string> Meters { get; init; } = DefaultMeters;

    /// <summary>
    /// When true, POSITION is written only where a note does not start where the previous one ended (or at the bar line
    /// when the previous one ended before it): a melody without rests needs no POSITION token at all.
    /// </summary>
    public bool ImplicitPositions { get; init; }

    /// <summary>
    /// When above zero, the tune's length is written after BOS as <c>LENGTH(n)</c> (n bars) and every bar line as
    /// <c>BAR(i)</c> with the bar's index, so a model always knows where it stands in the whole tune. Tunes of more bars
    /// than this do not fit. Zero (the default) writes plain <c>BAR</c> tokens.
    /// </summary>
    public int MaxBars { get; init; }

    /// <summary>
    /// When above zero, a bar whose notes are exactly those of the bar k bars back (1 &lt;= k &lt;= this, same meter) is
    /// written as <c>COPY(k)</c> after its bar line instead of its notes: the tune's form is written as form.
    /// </summary>
    public int MaxCopyDistance { get; init; }

    /// <summary>
    /// When true (with <see cref="MaxBars"/> above zero), a bar line carries the bars left to the tune's end instead of
    /// the bar's index: the last bar is <c>BAR(0)</c>, the one before it <c>BAR(1)</c>, so a model reads from every bar
    /// line how close the ending is and can prepare its cadence. False (the default) numbers bars from the start.
    /// </summary>
    public bool NumberBarsFromEnd { get; init; }

    /// <summary>Meters known by default.</summary>
    public static ImmutableArray<string> DefaultMeters { get; } =
        ["2/4", "3/4", "4/4", "5/4", "6/4", "7/4", "2/2", "3/2", "4/2", "3/8", "5/8", "6/8", "7/8", "9/8", "12/8"];

    /// <inheritdoc/>
    public override ITokenizer Create() => new NoteTokenizer(this);

    /// <summary>Checks every field.</summary>
    /// <exception cref="InvalidConfigurationException">A field is impossible; the message names it.</exception>
    public void Validate()
    {
        ValidateCommon();
        InvalidConfigurationException.Require(MaxBarSteps is >= 1 and <= 100_000, nameof(MaxBarSteps), $"{MaxBarSteps} must be 1..100000");
        InvalidConfigurationException.Require(!DurationSteps.IsDefaultOrEmpty, nameof(DurationSteps), "must hold at least one duration");
        InvalidConfigurationException.Require(DurationSteps.All(d => d >= 1), nameof(DurationSteps), "every duration must be at least one step");
        InvalidConfigurationException.Require(DurationSteps.Distinct().Count() == DurationSteps.Length, nameof(DurationSteps), "durations must be distinct");
        InvalidConfigurationException.Require(!Meters.IsDefault && Meters.Distinct().Count() == Meters.Length, nameof(Meters), "meters must be distinct");
        foreach (var m in Meters)
            InvalidConfigurationException.Require(Music.TimeSignature.TryParse(m, out _), nameof(Meters), $"'{m}' is not a time signature");
        InvalidConfigurationException.Require(MaxBars is >= 0 and <= 4096, nameof(MaxBars), $"{MaxBars} must be 0..4096");
        InvalidConfigurationException.Require(MaxCopyDistance is >= 0 and <= 256, nameof(MaxCopyDistance), $"{MaxCopyDistance} must be 0..256");
        InvalidConfigurationException.Require(!NumberBarsFromEnd || MaxBars > 0, nameof(NumberBarsFromEnd), "needs numbered bars (maxBars above zero)");
    }

    /// <summary>The whole-tune configuration: implicit positions, bar numbers up to 64 bars and bar copies up to 16 bars back.</summary>
    public static NoteTokenizerConfig WholeTune { get; } = new() { ImplicitPositions = true, MaxBars = 64, MaxCopyDistance = 16 };
}
