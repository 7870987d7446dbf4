using System.Reflection;

namespace Melos.Bench;

/// <summary>A benchmark: `dotnet run -c Release --project bench/Melos.Bench -- NAME [args]`.</summary>
public interface IBenchmark
{
    /// <summary>The name used on the command line.</summary>
    string Name { get; }

    /// <summary>One line on what it measures.</summary>
    string Description { get; }

    /// <summary>Runs it, printing figures (Markdown-friendly) to stdout; returns the exit code.</summary>
    int Run(string[] args);
}

public static class Program
{
    public static int Main(string[] args)
    {
        var all = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
            .OrderBy(b => b.Name)
            .ToList();
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine("usage: dotnet run -c Release --project bench/Melos.Bench -- NAME [args]");
            foreach (var b in all) Console.WriteLine($"  {b.Name,-16} {b.Description}");
            return args.Length == 0 ? 2 : 0;
        }
        var bench = all.FirstOrDefault(b => b.Name == args[0]);
        if (bench is null)
        {
            Console.Error.WriteLine($"unknown benchmark '{args[0]}'; known: {string.Join(", ", all.Select(b => b.Name))}");
            return 2;
        }
        Console.WriteLine($"# {bench.Name} on {Environment.ProcessorCount} cores, {MachineInfo()}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        return bench.Run(args[1..]);
    }

    /// <summary>The CPU model (from /proc/cpuinfo where available) and OS.</summary>
    public static string MachineInfo()
    {
        string cpu = "unknown CPU";
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) cpu = line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        return $"{cpu}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }
}
