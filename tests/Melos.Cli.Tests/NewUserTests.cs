using System.Text;
using Melos.Cli;
using Melos.Formats.Midi;
using Melos.Tests;
using static Melos.Tests.CliRun;

namespace Melos.Cli.Tests;

/// <summary>
/// What a new user hit first (issue #24): a directory where a file goes, file contents that could drive the terminal,
/// a corpus build that keeps nothing, a negative seed, and tests gated on the tool they need.
/// </summary>
public sealed class NewUserTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-newuser-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private const string Esc = "\u001b[31m";

    private const string Reel = "X:1\nT:Reel\nR:reel\nL:1/8\nM:4/4\nK:G\n|:GABc dedB|dedB dedB|c2ec B2dB|c2A2 A2BA:|\n";

    private string Abc(string name = "in.abc", string text = Reel)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;

    private static void OneError(int code, string err, string expected)
    {
        Assert.Equal(1, code);
        Assert.Equal($"error: {expected}", err.Trim());
    }

    [Fact]
    public void A_directory_where_a_melody_file_goes_is_called_a_directory()
    {
        var dir = Folder("tunes.mid");
        var (code, _, err) = Run("notes", dir);
        OneError(code, err, $"{dir} is a directory, not a file");
        (code, _, err) = Run("convert", dir, Path.Combine(_dir, "out.abc"));
        OneError(code, err, $"{dir} is a directory, not a file");
        (code, _, err) = Run("explain", dir, "--model", _dir);
        OneError(code, err, $"{dir} is a directory, not a file");
        (code, _, err) = Run("infill", dir, "--bars", "1", "--model", _dir, "--out", Path.Combine(_dir, "o"));
        OneError(code, err, $"{dir} is a directory, not a file");
        (code, _, err) = Run("vary", dir, "--model", _dir, "--out", Path.Combine(_dir, "o"));
        OneError(code, err, $"{dir} is a directory, not a file");
        (code, _, err) = Run("generate", "--bars", "2", "--primer", dir, "--model", _dir, "--out", Path.Combine(_dir, "o"));
        OneError(code, err, $"{dir} is a directory, not a primer file");
        // A directory without a music ending is a directory too, not an unknown format.
        var plain = Folder("plain");
        (code, _, err) = Run("explain", plain, "--model", _dir);
        OneError(code, err, $"{plain} is a directory, not a file");
        Assert.False(Directory.Exists(Path.Combine(_dir, "o")));
    }

    [Fact]
    public void A_directory_given_as_a_sound_font_or_a_corpus_is_called_a_directory()
    {
        var fonts = Folder("fonts.sf2");
        var (code, _, err) = Run("convert", Abc(), Path.Combine(_dir, "out.wav"), "--synth", "fluidsynth", "--soundfont", fonts);
        OneError(code, err, $"--soundfont: {fonts} is a directory, not a sound font file");
        var corpus = Folder("c.corpus");
        (code, _, err) = Run("corpus", "stats", corpus);
        OneError(code, err, $"{corpus} is a directory, not a corpus file");
        (code, _, err) = Run("train", "--corpus", corpus, "--arch", "ngram", "--out", Path.Combine(_dir, "m"));
        OneError(code, err, $"{corpus} is a directory, not a corpus file");
    }

    [Fact]
    public void A_missing_file_is_still_not_found()
    {
        var path = Path.Combine(_dir, "none.abc");
        var (code, _, err) = Run("notes", path);
        OneError(code, err, $"file not found: {path}");
    }

    [Fact]
    public void The_escape_helper_writes_control_characters_and_bidi_overrides_visibly_and_leaves_other_text()
    {
        Assert.Equal("\\u001b[31mred\\u001b[0m", TerminalText.Escape("\u001b[31mred\u001b[0m"));
        Assert.Equal("a\\u000ab\\u0009c\\u007f\\u009b\\u202e", TerminalText.Escape("a\nb\tc\u007f\u009b\u202e"));
        Assert.Equal("Sí señor ♪ C:\\tunes", TerminalText.Escape("Sí señor ♪ C:\\tunes"));
        Assert.Equal("", TerminalText.Escape(null));
    }

    [Fact]
    public void Notes_escapes_a_midi_track_name_and_an_abc_title()
    {
        var midi = new MidiFile(1, MidiDivision.PerQuarter(480),
        [
            new MidiTrack([MidiEvent.MetaText(0, MidiMeta.TrackName, Esc + "red\u0007"), MidiEvent.NoteOn(0, 0, 60, 90), MidiEvent.NoteOff(480, 0, 60), MidiEvent.EndOfTrack(480)]),
        ]);
        var path = Path.Combine(_dir, "named.mid");
        File.WriteAllBytes(path, MidiWriter.Write(midi));
        var (code, output, err) = Run("notes", path);
        Assert.True(code == 0, err);
        Assert.Contains("track 0 \\u001b[31mred\\u0007: 1 notes", output, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', output);
        Assert.DoesNotContain('\u0007', output);

        var abc = Abc("title.abc", Reel.Replace("T:Reel", "T:" + Esc + "Reel", StringComparison.Ordinal));
        (code, output, err) = Run("notes", abc);
        Assert.True(code == 0, err);
        Assert.Contains("\\u001b[31mReel", output, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', output);
        // JSON escapes control characters itself.
        (code, output, _) = Run("notes", abc, "--json");
        Assert.Equal(0, code);
        Assert.DoesNotContain('\u001b', output);
    }

    [Fact]
    public void Corpus_build_and_stats_escape_file_names_styles_and_collections()
    {
        var folder = Folder(Esc + "folk");
        Abc(Path.Combine(folder, Esc + "a.abc"), Reel.Replace("R:reel", "R:" + Esc + "reel", StringComparison.Ordinal));
        Abc(Path.Combine(folder, "short.abc"), "X:1\nT:Short\nL:1/8\nM:4/4\nK:G\nGA|\n");
        var corpus = Path.Combine(_dir, "c.corpus");
        var (code, output, err) = Run("corpus", "build", folder, "--out", corpus);
        Assert.True(code == 0, err);
        Assert.Contains("\\u001b[31mfolk/short.abc#1: 2 notes", output, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', output + err);
        (code, output, err) = Run("corpus", "stats", corpus);
        Assert.True(code == 0, err);
        Assert.Contains("collections: \\u001b[31mfolk 100%", output, StringComparison.Ordinal);
        Assert.Contains("styles:      \\u001b[31mreel 100%", output, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', output + err);
    }

    [Fact]
    public void An_error_message_that_quotes_a_file_is_escaped()
    {
        var path = Path.Combine(_dir, "bad.musicxml");
        File.WriteAllText(path, "<?xml version=\"1.0\"?><score-partwise><part-list>" + Esc + "</part-list></score-partwise>");
        var (code, _, err) = Run("convert", path, Path.Combine(_dir, "out.mid"));
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", err, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', err);

        var o = new StringWriter();
        var e = new StringWriter();
        int guarded = new CliContext(o, e).Guard(() => throw new FormatException("unexpected '" + Esc + "' in\nthe title"));
        Assert.Equal(1, guarded);
        Assert.Equal("error: unexpected '\\u001b[31m' in the title", e.ToString().Trim());
        guarded = new CliContext(o, e = new StringWriter()).Guard(() => throw new CliError("cannot read " + Esc + "x.abc"));
        Assert.Equal(1, guarded);
        Assert.Equal("error: cannot read \\u001b[31mx.abc", e.ToString().Trim());
    }

    [Fact]
    public void A_corpus_build_that_keeps_nothing_is_one_error_line_then_each_discard_and_writes_no_corpus()
    {
        var folder = Folder("folk");
        Abc(Path.Combine(folder, "a.abc"), "X:1\nT:A\nL:1/8\nM:4/4\nK:G\nGA|\n");
        Abc(Path.Combine(folder, "b.abc"), "X:1\nT:B\nL:1/8\nM:4/4\nK:G\nGAB|\n\nX:2\nT:C\nL:1/8\nM:4/4\nK:G\n" + Esc + "|\n");
        var corpus = Path.Combine(_dir, "c.corpus");
        var (code, output, err) = Run("corpus", "build", folder, "--out", corpus);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        // Redirected, the build's progress comes as "reading files: N/M" lines first.
        var lines = err.Trim().Split('\n').Where(l => !l.StartsWith("reading files: ", StringComparison.Ordinal)).ToArray();
        Assert.Equal($"error: no melody kept from 3 tunes in 2 files, so {corpus} was not written; why each was discarded:", lines[0]);
        Assert.Single(lines, l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Equal("  folk/a.abc#1: TooShort: 2 notes, fewer than 8", lines[1]);
        Assert.Equal("  folk/b.abc#1: TooShort: 3 notes, fewer than 8", lines[2]);
        Assert.StartsWith("  folk/b.abc#2: ", lines[3], StringComparison.Ordinal);
        Assert.Equal(4, lines.Length);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.False(File.Exists(corpus));
    }

    [Theory]
    [InlineData("generate|--bars|2|--seed|-1|--model|MODEL|--out|OUT")]
    [InlineData("infill|FILE|--bars|1|--seed|-1|--model|MODEL|--out|OUT")]
    [InlineData("vary|FILE|--seed|-1|--model|MODEL|--out|OUT")]
    [InlineData("train|--corpus|CORPUS|--arch|ngram|--seed|-1|--out|OUT")]
    [InlineData("compare|OUT|OUT|--seed|-1")]
    [InlineData("tune|--model|MODEL|--corpus|CORPUS|--reward|rules|--seed|-1|--out|OUT")]
    [InlineData("bench|pianoroll|--set|jsb|--arch|lstm|--seed|-1")]
    public void Every_command_that_takes_a_seed_refuses_a_negative_one_alike(string command)
    {
        var file = Abc();
        var args = command.Split('|').Select(a => a switch
        {
            "FILE" => file, "MODEL" => _dir, "OUT" => Path.Combine(_dir, "out"), "CORPUS" => Path.Combine(_dir, "none.corpus"), _ => a,
        }).ToArray();
        var (code, _, err) = Run(args);
        OneError(code, err, "--seed: must be 0 or more, not -1");
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));
    }

    [Fact]
    public void A_test_gated_on_a_program_runs_without_the_datasets_and_one_that_needs_both_says_which_is_missing()
    {
        Assert.Null(new ProgramFactAttribute("sh").Skip);
        Assert.Contains("needs no-such-program-here", new ProgramFactAttribute("no-such-program-here").Skip, StringComparison.Ordinal);
        Assert.Equal(Datasets.Root is null ? Datasets.MissingMessage : null, new DatasetToolFactAttribute("sh").Skip);
    }

    [Fact]
    public void Tests_of_chromium_and_fluidsynth_are_gated_on_the_program_alone()
    {
        var tests = Path.Combine(Datasets.RepoRoot, "tests");
        var offenders = Directory.EnumerateFiles(tests, "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => x.line.Contains("DatasetToolFact(", StringComparison.Ordinal)
                && (x.line.Contains("chromium", StringComparison.Ordinal) || x.line.Contains("fluidsynth", StringComparison.Ordinal)))
            .Select(x => $"{Path.GetRelativePath(tests, x.f)}:{x.i + 1}").ToList();
        Assert.Empty(offenders);
    }
}
