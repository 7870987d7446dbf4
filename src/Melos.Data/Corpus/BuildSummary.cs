using System.Collections.Immutable;

namespace Melos.Data.Corpus;

/// <summary>Why a tune was left out of a corpus.</summary>
public enum DiscardReason
{
    /// <summary>The file or tune could not be parsed.</summary>
    ParseError,
    /// <summary>No melody could be found (no notes, no melodic track).</summary>
    NoMelody,
    /// <summary>Fewer notes than the minimum.</summary>
    TooShort,
    /// <summary>So much polyphony that keeping one line dropped most notes.</summary>
    PolyphonicBeyondRepair,
    /// <summary>The rhythm does not fit the quantization grid closely enough.</summary>
    Unquantizable,
    /// <summary>The file exceeded a size or time limit.</summary>
    OverLimit,
    /// <summary>The same melody (up to transposition) as a tune kept earlier.</summary>
    Duplicate,
    /// <summary>A recording with nothing audible, or too few notes, to transcribe.</summary>
    SilentRecording,
    /// <summary>A recording that is mostly noise.</summary>
    NoisyRecording,
    /// <summary>A recording of several notes at once, not one melody.</summary>
    PolyphonicRecording,
}

/// <summary>One discarded tune, with where and why.</summary>
/// <param name="Reason">The reason.</param>
/// <param name="Source">The file, with tune number or location where known.</param>
/// <param name="Detail">A human-readable detail (the parser's message, the counts).</param>
public sealed record Discard(DiscardReason Reason, string Source, string Detail);

/// <summary>What a corpus build read, kept and discarded.</summary>
public sealed record BuildSummary
{
    /// <summary>Files read.</summary>
    public int FilesRead { get; init; }
    /// <summary>Tunes found in those files.</summary>
    public int TunesFound { get; init; }
    /// <summary>Melodies kept.</summary>
    public int MelodiesKept { get; init; }
    /// <summary>Discard counts by reason.</summary>
    public ImmutableSortedDictionary<string, int> DiscardedByReason { get; init; } = ImmutableSortedDictionary<string, int>.Empty;
    /// <summary>Every discarded tune (reason, source, detail).</summary>
    public ImmutableArray<Discard> Discards { get; init; } = [];
    /// <summary>Kept melodies per split.</summary>
    public ImmutableSortedDictionary<string, int> BySplit { get; init; } = ImmutableSortedDictionary<string, int>.Empty;
    /// <summary>Families of near-duplicates with two or more kept members (each family shares one split).</summary>
    public int NearDuplicateFamilies { get; init; }
    /// <summary>Kept melodies in those families.</summary>
    public int MelodiesInFamilies { get; init; }
    /// <summary>Melodies whose key was estimated.</summary>
    public int KeysEstimated { get; init; }
    /// <summary>Mean quantization onset error over kept melodies, in quarter notes.</summary>
    public double MeanQuantizationError { get; init; }
    /// <summary>Wall time of the build in seconds.</summary>
    public double Seconds { get; init; }
}
