using Melos.Cli;
using static Melos.Tests.CliRun;

namespace Melos.Cli.Tests;

/// <summary>The limits as the commands show them: corpus build's options and OverLimit count, and fuzz findings end to end.</summary>
public sealed class LimitsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-cli-limits-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private const string Reel = "X:1\nT:Reel\nL:1/8\nM:4/4\nK:G\n|:GABc dedB|dedB dedB|c2ec B2dB|c2A2 A2BA:|\n";

    [Fact]
    public void CorpusBuildSkipsAFileOverMaxFileBytesAndCountsItAsOverLimit()
    {
        var folk = Directory.CreateDirectory(Path.Combine(_dir, "folk")).FullName;
        File.WriteAllText(Path.Combine(folk, "a.abc"), Reel);
        File.WriteAllText(Path.Combine(folk, "b.abc"), Reel.Replace("GABc", "GAGc", StringComparison.Ordinal) + "% " + new string('x', 300) + "\n");
        var (code, output, err) = Run("corpus", "build", folk, "--out", Path.Combine(_dir, "c.corpus"), "--max-file-bytes", "200");
        Assert.True(code == 0, err);
        Assert.Contains("1 melodies from 2 tunes in 2 files", output, StringComparison.Ordinal);
        Assert.Contains("  OverLimit: 1", output, StringComparison.Ordinal);
        Assert.Contains("folk/b.abc: file of", output, StringComparison.Ordinal);
        Assert.Contains("exceeds the limit of 200 bytes (--max-file-bytes)", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--max-file-bytes", "0", "--max-file-bytes must be positive")]
    [InlineData("--max-seconds-per-file", "0", "--max-seconds-per-file must be positive")]
    [InlineData("--licence", "GPL", "--licence takes COLLECTION=TEXT (for example nottingham=\"GNU GPLv3\"), not 'GPL'")]
    [InlineData("--licence", "folk=", "--licence takes COLLECTION=TEXT (for example nottingham=\"GNU GPLv3\"), not 'folk='")]
    public void CorpusBuildRefusesLimitsThatAreNotPositive(string option, string value, string message)
    {
        var folk = Directory.CreateDirectory(Path.Combine(_dir, "folk")).FullName;
        File.WriteAllText(Path.Combine(folk, "a.abc"), Reel);
        var (code, _, err) = Run("corpus", "build", folk, "--out", Path.Combine(_dir, "c.corpus"), option, value);
        Assert.Equal(1, code);
        Assert.Equal($"error: {message}", err.Trim());
    }

    [Fact]
    public void CorpusBuildRecordsTheLicenceGivenForACollection()
    {
        var folk = Directory.CreateDirectory(Path.Combine(_dir, "folk")).FullName;
        File.WriteAllText(Path.Combine(folk, "a.abc"), Reel);
        var corpus = Path.Combine(_dir, "c.corpus");
        var (code, _, err) = Run("corpus", "build", folk, "--out", corpus, "--licence", "folk=public domain (test)");
        Assert.True(code == 0, err);
        Assert.Equal("public domain (test)", Melos.Data.Corpus.CorpusFile.Read(corpus).Header.Licences["folk"]);
    }

    [Fact]
    public void NotesOnTheFuzzFoundMultiBarRestOverflowListsTheNotesInsteadOfAnInternalError()
    {
        var path = Path.Combine(_dir, "rest.abc");
        File.WriteAllText(path, "X:1\nM:4/4\nL:1/4\nK:C\nC Z3333333333333333333333333333 D|\n");
        var (code, output, err) = Run("notes", path);
        Assert.True(code == 0, err);
        Assert.Contains("track 0 (unnamed): 2 notes", output, StringComparison.Ordinal);
    }

    [Fact]
    public void NotesOnATuneWhoseTimesOverflowIsAOneLineErrorNotAnInternalError()
    {
        var path = Path.Combine(_dir, "fine.abc");
        File.WriteAllText(path, "X:1\nL:1/4\nK:C\nC/9973 D/9967 E/9949 F/9941 G/9931 A/9929|\n");
        var (code, _, err) = Run("notes", path);
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", err, StringComparison.Ordinal);
        Assert.Contains("does not fit 64-bit rational time", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }
}
