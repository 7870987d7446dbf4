namespace Melos.Tests;

/// <summary>Finds the shared datasets (<c>../shared/datasets</c> beside the repository, or <c>MELOS_DATASETS</c>).</summary>
public static class Datasets
{
    private static readonly Lazy<string?> RootLazy = new(Find);

    /// <summary>The repository root (the folder holding Melos.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The datasets folder, or null when absent.</summary>
    public static string? Root => RootLazy.Value;

    /// <summary>The message tests show when they skip for lack of data.</summary>
    public const string MissingMessage = "needs ../shared/datasets beside the repository (or MELOS_DATASETS); skipped in a plain clone";

    /// <summary>A path inside the datasets folder; throws when the datasets are absent.</summary>
    public static string PathOf(params string[] parts) =>
        Path.Combine([Root ?? throw new InvalidOperationException(MissingMessage), .. parts]);

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Melos.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cannot find Melos.sln above " + AppContext.BaseDirectory);
    }

    private static string? Find()
    {
        var env = Environment.GetEnvironmentVariable("MELOS_DATASETS");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return Path.GetFullPath(env);
        var beside = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "datasets"));
        return Directory.Exists(beside) ? beside : null;
    }
}

/// <summary>A fact that needs the shared datasets: it runs where they exist and is skipped with a clear reason otherwise.</summary>
public sealed class DatasetFactAttribute : FactAttribute
{
    /// <summary>Creates the attribute.</summary>
    public DatasetFactAttribute()
    {
        if (Datasets.Root is null) Skip = Datasets.MissingMessage;
    }
}

/// <summary>A theory that needs the shared datasets.</summary>
public sealed class DatasetTheoryAttribute : TheoryAttribute
{
    /// <summary>Creates the attribute.</summary>
    public DatasetTheoryAttribute()
    {
        if (Datasets.Root is null) Skip = Datasets.MissingMessage;
    }
}

/// <summary>
/// A fact that needs both the shared datasets and an external program (e.g. abc2midi over the Nottingham files);
/// skipped with a reason when either is missing. A test that needs the program alone is a <see cref="ProgramFactAttribute"/>,
/// so that it runs wherever the program is installed.
/// </summary>
public sealed class DatasetToolFactAttribute : FactAttribute
{
    /// <summary>Creates the attribute; <paramref name="tools"/> are absolute paths or names looked up on PATH.</summary>
    public DatasetToolFactAttribute(params string[] tools)
    {
        var missing = tools.Where(t => !Tools.Exists(t)).ToList();
        if (Datasets.Root is null) Skip = Datasets.MissingMessage;
        else if (missing.Count > 0) Skip = $"needs {string.Join(", ", missing)} (installed by .ci/run); skipped here";
    }
}

/// <summary>
/// A fact that needs external programs only (not the shared datasets): skipped with a reason when one is missing.
/// </summary>
public sealed class ProgramFactAttribute : FactAttribute
{
    /// <summary>Creates the attribute; <paramref name="tools"/> are absolute paths or names looked up on PATH.</summary>
    public ProgramFactAttribute(params string[] tools)
    {
        var missing = tools.Where(t => !Tools.Exists(t)).ToList();
        if (missing.Count > 0) Skip = $"needs {string.Join(", ", missing)} (installed by .ci/run); skipped here";
    }
}

/// <summary>
/// A fact that needs the shared datasets and a Python module (e.g. mido): skipped with a reason when the datasets,
/// python3 or the module are missing.
/// </summary>
public sealed class DatasetPythonFactAttribute : FactAttribute
{
    /// <summary>Creates the attribute; <paramref name="python"/> is the interpreter the test runs (a path, or a name on PATH).</summary>
    public DatasetPythonFactAttribute(string module, string python = "python3")
    {
        if (Datasets.Root is null) Skip = Datasets.MissingMessage;
        else if (!Tools.HasPythonModule(module, python)) Skip = $"needs {python} with the {module} module (python3-{module}, installed by .ci/run); skipped here";
    }
}

/// <summary>Looks up external programs.</summary>
public static class Tools
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> Modules = new();

    /// <summary>True when the interpreter <paramref name="python"/> (a path, or a name on PATH) exists and imports <paramref name="module"/>.</summary>
    public static bool HasPythonModule(string module, string python = "python3") => Modules.GetOrAdd(python + "\u0000" + module, _ =>
    {
        if (Find(python) is not { } program) return false;
        try
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, ["-c", "import " + module])
                { RedirectStandardError = true, RedirectStandardOutput = true })!;
            p.WaitForExit(30_000);
            return p.HasExited && p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    /// <summary>True when the program exists (absolute path, or found on PATH).</summary>
    public static bool Exists(string tool) => Find(tool) is not null;

    /// <summary>Runs a program to completion (two minutes at most) and returns its standard output; throws with its standard error when it fails.</summary>
    public static string Run(string program, params string[] args)
    {
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000)) { p.Kill(); throw new TimeoutException($"{program} ran over two minutes"); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Result.Trim()}");
        return stdout;
    }

    /// <summary>The program's full path (absolute path, or the first match on PATH), or null.</summary>
    public static string? Find(string tool)
    {
        if (Path.IsPathRooted(tool)) return File.Exists(tool) ? tool : null;
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator).Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
    }
}

/// <summary>A fact that mounts a small tmpfs (to fill a disk or make a folder read-only for real, which permission bits cannot do
/// for root); runs as root on Linux with <c>mount</c> (as CI does) and is skipped with a reason otherwise.</summary>
public sealed class MountFactAttribute : FactAttribute
{
    /// <summary>Creates the attribute.</summary>
    public MountFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || !Tools.Exists("mount") || !Tools.Exists("umount")) Skip = "needs Linux with mount and umount; skipped here";
        else if (!IsRoot()) Skip = "needs root to mount a tmpfs (CI runs as root); skipped here";
        else if (Probe() is { } error) Skip = $"mounting a tmpfs is not permitted here ({error}); skipped";
    }

    private static readonly Lazy<string?> ProbeResult = new(() =>
    {
        var dir = Directory.CreateTempSubdirectory("melos-mount-probe-").FullName;
        try
        {
            var error = Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir);
            if (error is null) Run("umount", dir);
            return error;
        }
        finally
        {
            Directory.Delete(dir);
        }
    });

    private static string? Probe() => ProbeResult.Value;

    private static string? Run(string program, params string[] args)
    {
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        string err = p.StandardError.ReadToEnd().Trim();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? null : err;
    }

    private static bool IsRoot()
    {
        // The effective uid, from /proc (no P/Invoke needed).
        var uid = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        return uid is not null && uid.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(2) == "0";
    }
}
