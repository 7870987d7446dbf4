using System.Text.Json;
using System.Xml.Linq;
using Melos.Tests;

namespace Melos.Reports.Tests;

/// <summary>
/// Only Melos.Reports (and the programs above it: the melos command, the benchmarks) draws, so only they carry ScottPlot,
/// SkiaSharp and HarfBuzz with their native libraries. The libraries below it and the studio must not, directly or
/// through a package's dependencies (TorchSharp lists SkiaSharp; build/NoSkiaSharp.props prunes it).
/// </summary>
public sealed class DependencyTests
{
    private static readonly string[] Drawing = ["ScottPlot", "SkiaSharp", "HarfBuzzSharp"];

    /// <summary>The projects that must not draw.</summary>
    public static TheoryData<string> NotDrawing => new() { "Melos.Music", "Melos.Formats", "Melos.Data", "Melos.Models", "Melos.Generation", "Melos.Evaluation", "Melos.Studio" };

    private static string ProjectDir(string project) => Path.Combine(Datasets.RepoRoot, "src", project);

    private static bool IsDrawing(string package) =>
        Drawing.Any(d => package.Equals(d, StringComparison.OrdinalIgnoreCase) || package.StartsWith(d + ".", StringComparison.OrdinalIgnoreCase));

    /// <summary>The packages a restore resolved for the project: the names in <c>obj/project.assets.json</c>'s libraries.</summary>
    internal static IReadOnlyList<string> ResolvedPackages(string assetsPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(assetsPath));
        return [.. doc.RootElement.GetProperty("libraries").EnumerateObject()
            .Where(l => l.Value.GetProperty("type").GetString() == "package")
            .Select(l => l.Name.Split('/')[0])];
    }

    [Theory]
    [MemberData(nameof(NotDrawing))]
    public void ProjectFileNamesNoDrawingPackageNorReports(string project)
    {
        var csproj = XDocument.Load(Path.Combine(ProjectDir(project), project + ".csproj"));
        var packages = csproj.Descendants("PackageReference").Select(e => (string?)e.Attribute("Include") ?? "").ToList();
        Assert.DoesNotContain(packages, IsDrawing);
        var projects = csproj.Descendants("ProjectReference").Select(e => Path.GetFileNameWithoutExtension((string?)e.Attribute("Include") ?? "")).ToList();
        Assert.DoesNotContain("Melos.Reports", projects);
        Assert.DoesNotContain("Melos.Cli", projects);
    }

    // The libraries Melos.Reports is built on: restoring this test project restores them.
    [Theory]
    [InlineData("Melos.Data")]
    [InlineData("Melos.Models")]
    [InlineData("Melos.Generation")]
    [InlineData("Melos.Evaluation")]
    public void RestoredLibraryResolvesNoDrawingPackage(string project)
    {
        var assets = Path.Combine(ProjectDir(project), "obj", "project.assets.json");
        Assert.True(File.Exists(assets), $"{assets} is missing: restore first");
        Assert.DoesNotContain(ResolvedPackages(assets), IsDrawing);
    }

    [StudioRestoredFact]
    public void RestoredStudioResolvesNoDrawingPackage() =>
        Assert.DoesNotContain(ResolvedPackages(StudioRestoredFactAttribute.Assets), IsDrawing);

    [Fact]
    public void ReportsItselfResolvesScottPlotAndSkiaSharp()
    {
        // The check above reads the file right: the one project that draws shows its drawing packages.
        var packages = ResolvedPackages(Path.Combine(ProjectDir("Melos.Reports"), "obj", "project.assets.json"));
        Assert.Contains("ScottPlot", packages);
        Assert.Contains("SkiaSharp", packages);
        Assert.Contains("HarfBuzzSharp", packages);
    }
}

/// <summary>
/// A fact about the studio's restored dependencies: this test project does not reference the studio, so its
/// <c>obj/project.assets.json</c> exists after a restore of the solution (as the test command does) and not necessarily
/// after one of this project alone; skipped with that reason then.
/// </summary>
public sealed class StudioRestoredFactAttribute : FactAttribute
{
    /// <summary>The studio's assets file.</summary>
    public static string Assets => Path.Combine(Datasets.RepoRoot, "src", "Melos.Studio", "obj", "project.assets.json");

    /// <summary>Creates the attribute.</summary>
    public StudioRestoredFactAttribute()
    {
        if (!File.Exists(Assets)) Skip = "src/Melos.Studio is not restored (dotnet restore Melos.sln restores it); skipped";
    }
}
