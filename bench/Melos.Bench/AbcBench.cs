using System.Diagnostics;
using System.Globalization;
using Melos.Formats.Abc;

namespace Melos.Bench;

/// <summary>Reads every tune of the three ABC collections; compares tunes/s with abc2midi converting the same files.</summary>
public sealed class AbcBench : IBenchmark
{
    public string Name => "abc";

    public string Description => "ABC reading: Nottingham + O'Neill's + Ryan's (~4,100 tunes), Melos tunes/s against abc2midi end to end";

    public int Run(string[] args)
    {
        var root = FindDatasets();
        if (root is null)
        {
            Console.Error.WriteLine("needs ../shared/datasets beside the repository (or MELOS_DATASETS)");
            return 2;
        }
        var files = new[] { Path.Combine(root, "nottingham", "ABC_cleaned"), Path.Combine(root, "folk-abc", "oneills1850"), Path.Combine(root, "folk-abc", "ryans-mammoth") }
            .SelectMany(d => Directory.GetFiles(d, "*.abc")).Order(StringComparer.Ordinal).ToList();
        var texts = files.Select(f => (Path: f, Text: File.ReadAllText(f))).ToList();
        var ci = CultureInfo.InvariantCulture;

        // Warm up once, then time several passes of parsing (text already in memory; one thread).
        int tunes = 0, skipped = 0, notes = 0;
        foreach (var (path, text) in texts)
        {
            var r = AbcReader.Parse(text, path);
            tunes += r.Tunes.Length;
            skipped += r.Skipped.Length;
            notes += r.Tunes.Sum(t => t.Melody.Notes.Length);
        }
        const int passes = 5;
        var times = new List<double>();
        for (int p = 0; p < passes; p++)
        {
            var sw = Stopwatch.StartNew();
            foreach (var (path, text) in texts) AbcReader.Parse(text, path);
            times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        double median = times[passes / 2];
        Console.WriteLine(string.Create(ci, $"files: {files.Count}, tunes read: {tunes}, skipped: {skipped}, notes performed: {notes}"));
        Console.WriteLine(string.Create(ci, $"| reader | time for all tunes | tunes/s |"));
        Console.WriteLine("|---|---|---|");
        Console.WriteLine(string.Create(ci, $"| Melos AbcReader.Parse (1 thread, text in memory, median of {passes}) | {median * 1000:0} ms | {tunes / median:0} |"));

        // abc2midi end to end: one process per file converting every tune of it to MIDI files, one at a time.
        if (!ToolExists("abc2midi"))
        {
            Console.WriteLine("| abc2midi | not installed | - |");
            return 0;
        }
        var dir = Directory.CreateTempSubdirectory("melos-bench-abc-");
        try
        {
            // abc2midi writes its MIDI files beside the input: give it copies in a temp folder (copied before timing).
            var copies = new List<(string Dir, string Name)>();
            int i = 0;
            foreach (var f in files)
            {
                var sub = Directory.CreateDirectory(Path.Combine(dir.FullName, (i++).ToString(ci)));
                File.Copy(f, Path.Combine(sub.FullName, Path.GetFileName(f)));
                copies.Add((sub.FullName, Path.GetFileName(f)));
            }
            var sw = Stopwatch.StartNew();
            foreach (var (sub, name) in copies)
            {
                var psi = new ProcessStartInfo("abc2midi") { WorkingDirectory = sub, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                psi.ArgumentList.Add(name);
                psi.ArgumentList.Add("-silent");
                using var proc = Process.Start(psi)!;
                var o = proc.StandardOutput.ReadToEndAsync();
                var e = proc.StandardError.ReadToEndAsync();
                proc.WaitForExit();
                o.Wait();
                e.Wait();
            }
            var t = sw.Elapsed.TotalSeconds;
            int written = Directory.GetFiles(dir.FullName, "*.mid", SearchOption.AllDirectories).Length;
            Console.WriteLine(string.Create(ci, $"| abc2midi 4.84 (one process per file, sequential, writes {written} MIDI files) | {t * 1000:0} ms | {tunes / t:0} |"));
            Console.WriteLine(string.Create(ci, $"Melos reads {t / median:0.0}x faster than abc2midi converts (abc2midi also writes MIDI; Melos builds melodies in memory)."));
        }
        finally
        {
            try { dir.Delete(true); } catch (IOException) { }
        }
        return 0;
    }

    private static bool ToolExists(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, tool)));

    internal static string? FindDatasets()
    {
        var env = Environment.GetEnvironmentVariable("MELOS_DATASETS");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Melos.sln"))) dir = dir.Parent;
        if (dir is null) dir = new DirectoryInfo(Directory.GetCurrentDirectory());
        var candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "datasets"));
        return Directory.Exists(candidate) ? candidate : null;
    }
}
