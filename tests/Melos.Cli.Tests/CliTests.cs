using System.Diagnostics;
using Melos.Cli;
using static Melos.Tests.CliRun;

namespace Melos.Cli.Tests;

public sealed class CliTests
{

    [Fact]
    public void HelpListsCommands()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("notes", output);
        Assert.Contains("scale", output);
        Assert.Contains("--verbose", output);
    }

    [Fact]
    public void VersionPrintsSemanticVersion()
    {
        var (code, output, _) = Run("--version");
        Assert.Equal(0, code);
        Assert.Matches(@"^\d+\.\d+\.\d+", output.Trim());
    }

    [Fact]
    public void ScaleShowsSpelledScale()
    {
        var (code, output, err) = Run("scale", "F# minor");
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Contains("F# G# A B C# D E (3 sharps)", output);
    }

    [Fact]
    public void KeyEstimatesFromNoteString()
    {
        var (code, output, _) = Run("key", "D4:2 E4 F4 G4 A4:2 Bb4 C#5 D5:2 A4 F4 D4:2", "--top", "1");
        Assert.Equal(0, code);
        Assert.StartsWith("D minor", output.Trim());
    }

    [Fact]
    public void BadInputGivesOneLineOnStderrAndNonZeroExit()
    {
        var (code, output, err) = Run("chord", "H7");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: Invalid chord symbol 'H7'", lines[0]);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void VerboseAddsTheStackTrace()
    {
        var (code, _, err) = Run("chord", "H7", "--verbose");
        Assert.Equal(1, code);
        Assert.Contains("   at ", err);
    }

    [Fact]
    public void A_zero_tempo_is_printed_as_standing_time_and_written_as_null_bpm_in_json()
    {
        // Format 0, 96 ticks per quarter; one track: set_tempo 0 us at tick 0, C4 for a quarter, end of track.
        byte[] track = [0x00, 0xFF, 0x51, 0x03, 0x00, 0x00, 0x00, 0x00, 0x90, 60, 90, 0x60, 0x80, 60, 0, 0x00, 0xFF, 0x2F, 0x00];
        byte[] file = [.. "MThd"u8, 0, 0, 0, 6, 0, 0, 0, 1, 0, 96, .. "MTrk"u8, 0, 0, 0, (byte)track.Length, .. track];
        var path = Path.Combine(Path.GetTempPath(), $"melos-zero-tempo-{Environment.ProcessId}.mid");
        File.WriteAllBytes(path, file);
        try
        {
            var (code, output, err) = Run("notes", path);
            Assert.True(code == 0, err);
            Assert.Contains("tempo 0 microseconds per quarter (time stands still) at tick 0", output);
            var (json, jsonOut, jsonErr) = Run("notes", path, "--json");
            Assert.True(json == 0, jsonErr);
            var doc = Melos.Formats.NotesDocument.FromJson(jsonOut);
            Assert.Null(doc.Tempos.Single(t => t.Tick == 0).Bpm);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MissingFileIsAClearError()
    {
        var (code, _, err) = Run("notes", "/nonexistent/tune.mid");
        Assert.Equal(1, code);
        Assert.Contains("file not found", err);
    }

    [Fact]
    public void UnknownCommandFailsWithNonZeroExit()
    {
        var (code, _, err) = Run("frobnicate");
        Assert.NotEqual(0, code);
        Assert.NotEqual("", err);
    }

    [Fact]
    public void TheRealProcessReturnsExitCodes()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "melos.dll");
        Assert.True(File.Exists(dll), $"melos.dll expected beside the tests at {dll}");
        var psi = new ProcessStartInfo("dotnet", [dll, "scale", "Q"]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(1, p.ExitCode);
        Assert.StartsWith("error: Invalid key 'Q'", err);
    }
}
