using Melos.Cli;

namespace Melos.Tests;

/// <summary>Runs the <c>melos</c> command in process (for test projects that reference Melos.Cli).</summary>
public static class CliRun
{
    /// <summary>Runs <c>melos ARGS</c>; the exit code and what it wrote to standard output and error.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = MelosApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }
}
