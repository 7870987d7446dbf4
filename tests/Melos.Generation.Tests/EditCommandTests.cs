using Melos.Cli;
using Melos.Formats;
using Melos.Formats.Abc;
using Melos.Formats.Midi;
using Melos.Music;
using static Melos.Tests.CliRun;

namespace Melos.Generation.Tests;

/// <summary><c>melos infill</c>, <c>melos vary</c> and the search and density options of <c>melos generate</c>, end to end.</summary>
public sealed class EditCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-edit-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string Model => TinyModel.Shared.Directory;

    private string TuneFile(string extension)
    {
        var input = InfillVaryTests.Read(InfillVaryTests.Tune);
        var path = Path.Combine(_dir, "tune" + extension);
        if (extension == ".abc") File.WriteAllText(path, InfillVaryTests.Tune);
        else FileArguments.Formats.Write(path, input);
        return path;
    }

    private static Melody ReadAny(string path) => FileArguments.Formats.Read(path);

    [Theory]
    [InlineData(".abc")]
    [InlineData(".mid")]
    [InlineData(".musicxml")]
    [InlineData(".MXL")]
    public void Infill_writes_midi_and_abc_whose_untouched_bars_are_the_inputs_and_the_seed_decides(string extension)
    {
        var file = TuneFile(extension);
        var input = ReadAny(file);
        var outA = Path.Combine(_dir, "a");
        string[] args = ["infill", file, "--bars", "3-4", "--model", Model, "--seed", "5", "--count", "2", "--candidates", "4", "--out", outA];
        var (code, output, err) = Run(args);
        Assert.True(code == 0, err);
        Assert.Contains("tune-infill-01.mid", output);
        Assert.Contains("right side", output);
        var gapStart = Duration.FromQuarters(8);
        var gapEnd = Duration.FromQuarters(16);
        var inputBars = InfillVaryTests.AbcBars(AbcWriter.Write(input));
        for (int i = 1; i <= 2; i++)
        {
            var mid = MidiMelody.Read(Path.Combine(outA, $"tune-infill-0{i}.mid"));
            var abcText = File.ReadAllText(Path.Combine(outA, $"tune-infill-0{i}.abc"));
            var abc = AbcReader.ReadTune(abcText).Melody;
            static bool Outside(Note n) => n.Start < Duration.FromQuarters(8) || n.Start >= Duration.FromQuarters(16);
            Assert.Equal(input.Notes.Where(Outside).Select(n => (n.Pitch.Number, n.Start, n.Length)), mid.Notes.Where(Outside).Select(n => (n.Pitch.Number, n.Start, n.Length)));
            Assert.Equal(input.Notes.Where(Outside), abc.Notes.Where(Outside));
            Assert.Equal(mid.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)), abc.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)));
            Assert.All(abc.Notes.Where(n => !Outside(n)), n => Assert.True(n.End <= gapEnd && n.Start >= gapStart));
            var bars = InfillVaryTests.AbcBars(abcText);
            foreach (int bar in new[] { 0, 1, 4, 5, 6, 7 }) Assert.Equal(inputBars[bar], bars[bar]);
            Assert.Equal(input.Chords.Select(c => (c.At, c.Chord.ToString())), abc.Chords.Select(c => (c.At, c.Chord.ToString())));
        }

        // Same command, another folder: the same bytes. Existing files are kept unless --force.
        var outB = Path.Combine(_dir, "b");
        Assert.Equal(0, Run([.. args[..^1], outB]).Code);
        Assert.Equal(File.ReadAllBytes(Path.Combine(outA, "tune-infill-02.mid")), File.ReadAllBytes(Path.Combine(outB, "tune-infill-02.mid")));
        Assert.Equal(File.ReadAllText(Path.Combine(outA, "tune-infill-01.abc")), File.ReadAllText(Path.Combine(outB, "tune-infill-01.abc")));
        var before = File.ReadAllBytes(Path.Combine(outA, "tune-infill-01.mid"));
        var (again, _, againErr) = Run([.. args.Select(a => a == "5" ? "6" : a)]);
        Assert.Equal(1, again);
        Assert.Contains("use --force", againErr);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(outA, "tune-infill-01.mid")));
        Assert.Equal(0, Run([.. args.Select(a => a == "5" ? "6" : a), "--force"]).Code);
    }

    [Theory]
    [InlineData(".abc")]
    [InlineData(".mid")]
    [InlineData(".musicxml")]
    public void Vary_redraws_a_share_of_the_notes_and_keeps_the_rest(string extension)
    {
        var file = TuneFile(extension);
        var input = ReadAny(file);
        var outDir = Path.Combine(_dir, "v");
        var (code, output, err) = Run("vary", file, "--amount", "0.5", "--model", Model, "--seed", "2", "--count", "2", "--out", outDir);
        Assert.True(code == 0, err);
        Assert.Contains("tune-vary-02.mid", output);
        for (int i = 1; i <= 2; i++)
        {
            var mid = MidiMelody.Read(Path.Combine(outDir, $"tune-vary-0{i}.mid"));
            var abc = AbcReader.LoadTune(Path.Combine(outDir, $"tune-vary-0{i}.abc")).Melody;
            Assert.Equal(mid.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)), abc.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)));
            Assert.Equal(input.Notes.Select(n => (n.Start, n.Length)), mid.Notes.Select(n => (n.Start, n.Length)));
            int changed = input.Notes.Zip(mid.Notes).Count(p => p.First.Pitch.Number != p.Second.Pitch.Number);
            Assert.Equal(21, changed); // half of 42 notes, each given another pitch
        }
        var (rhythm, _, rhythmErr) = Run("vary", file, "--amount", "0.3", "--rhythm", "--model", Model, "--out", Path.Combine(_dir, "r"));
        Assert.True(rhythm == 0, rhythmErr);
    }

    [Theory]
    [InlineData(".musicxml")]
    [InlineData(".xml")]
    [InlineData(".mxl")]
    [InlineData(".MID")]
    public void Explain_reads_every_readable_format_and_finds_the_same_figures_as_in_the_abc(string extension)
    {
        var (abcCode, abcOutput, abcErr) = Run("explain", TuneFile(".abc"), "--model", Model, "--no-attribution");
        Assert.True(abcCode == 0, abcErr);
        var (code, output, err) = Run("explain", TuneFile(extension), "--model", Model, "--no-attribution");
        Assert.True(code == 0, err);
        Assert.StartsWith("42 notes, 8 bars", output);
        Assert.Equal(abcOutput, output);
    }

    [Fact]
    public void Explain_names_the_readable_endings_for_another_kind_of_file()
    {
        var file = Path.Combine(_dir, "tune.wav");
        File.WriteAllText(file, "RIFF");
        var (code, _, err) = Run("explain", file, "--model", Model);
        Assert.Equal(1, code);
        Assert.Equal("error: cannot read '.wav' files; readable: .mid, .midi, .abc, .musicxml, .xml, .mxl", err.Trim());
        var (tuneCode, _, tuneErr) = Run("explain", TuneFile(".musicxml"), "--model", Model, "--tune", "2");
        Assert.Equal(1, tuneCode);
        Assert.Equal("error: --tune is for ABC input files", tuneErr.Trim());
    }

    [Theory]
    [InlineData("infill FILE --bars 7-9", "error: --bars: bars 7-9 are outside the tune: it has 8 bars")]
    [InlineData("infill FILE --bars 5-3", "--bars 5-3 is inverted")]
    [InlineData("infill FILE --bars 0-2", "--bars must be FIRST-LAST bar numbers from 1")]
    [InlineData("infill FILE --bars -2", "--bars must be FIRST-LAST bar numbers from 1")]
    [InlineData("infill FILE --bars x", "--bars must be FIRST-LAST bar numbers from 1")]
    [InlineData("infill FILE --bars 2 --candidates 0", "error: --candidates: must be 1..256, not 0")]
    [InlineData("infill FILE --bars 2 --scoring middle", "--scoring must be both or left")]
    [InlineData("infill FILE --bars 2 --count 0", "error: --count: must be 1..64, not 0")]
    [InlineData("infill FILE --bars 2 --key H", "Invalid key 'H'")]
    [InlineData("infill FILE --bars 2 --range C4-A4", "narrower than an octave")]
    [InlineData("infill FILE --bars 2 --temperature -1", "error: --temperature: must be a finite number greater than 0, not -1")]
    [InlineData("infill nope.abc --bars 2", "file not found")]
    [InlineData("infill DIR --bars 2", "is a directory, not a file")]
    [InlineData("vary DIR", "is a directory, not a file")]
    [InlineData("infill FILE --bars 2 --seed -1", "error: --seed: must be 0 or more, not -1")]
    [InlineData("vary FILE --seed -5", "error: --seed: must be 0 or more, not -5")]
    [InlineData("generate --bars 2 --seed -1", "error: --seed: must be 0 or more, not -1")]
    [InlineData("infill FILE.txt --bars 2", "error: cannot read '.txt' files; readable: .mid, .midi, .abc, .musicxml, .xml, .mxl")]
    [InlineData("vary FILE.txt", "error: cannot read '.txt' files; readable: .mid, .midi, .abc, .musicxml, .xml, .mxl")]
    [InlineData("vary FILE --amount 0", "error: --amount: must be in (0, 1], not 0")]
    [InlineData("vary FILE --amount 1.5", "error: --amount: must be in (0, 1], not 1.5")]
    [InlineData("vary FILE --max-leap 200", "error: --max-leap: must be 0..127 semitones, not 200")]
    [InlineData("generate --bars 2 --beam 0", "error: --beam: must be 1..64, not 0")]
    [InlineData("generate --bars 2 --best-of 0", "error: --best-of: must be 1..256, not 0")]
    [InlineData("generate --bars 2 --beam 2 --best-of 2", "error: --beam: beam search and best-of-N cannot be combined")]
    [InlineData("generate --bars 2 --beam 2 --count 3", "error: --count: a beam of width 2 cannot return 3 melodies; widen the beam to at least 3")]
    [InlineData("generate --bars 2 --density 5-2", "--density 5-2 is inverted")]
    [InlineData("generate --bars 2 --density 0", "allows no note at all")]
    [InlineData("generate --bars 2 --density a-b", "--density must be MIN-MAX")]
    [InlineData("generate --bars 2 --meter 2/4 --density 9-10", "error: --density: at least 9 notes per bar cannot fit: a bar of 2/4 holds 8 sixteenths")]
    [InlineData("generate --bars 2 --chords G:0|D", "'0' is not a number of beats")]
    [InlineData("generate --bars 2 --chords G|Hm7", "Invalid chord symbol 'Hm7'")]
    [InlineData("generate --bars 2 --meter 11/8", "error: --meter: the model does not know the meter 11/8")]
    [InlineData("generate --bars 8 --primer C4:4|D4:4|E4:4|F4:4|G4", "error: --primer: is 68 tokens long, more than the model's context of 64 tokens")]
    public void Bad_input_is_one_clear_error_before_any_file_is_written(string options, string message)
    {
        var file = TuneFile(".abc");
        File.WriteAllText(file + ".txt", "not music");
        var outDir = Path.Combine(_dir, "bad");
        var args = options.Split(' ').Select(a => a switch { "FILE" => file, "FILE.txt" => file + ".txt", "DIR" => Directory.CreateDirectory(Path.Combine(_dir, "dir.abc")).FullName, _ => a.Replace('|', ' ') }).ToList();
        args.AddRange(["--model", Model, "--out", outDir]);
        var (code, _, err) = Run([.. args]);
        Assert.Equal(1, code);
        Assert.Contains(message, err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.DoesNotContain("(Parameter", err);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void Generate_searches_with_a_beam_or_best_of_n_and_follows_density_and_timed_chords()
    {
        var beamDir = Path.Combine(_dir, "beam");
        var (code, output, err) = Run("generate", "--model", Model, "--bars", "2", "--count", "2", "--beam", "3", "--out", beamDir);
        Assert.True(code == 0, err);
        Assert.Contains("melody-02.mid", output);
        var request = new GenerationRequest { Bars = 2, Count = 2, BeamWidth = 3, Seed = 1 };
        var expected = TinyModel.Shared.Generator.Generate(request);
        Assert.Equal(expected[1].Melody.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)),
            MidiMelody.Read(Path.Combine(beamDir, "melody-02.mid")).Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)));

        var bestDir = Path.Combine(_dir, "best");
        (code, _, err) = Run("generate", "--model", Model, "--bars", "2", "--best-of", "3", "--seed", "4", "--out", bestDir);
        Assert.True(code == 0, err);
        var best = TinyModel.Shared.Generator.Generate(new GenerationRequest { Bars = 2, BestOf = 3, Seed = 4 }).Single();
        Assert.Equal(best.Melody.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)),
            MidiMelody.Read(Path.Combine(bestDir, "melody-01.mid")).Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)));

        var denseDir = Path.Combine(_dir, "dense");
        (code, _, err) = Run("generate", "--model", Model, "--bars", "4", "--density", "3-5", "--chords", "G:2 D:2 Em C", "--key", "G", "--seed", "3", "--out", denseDir);
        Assert.True(code == 0, err);
        var m = AbcReader.LoadTune(Path.Combine(denseDir, "melody-01.abc")).Melody;
        var perBar = m.Notes.GroupBy(n => m.BarOf(n.Start).Bar).ToDictionary(g => g.Key, g => g.Count());
        for (int bar = 0; bar < 4; bar++) Assert.InRange(perBar.GetValueOrDefault(bar), 3, 5);
        Assert.Equal([(0, "G"), (2, "D"), (4, "Em"), (8, "C"), (12, "G"), (14, "D")], m.Chords.Select(c => ((int)c.At.Quarters.Floor(), c.Chord.ToString())));

        var exactDir = Path.Combine(_dir, "exact");
        (code, _, err) = Run("generate", "--model", Model, "--bars", "3", "--density", "4", "--seed", "8", "--out", exactDir);
        Assert.True(code == 0, err);
        var exact = MidiMelody.Read(Path.Combine(exactDir, "melody-01.mid"));
        Assert.All(Enumerable.Range(0, 3), bar => Assert.Equal(4, exact.Notes.Count(n => exact.BarOf(n.Start).Bar == bar)));
    }
    /// <summary>
    /// The tune's MIDI file (480 ticks per quarter) with every note on and off one tick late: what a performance or abc2midi
    /// writes, and what the model's grid cannot take as it is.
    /// </summary>
    private string OneTickLate()
    {
        var file = MidiReader.Read(TuneFile(".mid")).File;
        Assert.Equal(480, file.Division.TicksPerQuarter);
        var tracks = file.Tracks.Select(t => new MidiTrack(
            [.. t.Events.Select(e => (e.Status & 0xE0) == 0x80 ? e with { Tick = e.Tick + 1 } : e).OrderBy(e => e.Tick)], t.EndTick + 1));
        var path = Path.Combine(_dir, "late.mid");
        File.WriteAllBytes(path, MidiWriter.Write(new MidiFile(file.Format, file.Division, tracks)));
        Assert.Equal(new Rational(1, 480), MidiMelody.Read(path).Notes[0].Start.Quarters);
        return path;
    }

    /// <summary>The note a command prints for the one-tick-late file: the tiny model's grid is 4 steps per quarter.</summary>
    private const string QuantizedNote = "note: quantized to 4 steps per quarter: mean onset error 0.0021 quarters, max 0.0021 quarters";

    [Fact]
    public void Explain_quantizes_a_performed_midi_file_says_so_and_explains_the_tune_it_snaps_to()
    {
        var (gridCode, gridOutput, gridErr) = Run("explain", TuneFile(".mid"), "--model", Model, "--no-attribution");
        Assert.True(gridCode == 0, gridErr);
        Assert.Equal("", gridErr); // an on-grid file is explained without a note
        var (code, output, err) = Run("explain", OneTickLate(), "--model", Model, "--no-attribution");
        Assert.True(code == 0, err);
        Assert.Equal(QuantizedNote, err.Trim());
        Assert.Equal(gridOutput, output);
    }

    [Fact]
    public void Infill_and_vary_quantize_a_performed_midi_file_say_so_and_write_what_the_on_grid_file_gives()
    {
        var late = OneTickLate();
        foreach (var verb in new[] { "infill", "vary" })
        {
            string[] extra = verb == "infill" ? ["--bars", "3-4", "--candidates", "2"] : ["--amount", "0.5"];
            var onGrid = Path.Combine(_dir, verb + "-grid");
            var (gridCode, _, gridErr) = Run([verb, TuneFile(".mid"), .. extra, "--model", Model, "--seed", "3", "--out", onGrid]);
            Assert.True(gridCode == 0, gridErr);
            Assert.DoesNotContain("quantized", gridErr, StringComparison.Ordinal);
            var performed = Path.Combine(_dir, verb + "-late");
            var (code, _, err) = Run([verb, late, .. extra, "--model", Model, "--seed", "3", "--out", performed]);
            Assert.True(code == 0, err);
            Assert.Equal(QuantizedNote, err.Trim());
            Assert.Equal(MidiMelody.Read(Path.Combine(onGrid, $"tune-{verb}-01.mid")).Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)),
                MidiMelody.Read(Path.Combine(performed, $"late-{verb}-01.mid")).Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)));
        }
    }
}
