using System.Collections.Immutable;
using System.Text.Json;
using Melos.Music;

namespace Melos.Data.Tokenizers;

/// <summary>The coarse chord classes used for conditioning.</summary>
public enum ChordClass
{
    /// <summary>Major triad, sixth or major seventh.</summary>
    Major,
    /// <summary>Minor triad, sixth, seventh or minor-major seventh.</summary>
    Minor,
    /// <summary>Dominant seventh (also 7sus4 and augmented seventh).</summary>
    Dominant,
    /// <summary>Diminished, diminished seventh or half-diminished.</summary>
    Diminished,
    /// <summary>Augmented triad.</summary>
    Augmented,
    /// <summary>Suspended second or fourth.</summary>
    Suspended,
    /// <summary>Power chord (root and fifth).</summary>
    Power,
}

/// <summary>The conditioning ids of one token: chord, position in bar, meter, key and style.</summary>
/// <param name="Chord">0 = no chord, else 1 + root pitch class * 7 + <see cref="ChordClass"/>.</param>
/// <param name="Position">The grid step inside the bar (clamped to the vocabulary's last position).</param>
/// <param name="Meter">0 = a meter not in the vocabulary, else 1 + its index.</param>
/// <param name="Key">0 = unknown key, else 1 + tonic pitch class * 2 + (1 when minor-like).</param>
/// <param name="Style">0 = no known style, else 1 + the index of the melody's first style in the vocabulary.</param>
public readonly record struct ConditionStep(int Chord, int Position, int Meter, int Key, int Style);

/// <summary>
/// Maps the conditioning signals to ids: meters and style labels by string, chords by root and class, keys by tonic and
/// major/minor, and positions by grid step in the bar. Saved as JSON with the tokenizer configuration.
/// </summary>
public sealed record ConditioningVocabulary
{
    /// <summary>The format version this code writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The number of chord classes (<see cref="ChordClass"/>).</summary>
    public const int ChordClassCount = 7;

    /// <summary>The format version.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>Grid steps per quarter note of the position stream.</summary>
    public int StepsPerQuarter { get; init; } = 12;

    /// <summary>The number of position ids (the longest bar in grid steps; later steps share the last id).</summary>
    public int MaxBarSteps { get; init; } = 96;

    /// <summary>Known meters (id = 1 + index; 0 = other).</summary>
    public ImmutableArray<string> Meters { get; init; } = NoteTokenizerConfig.DefaultMeters;

    /// <summary>Known style labels (id = 1 + index; 0 = none).</summary>
    public ImmutableArray<string> Styles { get; init; } = [];

    /// <summary>The number of chord ids.</summary>
    public int ChordCount => 1 + 12 * ChordClassCount;

    /// <summary>The number of position ids.</summary>
    public int PositionCount => MaxBarSteps;

    /// <summary>The number of meter ids.</summary>
    public int MeterCount => 1 + Meters.Length;

    /// <summary>The number of key ids.</summary>
    public int KeyCount => 25;

    /// <summary>The number of style ids.</summary>
    public int StyleCount => 1 + Styles.Length;

    /// <summary>A vocabulary holding the style labels found in <paramref name="melodies"/> (sorted, ordinal).</summary>
    public static ConditioningVocabulary FromMelodies(IEnumerable<Melody> melodies, int stepsPerQuarter = 12)
    {
        var styles = melodies.SelectMany(m => m.Info.Styles).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToImmutableArray();
        return new ConditioningVocabulary { StepsPerQuarter = stepsPerQuarter, MaxBarSteps = 8 * stepsPerQuarter, Styles = styles };
    }

    /// <summary>Checks every field.</summary>
    /// <exception cref="InvalidConfigurationException">A field is impossible; the message names it.</exception>
    public void Validate()
    {
        InvalidConfigurationException.Require(FormatVersion == CurrentFormatVersion, nameof(FormatVersion), $"is {FormatVersion}; this code reads version {CurrentFormatVersion}");
        InvalidConfigurationException.Require(StepsPerQuarter >= 1, nameof(StepsPerQuarter), "must be at least 1");
        InvalidConfigurationException.Require(MaxBarSteps >= 1, nameof(MaxBarSteps), "must be at least 1");
        InvalidConfigurationException.Require(!Meters.IsDefault && Meters.All(m => TimeSignature.TryParse(m, out _)), nameof(Meters), "every meter must be a time signature such as 6/8");
        InvalidConfigurationException.Require(!Styles.IsDefault, nameof(Styles), "must be a list (possibly empty)");
    }

    /// <summary>The chord id of <paramref name="chord"/> (0 for null).</summary>
    public static int ChordId(ChordSymbol? chord) =>
        chord is null ? 0 : 1 + chord.Root.PitchClass * ChordClassCount + (int)ClassOf(chord.Quality);

    /// <summary>The conditioning class of a chord quality.</summary>
    public static ChordClass ClassOf(ChordQuality quality) => quality switch
    {
        ChordQuality.Major or ChordQuality.Major6 or ChordQuality.Major7 => ChordClass.Major,
        ChordQuality.Minor or ChordQuality.Minor6 or ChordQuality.Minor7 or ChordQuality.MinorMajor7 => ChordClass.Minor,
        ChordQuality.Dominant7 or ChordQuality.Dominant7Suspended4 or ChordQuality.Augmented7 => ChordClass.Dominant,
        ChordQuality.Diminished or ChordQuality.Diminished7 or ChordQuality.HalfDiminished7 => ChordClass.Diminished,
        ChordQuality.Augmented => ChordClass.Augmented,
        ChordQuality.Suspended2 or ChordQuality.Suspended4 => ChordClass.Suspended,
        ChordQuality.Power => ChordClass.Power,
        _ => throw new ArgumentOutOfRangeException(nameof(quality), quality, "Unknown chord quality."),
    };

