namespace Melos.Generation;

/// <summary>
/// How tokens are drawn from the model's distribution, shared by every request (<see cref="GenerationRequest.Sampling"/>,
/// <see cref="InfillRequest.Sampling"/>, <see cref="VariationRequest.Sampling"/>). Every field is checked when it is set:
/// an <see cref="InvalidRequestException"/> names it.
/// </summary>
public sealed record SamplingSettings
{
    /// <summary>Plain sampling: temperature 1, no top-k, no top-p.</summary>
    public static SamplingSettings Default { get; } = new();

    /// <summary>Softmax temperature (finite, greater than 0): lower is safer, higher is more adventurous.</summary>
    public double Temperature
    {
        get;
        init => field = value > 0 && double.IsFinite(value) ? value
            : throw new InvalidRequestException(RequestField.Temperature, $"must be a finite number greater than 0, not {InvalidRequestException.Show(value)}");
    } = 1.0;

    /// <summary>Keep only the K most likely allowed tokens (at least 1), or null for all.</summary>
    public int? TopK
    {
        get;
        init => field = value is null or >= 1 ? value
            : throw new InvalidRequestException(RequestField.TopK, $"must be at least 1, not {InvalidRequestException.Show(value)}");
    }

    /// <summary>Nucleus sampling: keep the most likely allowed tokens whose probabilities add up to P (0 &lt; P ≤ 1), or null.</summary>
    public double? TopP
    {
        get;
        init => field = value is null || (value > 0 && value <= 1) ? value
            : throw new InvalidRequestException(RequestField.TopP, $"must be in (0, 1], not {InvalidRequestException.Show(value)}");
    }

    /// <summary>True for plain sampling from the model: temperature 1, no top-k, no top-p.</summary>
    public bool IsPlain => Temperature == 1 && TopK is null && TopP is null;
}
