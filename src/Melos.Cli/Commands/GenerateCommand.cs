using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using Melos.Formats;
using Melos.Generation;
using Melos.Generation.Explanation;
using Melos.Models.Training;
using Melos.Music;
using Melos.Reports;

namespace Melos.Cli.Commands;

/// <summary>
/// <c>melos generate</c>: new melodies from a grid- or note-tokenizer model under the musician's constraints, written as
/// <c>melody-NN.mid</c>, <c>.abc</c>, <c>.musicxml</c>, <c>.wav</c> and <c>.png</c> (or the <c>--formats</c> chosen) through <see cref="FileArguments.Formats"/>.
/// </summary>
public static class GenerateCommand
{
    /// <summary>The default model folder, relative to the folder holding <c>Melos.sln</c>.</summary>
    public const string DefaultModelFolder = "models/default";

    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var model = new Option<string?>("--model") { Description = $"A model folder from 'melos train' (grid or note tokenizer, or a VAE, which samples its prior). Default: ${ModelVariable}, else {DefaultModelFolder} next to the program or beside Melos.sln." };
        var bars = new Option<int>("--bars") { Description = $"Bars per melody (1..{GenerationRequest.MaxBars}); every melody is exactly this long.", Required = true };
        var count = new Option<int>("--count") { Description = $"Melodies to write (1..{GenerationRequest.MaxCount}).", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = $"Seeds every random choice: the same command and model write the same melodies. {SeedOption.Range}", DefaultValueFactory = _ => 1 };
        var temperature = new Option<double>("--temperature") { Description = "Softmax temperature above 0 (lower: safer, higher: wilder).", DefaultValueFactory = _ => 1.0 };
        var topK = new Option<int?>("--top-k") { Description = "Draw among the K most likely allowed tokens only." };
        var topP = new Option<double?>("--top-p") { Description = "Draw among the most likely allowed tokens whose probabilities add up to P, 0 < P <= 1." };
        var key = new Option<string?>("--key") { Description = "The key, e.g. G, Em, D dorian (default: the primer file's key, else C major)." };
        var meter = new Option<string?>("--meter") { Description = "The time signature, e.g. 4/4, 6/8 (default: the primer file's meter, else 4/4)." };
        var chords = new Option<string?>("--chords") { Description = "Chords separated by spaces, one bar each or SYMBOL:BEATS, repeated to fill the bars, e.g. \"G D/F# Em C\" or \"G:2 D:2 Em C\"." };
        var primer = new Option<string?>("--primer") { Description = "Opening notes kept verbatim: a note string (\"G4 A4 B4/2 D5\") or a MIDI, ABC or MusicXML file." };
        var style = new Option<string?>("--style") { Description = "A style label the model was trained with." };
        var range = new Option<string?>("--range") { Description = "Lowest and highest pitch, e.g. C4-C6 (at least an octave unless --chromatic)." };
        var maxLeap = new Option<int?>("--max-leap") { Description = "Largest interval between consecutive notes, in semitones." };
        var endOnTonic = new Option<bool>("--end-on-tonic") { Description = "End on the key's tonic whenever the other constraints allow it." };
        var chromatic = new Option<bool>("--chromatic") { Description = "Allow pitches outside the key's scale." };
        var output = new Option<string>("--out", "-o") { Description = "The folder to write melody-01.mid, melody-01.abc, ... into.", Required = true };
        var force = new Option<bool>("--force") { Description = "Overwrite existing melody files." };
        var formats = new Option<string?>("--formats") { Description = $"The files to write per melody, comma-separated (default all: {FileArguments.Names})." };
        var files = new MelodyFileCliOptions();
        var beam = new Option<int?>("--beam") { Description = $"Beam search of width W (1..{GenerationRequest.MaxBeamWidth}) instead of sampling: deterministic, never less likely than greedy; --count at most W." };
        var bestOf = new Option<int?>("--best-of") { Description = $"Sample N candidates per melody and keep the one the model finds most likely (1..{GenerationRequest.MaxBestOf})." };
        var density = new Option<string?>("--density") { Description = "Notes starting in each generated bar: MIN-MAX (e.g. 2-6) or N (exactly N)." };
        var form = new Option<string?>("--form") { Description = "Which bars repeat which, one symbol per bar: a repeated letter copies the earlier bar, '.' is a new bar, e.g. \"AB.. AB.C\" (starts after a pickup bar)." };
        var trace = new Option<bool>("--trace") { Description = "Also write an explanation of each melody (melody-01.explain/: index.html, JSON, piano roll by probability, surprisal, attribution)." };
        var cmd = new Command("generate", "Compose new melodies with a trained model under your constraints (key, meter, chords, range, leaps, density, primer).")
            { model, bars, count, seed, temperature, topK, topP, key, meter, chords, primer, style, range, maxLeap, endOnTonic, chromatic, output, force, formats, beam, bestOf, density, form, trace };
        files.AddTo(cmd);
        cmd.SetAction(pr => context.Guard(() =>
        {
            // Every input is checked before the model is loaded or anything is written: the request checks its own
            // fields (an InvalidRequestException names the field, which Guard reports as its flag).
            var theForm = pr.GetValue(form) is { } formText ? MelodyForm.Parse(formText) : null;
            var (minDensity, maxDensity) = pr.GetValue(density) is { } densityText ? ParseDensity(densityText) : (null, null);
            var (primerNotes, primerMelody) = ReadPrimer(pr.GetValue(primer));
            var theKey = pr.GetValue(key) is { } keyText ? Key.Parse(keyText) : primerMelody?.Key ?? Key.CMajor;
            var theMeter = pr.GetValue(meter) is { } meterText ? TimeSignature.Parse(meterText) : primerMelody?.Meter ?? TimeSignature.CommonTime;
            var chordList = pr.GetValue(chords) is { } chordText ? ChordProgression.Parse(chordText) : [];
            bool isChromatic = pr.GetValue(chromatic);
            var (low, high) = pr.GetValue(range) is { } rangeText ? ParseRange(rangeText, isChromatic) : (null, null);

            var request = new GenerationRequest
            {
                Bars = pr.GetValue(bars),
                Count = pr.GetValue(count),
                Seed = SeedOption.Check(pr.GetValue(seed)),
                Sampling = new SamplingSettings { Temperature = pr.GetValue(temperature), TopK = pr.GetValue(topK), TopP = pr.GetValue(topP) },
                Key = theKey,
                Meter = theMeter,
                Chords = chordList,
                Primer = primerNotes,
                Style = pr.GetValue(style),
                Pitches = new PitchConstraints { Low = low, High = high, MaxLeap = pr.GetValue(maxLeap), Chromatic = isChromatic },
                EndOnTonic = pr.GetValue(endOnTonic),
                TempoBpm = primerMelody is { Tempos: [var tempo, ..] } ? tempo.Bpm : 120,
                BeamWidth = pr.GetValue(beam),
                BestOf = pr.GetValue(bestOf),
                MinNotesPerBar = minDensity,
                MaxNotesPerBar = maxDensity,
                Form = theForm,
            };
            request.Validate();
            int n = request.Count;

            var outDir = pr.GetValue(output)!;
            var names = Enumerable.Range(1, n).Select(i => string.Create(CultureInfo.InvariantCulture, $"melody-{i:00}")).ToList();
            var outFormats = FileArguments.ParseFormats(pr.GetValue(formats));
            var fileOptions = files.Read(pr);
            FileArguments.EnsureWritable(names.SelectMany(s => FileArguments.Formats.Targets(Path.Combine(outDir, s), outFormats)), pr.GetValue(force));
            bool tracing = pr.GetValue(trace);
            if (tracing && !pr.GetValue(force) && names.Select(s => Path.Combine(outDir, s + ".explain")).FirstOrDefault(Directory.Exists) is { } existing)
                throw new CliError($"{existing} exists; use --force to overwrite it");
            FormatRegistry.CheckWrite(outFormats, fileOptions);

            var modelDir = pr.GetValue(model) ?? DefaultModelPath();
            if (!File.Exists(Path.Combine(modelDir, Checkpoint.ConfigFile))) throw new CliError($"{modelDir} is not a model folder (no {Checkpoint.ConfigFile})");
            if (Checkpoint.ReadInfo(modelDir).Architecture == "vae")
            {
                // A VAE samples latents from its prior and decodes each through the same grammar (the constraints hold).
                if (tracing) throw new CliError("--trace explains an autoregressive model's choices; it does not apply to a VAE");
                using var space = LatentSpace.Load(modelDir);
                var sampled = space.SamplePrior(request);
                return Write(context, sampled, names, outDir, outFormats, fileOptions, null);
            }
            using var generator = MelodyGenerator.Load(modelDir);
            generator.Check(request);
            var melodies = generator.Generate(request);
            return Write(context, melodies, names, outDir, outFormats, fileOptions, tracing ? generator : null);
        }, RequestFlags.Generate));
        return cmd;
    }

    private static int Write(CliContext context, IReadOnlyList<GeneratedMelody> melodies, List<string> names, string outDir, IReadOnlyList<MelodyFormat> outFormats,
        MelodyWriteOptions fileOptions, MelodyGenerator? tracer)
    {
        Directory.CreateDirectory(outDir);
        var w = context.Out;
        w.WriteLine($"{"file",-16} {"key",-12} {"bars",4} {"notes",5} {"log-likelihood",14}");
        int written = 0;
        for (int i = 0; i < melodies.Count; i++)
        {
            var m = melodies[i].Melody;
            written += FileArguments.Formats.Write(Path.Combine(outDir, names[i]), m, outFormats, fileOptions with { TuneNumber = i + 1 }).Count;
            if (tracer is not null) written += ExplanationReport.Write(Path.Combine(outDir, names[i] + ".explain"), m, ExplainCommand.Explain(tracer, m)).Count;
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{names[i] + outFormats[0].Ending,-16} {m.Key,-12} {m.BarCount,4} {m.Notes.Length,5} {melodies[i].LogLikelihood,14:0.00}"));
        }
        w.WriteLine($"wrote {written} file{(written == 1 ? "" : "s")} to {outDir} ({string.Join(", ", outFormats.Select(f => f.Name))})");
        return 0;
    }

    /// <summary>The environment variable that names the default model folder (overridden by <c>--model</c>).</summary>
    public const string ModelVariable = "MELOS_MODEL";

    /// <summary>
    /// The default model folder: the one <see cref="ModelVariable"/> names; else <see cref="DefaultModelFolder"/> next to
    /// the program (a published or installed melos carries its model); else <see cref="DefaultModelFolder"/> in the
    /// first folder above the program that holds <c>Melos.sln</c> (a build inside the repository).
    /// </summary>
    /// <exception cref="CliError">The variable names no model folder, or no default model was found.</exception>
    public static string DefaultModelPath() => DefaultModelPath(Environment.GetEnvironmentVariable(ModelVariable));

    /// <summary><see cref="DefaultModelPath()"/> with the variable's value given.</summary>
    public static string DefaultModelPath(string? variable)
    {
        if (!string.IsNullOrWhiteSpace(variable))
        {
            var named = Path.GetFullPath(variable);
            if (!File.Exists(Path.Combine(named, Checkpoint.ConfigFile)))
                throw new CliError($"{ModelVariable}={variable} is not a model folder (no {Checkpoint.ConfigFile} in {named})");
            return named;
        }
        var beside = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, DefaultModelFolder));
        if (File.Exists(Path.Combine(beside, Checkpoint.ConfigFile))) return beside;
        var path = Path.GetFullPath(Path.Combine(RepositoryRoot() ?? AppContext.BaseDirectory, DefaultModelFolder));
        if (!File.Exists(Path.Combine(path, Checkpoint.ConfigFile)))
            throw new CliError($"no default model at {path}; train one with 'melos train', pass --model or set {ModelVariable}");
        return path;
    }

    /// <summary>The first folder above <see cref="AppContext.BaseDirectory"/> that holds <c>Melos.sln</c>, or null.</summary>
    public static string? RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Melos.sln"))) dir = dir.Parent;
        return dir?.FullName;
    }

    /// <summary>Parses <c>LOW-HIGH</c>, e.g. <c>C4-C6</c>; without <paramref name="chromatic"/> it must span an octave.</summary>
    /// <exception cref="CliError">Not two pitches, inverted, or narrower than an octave under a key mask.</exception>
    public static (Pitch? Low, Pitch? High) ParseRange(string text, bool chromatic)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length != 2) throw new CliError($"--range must be two pitches such as C4-C6, not '{text}'");
        var low = Pitch.Parse(parts[0]);
        var high = Pitch.Parse(parts[1]);
        if (low.Number > high.Number) throw new CliError($"--range {text} is inverted: {low} is above {high}");
        if (!chromatic && high.Number - low.Number < 12)
            throw new CliError($"--range {text} is narrower than an octave; the key's scale needs at least 12 semitones (or pass --chromatic)");
        return (low, high);
    }

    /// <summary>Parses <c>MIN-MAX</c> (e.g. <c>2-6</c>) or <c>N</c> (exactly N) notes per bar.</summary>
    /// <exception cref="CliError">Not one or two whole numbers, a minimum below 0, a maximum below 1, or inverted.</exception>
    public static (int? Min, int? Max) ParseDensity(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        var ci = CultureInfo.InvariantCulture;
        if (parts.Length is < 1 or > 2 || !parts.All(p => int.TryParse(p, NumberStyles.None, ci, out _)))
            throw new CliError($"--density must be MIN-MAX notes per bar such as 2-6, or one number, not '{text}'");
        int min = int.Parse(parts[0], ci), max = int.Parse(parts[^1], ci);
        if (max < 1) throw new CliError($"--density {text} allows no note at all; the maximum must be at least 1");
        if (min > max) throw new CliError($"--density {text} is inverted: at least {min} but at most {max} notes per bar");
        if (max > GenerationRequest.MaxDensity) throw new CliError($"--density must be at most {GenerationRequest.MaxDensity} notes per bar, not {max}");
        return (min, max);
    }

    /// <summary>The primer: null text is none; a path ending as a readable melody file gives its melody; anything else is a note string.</summary>
    private static (ImmutableArray<Note> Notes, Melody? Melody) ReadPrimer(string? text)
    {
        if (text is null) return ([], null);
        if (FileArguments.Formats.Find(text) is { CanRead: true })
        {
            var melody = FileArguments.ReadMelody(text, what: "primer file");
            return (melody.Notes, melody);
        }
        return ([.. NoteSequence.Parse(text)], null);
    }

}
