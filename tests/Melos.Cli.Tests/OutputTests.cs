using Melos.Cli;
using Melos.Formats;
using Melos.Formats.Abc;
using Melos.Formats.Audio;
using Melos.Formats.Midi;
using Melos.Formats.MusicXml;
using Melos.Music;
using Melos.Reports.Rendering;
using SkiaSharp;
using Melos.Tests;
using static Melos.Tests.CliRun;

namespace Melos.Cli.Tests;

/// <summary><c>melos convert</c>, <c>melos generate --formats</c> and the shared <see cref="FileArguments"/>.</summary>
public sealed class OutputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-output-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private const string Tune = "X:1\nT:First\nM:3/4\nL:1/8\nQ:1/4=100\nK:G\n\"G\"B2 d2 g2|\"D7\"(3fed c2 A2|\"G\"G6|]\n\nX:2\nT:Second\nM:2/4\nL:1/8\nK:Am\n\"Am\"A2 c2|e4|]\n";

    private string Abc()
    {
        var path = Path.Combine(_dir, "in.abc");
        File.WriteAllText(path, Tune);
        return path;
    }

    private static IEnumerable<(int, Duration, Duration)> Line(Melody m) => m.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length));

    [Fact]
    public void Convert_writes_each_format_by_its_ending_and_the_notes_survive()
    {
        var abc = Abc();
        var expected = AbcReader.LoadTune(abc, 1).Melody;
        foreach (var name in new[] { "out.musicxml", "out.mxl", "out.mid", "out.abc", "sub/out.xml" })
        {
            var path = Path.Combine(_dir, name);
            var (code, output, err) = Run("convert", abc, path);
            Assert.True(code == 0, err);
            Assert.Contains("wrote", output);
            var back = FileArguments.Formats.Read(path);
            if (MelodyFormat.MusicXml.Matches(path)) MusicXmlReader.Load(path, MusicXmlReadSettings.Strict); // and it is clean MusicXML
            Assert.Equal(Line(expected), Line(back));
            Assert.Equal(expected.Chords.ToList(), back.Chords.ToList());
            Assert.Equal(expected.Key, back.Key);
        }
        // MusicXML in, ABC out, tune 2 of the ABC file.
        Assert.Equal(0, Run("convert", abc, Path.Combine(_dir, "two.musicxml"), "--tune", "2").Code);
        Assert.Equal(0, Run("convert", Path.Combine(_dir, "two.musicxml"), Path.Combine(_dir, "two.abc")).Code);
        var two = AbcReader.LoadTune(Path.Combine(_dir, "two.abc")).Melody;
        Assert.Equal("Second", two.Info.Title);
        Assert.Equal(Line(AbcReader.LoadTune(abc, 2).Melody), Line(two));

        // Audio and picture.
        Assert.Equal(0, Run("convert", abc, Path.Combine(_dir, "out.wav"), "--mono").Code);
        var wav = WavReader.ReadHeader(Path.Combine(_dir, "out.wav"));
        Assert.Equal((1, 44_100), (wav.Channels, wav.SampleRate));
        Assert.InRange(wav.Seconds, 9 * 0.6, 9 * 0.6 + 0.5); // 9 quarters at 100 BPM, plus the pad's release
        Assert.Equal(0, Run("convert", abc, Path.Combine(_dir, "out.png")).Code);
        using var png = SKBitmap.Decode(Path.Combine(_dir, "out.png"));
        Assert.True(png.Width > 100);
    }

    [Theory]
    [InlineData("out.txt", "", "cannot write '.txt' files; writable: .mid, .midi, .abc, .musicxml, .xml, .mxl, .wav, .png")]
    [InlineData("out.mid", "--tune|1|--synth|timidity", "--synth must be builtin or fluidsynth")]
    [InlineData("out.wav", "--synth|fluidsynth|--soundfont|/nowhere/gm.sf2", "sound font not found: /nowhere/gm.sf2")]
    public void Convert_refuses_bad_options_with_one_line(string output, string options, string message)
    {
        var args = new List<string> { "convert", Abc(), Path.Combine(_dir, output) };
        if (options.Length > 0) args.AddRange(options.Split('|'));
        var (code, _, err) = Run([.. args]);
        Assert.Equal(1, code);
        // Without FluidSynth the missing program is named before the missing sound font.
        if (options.Contains("fluidsynth", StringComparison.Ordinal) && !Tools.Exists("fluidsynth")) message = "fluidsynth is not installed";
        Assert.Contains(message, err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(File.Exists(Path.Combine(_dir, output)));
    }

    [Fact]
    public void Convert_keeps_an_existing_file_unless_forced_and_checks_its_input()
    {
        var abc = Abc();
        var mid = Path.Combine(_dir, "out.mid");
        File.WriteAllText(mid, "keep");
        var (code, _, err) = Run("convert", abc, mid);
        Assert.Equal(1, code);
        Assert.Contains($"{mid} exists; use --force", err);
        Assert.Equal("keep", File.ReadAllText(mid));
        Assert.Equal(0, Run("convert", abc, mid, "--force").Code);
        Assert.NotEqual("keep", File.ReadAllText(mid));
        Assert.Contains("--tune is for ABC input", Run("convert", mid, Path.Combine(_dir, "x.abc"), "--tune", "2").Err);
        Assert.Contains("same file", Run("convert", abc, abc, "--force").Err);
        Assert.Contains("file not found", Run("convert", Path.Combine(_dir, "none.abc"), mid).Err);
        File.WriteAllText(Path.Combine(_dir, "bad.musicxml"), "<score-partwise><part id='P1'><measure>");
        var (badCode, _, badErr) = Run("convert", Path.Combine(_dir, "bad.musicxml"), Path.Combine(_dir, "y.mid"));
        Assert.Equal(1, badCode);
        Assert.Contains("bad.musicxml:1:", badErr);
    }

    [Fact]
    public void Convert_quantize_puts_a_performed_midi_on_the_grid_so_musicxml_can_notate_it()
    {
        // A performance: onsets and lengths a few ticks off the beat at 960 ticks per quarter.
        var notes = new[] { (60, 7, 950), (62, 961, 1913), (64, 1925, 2870) }
            .Select(x => new Note(Pitch.FromMidi(x.Item1), Duration.FromTicks(x.Item2, 960), Duration.FromTicks(x.Item3 - x.Item2, 960)));
        var mid = Path.Combine(_dir, "played.mid");
        File.WriteAllBytes(mid, MidiMelody.Write(Melody.Create(notes)));
        var (plain, _, plainErr) = Run("convert", mid, Path.Combine(_dir, "played.musicxml"));
        Assert.Equal(1, plain);
        Assert.Contains("quantize", plainErr);
        Assert.Empty(Directory.GetFiles(_dir, "*played*.musicxml")); // no partial file is left behind
        var (quantized, _, quantizedErr) = Run("convert", mid, Path.Combine(_dir, "played.musicxml"), "--quantize");
        Assert.True(quantized == 0, quantizedErr);
        var back = MusicXmlReader.Load(Path.Combine(_dir, "played.musicxml")).Melody;
        Assert.Equal([(60, Duration.Zero, Duration.Quarter), (62, Duration.Quarter, Duration.Quarter), (64, Duration.Half, Duration.Quarter)], Line(back).ToList());
    }

    [Fact]
    public void Formats_parse_by_name_in_writing_order_and_unknown_ones_are_named()
    {
        Assert.Equal(["mid", "abc", "musicxml", "wav", "png"], FileArguments.ParseFormats(null).Select(f => f.Name));
        Assert.Equal([MelodyFormat.Midi, PianoRollFormat.Instance], FileArguments.ParseFormats("png, MID"));
        Assert.Equal([MelodyFormat.MusicXml], FileArguments.ParseFormats(".musicxml"));
        Assert.Equal([MelodyFormat.Midi], FileArguments.ParseFormats("midi"));
        Assert.Contains("unknown format 'pdf'", Assert.Throws<CliError>(() => FileArguments.ParseFormats("mid,pdf")).Message);
        Assert.Contains("listed twice", Assert.Throws<CliError>(() => FileArguments.ParseFormats("abc,abc")).Message);
    }

    [Fact]
    public void Melody_files_are_checked_all_together_before_any_is_written()
    {
        var stem = Path.Combine(_dir, "m");
        var all = FileArguments.Formats.Writable.ToList();
        var targets = FileArguments.Formats.Targets(stem, all);
        Assert.Equal(["m.mid", "m.abc", "m.musicxml", "m.wav", "m.png"], targets.Select(Path.GetFileName));
        File.WriteAllText(stem + ".wav", "old");
        var e = Assert.Throws<CliError>(() => FileArguments.EnsureWritable(targets, force: false));
        Assert.Equal($"{stem}.wav exists; use --force to overwrite it", e.Message);
        FileArguments.EnsureWritable(targets, force: true);
        var melody = AbcReader.LoadTune(Abc()).Melody;
        var written = FileArguments.Formats.Write(stem, melody, all);
        Assert.Equal(targets, written);
        Assert.All(written, p => Assert.True(new FileInfo(p).Length > 40, p));
    }

    [Fact]
    public void Generate_writes_the_chosen_formats_and_never_overwrites_without_force()
    {
        var outDir = Path.Combine(_dir, "gen");
        var args = new[] { "generate", "--bars", "2", "--count", "2", "--seed", "3", "--key", "D", "--chords", "D A", "--out", outDir };
        var (code, output, err) = Run(args);
        Assert.True(code == 0, err);
        Assert.Contains("log-likelihood", output);
        Assert.Contains("wrote 10 files", output);
        foreach (var ext in new[] { ".mid", ".abc", ".musicxml", ".wav", ".png" })
            Assert.True(File.Exists(Path.Combine(outDir, "melody-02" + ext)), ext);
        var mid = MidiMelody.Read(Path.Combine(outDir, "melody-01.mid"));
        var xml = MusicXmlReader.Load(Path.Combine(outDir, "melody-01.musicxml"), MusicXmlReadSettings.Strict).Melody;
        Assert.Equal(Line(mid), Line(xml));
        Assert.Equal(mid.Chords.ToList(), xml.Chords.ToList());

        // Only MusicXML asked for, into a folder that has the other files: melody-01.musicxml exists, so nothing is written.
        var before = File.ReadAllBytes(Path.Combine(outDir, "melody-01.mid"));
        var (again, _, againErr) = Run([.. args.Select(a => a == "3" ? "4" : a), "--formats", "musicxml,png"]);
        Assert.Equal(1, again);
        Assert.Equal($"error: {Path.Combine(outDir, "melody-01.musicxml")} exists; use --force to overwrite it", againErr.Trim());
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(outDir, "melody-01.mid")));

        var fresh = Path.Combine(_dir, "only");
        var (only, onlyOut, onlyErr) = Run("generate", "--bars", "2", "--formats", "png,abc", "--out", fresh);
        Assert.True(only == 0, onlyErr);
        Assert.Contains("melody-01.abc", onlyOut);
        Assert.Equal(["melody-01.abc", "melody-01.png"], Directory.GetFiles(fresh).Select(Path.GetFileName).Order());

        var (bad, _, badErr) = Run("generate", "--bars", "2", "--formats", "mp3", "--out", Path.Combine(_dir, "bad"));
        Assert.Equal(1, bad);
        Assert.Contains("unknown format 'mp3'", badErr);
        Assert.False(Directory.Exists(Path.Combine(_dir, "bad")));
    }

    [Melos.Tests.ProgramFact("fluidsynth", FluidSynth.DefaultSoundFont)]
    public void Convert_renders_with_fluidsynth_when_asked()
    {
        var wav = Path.Combine(_dir, "fluid.wav");
        var (code, _, err) = Run("convert", Abc(), wav, "--synth", "fluidsynth");
        Assert.True(code == 0, err);
        var info = WavReader.ReadHeader(wav);
        Assert.Equal((2, 44_100, 16), (info.Channels, info.SampleRate, info.BitsPerSample));
        Assert.True(info.Seconds >= 9 * 0.6, $"{info.Seconds} s");
        Assert.Single(Directory.GetFiles(_dir, "*.wav"));
    }

    [Fact]
    public void Generate_takes_its_primer_from_a_musicxml_file()
    {
        var primer = Melody.Create(new[] { "G4", "A4", "B4", "D5" }.Select((p, i) => new Note(Pitch.Parse(p), Duration.FromQuarters(i), Duration.Quarter)),
            Key.Parse("G"), [new MeterChange(Duration.Zero, TimeSignature.CommonTime)]);
        var path = Path.Combine(_dir, "primer.MusicXML");
        FileArguments.Formats.Write(path, primer);
        var outDir = Path.Combine(_dir, "primed");
        var (code, _, err) = Run("generate", "--bars", "2", "--primer", path, "--formats", "mid", "--out", outDir);
        Assert.True(code == 0, err);
        var first = FileArguments.Formats.Read(Path.Combine(outDir, "melody-01.mid"));
        Assert.Equal(Line(primer), Line(first).Take(4));
        var (bad, _, badErr) = Run("generate", "--bars", "2", "--primer", Path.Combine(_dir, "none.mxl"), "--out", outDir + "2");
        Assert.Equal(1, bad);
        Assert.Equal($"error: primer file not found: {Path.Combine(_dir, "none.mxl")}", badErr.Trim());
    }

    [Fact]
    public void Notes_lists_a_musicxml_file()
    {
        var xml = Path.Combine(_dir, "n.musicxml");
        Assert.Equal(0, Run("convert", Abc(), xml).Code);
        var (code, output, err) = Run("notes", xml);
        Assert.True(code == 0, err);
        Assert.Contains("B4", output);
        Assert.Contains("9 notes", output);
    }
}
