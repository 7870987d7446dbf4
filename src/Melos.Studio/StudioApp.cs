using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MinDataRate = Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate;
using System.Security.Cryptography.X509Certificates;

namespace Melos.Studio;

/// <summary>Builds the studio's web application: the single page, the JSON API under /api/ and its OpenAPI document.</summary>
public static class StudioApp
{
    /// <summary>The deepest JSON a request body may nest (a melody needs 4 levels); deeper bodies are 400.</summary>
    public const int MaxJsonDepth = 16;

    /// <summary>
    /// Builds the app (not started) and loads the model; <paramref name="args"/> are ASP.NET Core's (for example
    /// <c>--urls</c>). Disposing the app stops the inference worker and frees the model.
    /// </summary>
    /// <exception cref="Melos.Generation.UnsupportedModelException">The model folder holds no model with a generation grammar.</exception>
    public static WebApplication Build(StudioOptions options, string[]? args = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var webRoot = FindWebRoot(options);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args ?? [],
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = webRoot,
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        if (options.JsonLogs)
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole();
        }
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            var limits = k.Limits;
            limits.MaxRequestBodySize = options.Limits.MaxBodyBytes;
            // A client that sends its body slower than 240 bytes a second (after 5 s of grace) is cut off, as are
            // connections that send no request for 30 s or take more than 10 s over their headers.
            limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
            limits.MinResponseDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
            limits.KeepAliveTimeout = options.Connections.KeepAlive;
            limits.RequestHeadersTimeout = options.Connections.HeadersTimeout;
            limits.MaxConcurrentConnections = options.Connections.MaxConnections;
            limits.MaxConcurrentUpgradedConnections = 0;
            limits.MaxRequestHeadersTotalSize = 32 * 1024;
            if (options.Certificate is { } certificate)
                k.ConfigureHttpsDefaults(https => https.ServerCertificate = X509CertificateLoader.LoadPkcs12FromFile(certificate, options.CertificatePassword));
        });
        var metrics = new StudioMetrics();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(metrics);
        builder.Services.AddSingleton(services => new StudioInference(options, metrics.Batch));
        builder.Services.AddSingleton<StudioMorph>();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            // An unknown field is a mistake worth a 400 that names it (a misspelt "temprature" would otherwise do nothing).
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            o.SerializerOptions.MaxDepth = MaxJsonDepth;
        });
        builder.Services.AddRateLimiter(limiter => StudioFairness.Configure(limiter, options.Budgets, metrics));
        builder.Services.AddOpenApi();
        var app = builder.Build();
        metrics.Inference = app.Services.GetRequiredService<StudioInference>(); // load the model now: a bad folder fails here, not on the first request

        app.Use((context, next) => StudioSecurity.Headers(context, next, metrics));
        app.Use((context, next) => StudioFairness.Observe(context, next, metrics));
        app.UseRateLimiter();
        app.Use((context, next) => StudioSecurity.CheckToken(context, next, options.Token, metrics));
        app.Use((context, next) => BodyErrors(context, next, options.Limits.MaxBodyBytes));
        app.UseStatusCodePages(context => StatusProblem(context.HttpContext, options.Limits.MaxBodyBytes));
        app.MapOpenApi();
        app.MapGet("/healthz", (StudioInference inference) => TypedResults.Ok(new HealthResponse("ok", inference.Waiting, inference.Running)))
            .WithName("Health").WithSummary("For a load balancer: 200 while the studio serves, with its queue length and running requests.").DisableRateLimiting();
        app.MapGet("/metrics", (StudioMetrics m) => TypedResults.Text(m.Render(), "text/plain; version=0.0.4; charset=utf-8"))
            .WithName("Metrics").WithSummary("Prometheus text format: requests, latencies, queue length, batch sizes, refusals.").DisableRateLimiting();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        StudioApi.Map(app);
        StudioMorph.Map(app);
        return app;
    }

    /// <summary>
    /// The folder of the page: <see cref="StudioOptions.WebRoot"/>, else <c>wwwroot</c> beside the program, else the
    /// source tree's <c>src/Melos.Studio/wwwroot</c> above it (a build that references Melos.Studio, such as the melos
    /// command, does not copy the page), else null.
    /// </summary>
    public static string? FindWebRoot(StudioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.WebRoot is { } given) return Path.GetFullPath(given);
        var beside = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (Directory.Exists(beside)) return beside;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Melos.sln"))) continue;
            var source = Path.Combine(dir.FullName, "src", "Melos.Studio", "wwwroot");
            return Directory.Exists(source) ? source : null;
        }
        return null;
    }

    /// <summary>An error status without a body (a chunked body over the limit, an unknown route) gets a problem with a one-line detail.</summary>
    private static Task StatusProblem(HttpContext context, long maxBodyBytes)
    {
        int status = context.Response.StatusCode;
        string detail = status switch
        {
            StatusCodes.Status413PayloadTooLarge => $"The request body is larger than {maxBodyBytes} bytes, the most allowed.",
            StatusCodes.Status404NotFound => $"There is nothing at {context.Request.Path}; the API is under /api/ (see /openapi/v1.json).",
            StatusCodes.Status408RequestTimeout => "The request was not received in time (the body came too slowly).",
            StatusCodes.Status405MethodNotAllowed => $"{context.Request.Method} is not allowed on {context.Request.Path} (see /openapi/v1.json).",
            _ => $"The request failed with status {status}.",
        };
        return TypedResults.Problem(detail, statusCode: status).ExecuteAsync(context);
    }

    /// <summary>
    /// A body over the limit is 413 and malformed JSON 400, each with a one-line problem detail; a field of the wrong type
    /// or an unknown field is 400 with the field's JSON path as <c>field</c> (<see cref="StudioJsonErrors"/>).
    /// </summary>
    private static async Task BodyErrors(HttpContext context, RequestDelegate next, long maxBodyBytes)
    {
        if (context.Request.ContentLength is { } length && length > maxBodyBytes)
        {
            await TypedResults.Problem($"The request body is {length} bytes; at most {maxBodyBytes} are allowed.", statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "The request body is too large").ExecuteAsync(context);
            return;
        }
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted && e.InnerException is JsonException json
            && StudioJsonErrors.Describe(json, context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType,
                context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions) is var (field, reason))
        {
            // A field of the wrong type or one the request does not have: the API's 400 that names the field.
            context.Response.Clear();
            await StudioApi.BadRequest(field, reason).ExecuteAsync(context);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            var detail = e.InnerException is System.Text.Json.JsonException json ? "The body is not valid JSON for this request: " + json.Message
                : context.Request.ContentLength is null or 0 && e.StatusCode == StatusCodes.Status400BadRequest ? "The request has no body; send the JSON this endpoint takes (see /openapi/v1.json)."
                : e.Message;
            detail = string.Join(' ', detail.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            context.Response.Clear();
            await TypedResults.Problem(detail, statusCode: e.StatusCode, title: e.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large" : "The request cannot be read")
                .ExecuteAsync(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client has gone: nobody is left to answer.
        }
    }
}

/// <summary>The answer of <c>/healthz</c>.</summary>
/// <param name="Status">Always <c>ok</c> while the studio serves.</param>
/// <param name="Waiting">Inference requests waiting for a decoding slot.</param>
/// <param name="Running">Inference requests running.</param>
public sealed record HealthResponse(string Status, int Waiting, int Running);
