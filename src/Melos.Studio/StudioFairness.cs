using System.Diagnostics;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Melos.Studio;

/// <summary>What one API request asked and what became of it, for its log line (filled in by the handlers).</summary>
public sealed class StudioRequestLog
{
    private const string Key = "melos.request";

    /// <summary>The bars of the melody the model hears.</summary>
    public int Bars { get; set; }

    /// <summary>The candidates decoded.</summary>
    public int Candidates { get; set; }

    /// <summary>The job's queue wait, compute time and model steps, when it ran one.</summary>
    public JobTiming? Timing { get; set; }

    /// <summary>Why the request was refused or stopped, or null.</summary>
    public string? Outcome { get; set; }

    /// <summary>The log of <paramref name="http"/>'s request (created on first use).</summary>
    public static StudioRequestLog Of(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.Items[Key] is StudioRequestLog log) return log;
        log = new StudioRequestLog();
        http.Items[Key] = log;
        return log;
    }
}

/// <summary>
/// Fair shares between clients (a client is a remote IP address): at most <see cref="StudioBudgets.ClientConcurrency"/>
/// API requests in progress and <see cref="StudioBudgets.ClientRate"/> a second (bursts of
/// <see cref="StudioBudgets.ClientBurst"/>) each, through ASP.NET Core's rate limiter; more are answered 429 with
/// <c>Retry-After</c> at once. Also the request log and the request metrics.
/// </summary>
public static class StudioFairness
{
    /// <summary>A request's client: its remote IP address.</summary>
    public static string Client(HttpContext http) => (http ?? throw new ArgumentNullException(nameof(http))).Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>Sets up the per-client limits of the API (other paths are not limited).</summary>
    internal static void Configure(RateLimiterOptions limiter, StudioBudgets budgets, StudioMetrics metrics)
    {
        var rate = PartitionedRateLimiter.Create<HttpContext, string>(http => !http.Request.Path.StartsWithSegments("/api")
            ? RateLimitPartition.GetNoLimiter("")
            : RateLimitPartition.GetTokenBucketLimiter(Client(http), _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = budgets.ClientBurst,
                TokensPerPeriod = budgets.ClientRate,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        var concurrency = PartitionedRateLimiter.Create<HttpContext, string>(http => !http.Request.Path.StartsWithSegments("/api")
            ? RateLimitPartition.GetNoLimiter("")
            : RateLimitPartition.GetConcurrencyLimiter(Client(http), _ => new ConcurrencyLimiterOptions { PermitLimit = budgets.ClientConcurrency, QueueLimit = 0 }));
        limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(rate, concurrency);
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.OnRejected = async (context, cancellation) =>
        {
            var http = context.HttpContext;
            bool byRate = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after);
            int seconds = byRate ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
            metrics.Refused(byRate ? "rate" : "concurrency");
            StudioRequestLog.Of(http).Outcome = byRate ? "refused: rate" : "refused: concurrency";
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            string detail = byRate
                ? $"This computer has sent more than {budgets.ClientRate} requests a second (bursts of {budgets.ClientBurst}); try again in {seconds} s."
                : $"This computer already has {budgets.ClientConcurrency} requests in progress, the most allowed; try again when one is answered.";
            await TypedResults.Problem(detail, statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests").ExecuteAsync(http);
        };
    }

    /// <summary>Times every request, counts API answers by path and status, and logs one structured line per API request.</summary>
    internal static async Task Observe(HttpContext http, RequestDelegate next, StudioMetrics metrics)
    {
        if (!http.Request.Path.StartsWithSegments("/api"))
        {
            await next(http);
            return;
        }
        long started = Stopwatch.GetTimestamp();
        try
        {
            await next(http);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            int status = http.RequestAborted.IsCancellationRequested && !http.Response.HasStarted ? 499 : http.Response.StatusCode;
            string path = http.GetEndpoint() is null ? "other" : http.Request.Path.Value ?? "";
            metrics.Request(path, status, elapsed);
            var log = StudioRequestLog.Of(http);
            if (log.Timing is { } t) metrics.Job(t.QueueWait, t.Compute);
            var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Melos.Studio.Requests");
            logger.LogInformation(
                "request {RequestId} client {Client} {Method} {Path} -> {Status} in {ElapsedMs:0.0} ms: bars {Bars}, candidates {Candidates}, steps {Steps}, queue wait {QueueWaitMs:0.0} ms, compute {ComputeMs:0.0} ms, outcome {Outcome}",
                http.TraceIdentifier, Client(http), http.Request.Method, http.Request.Path.Value, status, elapsed.TotalMilliseconds, log.Bars, log.Candidates,
                log.Timing?.Steps ?? 0, log.Timing?.QueueWait.TotalMilliseconds ?? 0, log.Timing?.Compute.TotalMilliseconds ?? 0,
                log.Outcome ?? (status < 400 ? "ok" : status == 499 ? "client gone" : "error " + status.ToString(CultureInfo.InvariantCulture)));
        }
    }
}
