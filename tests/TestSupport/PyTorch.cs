using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Melos.Tests;

/// <summary>
/// A fact that needs Debian's PyTorch (<c>/usr/bin/python3</c> importing torch and numpy, <c>python3-torch</c> and
/// <c>python3-numpy</c>, installed by .ci/run), and optionally other programs such as <c>/usr/bin/torchrun</c>: skipped
/// with a reason when one is missing. The shared datasets are optional for these tests (they fall back to files in the repository).
/// </summary>
public sealed class PyTorchFactAttribute : FactAttribute
{
    /// <summary>Creates the attribute; <paramref name="tools"/> are further programs the test runs.</summary>
    public PyTorchFactAttribute(params string[] tools)
    {
        var missing = tools.Where(t => !Tools.Exists(t)).ToList();
        if (!Tools.HasPythonModule("torch", PyTorch.Python) || !Tools.HasPythonModule("numpy", PyTorch.Python))
            Skip = $"needs {PyTorch.Python} with the torch and numpy modules (python3-torch, python3-numpy, installed by .ci/run); skipped here";
        else if (missing.Count > 0) Skip = $"needs {string.Join(", ", missing)} (installed by .ci/run with python3-torch); skipped here";
    }
}

/// <summary>Runs the repository's PyTorch package (<c>interop/pytorch</c>) and reads what it writes.</summary>
public static class PyTorch
{
    /// <summary>The interpreter the PyTorch tests run (Debian's, which python3-torch installs into).</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>The launcher of distributed runs.</summary>
    public const string Torchrun = "/usr/bin/torchrun";

    /// <summary>The package's folder (put on PYTHONPATH).</summary>
    public static string PackageRoot => Path.Combine(Datasets.RepoRoot, "interop", "pytorch");

    /// <summary>Runs <paramref name="program"/> with the package on PYTHONPATH and few threads; throws with its output when it fails.</summary>
    public static string Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program, args) { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = PackageRoot };
        info.Environment["PYTHONPATH"] = PackageRoot;
        info.Environment["OMP_NUM_THREADS"] = "1";
        using var p = Process.Start(info)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {p.ExitCode}:\n{output}\n{err.Result}");
        return output + err.Result;
    }

    /// <summary>Runs <c>python3 -m melos_torch.MODULE ARGS</c>.</summary>
    public static string Module(string module, params string[] args) => Run(Python, ["-m", "melos_torch." + module, .. args]);

    /// <summary>Reads a float32 .npy file: its shape and values.</summary>
    public static (long[] Shape, float[] Values) ReadNpyFloats(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int headerLength = bytes[6] == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        int start = bytes[6] == 1 ? 10 : 12;
        var header = Encoding.ASCII.GetString(bytes, start, headerLength);
        if (!header.Contains("'<f4'", StringComparison.Ordinal)) throw new InvalidDataException($"{path}: not float32 ({header.Trim()})");
        var shape = Regex.Match(header, @"'shape': \(([^)]*)\)").Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        int offset = start + headerLength;
        var values = new float[(bytes.Length - offset) / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(offset + 4 * i));
        return (shape, values);
    }
}
