using Melos.Music;

namespace Melos.Generation;

/// <summary>
/// Which pitches new notes may take, shared by every request (<see cref="GenerationRequest.Pitches"/>,
/// <see cref="InfillRequest.Pitches"/>, <see cref="VariationRequest.Pitches"/>): a range, a largest leap and whether the
/// key's scale binds. The key itself stays on each request (a generation request always has one; infilling and
/// variation may take the melody's). Every field is checked when it is set and <see cref="Validate"/> checks them
/// against each other; an <see cref="InvalidRequestException"/> names the field.
/// </summary>
public sealed record PitchConstraints
{
    /// <summary>No constraint beyond the key's scale: the model's (or the melody's) whole range, any leap.</summary>
    public static PitchConstraints None { get; } = new();

    /// <summary>The largest <see cref="MaxLeap"/>, in semitones.</summary>
    public const int MaxLeapLimit = 127;

    /// <summary>The lowest pitch allowed, or null for the request's default (the model's lowest, or the melody's lowest note).</summary>
    public Pitch? Low { get; init; }

    /// <summary>The highest pitch allowed, or null for the request's default (the model's highest, or the melody's highest note).</summary>
    public Pitch? High { get; init; }

    /// <summary>The largest interval in semitones between consecutive notes (0..127), or null for no limit.</summary>
    public int? MaxLeap
    {
        get;
        init => field = value is null or (>= 0 and <= MaxLeapLimit) ? value
            : throw new InvalidRequestException(RequestField.MaxLeap, $"must be 0..{MaxLeapLimit} semitones, not {InvalidRequestException.Show(value)}");
    }

    /// <summary>Allow pitches outside the key's scale.</summary>
    public bool Chromatic { get; init; }

    /// <summary>Checks the range.</summary>
    /// <exception cref="InvalidRequestException">The range is inverted (field <see cref="RequestField.Low"/>).</exception>
    public void Validate()
    {
        if (Low is { } lo && High is { } hi && lo.Number > hi.Number)
            throw new InvalidRequestException(RequestField.Low, $"the range {lo}-{hi} is inverted: the low pitch is above the high one");
    }
}
