using Melos.Music;

namespace Melos.Data.Corpus;

/// <summary>Which part of the corpus a melody belongs to.</summary>
public enum CorpusSplit
{
    /// <summary>Training data.</summary>
    Train,
    /// <summary>Validation data (model selection, early stopping).</summary>
    Valid,
    /// <summary>Held-out test data.</summary>
    Test,
}

/// <summary>One melody of a corpus with its provenance and labels.</summary>
/// <param name="Id">A stable identity: source file (relative to its input folder) and tune number.</param>
/// <param name="Collection">The collection (top input folder name, e.g. <c>nottingham</c>).</param>
/// <param name="Style">The style label (from <c>--style</c>, a sidecar file, or the folder name).</param>
/// <param name="Split">Train, valid or test.</param>
/// <param name="Melody">The quantized melody with key, meter, tempo and chords.</param>
/// <param name="QuantizationError">Mean absolute onset shift made by quantization, in quarter notes (0 when already on the grid).</param>
/// <param name="KeyEstimated">True when the key was estimated rather than given by the file.</param>
public sealed record CorpusEntry(string Id, string Collection, string Style, CorpusSplit Split, Melody Melody, double QuantizationError, bool KeyEstimated)
{
    /// <summary>The family of near-duplicates the melody belongs to, named by the id of its representative member (its own id
    /// when it has no near-duplicate); every member of a family is in the same split. Null in corpora written before families
    /// were recorded (format version 1).</summary>
    public string? Family { get; init; }
}