    /// <summary>The key id of <paramref name="key"/> (0 for null).</summary>
    public static int KeyId(Key? key) => key is null ? 0 : 1 + key.Tonic.PitchClass * 2 + (key.IsMajorLike ? 0 : 1);

    /// <summary>The meter id of <paramref name="meter"/>.</summary>
    public int MeterId(TimeSignature meter)
    {
        int i = Meters.IndexOf(meter.ToString());
        return i < 0 ? 0 : i + 1;
    }

    /// <summary>The style id of a melody: its first style label in the vocabulary, else 0.</summary>
    public int StyleId(MelodyInfo info)
    {
        foreach (var s in info.Styles)
        {
            int i = Styles.IndexOf(s);
            if (i >= 0) return i + 1;
        }
        return 0;
    }

    /// <summary>The length of a bar of meter id <paramref name="meterId"/> in grid steps (4/4 for id 0), at least 1.</summary>
    public int BarSteps(int meterId)
    {
        var meter = meterId <= 0 || meterId > Meters.Length ? TimeSignature.CommonTime : TimeSignature.Parse(Meters[meterId - 1]);
        var steps = meter.BarLength.Quarters * StepsPerQuarter;
        return Math.Max(1, (int)steps.Floor());
    }

    /// <summary>The conditioning at time <paramref name="at"/> of <paramref name="melody"/>.</summary>
    public ConditionStep At(Melody melody, Duration at)
    {
        ArgumentNullException.ThrowIfNull(melody);
        if (at.IsNegative) at = Duration.Zero;
        var (_, offset) = melody.BarOf(at);
        long position = (offset.Quarters * StepsPerQuarter).Floor();
        return new ConditionStep(ChordId(melody.ChordAt(at)), (int)Math.Min(position, MaxBarSteps - 1), MeterId(melody.MeterAt(at)),
            KeyId(melody.Key), StyleId(melody.Info));
    }

    /// <summary>The conditioning stream of a tokenized melody: one step per token, at that token's time.</summary>
    public ImmutableArray<ConditionStep> Encode(Melody melody, TokenizedMelody tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var builder = ImmutableArray.CreateBuilder<ConditionStep>(tokens.Count);
        foreach (var t in tokens.Times) builder.Add(At(melody, t));
        return builder.MoveToImmutable();
    }

    /// <summary>This vocabulary as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, TokenizerConfig.JsonOptions);

    /// <summary>Reads a vocabulary written by <see cref="ToJson"/>.</summary>
    /// <exception cref="IncompatibleFormatException">Another format version.</exception>
    public static ConditioningVocabulary FromJson(JsonElement element)
    {
        int version = element.TryGetProperty("formatVersion", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : -1;
        if (version != CurrentFormatVersion)
            throw new IncompatibleFormatException("formatVersion", CurrentFormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), version < 0 ? null : version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return element.Deserialize<ConditioningVocabulary>(TokenizerConfig.JsonOptions)!;
    }

    /// <summary>Reads a vocabulary written by <see cref="ToJson"/>.</summary>
    public static ConditioningVocabulary FromJson(string json) => FromJson(JsonDocument.Parse(json).RootElement);
}

/// <summary>A melody ready for a model: tokens, the aligned conditioning stream, its note count and a grouping label.</summary>
/// <param name="Tokens">Token ids (BOS ... EOS).</param>
/// <param name="Conditioning">One conditioning step per token.</param>
/// <param name="NoteCount">The number of notes the tokens write (for bits per note).</param>
/// <param name="Group">A label to break metrics down by (style, collection ...); empty when none.</param>
public sealed record EncodedSequence(ImmutableArray<int> Tokens, ImmutableArray<ConditionStep> Conditioning, int NoteCount, string Group)
{
    /// <summary>Encodes a melody with a tokenizer and a conditioning vocabulary.</summary>
    /// <exception cref="TokenizationException">The melody does not fit the tokenizer.</exception>
    public static EncodedSequence Encode(ITokenizer tokenizer, ConditioningVocabulary vocabulary, Melody melody, string group = "")
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(vocabulary);
        var tokens = tokenizer.Encode(melody);
        return new EncodedSequence(tokens.Tokens, vocabulary.Encode(melody, tokens), melody.Notes.Length, group);
    }

    /// <summary>Encodes every melody that fits the tokenizer; the others are counted in <paramref name="skipped"/>.</summary>
    public static IReadOnlyList<EncodedSequence> EncodeAll(ITokenizer tokenizer, ConditioningVocabulary vocabulary, IEnumerable<Melody> melodies,
        Func<Melody, string>? group, out int skipped)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(melodies);
        var list = new List<EncodedSequence>();
        skipped = 0;
        foreach (var m in melodies)
        {
            if (!tokenizer.TryEncode(m, out var tokens, out _)) { skipped++; continue; }
            list.Add(new EncodedSequence(tokens!.Tokens, vocabulary.Encode(m, tokens), m.Notes.Length, group?.Invoke(m) ?? ""));
        }
        return list;
    }
}
