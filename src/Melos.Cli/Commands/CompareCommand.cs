using System.CommandLine;
using System.Globalization;
using Melos.Data.Corpus;
using Melos.Evaluation;
using Melos.Reports;

namespace Melos.Cli.Commands;

/// <summary>
/// <c>melos compare GENERATED REFERENCE</c>: objective metrics (Yang and Lerch, MusPy), novelty against the training set,
/// structure, and a real-versus-generated discriminator, as a table, JSON and an HTML/PNG report.
/// </summary>
public static class CompareCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var generated = new Argument<string>("GENERATED") { Description = "The generated melodies: a folder of .mid/.abc files (or CORPUS.corpus:SPLIT)." };
        var reference = new Argument<string>("REFERENCE") { Description = "The real melodies to compare with: CORPUS.corpus:SPLIT (a corpus alone means its test split) or a folder." };
        var train = new Option<string?>("--train") { Description = "The training set for novelty: CORPUS.corpus[:SPLIT] (default split: train) or a folder. Default: the train split of REFERENCE's corpus." };
        var bars = new Option<int?>("--bars") { Description = "Cut every generated and reference melody to its first N bars first (so lengths match)." };
        var json = new Option<bool>("--json") { Description = "Print every figure as JSON." };
        var report = new Option<string?>("--report") { Description = "Write index.html, compare.json and PNG charts into this folder." };
        var noDiscriminator = new Option<bool>("--no-discriminator") { Description = "Skip the discriminator (the only part that trains a network)." };
        var folds = new Option<int>("--folds") { Description = "Cross-validation folds of the discriminator.", DefaultValueFactory = _ => 5 };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs per fold of the discriminator.", DefaultValueFactory = _ => 30 };
        var seed = new Option<int>("--seed") { Description = $"Seeds the discriminator's subsampling, folds and weights. {SeedOption.Range}", DefaultValueFactory = _ => 1 };
        var runs = new Option<int>("--discriminator-runs") { Description = "Train the discriminator this many times with successive seeds and report the mean accuracy (1..20): steadier for comparing two models.", DefaultValueFactory = _ => 1 };
        var collection = new Option<string?>("--collection") { Description = "Keep only the reference melodies of this collection (e.g. nottingham), to compare against one style's test split." };
        var cmd = new Command("compare", "Measure generated melodies against real ones: Yang and Lerch and MusPy metrics, novelty, structure, a discriminator.")
            { generated, reference, train, bars, json, report, noDiscriminator, folds, epochs, seed, runs, collection };
        cmd.SetAction(pr => context.Guard(() =>
        {
            if (pr.GetValue(bars) is { } b && b < 1) throw new CliError($"--bars must be at least 1, not {b}");
            int k = pr.GetValue(folds);
            if (k is < 2 or > 20) throw new CliError($"--folds must be 2..20, not {k}");
            int e = pr.GetValue(epochs);
            if (e is < 1 or > 1000) throw new CliError($"--epochs must be 1..1000, not {e}");
            int runCount = pr.GetValue(runs);
            if (runCount is < 1 or > 20) throw new CliError($"--discriminator-runs must be 1..20, not {runCount}");
            var options = new ComparisonOptions
            {
                Bars = pr.GetValue(bars),
                RunDiscriminator = !pr.GetValue(noDiscriminator),
                Discriminator = new DiscriminatorOptions { Folds = k, Epochs = e, Seed = SeedOption.Check(pr.GetValue(seed)), Runs = runCount },
            };

            SetLocation genAt, refAt;
            SetLocation? trainAt;
            try
            {
                genAt = SetLocation.Parse(pr.GetValue(generated)!, CorpusSplit.Test);
                refAt = SetLocation.Parse(pr.GetValue(reference)!, CorpusSplit.Test);
                trainAt = pr.GetValue(train) is { } t ? SetLocation.Parse(t, CorpusSplit.Train)
                    : refAt.IsCorpus ? refAt with { Split = CorpusSplit.Train } : null;
            }
            catch (MelodySetException ex)
            {
                throw new CliError(ex.Message);
            }
            if (trainAt is null) context.Err.WriteLine("note: no training set (give --train, or a corpus split as REFERENCE); novelty is not measured");
            if (trainAt is not null && refAt.IsCorpus && trainAt == refAt)
                throw new CliError($"the reference and the training set are both {refAt.DisplayName}; compare against a held-out split (e.g. :test)");

            MelodySet gen, refs;
            MelodySet? trainSet = null;
            try
            {
                gen = MelodySources.Load(genAt);
                refs = MelodySources.Load(refAt);
                if (pr.GetValue(collection) is { } only)
                {
                    var kept = refs.Melodies.Where(m => string.Equals(m.Info.Collection, only, StringComparison.Ordinal)).ToList();
                    if (kept.Count == 0)
                        throw new CliError($"{refAt.DisplayName} holds no melody of the collection '{only}'; it has: {string.Join(", ", refs.Melodies.Select(m => m.Info.Collection ?? "(none)").Distinct().Order(StringComparer.Ordinal))}");
                    refs = MelodySet.Create($"{refs.Name}@{only}", kept);
                }
                if (trainAt is not null) trainSet = MelodySources.Load(trainAt);
            }
            catch (MelodySetException ex)
            {
                throw new CliError(ex.Message);
            }

            ComparisonResult result;
            try
            {
                result = MelodyComparison.Run(gen, refs, trainSet, options, line => context.Err.WriteLine(line));
            }
            catch (TooFewMelodiesException ex)
            {
                throw new CliError(ex.Message);
            }
            if (pr.GetValue(report) is { } dir)
            {
                var files = ComparisonReport.Write(dir, result);
                context.Err.WriteLine($"report: {Path.Combine(dir, "index.html")} ({files.Count} files)");
            }
            if (pr.GetValue(json)) context.Out.WriteLine(result.ToJson());
            else Print(context.Out, result);
            return 0;
        }));
        return cmd;
    }

    private static void Print(TextWriter w, ComparisonResult r)
    {
        var ci = CultureInfo.InvariantCulture;
        string F(double v) => v.ToString("0.000", ci);
        w.WriteLine($"{TerminalText.Escape(r.Generated.Name)} ({r.Generated.WithNotes} melodies) vs {TerminalText.Escape(r.Reference.Name)} ({r.Reference.WithNotes} melodies)"
            + (r.Bars is { } b ? $", first {b} bars" : ""));
        if (r.Discriminator is { } d)
            w.WriteLine($"discriminator accuracy: {F(d.Accuracy)} (95% CI {F(d.Ci95Low)}-{F(d.Ci95High)}; {d.MelodiesPerClass} per set, {d.Folds} folds"
                + (d.RunAccuracies.Length > 1 ? $"; mean of {d.RunAccuracies.Length} runs: {string.Join(", ", d.RunAccuracies.Select(F))}" : "")
                + "; 0.5 = indistinguishable)");
        w.WriteLine($"mean overlap area: {F(r.MeanOverlapArea)}; mean KL: {F(r.MeanKl)}");
        w.WriteLine($"{"feature",-38} {"overlap",8} {"KL",8}");
        foreach (var f in r.FeatureList) w.WriteLine($"{YangLerchFeatures.Title(f.Feature),-38} {F(f.OverlapArea),8} {F(f.Kl),8}");
        if (r.Novelty is { } n)
        {
            w.WriteLine($"novelty against {TerminalText.Escape(n.Training.Name)} ({n.Training.Melodies} melodies): windows found verbatim (up to transposition)");
            foreach (var win in n.Generated.Windows)
            {
                var rw = n.Reference.For(win.Bars);
                w.WriteLine(string.Create(ci, $"  {win.Bars} bar(s): generated {100 * win.VerbatimShare:0.0}% ({100 * win.TransposedShare:0.0}%) of {win.Windows}; reference {100 * rw.VerbatimShare:0.0}% ({100 * rw.TransposedShare:0.0}%) of {rw.Windows}"));
            }
            if (n.Generated.LongestRun is { } run)
                w.WriteLine(string.Create(ci, $"  longest run shared with a training melody: mean {run.Mean:0.0} notes, max {run.Max:0} ({TerminalText.Escape(n.Generated.Longest?.Melody)} and {TerminalText.Escape(n.Generated.Longest?.TrainingMelody)})"));
        }
        void Block(string title, MetricSummaries m)
        {
            w.WriteLine($"{title,-38} {"generated",16} {"reference",16}");
            foreach (var key in m.Reference.Keys)
                w.WriteLine($"  {key,-36} {Mean(m.Generated.GetValueOrDefault(key)),16} {Mean(m.Reference.GetValueOrDefault(key)),16}");
        }
        string Mean(ValueSummary? s) => s is null ? "-" : $"{F(s.Mean)} ± {F(s.Sd)}";
        Block("MusPy", r.Muspy);
        Block("structure", r.Structure);
    }
}
