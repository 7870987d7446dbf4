namespace Melos.Generation;

/// <summary>The checks shared by the request records' sampling and constraint fields; each names the field it rejects.</summary>
internal static class SamplingChecks
{
    public static double Temperature(double value) =>
        value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(Temperature), value, "Temperature must be a finite number above 0.");

    public static int? TopK(int? value) =>
        value is null or >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(TopK), value, "TopK must be at least 1.");

    public static double? TopP(double? value) =>
        value is null || (value > 0 && value <= 1) ? value : throw new ArgumentOutOfRangeException(nameof(TopP), value, "TopP must be in (0, 1].");

    public static int? MaxLeap(int? value) =>
        value is null or (>= 0 and <= 127) ? value : throw new ArgumentOutOfRangeException(nameof(MaxLeap), value, "MaxLeap must be 0..127 semitones.");
}
