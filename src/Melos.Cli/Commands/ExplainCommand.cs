using System.CommandLine;
using System.Text.Json;
using Melos.Data.Tokenizers;
using Melos.Generation;
using Melos.Generation.Explanation;
using Melos.Music;
using Melos.Reports;

namespace Melos.Cli.Commands;

/// <summary><c>melos explain FILE</c>: why the model would choose each note of a melody.</summary>
public static class ExplainCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var file = new Argument<FileInfo>("FILE") { Description = $"A melody: a file ending in {string.Join(", ", FileArguments.Formats.ReadableEndings)}." };
        var model = new Option<string?>("--model") { Description = $"A model folder (grid or note tokenizer). Default: ${GenerateCommand.ModelVariable}, else {GenerateCommand.DefaultModelFolder} next to the program or beside Melos.sln." };
        var tune = new Option<int?>("--tune") { Description = "For ABC files: the tune's X: number (default: the first tune)." };
        var json = new Option<bool>("--json") { Description = "Print every note's figures as JSON (notes with pitch, start, probability, rank, surprisalBits, entropyBits, alternatives, ...)." };
        var report = new Option<string?>("--report") { Description = "Write a report folder: piano roll coloured by probability, surprisal curve, attribution heat map, index.html." };
        var noAttribution = new Option<bool>("--no-attribution") { Description = "Skip saliency and attention (faster on long tunes)." };
        var force = new Option<bool>("--force") { Description = "Replace files in an existing --report folder." };
        var cmd = new Command("explain", "For every note: how likely the model found it, what else it considered, which earlier notes it drew on, and which bars repeat.")
            { file, model, tune, json, report, noAttribution, force };
        cmd.SetAction(pr => context.Guard(() =>
        {
            var path = pr.GetValue(file)!.FullName;
            var reportDir = pr.GetValue(report);
            if (reportDir is not null && Directory.Exists(reportDir) && Directory.EnumerateFileSystemEntries(reportDir).Any() && !pr.GetValue(force))
                throw new CliError($"{reportDir} exists and is not empty; use --force to replace its files");
            var read = FileArguments.ReadMelody(path, pr.GetValue(tune));
            using var generator = MelodyGenerator.Load(pr.GetValue(model) ?? GenerateCommand.DefaultModelPath());
            var melody = FileArguments.OnGrid(context, generator.FitToGrid(read));
            var explanation = Explain(generator, melody, new ExplainOptions { Attribution = !pr.GetValue(noAttribution) });
            if (pr.GetValue(json)) context.Out.WriteLine(ExplanationWriter.ToJson(explanation).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            else context.Out.Write(ExplanationWriter.ToText(explanation));
            if (reportDir is not null)
            {
                var written = ExplanationReport.Write(reportDir, melody, explanation);
                context.Err.WriteLine($"wrote {written.Count} files to {reportDir} (open {Path.Combine(reportDir, "index.html")})");
            }
            return 0;
        }));
        return cmd;
    }

    /// <summary>Explains a melody, with a clear error when it does not fit the model's tokenizer.</summary>
    /// <exception cref="CliError">The melody's pitches or rhythms do not fit the model.</exception>
    public static MelodyExplanation Explain(MelodyGenerator generator, Melody melody, ExplainOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        try
        {
            return new Explainer(generator).Explain(melody, options);
        }
        catch (TokenizationException e)
        {
            throw new CliError($"the melody does not fit the model: {e.Message}");
        }
    }
}
