using System.Globalization;

namespace Melos.Generation;

/// <summary>
/// A field of a <see cref="GenerationRequest"/>, <see cref="InfillRequest"/> or <see cref="VariationRequest"/> (and of
/// the <see cref="SamplingSettings"/> and <see cref="PitchConstraints"/> they hold): what an
/// <see cref="InvalidRequestException"/> names, so that a front end can point at its own input (a command-line flag, a
/// JSON path) without reading the message.
/// </summary>
public enum RequestField
{
    /// <summary><see cref="GenerationRequest.Bars"/>.</summary>
    Bars,

    /// <summary>The number of results: <see cref="GenerationRequest.Count"/>, <see cref="InfillRequest.Count"/>, <see cref="VariationRequest.Count"/>.</summary>
    Count,

    /// <summary><see cref="SamplingSettings.Temperature"/>.</summary>
    Temperature,

    /// <summary><see cref="SamplingSettings.TopK"/>.</summary>
    TopK,

    /// <summary><see cref="SamplingSettings.TopP"/>.</summary>
    TopP,

    /// <summary><see cref="GenerationRequest.Primer"/>.</summary>
    Primer,

    /// <summary>The key of a request.</summary>
    Key,

    /// <summary><see cref="GenerationRequest.Meter"/>, or the meters of the melody of an infilling or variation request.</summary>
    Meter,

    /// <summary><see cref="PitchConstraints.Low"/>.</summary>
    Low,

    /// <summary><see cref="PitchConstraints.High"/>.</summary>
    High,

    /// <summary><see cref="PitchConstraints.MaxLeap"/>.</summary>
    MaxLeap,

    /// <summary><see cref="GenerationRequest.EndOnTonic"/>.</summary>
    EndOnTonic,

    /// <summary><see cref="PitchConstraints.Chromatic"/>.</summary>
    Chromatic,

    /// <summary><see cref="GenerationRequest.Chords"/>.</summary>
    Chords,

    /// <summary><see cref="GenerationRequest.MinNotesPerBar"/>.</summary>
    MinNotesPerBar,

    /// <summary><see cref="GenerationRequest.MaxNotesPerBar"/>.</summary>
    MaxNotesPerBar,

    /// <summary><see cref="GenerationRequest.BeamWidth"/>.</summary>
    BeamWidth,

    /// <summary><see cref="GenerationRequest.BestOf"/>.</summary>
    BestOf,

    /// <summary><see cref="GenerationRequest.Style"/>.</summary>
    Style,

    /// <summary><see cref="GenerationRequest.Form"/>.</summary>
    Form,

    /// <summary><see cref="GenerationRequest.TempoBpm"/>.</summary>
    TempoBpm,

    /// <summary>The seed of a request.</summary>
    Seed,

    /// <summary>The melody of an infilling or variation request.</summary>
    Melody,

    /// <summary><see cref="InfillRequest.FirstBar"/>.</summary>
    FirstBar,

    /// <summary><see cref="InfillRequest.LastBar"/>.</summary>
    LastBar,

    /// <summary><see cref="InfillRequest.Candidates"/>.</summary>
    Candidates,

    /// <summary><see cref="InfillRequest.Scoring"/>.</summary>
    Scoring,

    /// <summary><see cref="VariationRequest.Amount"/>.</summary>
    Amount,

    /// <summary><see cref="VariationRequest.Rhythm"/>.</summary>
    Rhythm,
}

/// <summary>
/// A request that cannot be served because of what the caller asked for: the field at fault and the reason, a phrase
/// such as <c>must be 1..256, not 0</c> that reads after the field's name in any front end (<c>--bars: …</c>,
/// <c>bars: …</c>). The message is the reason. Every other exception out of generation is a bug or an environment
/// failure, never the caller's mistake.
/// </summary>
public sealed class InvalidRequestException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="field">The field at fault.</param>
    /// <param name="reason">Why, as a phrase that follows the field's name (no trailing full stop needed).</param>
    public InvalidRequestException(RequestField field, string reason)
        : base(reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Field = field;
        Reason = reason;
    }

    /// <summary>The field at fault.</summary>
    public RequestField Field { get; }

    /// <summary>Why the field cannot be served.</summary>
    public string Reason { get; }

    /// <summary>A value for a reason, as the user would write it (invariant culture).</summary>
    internal static string Show(object? value) => value switch
    {
        null => "none",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
