namespace Melos.Cli;

/// <summary>Process entry point.</summary>
public static class Program
{
    /// <summary>Runs <c>melos</c>.</summary>
    public static int Main(string[] args) => MelosApp.Run(args);
}
