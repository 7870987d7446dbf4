using System.CommandLine;
using System.Globalization;
using Melos.Data.Corpus;
using Melos.Models.Interop;
using Melos.Models.Training;

namespace Melos.Cli.Commands;

/// <summary><c>melos corpus export</c> and <c>melos model export|import</c>: hand data and weights to PyTorch and take them back (see docs/scale.md).</summary>
public static class InteropCommands
{
    /// <summary>Creates <c>melos corpus export</c>.</summary>
    public static Command CorpusExport(CliContext context)
    {
        var corpus = new Argument<string>("CORPUS") { Description = "A corpus file from 'melos corpus build'." };
        var output = new Option<string>("--out", "-o") { Description = "The folder to write (.npy token arrays, offsets and conditioning per split, tokenizer and conditioning JSON).", Required = true };
        var model = new Option<string?>("--model") { Description = "Use this model folder's tokenizer and conditioning vocabulary (to train or score it in PyTorch)." };
        var config = new Option<string?>("--config") { Description = "A training configuration JSON whose \"tokenizer\" to use (as 'melos train --config')." };
        var tokenizerOption = new Option<string?>("--tokenizer") { Description = "grid, note or whole-tune; overrides --config's tokenizer (default: what 'melos train' uses)." };
        tokenizerOption.AcceptOnlyFromAmong("grid", "note", "whole-tune");
        var force = new Option<bool>("--force") { Description = "Replace an existing output folder." };
        var cmd = new Command("export", "Write a corpus's tokenized splits for PyTorch: flat token arrays with per-tune offsets and the conditioning streams, streamed.")
            { corpus, output, model, config, tokenizerOption, force };
        cmd.SetAction(pr => context.Guard(() =>
        {
            var path = FileArguments.RequireFile(pr.GetValue(corpus)!, "corpus file");
            var outDir = pr.GetValue(output)!;
            if (pr.GetValue(model) is not null && (pr.GetValue(config) is not null || pr.GetValue(tokenizerOption) is not null))
                throw new CliError("--model fixes the tokenizer; give it without --config or --tokenizer");
            Melos.Data.Tokenizers.TokenizerConfig tokenizer;
            Melos.Data.Tokenizers.ConditioningVocabulary? vocabulary = null;
            if (pr.GetValue(model) is { } m)
            {
                var info = Checkpoint.ReadInfo(m);
                (tokenizer, vocabulary) = (info.Tokenizer, info.Conditioning);
            }
            else tokenizer = ModelCommands.TokenizerFrom(pr.GetValue(tokenizerOption), TrainingSetup.LoadConfig(pr.GetValue(config), "lstm").Tokenizer);
            var result = ConsoleUi.WithProgress(context, "exporting", report =>
                Data.Corpus.CorpusExport.Export(path, outDir, tokenizer, vocabulary, pr.GetValue(force), report));
            var ci = CultureInfo.InvariantCulture;
            context.Out.WriteLine($"wrote {TerminalText.Escape(outDir)}: " + string.Join(", ", result.Splits.Select(kv => string.Create(ci, $"{kv.Key} {kv.Value.Tunes} tunes / {kv.Value.Tokens} tokens"))));
            int discarded = result.Discarded.Values.Sum();
            context.Out.WriteLine(discarded == 0 ? "discarded: none" : string.Create(ci, $"discarded: {discarded}"));
            foreach (var (reason, count) in result.Discarded) context.Out.WriteLine(string.Create(ci, $"  {reason}: {count}"));
            return 0;
        }));
        return cmd;
    }

    /// <summary>Creates the <c>model</c> command group.</summary>
    public static Command Model(CliContext context) => new("model", "Move torch models between Melos and PyTorch (safetensors with the config).")
    {
        Export(context),
        Import(context),
    };

    private static Command Export(CliContext context)
    {
        var model = new Argument<string>("MODEL") { Description = "A Melos model folder (lstm or transformer)." };
        var output = new Option<string>("--out", "-o") { Description = "The folder to write: config.json and model.safetensors.", Required = true };
        var force = new Option<bool>("--force") { Description = "Replace an existing output folder." };
        var cmd = new Command("export", "Write a model's weights for PyTorch (model.safetensors, state-dict names) with its config.json.") { model, output, force };
        cmd.SetAction(pr => context.Guard(() =>
        {
            var r = PyTorchInterop.Export(pr.GetValue(model)!, pr.GetValue(output)!, pr.GetValue(force));
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {TerminalText.Escape(r.Directory)}: {r.Architecture}, {r.Tensors} tensors, {r.Parameters} weights, {PyTorchInterop.WeightsFile} {r.WeightsBytes} bytes"));
            return 0;
        }));
        return cmd;
    }

    private static Command Import(CliContext context)
    {
        var dir = new Argument<string>("DIR") { Description = "A folder with config.json and model.safetensors (from the PyTorch trainer or 'melos model export')." };
        var output = new Option<string>("--out", "-o") { Description = "The Melos model folder to write.", Required = true };
        var force = new Option<bool>("--force") { Description = "Replace an existing model folder." };
        var cmd = new Command("import", "Check a PyTorch checkpoint against its config and make it a Melos model folder (config, weights, model card with provenance).") { dir, output, force };
        cmd.SetAction(pr => context.Guard(() =>
        {
            var r = PyTorchInterop.Import(pr.GetValue(dir)!, pr.GetValue(output)!, pr.GetValue(force));
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {TerminalText.Escape(r.Directory)}: {r.Architecture}, {r.Tensors} tensors checked, {r.Parameters} weights, sha256 {r.Sha256}"));
            return 0;
        }));
        return cmd;
    }
}
