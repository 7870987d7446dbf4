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
        var workers = new Option<int>("--workers")
        {
            Description = $"How many requests decode at once, their model steps batched together (default {StudioOptions.DefaultWorkers}).",
            DefaultValueFactory = _ => StudioOptions.DefaultWorkers,
        };
        var token = new Option<string?>("--token")
        {
            Description = $"The access token every API call must carry (Authorization: Bearer TOKEN; the page reads #token=TOKEN from its address), "
                + $"16 characters or more, or 'generate' for a new one printed at start. Default: ${StudioSecurity.TokenVariable}. Required to listen on an address other machines reach.",
        };
        var cert = new Option<string?>("--cert") { Description = "A PKCS#12 (.pfx) certificate for https:// addresses (or use Kestrel's own configuration)." };
        var certPassword = new Option<string?>("--cert-password") { Description = "The certificate's password." };
        var cmd = new Command("serve", "Serve the studio: compose with the model in the browser (piano roll, call and response, infill, variation, explanations) and its JSON API under /api/.")
            { urls, model, queue, workers, token, cert, certPassword };
        cmd.SetAction(pr => context.Guard(() =>
        {
            var modelDir = pr.GetValue(model) ?? GenerateCommand.DefaultModelPath();
            if (!File.Exists(Path.Combine(modelDir, Checkpoint.ConfigFile))) throw new CliError($"{modelDir} is not a model folder (no {Checkpoint.ConfigFile})");
            int capacity = pr.GetValue(queue);
            if (capacity is < 1 or > 10_000) throw new CliError($"--queue must be 1..10000, not {capacity}");
            var address = pr.GetValue(urls);
            if (string.IsNullOrWhiteSpace(address)) throw new CliError("--urls is empty; give an address such as http://127.0.0.1:5000");
            int slots = pr.GetValue(workers);
            if (slots is < 1 or > 256) throw new CliError($"--workers must be 1..256, not {slots}");
            var given = pr.GetValue(token) ?? NonEmpty(Environment.GetEnvironmentVariable(StudioSecurity.TokenVariable));
            bool generated = given == "generate";
            if (generated) given = StudioSecurity.GenerateToken();
            if (given is not null && given.Length < StudioSecurity.MinTokenLength)
                throw new CliError($"the access token must have at least {StudioSecurity.MinTokenLength} characters (--token generate makes one)");
            var certificate = pr.GetValue(cert);
            if (certificate is not null && !File.Exists(certificate)) throw new CliError($"the certificate {certificate} does not exist");
            try
            {
                StudioSecurity.CheckBinding(address, given);
            }
            catch (StudioBindingException e)
            {
                throw new CliError("the studio does not start: " + e.Message);
            }
            var options = new StudioOptions(Path.GetFullPath(modelDir))
            {
                QueueCapacity = capacity, Workers = slots, Token = given, Certificate = certificate, CertificatePassword = pr.GetValue(certPassword),
            };
            using var app = StudioApp.Build(options, ["--urls", address]);
            Run(app, context, options, generated).GetAwaiter().GetResult();
            return 0;
        }));
        return cmd;
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static async Task Run(WebApplication app, CliContext context, StudioOptions options, bool generated)
    {
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        context.Out.WriteLine($"studio at {string.Join(" ", addresses)} (model {options.ModelDirectory}, queue {options.QueueCapacity}, {options.Workers} decoding slots"
            + $"{(options.Token is null ? ", no access token: loopback only" : ", access token required")}); Ctrl+C stops it");
        if (generated)
        {
            context.Out.WriteLine($"access token: {options.Token}");
            foreach (var address in addresses) context.Out.WriteLine($"open {address}/#token={options.Token}");
        }
        context.Out.Flush();
        await app.WaitForShutdownAsync();
        context.Out.WriteLine("studio stopped");
    }
}
