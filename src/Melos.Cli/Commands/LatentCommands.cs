using System.CommandLine;
using System.Globalization;
using Melos.Data.Corpus;
using Melos.Formats;
using Melos.Generation;
using Melos.Models.Training;
using Melos.Music;

namespace Melos.Cli.Commands;

/// <summary><c>melos interpolate</c> and <c>melos similar</c>: the latent space of a VAE (<c>models/vae</c> by default).</summary>
public static class LatentCommands
{
    /// <summary>The default VAE folder, relative to the folder holding <c>Melos.sln</c> (or the program's folder).</summary>
    public const string DefaultVaeFolder = "models/vae";

    /// <summary>The environment variable that names the default VAE folder (overridden by <c>--model</c>).</summary>
    public const string VaeVariable = "MELOS_VAE";

    /// <summary>The default VAE folder: <see cref="VaeVariable"/>'s, else <see cref="DefaultVaeFolder"/> next to the program, else beside Melos.sln.</summary>
    /// <exception cref="CliError">No VAE there.</exception>
    public static string DefaultVaePath()
    {
        var variable = Environment.GetEnvironmentVariable(VaeVariable);
        if (!string.IsNullOrWhiteSpace(variable))
        {
            if (!File.Exists(Path.Combine(variable, Checkpoint.ConfigFile))) throw new CliError($"{VaeVariable}={variable} is not a model folder (no {Checkpoint.ConfigFile})");
            return Path.GetFullPath(variable);
        }
        var beside = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, DefaultVaeFolder));
        if (File.Exists(Path.Combine(beside, Checkpoint.ConfigFile))) return beside;
        var path = Path.GetFullPath(Path.Combine(GenerateCommand.RepositoryRoot() ?? AppContext.BaseDirectory, DefaultVaeFolder));
        if (!File.Exists(Path.Combine(path, Checkpoint.ConfigFile)))
            throw new CliError($"no default VAE at {path}; train one with 'melos train --arch vae', pass --model or set {VaeVariable}");
        return path;
    }

    private static LatentSpace LoadVae(string? model)
    {
        var dir = model ?? DefaultVaePath();
        if (!File.Exists(Path.Combine(dir, Checkpoint.ConfigFile))) throw new CliError($"{dir} is not a model folder (no {Checkpoint.ConfigFile})");
        return LatentSpace.Load(dir);
    }

    /// <summary>Creates <c>melos interpolate</c>.</summary>
    public static Command Interpolate(CliContext context)
    {
        var a = new Argument<string>("A") { Description = "The first melody (MIDI, ABC or MusicXML)." };
        var b = new Argument<string>("B") { Description = "The second melody, of the same meter." };
        var steps = new Option<int>("--steps") { Description = "Melodies from A to B, both ends included (2..64).", DefaultValueFactory = _ => 9 };
        var model = new Option<string?>("--model") { Description = $"A VAE folder from 'melos train --arch vae'. Default: ${VaeVariable}, else {DefaultVaeFolder}." };
        var key = new Option<string?>("--key") { Description = "The key the melodies are spelled in (default A's, else C major)." };
        var output = new Option<string>("--out", "-o") { Description = "The folder to write step-01.mid, step-01.abc, ... into.", Required = true };
        var force = new Option<bool>("--force") { Description = "Overwrite existing files." };
        var formats = new Option<string?>("--formats") { Description = $"The files to write per melody, comma-separated (default all: {FileArguments.Names})." };
        var even = new Option<bool>("--even")
        {
            Description = "Decode exactly evenly spaced points. By default the path is decoded at 4 points per step and each inner step takes, less than a step from its even point, the melody that keeps moving away from A and towards B.",
        };
        var files = new MelodyFileCliOptions();
        var cmd = new Command("interpolate", "Morph melody A into melody B through a VAE's latent space: the first and last are A's and B's reconstructions.")
            { a, b, steps, model, key, output, force, formats, even };
        files.AddTo(cmd);
        cmd.SetAction(pr => context.Guard(() =>
        {
            int n = pr.GetValue(steps);
            if (n is < 2 or > 64) throw new CliError($"--steps must be 2..64, not {n.ToString(CultureInfo.InvariantCulture)}");
            var pathA = pr.GetValue(a)!;
            var pathB = pr.GetValue(b)!;
            var melodyA = FileArguments.ReadMelody(pathA, what: "melody A");
            var melodyB = FileArguments.ReadMelody(pathB, what: "melody B");
            var theKey = pr.GetValue(key) is { } k ? Key.Parse(k) : null;
            var outDir = pr.GetValue(output)!;
            var names = Enumerable.Range(1, n).Select(i => string.Create(CultureInfo.InvariantCulture, $"step-{i:00}")).ToList();
            var outFormats = FileArguments.ParseFormats(pr.GetValue(formats));
            var fileOptions = files.Read(pr);
            FileArguments.EnsureWritable(names.SelectMany(s => FileArguments.Formats.Targets(Path.Combine(outDir, s), outFormats)), pr.GetValue(force));
            FormatRegistry.CheckWrite(outFormats, fileOptions);
            using var space = LoadVae(pr.GetValue(model));
            var result = space.Interpolate(melodyA, melodyB, n, theKey, Path.GetFileName(pathA), Path.GetFileName(pathB),
                path: pr.GetValue(even) ? InterpolationPath.Even : InterpolationPath.Smooth);
            foreach (var note in result.NotesA) context.Err.WriteLine($"note: A ({TerminalText.Escape(Path.GetFileName(pathA))}): {note}");
            foreach (var note in result.NotesB) context.Err.WriteLine($"note: B ({TerminalText.Escape(Path.GetFileName(pathB))}): {note}");
            Directory.CreateDirectory(outDir);
            int written = 0;
            var w = context.Out;
            w.WriteLine($"{"file",-14} {"position",8} {"notes",5}");
            for (int i = 0; i < n; i++)
            {
                var step = result.Steps[i];
                written += FileArguments.Formats.Write(Path.Combine(outDir, names[i]), step.Melody, outFormats, fileOptions with { TuneNumber = i + 1 }).Count;
                w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{names[i] + outFormats[0].Ending,-14} {step.Position,8:0.000} {step.Melody.Notes.Length,5}"));
            }
            w.WriteLine($"wrote {written} file{(written == 1 ? "" : "s")} to {outDir} ({string.Join(", ", outFormats.Select(f => f.Name))}); {result.Steps[0].Melody.Key}, {result.Steps[0].Melody.Meter}, {space.Bars} bars each");
            return 0;
        }));
        return cmd;
    }

    /// <summary>Creates <c>melos similar</c>.</summary>
    public static Command Similar(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "The melody to look for (MIDI, ABC or MusicXML)." };
        var corpus = new Option<string>("--corpus") { Description = "A corpus file from 'melos corpus build'.", Required = true };
        var split = new Option<string>("--split") { Description = "train, valid, test or all.", DefaultValueFactory = _ => "train" };
        split.AcceptOnlyFromAmong("train", "valid", "test", "all");
        var top = new Option<int>("--top") { Description = "How many tunes to list (1..1000).", DefaultValueFactory = _ => 10 };
        var model = new Option<string?>("--model") { Description = $"A VAE folder. Default: ${VaeVariable}, else {DefaultVaeFolder}." };
        var cmd = new Command("similar", "The corpus tunes nearest to a melody in a VAE's latent space (each tune by its nearest window of the VAE's bars).")
            { file, corpus, split, top, model };
        cmd.SetAction(pr => context.Guard(() =>
        {
            int k = pr.GetValue(top);
            if (k is < 1 or > 1000) throw new CliError($"--top must be 1..1000, not {k.ToString(CultureInfo.InvariantCulture)}");
            var path = pr.GetValue(file)!;
            var query = FileArguments.ReadMelody(path, what: "melody");
            var data = CorpusFile.Read(FileArguments.RequireFile(pr.GetValue(corpus)!, "corpus file"));
            var which = pr.GetValue(split)!;
            var entries = which == "all" ? data.Entries.ToList() : data.Split(Enum.Parse<CorpusSplit>(which, ignoreCase: true)).ToList();
            if (entries.Count == 0) throw new CliError($"the {which} split is empty");
            using var space = LoadVae(pr.GetValue(model));
            int skipped = 0;
            var found = ConsoleUi.WithProgress(context, "encoding the corpus", report =>
                space.Similar(query, [.. entries.Select(e => e.Melody)], k, out skipped, Path.GetFileName(path), new Progress(report)));
            var ci = CultureInfo.InvariantCulture;
            var w = context.Out;
            w.WriteLine($"{"rank",4} {"distance",8} {"bars",-7} {"id",-40} title");
            int rank = 0;
            foreach (var nb in found)
            {
                var e = entries[nb.Index];
                w.WriteLine(string.Create(ci, $"{++rank,4} {nb.Distance,8:0.000} {$"{nb.Bar + 1}-{nb.Bar + space.Bars}",-7} {TerminalText.Escape(e.Id),-40} {TerminalText.Escape(e.Melody.Info.Title ?? "")}"));
            }
            w.WriteLine(string.Create(ci, $"searched {entries.Count - skipped} tunes of the {which} split ({skipped} not in {space.Meter} or too short for {space.Bars} bars)"));
            return 0;
        }));
        return cmd;
    }

    private sealed class Progress(Action<int, int> report) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => report(value.Done, value.Total);
    }
}
