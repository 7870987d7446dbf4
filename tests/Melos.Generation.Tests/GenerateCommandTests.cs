using Melos.Cli;
using Melos.Formats.Abc;
using Melos.Formats.Midi;
using Melos.Music;
using static Melos.Tests.CliRun;

namespace Melos.Generation.Tests;

public sealed class GenerateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("melos-generate-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string Model => TinyModel.Shared.Directory;

    [Fact]
    public void Writes_midi_and_abc_that_read_back_to_the_same_notes_and_the_seed_decides_them()
    {
        var outA = Path.Combine(_dir, "a");
        var args = new[] { "generate", "--model", Model, "--bars", "4", "--count", "2", "--seed", "9", "--key", "G", "--chords", "G D/F# Em C",
            "--range", "D4-D5", "--max-leap", "7", "--end-on-tonic", "--primer", "G4 A4 B4/2 D5/2", "--style", "reel", "--out", outA };
        var (code, output, err) = Run(args);
        Assert.True(code == 0, err);
        Assert.Contains("melody-01.mid", output);
        Assert.Contains("melody-02.mid", output);
        Assert.Contains("log-likelihood", output);
        Assert.Contains("G major", output);
        for (int i = 1; i <= 2; i++)
        {
            var mid = MidiMelody.Read(Path.Combine(outA, $"melody-0{i}.mid"));
            var abc = AbcReader.LoadTune(Path.Combine(outA, $"melody-0{i}.abc")).Melody;
            Assert.NotEmpty(mid.Notes);
            Assert.Equal(mid.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)), abc.Notes.Select(n => (n.Pitch.Number, n.Start, n.Length)));
            Assert.Equal(NoteSequence.Parse("G4 A4 B4/2 D5/2").Select(n => (n.Pitch.Number, n.Start, n.Length)), mid.Notes.Take(4).Select(n => (n.Pitch.Number, n.Start, n.Length)));
            Assert.All(mid.Notes, n => Assert.InRange(n.Pitch.Number, 62, 74));
            Assert.All(mid.Notes, n => Assert.True(Key.Parse("G").Scale.Contains(n.Pitch)));
            Assert.Equal(7, mid.Notes[^1].Pitch.PitchClass);
            Assert.Equal(Key.Parse("G"), abc.Key);
            Assert.Equal(["G", "D/F#", "Em", "C"], abc.Chords.Select(c => c.Chord.ToString()));
            Assert.True(abc.Notes[^1].End <= Duration.FromQuarters(16));
        }

        // Same command into another folder: the same bytes.
        var outB = Path.Combine(_dir, "b");
        Assert.Equal(0, Run([.. args[..^1], outB]).Code);
        Assert.Equal(File.ReadAllBytes(Path.Combine(outA, "melody-02.mid")), File.ReadAllBytes(Path.Combine(outB, "melody-02.mid")));
        Assert.Equal(File.ReadAllText(Path.Combine(outA, "melody-01.abc")), File.ReadAllText(Path.Combine(outB, "melody-01.abc")));

        // Existing files are kept unless --force.
        var before = File.ReadAllBytes(Path.Combine(outA, "melody-01.mid"));
        var other = args.Select(a => a == "9" ? "10" : a).ToArray();
        var (again, _, againErr) = Run(other);
        Assert.Equal(1, again);
        Assert.Contains("use --force", againErr);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(outA, "melody-01.mid")));
        var (forced, _, forcedErr) = Run([.. other, "--force"]);
        Assert.True(forced == 0, forcedErr);
        Assert.NotEqual(before, File.ReadAllBytes(Path.Combine(outA, "melody-01.mid")));
    }

    [Fact]
    public void A_primer_file_gives_its_notes_key_and_meter()
    {
        var primerPath = Path.Combine(_dir, "primer.abc");
        File.WriteAllText(primerPath, "X:1\nT:p\nM:3/4\nL:1/8\nK:D\nD2 F2 A2|\n");
        var outDir = Path.Combine(_dir, "p");
        var (code, output, err) = Run("generate", "--model", Model, "--bars", "2", "--primer", primerPath, "--out", outDir);
        Assert.True(code == 0, err);
        Assert.Contains("D major", output);
        var m = AbcReader.LoadTune(Path.Combine(outDir, "melody-01.abc")).Melody;
        Assert.Equal(new TimeSignature(3, 4), m.Meter);
        Assert.Equal([62, 66, 69], m.Notes.Take(3).Select(n => n.Pitch.Number));
    }

    [Theory]
    [InlineData("--bars 0", "error: --bars: must be 1..256, not 0")]
    [InlineData("--bars -3", "error: --bars: must be 1..256, not -3")]
    [InlineData("--bars 2 --count 0", "error: --count: must be 1..64, not 0")]
    [InlineData("--bars 2 --temperature 0", "error: --temperature: must be a finite number greater than 0, not 0")]
    [InlineData("--bars 2 --top-k 0", "error: --top-k: must be at least 1, not 0")]
    [InlineData("--bars 2 --top-p 1.5", "error: --top-p: must be in (0, 1], not 1.5")]
    [InlineData("--bars 2 --key H", "Invalid key 'H'")]
    [InlineData("--bars 2 --chords C|Xq|G", "Invalid chord symbol 'Xq'")]
    [InlineData("--bars 2 --meter 4/5", "Invalid time signature")]
    [InlineData("--bars 2 --range C4-A4", "narrower than an octave")]
    [InlineData("--bars 2 --range C6-C4", "inverted")]
    [InlineData("--bars 2 --range C4", "two pitches")]
    [InlineData("--bars 1 --primer C4|D4|E4|F4|G4", "error: --primer: lasts 5 quarters, longer than the 1 bars of 4/4 requested (4 quarters)")]
    [InlineData("--bars 2 --primer C4|Q4", "Invalid note sequence")]
    [InlineData("--bars 2 --style polka", "error: --style: unknown style 'polka'")]
    [InlineData("--bars 2 --max-leap -1", "error: --max-leap: must be 0..127 semitones, not -1")]
    [InlineData("--bars 2 --form AB-", "Invalid melody form 'AB-'")]
    [InlineData("--bars 2 --form AA --beam 2", "error: --form: beam search cannot follow a form")]
    public void Bad_input_is_one_clear_error_before_any_file_is_written(string options, string message)
    {
        var outDir = Path.Combine(_dir, "bad");
        var args = new List<string> { "generate", "--model", Model, "--out", outDir };
        args.AddRange(options.Split(' ').Select(a => a.Replace('|', ' ')));
        var (code, _, err) = Run([.. args]);
        Assert.Equal(1, code);
        Assert.Contains(message, err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void A_narrow_range_is_fine_with_chromatic_and_a_missing_model_is_named()
    {
        var (code, _, err) = Run("generate", "--model", Model, "--bars", "1", "--range", "C4-E4", "--chromatic", "--out", Path.Combine(_dir, "c"));
        Assert.True(code == 0, err);
        var (missing, _, missingErr) = Run("generate", "--model", Path.Combine(_dir, "nope"), "--bars", "1", "--out", Path.Combine(_dir, "d"));
        Assert.Equal(1, missing);
        Assert.Contains("is not a model folder", missingErr);
    }

    [Fact]
    public void Without_model_the_default_folder_beside_the_solution_is_used_or_named_in_the_error()
    {
        var expected = Path.Combine(Melos.Tests.Datasets.RepoRoot, "models", "default");
        var (code, output, err) = Run("generate", "--bars", "1", "--out", Path.Combine(_dir, "default"));
        if (File.Exists(Path.Combine(expected, "config.json")))
            Assert.True(code == 0 || err.Contains("error:", StringComparison.Ordinal), output + err);
        else
        {
            Assert.Equal(1, code);
            Assert.Equal($"error: no default model at {expected}; train one with 'melos train', pass --model or set MELOS_MODEL", err.Trim());
        }
    }

    [Fact]
    public void MELOS_MODEL_names_the_default_model_and_a_wrong_one_is_one_clear_error()
    {
        Assert.Equal(Path.GetFullPath(Model), Melos.Cli.Commands.GenerateCommand.DefaultModelPath(Model));
        var wrong = Path.Combine(_dir, "no-model");
        var e = Assert.Throws<Melos.Cli.CliError>(() => Melos.Cli.Commands.GenerateCommand.DefaultModelPath(wrong));
        Assert.Equal($"MELOS_MODEL={wrong} is not a model folder (no config.json in {wrong})", e.Message);
        // Without the variable: the model next to the program, else the repository's.
        var found = Melos.Cli.Commands.GenerateCommand.DefaultModelPath(null);
        Assert.True(File.Exists(Path.Combine(found, "config.json")), found);
    }

    /// <summary>The shipped default model (models/default: whole-tune note tokens) under every control of <c>generate</c>.</summary>
    [Theory]
    [InlineData("sample")]
    [InlineData("beam")]
    [InlineData("best-of")]
    public void The_shipped_default_model_obeys_every_control(string search)
    {
        var folder = Path.Combine(Melos.Tests.Datasets.RepoRoot, "models", "default");
        Assert.True(File.Exists(Path.Combine(folder, "config.json")), $"the shipped default model is missing from {folder}");
        var outDir = Path.Combine(_dir, "every-" + search);
        string[] searchArgs = search switch { "beam" => ["--beam", "3"], "best-of" => ["--best-of", "3"], _ => ["--temperature", "0.9", "--top-k", "12", "--top-p", "0.95"] };
        var (code, output, err) = Run([
            "generate", "--bars", "8", "--count", "2", "--seed", "4", "--key", "D", "--meter", "6/8", "--chords", "D G:2 A D",
            "--primer", "D4/2 F#4/2 A4/2", "--style", "jig", "--range", "D4-D6", "--max-leap", "7", "--density", "2-6", "--end-on-tonic",
            "--trace", "--out", outDir, "--formats", "mid", .. searchArgs,
            // Beam search cannot follow a form (refused by design, with that message); sampling and best-of do.
            .. (search == "beam" ? (string[])[] : ["--form", "A.A.B.B."])]);
        Assert.True(code == 0, err);
        var key = Key.Parse("D");
        foreach (var file in new[] { "melody-01.mid", "melody-02.mid" })
        {
            var m = MidiMelody.Read(Path.Combine(outDir, file));
            var show = NoteSequence.Format(m.Notes);
            Assert.Equal(new TimeSignature(6, 8), m.Meter);
            Assert.Equal(Duration.FromQuarters(8 * 3), m.Length);
            Assert.Equal([62, 66, 69], m.Notes.Take(3).Select(n => n.Pitch.Number));
            int? previous = null;
            foreach (var n in m.Notes)
            {
                Assert.True(key.Scale.Contains(n.Pitch.Number) && n.Pitch.Number is >= 62 and <= 86 && n.End <= m.Length, $"{n} breaks key, range or length: {show}");
                if (previous is { } p) Assert.True(Math.Abs(n.Pitch.Number - p) <= 7, $"leap {p} -> {n.Pitch.Number}: {show}");
                previous = n.Pitch.Number;
            }
            for (int bar = 1; bar < 8; bar++)
                Assert.InRange(m.Notes.Count(n => m.BarOf(n.Start).Bar == bar), 2, 6);
            Assert.Equal(key.Tonic.PitchClass, m.Notes[^1].Pitch.Number % 12);
            Assert.True(Directory.Exists(Path.Combine(outDir, Path.GetFileNameWithoutExtension(file) + ".explain")), "--trace writes an explanation");
        }
        Assert.Contains("D major", output);
    }

    [Fact]
    public void A_midi_primer_is_read_and_a_note_tokenizer_model_generates()
    {
        var primer = Melody.Create(NoteSequence.Parse("A4 B4 C5/2 E5/2"), Key.AMinor, [new MeterChange(Duration.Zero, new TimeSignature(2, 4))]);
        var primerPath = Path.Combine(_dir, "primer.mid");
        File.WriteAllBytes(primerPath, MidiMelody.Write(primer));
        var outDir = Path.Combine(_dir, "m");
        var (code, output, err) = Run("generate", "--model", Model, "--bars", "3", "--primer", primerPath, "--out", outDir);
        Assert.True(code == 0, err);
        Assert.Contains("A minor", output);
        var m = MidiMelody.Read(Path.Combine(outDir, "melody-01.mid"));
        Assert.Equal([69, 71, 72, 76], m.Notes.Take(4).Select(n => n.Pitch.Number));
        Assert.Equal(new TimeSignature(2, 4), m.Meter);

        // A checkpoint with the note tokenizer generates through the same decoder, under the same key and length.
        var melodies = Enumerable.Range(0, 4).Select(i => Melody.Create(NoteSequence.Parse("C4 D4 E4 F4 G4 A4 B4 C5"), Key.CMajor).Transpose(i)).ToList();
        var noteModel = Path.Combine(_dir, "note-model");
        Melos.Models.Training.TrainingRun.Run(new Melos.Models.Training.TrainingRequest(melodies, [], new Melos.Models.NGramConfig { Order = 3 },
            new Melos.Data.Tokenizers.NoteTokenizerConfig { StepsPerQuarter = 4 }, new Melos.Models.Training.TrainingConfig(), noteModel));
        var (ok, _, okErr) = Run("generate", "--model", noteModel, "--bars", "2", "--key", "D", "--out", Path.Combine(_dir, "n"), "--formats", "mid");
        Assert.True(ok == 0, okErr);
        var generated = MidiMelody.Read(Path.Combine(_dir, "n", "melody-01.mid"));
        Assert.NotEmpty(generated.Notes);
        Assert.True(generated.Notes[^1].End <= Duration.FromQuarters(8), NoteSequence.Format(generated.Notes));
        Assert.All(generated.Notes, n => Assert.True(Key.Parse("D").Scale.Contains(n.Pitch.Number), NoteSequence.Format(generated.Notes)));

        // Infilling and variation run through the same decoder on the note grammar: the kept bar stays, the new one is in the key.
        var source = Path.Combine(_dir, "source.mid");
        var tune = Melody.Create(NoteSequence.Parse("C4 D4 E4 F4 G4 A4 B4 C5"), Key.CMajor);
        File.WriteAllBytes(source, MidiMelody.Write(tune));
        var (infilled, _, infillErr) = Run("infill", source, "--model", noteModel, "--bars", "2", "--seed", "5", "--out", Path.Combine(_dir, "i"));
        Assert.True(infilled == 0, infillErr);
        var filled = MidiMelody.Read(Directory.EnumerateFiles(Path.Combine(_dir, "i"), "*.mid").First());
        Assert.Equal(tune.Notes.Take(4).Select(n => (n.Pitch.Number, n.Start, n.Length)), filled.Notes.Take(4).Select(n => (n.Pitch.Number, n.Start, n.Length)));
        Assert.All(filled.Notes.Skip(4), n => Assert.True(n.Start >= Duration.FromQuarters(4) && n.End <= Duration.FromQuarters(8) && Key.CMajor.Scale.Contains(n.Pitch.Number),
            NoteSequence.Format(filled.Notes)));
        var (varied, _, varyErr) = Run("vary", source, "--model", noteModel, "--amount", "0.5", "--seed", "5", "--out", Path.Combine(_dir, "v"));
        Assert.True(varied == 0, varyErr);
        var variation = MidiMelody.Read(Directory.EnumerateFiles(Path.Combine(_dir, "v"), "*.mid").First());
        Assert.Equal(tune.Notes.Select(n => (n.Start, n.Length)), variation.Notes.Select(n => (n.Start, n.Length)));
        Assert.NotEqual(tune.Notes.Select(n => n.Pitch.Number), variation.Notes.Select(n => n.Pitch.Number));
    }
}
