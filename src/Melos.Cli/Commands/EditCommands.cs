using System.CommandLine;
using System.Globalization;
using Melos.Formats;
using Melos.Generation;
using Melos.Models.Training;
using Melos.Music;

namespace Melos.Cli.Commands;

/// <summary>
/// <c>melos infill</c> and <c>melos vary</c>: rework an existing tune (any readable format) with a trained model, writing
/// <c>STEM-infill-NN.mid/.abc</c> or <c>STEM-vary-NN.mid/.abc</c>.
/// </summary>
public static class EditCommands
{
    /// <summary>The formats <c>infill</c> and <c>vary</c> write each result in.</summary>
    private static readonly MelodyFormat[] Outputs = [MelodyFormat.Midi, MelodyFormat.Abc];

    private static string TuneFileDescription =>
        $"A tune: {string.Join(", ", FileArguments.Formats.Readable.Select(f => $"{f.Title} ({string.Join(", ", f.Endings)})"))}.";

    /// <summary>Creates <c>melos infill</c>.</summary>
    public static Command Infill(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = TuneFileDescription };
        var bars = new Option<string>("--bars") { Description = "The bars to regenerate, FIRST-LAST or one bar, numbered from 1 (bar 1 starts at time 0, so a pickup is bar 1), e.g. 5-8.", Required = true };
        var candidates = new Option<int>("--candidates") { Description = $"Candidates sampled per result (1..{InfillRequest.MaxCandidates}); the best is kept.", DefaultValueFactory = _ => 16 };
        var scoring = new Option<string>("--scoring") { Description = "Rank candidates by the model likelihood of the gap and everything after it (both), or of the gap alone (left).", DefaultValueFactory = _ => "both" };
        var common = new CommonOptions();
        var cmd = new Command("infill", "Regenerate chosen bars of a tune so that they join the bars around them; the other bars are kept note for note.")
            { file, bars };
        common.AddTo(cmd);
        cmd.Add(candidates);
        cmd.Add(scoring);
        cmd.SetAction(pr => context.Guard(() =>
        {
            // Every input is checked before the model is loaded or anything is written; a melody off the model's grid
            // (performed MIDI) is quantized to it first, with a note saying so.
            var input = common.Read(pr, pr.GetValue(file)!);
            var (first, last) = ParseBars(pr.GetValue(bars)!);
            var rank = pr.GetValue(scoring) switch
            {
                "both" => InfillScoring.BothSides,
                "left" => InfillScoring.LeftOnly,
                var other => throw new CliError($"--scoring must be both or left, not '{other}'"),
            };
            var settings = common.Settings(pr);
            var request = new InfillRequest(input, first, last)
            {
                Count = settings.Count, Candidates = pr.GetValue(candidates), Scoring = rank, Seed = settings.Seed, Sampling = settings.Sampling,
                Key = settings.Key, Pitches = settings.Pitches,
            };
            request.Validate();
            var names = common.OutputNames(pr, "infill", settings.Count);
            var modelDir = common.ModelDirectory(pr);
            input = FileArguments.OnGrid(context, MelodyGenerator.FitToGrid(input, modelDir));
            request = request with { Melody = input };
            request.Validate();

            using var generator = MelodyGenerator.Load(modelDir);
            generator.Check(request);
            var results = generator.Infill(request);
            var rows = results.Select((r, i) => (names[i], r.Melody, string.Create(CultureInfo.InvariantCulture,
                $"{ChangedNotes(input, r.Melody),7} {r.LogLikelihood,14:0.00} {r.RightLogLikelihood,12:0.00}"))).ToList();
            Write(context, common.OutputDirectory(pr), $"{"changed",7} {"log-likelihood",14} {"right side",12}", rows);
            return 0;
        }, RequestFlags.Edit));
        return cmd;
    }

    /// <summary>Creates <c>melos vary</c>.</summary>
    public static Command Vary(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = TuneFileDescription };
        var amount = new Option<double>("--amount") { Description = "The share of notes to redraw, in (0, 1]: round(amount x notes), at least one.", DefaultValueFactory = _ => 0.3 };
        var rhythm = new Option<bool>("--rhythm") { Description = "Also redraw the rhythm from each chosen note to the next note." };
        var common = new CommonOptions();
        var cmd = new Command("vary", "Vary a tune: redraw the pitch (and optionally the rhythm) of a share of its notes with the model; keep the rest.")
            { file, amount, rhythm };
        common.AddTo(cmd);
        cmd.SetAction(pr => context.Guard(() =>
        {
            var input = common.Read(pr, pr.GetValue(file)!);
            var settings = common.Settings(pr);
            var request = new VariationRequest(input, pr.GetValue(amount))
            {
                Rhythm = pr.GetValue(rhythm), Count = settings.Count, Seed = settings.Seed, Sampling = settings.Sampling, Key = settings.Key, Pitches = settings.Pitches,
            };
            request.Validate();
            var names = common.OutputNames(pr, "vary", settings.Count);
            var modelDir = common.ModelDirectory(pr);
            request = request with { Melody = FileArguments.OnGrid(context, MelodyGenerator.FitToGrid(input, modelDir)) };
            request.Validate();

            using var generator = MelodyGenerator.Load(modelDir);
            generator.Check(request);
            var results = generator.Vary(request);
            var rows = results.Select((r, i) => (names[i], r.Melody, string.Create(CultureInfo.InvariantCulture,
                $"{r.Chosen.Count,6} {r.ChangedNotes,7} {r.LogLikelihood,14:0.00}"))).ToList();
            Write(context, common.OutputDirectory(pr), $"{"chosen",6} {"changed",7} {"log-likelihood",14}", rows);
            return 0;
        }, RequestFlags.Edit));
        return cmd;
    }

    /// <summary>Parses <c>FIRST-LAST</c> or <c>N</c>: bar numbers from 1, not inverted.</summary>
    /// <exception cref="CliError">Not one or two whole numbers from 1, or inverted.</exception>
    public static (int First, int Last) ParseBars(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        var ci = CultureInfo.InvariantCulture;
        if (parts.Length is < 1 or > 2 || !parts.All(p => int.TryParse(p, NumberStyles.None, ci, out int b) && b >= 1))
            throw new CliError($"--bars must be FIRST-LAST bar numbers from 1 such as 5-8, or one bar number, not '{text}'");
        int first = int.Parse(parts[0], ci), last = int.Parse(parts[^1], ci);
        if (first > last) throw new CliError($"--bars {text} is inverted: bar {first} comes after bar {last}");
        return (first, last);
    }

    private static int ChangedNotes(Melody before, Melody after) => after.Notes.Except(before.Notes).Count();

    private static void Write(CliContext context, string outDir, string header, List<(string Name, Melody Melody, string Figures)> rows)
    {
        Directory.CreateDirectory(outDir);
        var w = context.Out;
        w.WriteLine($"{"file",-28} {"bars",4} {"notes",5} {header}");
        for (int i = 0; i < rows.Count; i++)
        {
            var (name, melody, figures) = rows[i];
            FileArguments.Formats.Write(Path.Combine(outDir, name), melody, Outputs, new MelodyWriteOptions { TuneNumber = i + 1 });
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{TerminalText.Escape(name + Outputs[0].Ending),-28} {melody.BarCount,4} {melody.Notes.Length,5} {figures}"));
        }
        w.WriteLine($"wrote {rows.Count * Outputs.Length} files to {TerminalText.Escape(outDir)}");
    }

    /// <summary>The settings both commands share (the sampling and pitch settings checked as they are made).</summary>
    private sealed record Settings(int Count, int Seed, SamplingSettings Sampling, Key? Key, PitchConstraints Pitches);

    /// <summary>The options both commands share.</summary>
    private sealed class CommonOptions
    {
        private readonly Option<string?> _model = new("--model") { Description = $"A model folder from 'melos train' (grid or note tokenizer). Default: ${GenerateCommand.ModelVariable}, else {GenerateCommand.DefaultModelFolder} next to the program or beside Melos.sln." };
        private readonly Option<int?> _tune = new("--tune") { Description = "For ABC files: the tune's X: number (default: the first tune)." };
        private readonly Option<int> _count = new("--count") { Description = $"Results to write (1..{GenerationRequest.MaxCount}).", DefaultValueFactory = _ => 1 };
        private readonly Option<int> _seed = new("--seed") { Description = $"Seeds every random choice: the same command and model write the same files. {SeedOption.Range}", DefaultValueFactory = _ => 1 };
        private readonly Option<double> _temperature = new("--temperature") { Description = "Softmax temperature above 0.", DefaultValueFactory = _ => 1.0 };
        private readonly Option<int?> _topK = new("--top-k") { Description = "Draw among the K most likely allowed tokens only." };
        private readonly Option<double?> _topP = new("--top-p") { Description = "Draw among the most likely allowed tokens whose probabilities add up to P, 0 < P <= 1." };
        private readonly Option<string?> _key = new("--key") { Description = "The key whose scale new notes use (default: the tune's key, else estimated from its notes)." };
        private readonly Option<string?> _range = new("--range") { Description = "Lowest and highest new pitch, e.g. C4-C6 (default: the tune's own lowest and highest notes)." };
        private readonly Option<int?> _maxLeap = new("--max-leap") { Description = "Largest interval between consecutive notes, in semitones." };
        private readonly Option<bool> _chromatic = new("--chromatic") { Description = "Allow new pitches outside the key's scale." };
        private readonly Option<string> _out = new("--out", "-o") { Description = "The folder to write the files into.", Required = true };
        private readonly Option<bool> _force = new("--force") { Description = "Overwrite existing files." };
        private string _stem = "";

        public void AddTo(Command command)
        {
            foreach (var o in new Option[] { _model, _tune, _count, _seed, _temperature, _topK, _topP, _key, _range, _maxLeap, _chromatic, _out, _force })
                command.Add(o);
        }

        public Melody Read(ParseResult pr, string path)
        {
            _stem = Path.GetFileNameWithoutExtension(path);
            return FileArguments.ReadMelody(path, pr.GetValue(_tune));
        }

        public Settings Settings(ParseResult pr)
        {
            var sampling = new SamplingSettings { Temperature = pr.GetValue(_temperature), TopK = pr.GetValue(_topK), TopP = pr.GetValue(_topP) };
            var key = pr.GetValue(_key) is { } keyText ? Key.Parse(keyText) : null;
            bool chromatic = pr.GetValue(_chromatic);
            var (low, high) = pr.GetValue(_range) is { } rangeText ? GenerateCommand.ParseRange(rangeText, chromatic) : (null, null);
            var pitches = new PitchConstraints { Low = low, High = high, MaxLeap = pr.GetValue(_maxLeap), Chromatic = chromatic };
            return new Settings(pr.GetValue(_count), SeedOption.Check(pr.GetValue(_seed)), sampling, key, pitches);
        }

        public string OutputDirectory(ParseResult pr) => pr.GetValue(_out)!;

        /// <summary>STEM-VERB-01 ...; refuses files that exist unless --force.</summary>
        public List<string> OutputNames(ParseResult pr, string verb, int count)
        {
            var names = Enumerable.Range(1, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"{_stem}-{verb}-{i:00}")).ToList();
            FileArguments.EnsureWritable(names.SelectMany(s => FileArguments.Formats.Targets(Path.Combine(OutputDirectory(pr), s), Outputs)), pr.GetValue(_force));
            return names;
        }

        public string ModelDirectory(ParseResult pr)
        {
            var dir = pr.GetValue(_model) ?? GenerateCommand.DefaultModelPath();
            if (!File.Exists(Path.Combine(dir, Checkpoint.ConfigFile))) throw new CliError($"{dir} is not a model folder (no {Checkpoint.ConfigFile})");
            return dir;
        }
    }
}
