using System.CommandLine;
using Melos.Models.Training;
using Melos.Studio;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Melos.Cli.Commands;

/// <summary><c>melos serve</c>: the studio (the single page and its JSON API) in this process, until Ctrl+C.</summary>
public static class ServeCommand
{
    /// <summary>The address served when <c>--urls</c> is not given.</summary>
    public const string DefaultUrls = "http://127.0.0.1:5000";

    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var urls = new Option<string>("--urls")
        {
            Description = $"Where to listen (semicolon-separated; port 0 picks a free port). Default: {DefaultUrls}.",
            DefaultValueFactory = _ => DefaultUrls,
        };
        var model = new Option<string?>("--model") { Description = $"A model folder (grid or note tokenizer). Default: ${GenerateCommand.ModelVariable}, else {GenerateCommand.DefaultModelFolder} next to the program or beside Melos.sln." };
        var queue = new Option<int>("--queue")
        {
            Description = $"How many requests may wait for the model; more are answered 503 (default {StudioOptions.DefaultQueueCapacity}).",
            DefaultValueFactory = _ => StudioOptions.DefaultQueueCapacity,
        };
        var cmd = new Command("serve", "Serve the studio: compose with the model in the browser (piano roll, call and response, infill, variation, explanations) and its JSON API under /api/.")
            { urls, model, queue };
        cmd.SetAction(pr => context.Guard(() =>
        {
            var modelDir = pr.GetValue(model) ?? GenerateCommand.DefaultModelPath();
            if (!File.Exists(Path.Combine(modelDir, Checkpoint.ConfigFile))) throw new CliError($"{modelDir} is not a model folder (no {Checkpoint.ConfigFile})");
            int capacity = pr.GetValue(queue);
            if (capacity is < 1 or > 10_000) throw new CliError($"--queue must be 1..10000, not {capacity}");
            var address = pr.GetValue(urls);
            if (string.IsNullOrWhiteSpace(address)) throw new CliError("--urls is empty; give an address such as http://127.0.0.1:5000");
            var options = new StudioOptions(Path.GetFullPath(modelDir)) { QueueCapacity = capacity };
            using var app = StudioApp.Build(options, ["--urls", address]);
            Run(app, context, options).GetAwaiter().GetResult();
            return 0;
        }));
        return cmd;
    }

    private static async Task Run(WebApplication app, CliContext context, StudioOptions options)
    {
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        context.Out.WriteLine($"studio at {string.Join(" ", addresses)} (model {options.ModelDirectory}, queue {options.QueueCapacity}); Ctrl+C stops it");
        context.Out.Flush();
        await app.WaitForShutdownAsync();
        context.Out.WriteLine("studio stopped");
    }
}
