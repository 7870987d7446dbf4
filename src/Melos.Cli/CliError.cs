namespace Melos.Cli;

/// <summary>A failure caused by the user's input, reported as one line on stderr with a non-zero exit code.</summary>
public sealed class CliError(string message, int exitCode = 1) : Exception(message)
{
    /// <summary>The process exit code.</summary>
    public int ExitCode { get; } = exitCode;
}
