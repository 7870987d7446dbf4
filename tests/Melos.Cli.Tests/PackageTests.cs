using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Melos.Formats.Midi;
using Melos.Music;
using Melos.Tests;

namespace Melos.Cli.Tests;

/// <summary>
/// Packs the solution once (the build the tests run from, <c>--no-build</c>) into a temporary folder with a version of
/// its own, so that NuGet's package cache never serves an older pack of the same version.
/// </summary>
public sealed class PackedArtifacts : IDisposable
{
#if DEBUG
    /// <summary>The configuration the tests were built in, and so the one packed.</summary>
    public const string Configuration = "Debug";
#else
    /// <summary>The configuration the tests were built in, and so the one packed.</summary>
    public const string Configuration = "Release";
#endif

    /// <summary>The packages' version (unique to this test run).</summary>
    public string Version { get; } = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "." + Environment.ProcessId;

    /// <summary>A scratch folder for this run, deleted at the end.</summary>
    public string Root { get; } = Directory.CreateTempSubdirectory("melos-pack-").FullName;

    /// <summary>The folder holding the packages.</summary>
    public string Artifacts => Path.Combine(Root, "artifacts");

    /// <summary>Packs the solution.</summary>
    public PackedArtifacts()
    {
        var (code, output) = PackageTests.Exec("dotnet", Datasets.RepoRoot, null,
            "pack", Path.Combine(Datasets.RepoRoot, "Melos.sln"), "-c", Configuration, "--no-build", "-o", Artifacts, $"-p:Version={Version}");
        if (code != 0) throw new InvalidOperationException("dotnet pack failed:\n" + output);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>
/// Melos outside its repository: <c>dotnet pack</c> gives the melos tool and the library packages; the tool installs and
/// runs from any folder with its own default model and studio page, and the libraries' README examples build and run
/// in a throwaway console project that restores them from the packed folder.
/// </summary>
public sealed class PackageTests(PackedArtifacts packed) : IClassFixture<PackedArtifacts>
{
    private static readonly string[] Libraries = ["Melos.Music", "Melos.Formats", "Melos.Data", "Melos.Models", "Melos.Generation", "Melos.Evaluation"];

    [Fact]
    public void Pack_writes_the_tool_and_every_library_with_readme_licence_docs_and_symbols()
    {
        string rid = RuntimeIdentifier();
        foreach (var id in Libraries)
        {
            var package = Path.Combine(packed.Artifacts, $"{id}.{packed.Version}.nupkg");
            Assert.True(File.Exists(package), $"{id} was not packed");
            Assert.True(File.Exists(Path.ChangeExtension(package, ".snupkg")), $"{id} has no symbols package");
            using var zip = ZipFile.OpenRead(package);
            var names = zip.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains($"lib/net10.0/{id}.dll", names);
            Assert.Contains($"lib/net10.0/{id}.xml", names);
            Assert.Contains("README.md", names);
            var nuspec = Read(zip, $"{id}.nuspec");
            Assert.Contains("<license type=\"expression\">MIT</license>", nuspec);
            Assert.Contains("<readme>README.md</readme>", nuspec);
            Assert.Contains("```csharp", Read(zip, "README.md"));
        }
        using (var models = ZipFile.OpenRead(Path.Combine(packed.Artifacts, $"Melos.Models.{packed.Version}.nupkg")))
            Assert.Contains("buildTransitive/Melos.Models.targets", models.Entries.Select(e => e.FullName));

        var pointer = Path.Combine(packed.Artifacts, $"Melos.Cli.{packed.Version}.nupkg");
        using (var zip = ZipFile.OpenRead(pointer))
            Assert.Contains("DotnetTool", Read(zip, "Melos.Cli.nuspec"));
        var tool = Path.Combine(packed.Artifacts, $"Melos.Cli.{rid}.{packed.Version}.nupkg");
        using (var zip = ZipFile.OpenRead(tool))
        {
            var names = zip.Entries.Select(e => e.FullName).ToHashSet();
            string dir = $"tools/net10.0/{rid}/";
            foreach (var file in new[] { "melos.dll", "DotnetToolSettings.xml", "models/default/config.json", "models/default/weights.bin", "models/default/model-card.md", "wwwroot/index.html" })
                Assert.Contains(dir + file, names);
            Assert.DoesNotContain(dir + "libtorch_python.so", names);
        }
        // The bound: the tool package for one platform under 150 MB (the published folder is about 500 MB).
        Assert.InRange(new FileInfo(tool).Length, 1_000_000, 150_000_000);
    }

    [Fact]
    public async Task The_installed_tool_generates_and_serves_from_any_folder_with_its_own_model_and_page()
    {
        var toolPath = Path.Combine(packed.Root, "tools");
        var (code, output) = Exec("dotnet", packed.Root, null,
            "tool", "install", "--tool-path", toolPath, "--add-source", packed.Artifacts, "--version", packed.Version, "Melos.Cli");
        Assert.True(code == 0, output);
        var melos = Path.Combine(toolPath, "melos");
        Assert.True(File.Exists(melos), output);

        // A folder with no repository above it, and no model named: the tool's own default model.
        var anywhere = Directory.CreateDirectory(Path.Combine(packed.Root, "anywhere")).FullName;
        var environment = new Dictionary<string, string?> { ["MELOS_MODEL"] = null };
        (code, output) = Exec(melos, anywhere, environment, "generate", "--bars", "8", "--seed", "5", "--formats", "mid,abc", "--out", "x");
        Assert.True(code == 0, output);
        Assert.Contains("wrote 2 files", output);
        var melody = MidiMelody.Read(Path.Combine(anywhere, "x", "melody-01.mid"));
        Assert.Equal(8, melody.BarCount);

        var psi = new ProcessStartInfo(melos, ["serve", "--urls", "http://127.0.0.1:0"])
        {
            WorkingDirectory = anywhere,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment.Remove("MELOS_MODEL");
        using var p = Process.Start(psi)!;
        var errors = new StringBuilder();
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.AppendLine(e.Data); };
        p.BeginErrorReadLine();
        try
        {
            string? line;
            while ((line = await p.StandardOutput.ReadLineAsync()) is not null && !line.StartsWith("studio at ", StringComparison.Ordinal)) { }
            if (line is null) Assert.Fail("melos serve ended before it listened: " + errors);
            Assert.Contains(Path.Combine(toolPath, ".store"), line);   // the model inside the installed package
            var url = line!["studio at ".Length..].Split(' ')[0];
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            var page = await http.GetStringAsync("/");
            Assert.Contains("<html", page, StringComparison.OrdinalIgnoreCase);
            var body = JsonNode.Parse("""
                {"melody":{"key":"G","meter":"4/4","tempo":120,"bars":2,"chords":[],
                 "notes":[{"pitch":67,"start":0,"duration":1},{"pitch":69,"start":1,"duration":1},{"pitch":71,"start":2,"duration":2},
                          {"pitch":74,"start":4,"duration":2},{"pitch":71,"start":6,"duration":2}]},
                 "bars":2,"seed":3}
                """);
            using var response = await http.PostAsJsonAsync("/api/continue", body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, text);
            Assert.NotEmpty(JsonNode.Parse(text)!["melody"]!["notes"]!.AsArray());
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void Every_library_readme_example_builds_and_runs_against_the_packed_libraries()
    {
        var project = Directory.CreateDirectory(Path.Combine(packed.Root, "console")).FullName;
        var usings = new SortedSet<string>(StringComparer.Ordinal);
        var program = new StringBuilder();
        var calls = new StringBuilder();
        foreach (var id in Libraries)
        {
            var readme = File.ReadAllText(Path.Combine(Datasets.RepoRoot, "src", id, "README.md"));
            var match = Regex.Match(readme, "```csharp\n(.*?)```", RegexOptions.Singleline);
            Assert.True(match.Success, $"src/{id}/README.md has no C# example");
            var lines = match.Groups[1].Value.Split('\n');
            foreach (var u in lines.Where(l => l.StartsWith("using ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(';'))) usings.Add(u.Trim());
            string name = id.Replace(".", "", StringComparison.Ordinal);
            program.Append("static class ").Append(name).AppendLine(" { public static void Run(string[] args) {");
            foreach (var l in lines.Where(l => !(l.StartsWith("using ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(';')))) program.AppendLine(l);
            program.AppendLine("} }");
            calls.Append("Console.WriteLine(\"== ").Append(id).Append("\"); ").Append(name).AppendLine(".Run(args);");
        }
        File.WriteAllText(Path.Combine(project, "Program.cs"), string.Join('\n', usings) + "\n\n" + calls + "\n" + program);
        var references = string.Concat(Libraries.Select(id => $"    <PackageReference Include=\"{id}\" Version=\"{packed.Version}\" />\n"));
        File.WriteAllText(Path.Combine(project, "Readme.Examples.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
            {references}  </ItemGroup>
            </Project>
            """);
        // The packed folder as a source beside the machine's own (for TorchSharp and the other dependencies).
        File.WriteAllText(Path.Combine(project, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="melos-artifacts" value="{packed.Artifacts}" />
              </packageSources>
            </configuration>
            """);
        // The README examples take a MIDI file and a model folder.
        var tune = Melody.Create(NoteSequence.Parse("G4 A4 B4 G4 D5:2 B4 G4 A4:2 F#4 D4 G4:4"), Key.Parse("G major"));
        var midi = Path.Combine(project, "tune.mid");
        File.WriteAllBytes(midi, MidiMelody.Write(tune));
        var model = Path.Combine(Datasets.RepoRoot, "models", "default");

        var (code, output) = Exec("dotnet", project, null, "run", "-c", "Release", "--", midi, model);
        Assert.True(code == 0, output);
        foreach (var id in Libraries) Assert.Contains("== " + id, output);
        Assert.Contains("4 bars", output);
        var continued = MidiMelody.Read(Path.Combine(project, "continued.mid"));
        Assert.Equal(4, continued.BarCount);
        Assert.Equal(tune.Notes.Where(n => n.End <= tune.Meter.BarLength).Select(n => n.Pitch), continued.Notes.Take(4).Select(n => n.Pitch));
        Assert.True(File.Exists(Path.Combine(project, "tune.abc")) && File.Exists(Path.Combine(project, "tune.musicxml")), output);
    }

    private static string RuntimeIdentifier() =>
        (OperatingSystem.IsLinux() ? "linux-" : OperatingSystem.IsMacOS() ? "osx-" : "win-")
        + System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();

    private static string Read(ZipArchive zip, string name)
    {
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }

    /// <summary>Runs a program to its end (10 minutes at most) and returns its exit code and its output and errors together.</summary>
    internal static (int Code, string Output) Exec(string program, string directory, IDictionary<string, string?>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo(program, args)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The child builds and restores on its own, not under this test host's MSBuild settings.
        foreach (var variable in new[] { "MSBuildSDKsPath", "MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "DOTNET_HOST_PATH" }) psi.Environment.Remove(variable);
        if (environment is not null)
            foreach (var (k, v) in environment)
                if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var output = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            p.Kill(entireProcessTree: true);
            return (-1, $"{program} {string.Join(' ', args)} did not end in 10 minutes\n{output}");
        }
        p.WaitForExit();
        return (p.ExitCode, output.ToString());
    }
}
