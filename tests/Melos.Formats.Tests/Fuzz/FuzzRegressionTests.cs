using System.Text;
using Melos.Formats.Abc;
using Melos.Formats.Midi;

namespace Melos.Formats.Tests.Fuzz;

/// <summary>
/// Inputs the fuzzers (fuzz/run.sh) found to crash a reader, kept byte for byte under Fuzz/Regressions, replayed with the
/// harnesses' rules: only the documented format exceptions may escape, and the lenient readers read every file that has a header.
/// </summary>
public sealed class FuzzRegressionTests
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "Fuzz", "Regressions");

    public static TheoryData<string> Files(string extension)
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Folder, "*" + extension).Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(f));
        return data;
    }

    public static TheoryData<string> AbcFiles() => Files(".abc");

    public static TheoryData<string> MidiFiles() => Files(".mid");

    [Theory]
    [MemberData(nameof(AbcFiles))]
    public void AbcCrashInputsReadWithoutAnUnexpectedException(string name)
    {
        var text = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(Folder, name)));
        var lenient = AbcReader.Parse(text, name, AbcReadSettings.Lenient);
        var strict = AbcReader.Parse(text, name, AbcReadSettings.Strict);
        Assert.Equal(lenient.Tunes.Length + lenient.Skipped.Length, strict.Tunes.Length + strict.Skipped.Length);
        Assert.All(lenient.Tunes, t => Assert.True(t.Melody.Notes.Length <= AbcReadSettings.Lenient.MaxNotesPerTune));
    }

    [Theory]
    [MemberData(nameof(MidiFiles))]
    public void MidiCrashInputsReadWithoutAnUnexpectedException(string name)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, name));
        try
        {
            MidiReader.Read(bytes, MidiReadSettings.Strict);
        }
        catch (MidiFormatException)
        {
            // Strict mode may refuse the file; anything else is the bug.
        }
        var lenient = MidiReader.Read(bytes, MidiReadSettings.Lenient).File;
        foreach (var track in lenient.Tracks) _ = MidiNotes.Pair(track);
        var doc = MidiNotesReader.ToDocument(lenient);
        Assert.Equal(lenient.Tracks.Length, doc.Tracks.Count);
    }

    [Fact]
    public void AMultiBarRestTooLongForAnIntIsAnUnexpectedSymbolNotAnOverflow()
    {
        // Found by the abc harness: Z3333333333333333333333333333 overflowed int.Parse.
        const string abc = "X:1\nM:4/4\nL:1/4\nK:C\nC Z3333333333333333333333333333 D|\n";
        var tune = AbcReader.ReadTune(abc);
        Assert.Equal([60, 62], tune.Melody.Notes.Select(n => n.Pitch.Number));
        var issue = Assert.Single(tune.Issues);
        Assert.Contains("a rest of 3333333333333333333333333333 bars", issue.Message, StringComparison.Ordinal);
        Assert.Equal(5, issue.Line);
        Assert.Equal(3, issue.Column);
        var e = Assert.Throws<AbcUnexpectedSymbolException>(() => AbcReader.ReadTune(abc, settings: AbcReadSettings.Strict));
        Assert.Contains($"at most {10_000} bars", e.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void AMultiBarRestAtTheLimitIsKept()
    {
        var tune = AbcReader.ReadTune("X:1\nM:2/4\nL:1/4\nK:C\nZ10000|C|\n");
        Assert.Empty(tune.Issues);
        // 10,000 bars of 2/4 = 20,000 quarters before the C.
        Assert.Equal(20_000, tune.Melody.Notes[0].Start.ToQuarterDouble());
    }
}
