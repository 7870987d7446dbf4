using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Melos.Formats.Midi;

namespace Melos.Bench;

/// <summary>
/// Parses every .mid under the shared datasets with Melos and with mido (/usr/bin/python3, timing its own loop), single
/// thread, files preloaded in memory on both sides, and reports files/s and MB/s. Args: [DATASETS_DIR] [--passes N].
/// </summary>
public sealed class MidiBench : IBenchmark
{
    public string Name => "midi";

    public string Description => "MIDI reading: Melos vs mido on every .mid of the shared datasets (files/s, MB/s)";

    private const string MidoScript = """
import io, json, sys, time
import mido
paths = [l.rstrip('\n') for l in sys.stdin if l.strip()]
data = [open(p, 'rb').read() for p in paths]
t0 = time.perf_counter()
for b in data:
    mido.MidiFile(file=io.BytesIO(b))
t1 = time.perf_counter()
print(json.dumps({"files": len(data), "bytes": sum(len(b) for b in data), "seconds": t1 - t0, "mido": mido.__version__}))
""";

    public int Run(string[] args)
    {
        int passes = 5;
        string? root = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--passes" && i + 1 < args.Length) passes = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else root = args[i];
        }
        root ??= FindDatasets();
        if (root is null)
        {
            Console.Error.WriteLine("no datasets: pass the folder, set MELOS_DATASETS, or put shared/datasets beside the repository");
            return 2;
        }
        var paths = Directory.EnumerateFiles(root, "*.mid", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var data = paths.Select(File.ReadAllBytes).ToList();
        long bytes = data.Sum(d => (long)d.Length);
        double mb = bytes / 1e6;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{paths.Count} files, {mb:0.00} MB under {root}"));

        // Melos: one warm-up pass, then `passes` timed passes; the median is reported.
        foreach (var d in data) MidiReader.Read(d);
        var times = new List<double>();
        for (int p = 0; p < passes; p++)
        {
            var sw = Stopwatch.StartNew();
            foreach (var d in data) MidiReader.Read(d);
            times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        double melos = times[times.Count / 2];

        // Melos parse + note pairing, for reference.
        long notes = 0;
        var sw2 = Stopwatch.StartNew();
        foreach (var d in data)
            foreach (var t in MidiReader.Read(d).File.Tracks) notes += MidiNotes.Pair(t).Notes.Length;
        double melosPaired = sw2.Elapsed.TotalSeconds;

        // mido: one pass, timed by python itself.
        var psi = new ProcessStartInfo("/usr/bin/python3", ["-c", MidoScript])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var proc = Process.Start(psi)!;
        var writer = Task.Run(() =>
        {
            foreach (var path in paths) proc.StandardInput.WriteLine(path);
            proc.StandardInput.Close();
        });
        var stderr = proc.StandardError.ReadToEndAsync();
        var outText = proc.StandardOutput.ReadToEnd();
        writer.Wait();
        proc.WaitForExit();
        if (proc.ExitCode != 0)
        {
            Console.Error.WriteLine($"mido run failed: {stderr.Result}");
            return 1;
        }
        var mido = JsonDocument.Parse(outText).RootElement;
        double midoSeconds = mido.GetProperty("seconds").GetDouble();
        int midoFiles = mido.GetProperty("files").GetInt32();

        var ci = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine("| reader | files | seconds | files/s | MB/s |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(ci, $"| Melos MidiReader (median of {passes} passes) | {paths.Count} | {melos:0.000} | {paths.Count / melos:0} | {mb / melos:0.0} |"));
        Console.WriteLine(string.Create(ci, $"| Melos MidiReader + note pairing (1 pass) | {paths.Count} | {melosPaired:0.000} | {paths.Count / melosPaired:0} | {mb / melosPaired:0.0} |"));
        Console.WriteLine(string.Create(ci, $"| mido {mido.GetProperty("mido").GetString()} MidiFile (1 pass) | {midoFiles} | {midoSeconds:0.000} | {midoFiles / midoSeconds:0.0} | {mb / midoSeconds:0.00} |"));
        Console.WriteLine();
        Console.WriteLine(string.Create(ci, $"{notes} notes paired by Melos."));
        Console.WriteLine(string.Create(ci, $"Melos / mido throughput: {midoSeconds / melos:0.0}x (target: at least 20x)"));
        return midoSeconds / melos >= 20 ? 0 : 1;
    }

    private static string? FindDatasets()
    {
        var env = Environment.GetEnvironmentVariable("MELOS_DATASETS");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Melos.sln"))) dir = dir.Parent;
        if (dir is null) return null;
        var beside = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "datasets"));
        return Directory.Exists(beside) ? beside : null;
    }
}
