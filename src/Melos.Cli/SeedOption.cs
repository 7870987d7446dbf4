namespace Melos.Cli;

/// <summary>
/// <c>--seed</c>, as every command that takes it checks it: 0 or more. A negative seed is refused with the message a
/// generation request gives (<c>--seed: must be 0 or more, not -1</c>), so that every command says the same.
/// </summary>
public static class SeedOption
{
    /// <summary>What every <c>--seed</c> description ends with.</summary>
    public const string Range = "A whole number from 0.";

    /// <summary>The seed given, when it is 0 or more.</summary>
    /// <exception cref="CliError">A negative seed.</exception>
    public static int Check(int seed) => seed >= 0 ? seed : throw new CliError($"--seed: must be 0 or more, not {seed}");

    /// <summary>The seed given, when it is absent or 0 or more.</summary>
    /// <exception cref="CliError">A negative seed.</exception>
    public static int? Check(int? seed) => seed is { } s ? Check(s) : null;
}
