using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Melos.Studio.Tests.Api;

/// <summary>Budgets per request and fair shares between clients: 400 before any work, 503 past the time budget, 429 with Retry-After.</summary>
public sealed class FairnessTests
{
    /// <summary>Occupies the only worker with a job that waits for <paramref name="gate"/>; returns once the job runs.</summary>
    private static async Task<Task<int>> HoldWorker(StudioInference inference, TaskCompletionSource gate, string client = "holder")
    {
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = inference.RunAsync((_, _) =>
        {
            running.SetResult();
            gate.Task.Wait();
            return 1;
        }, client: client);
        await running.Task;
        return held;
    }

    [Fact]
    public async Task Work_over_the_budget_is_a_400_naming_the_field_and_the_limit_before_any_work()
    {
        var budgets = new StudioBudgets { MaxBarCandidates = 16 };
        await using var owner = new StudioServerOwner(new StudioOptions(StudioServer.ModelDirectory) { Budgets = budgets });
        var studio = owner.Studio;
        long ran = studio.Inference.Ran;
        // The 4-bar phrase with 5 candidates: 20 bar-candidates.
        var (status, detail, _) = await studio.Problem("/api/infill", StudioServer.Body(fields: new { firstBar = 2, lastBar = 3, candidates = 5 }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("candidates: 4 bars × 5 candidates make 20 bar-candidates", detail, StringComparison.Ordinal);
        Assert.Contains("at most 16", detail, StringComparison.Ordinal);
        // The phrase's 4 bars and a 13-bar answer: 17.
        (status, detail, _) = await studio.Problem("/api/continue", StudioServer.Body(fields: new { bars = 13 }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("bars: 17 bars × 1 candidate make 17 bar-candidates", detail, StringComparison.Ordinal);
        Assert.Equal(ran, studio.Inference.Ran);
        // At the limit: served.
        var answer = await studio.Ok<ContinueResponse>("/api/continue", StudioServer.Body(fields: new { bars = 12, seed = 2 }));
        Assert.Equal(new BarRange(5, 16), answer.Answer);
        var model = await studio.Http.GetFromJsonAsync<JsonObject>("/api/model");
        Assert.Equal(16, model!["limits"]!["maxBarCandidates"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_request_past_its_time_budget_is_stopped_with_a_clear_answer()
    {
        var budgets = new StudioBudgets { RequestTime = TimeSpan.FromMilliseconds(300) };
        await using var owner = new StudioServerOwner(new StudioOptions(StudioServer.ModelDirectory) { Budgets = budgets, Workers = 1 });
        var studio = owner.Studio;
        // Held behind another job for longer than its budget: stopped unrun.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = await HoldWorker(studio.Inference, gate);
        var waiting = studio.Problem("/api/continue", StudioServer.Body(fields: new { bars = 4, seed = 1 }));
        var (status, detail, _) = await waiting;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("time budget of 0.3 s", detail, StringComparison.Ordinal);
        gate.SetResult();
        await held;
        // 64 candidates over 4 bars run past 0.3 s: stopped while decoding (the decoder checks every step).
        (status, detail, _) = await studio.Problem("/api/infill", StudioServer.Body(fields: new { firstBar = 1, lastBar = 4, candidates = 64, seed = 1 }));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("time budget", detail, StringComparison.Ordinal);
        Assert.Equal(0, studio.Inference.Running);
        var metrics = await studio.Http.GetStringAsync("/metrics");
        Assert.Contains("melos_studio_refusals_total{reason=\"time\"} 2", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_past_its_concurrency_or_rate_gets_429_with_retry_after_and_others_are_served()
    {
        var budgets = new StudioBudgets { ClientConcurrency = 1, ClientRate = 1, ClientBurst = 3 };
        await using var owner = new StudioServerOwner(new StudioOptions(StudioServer.ModelDirectory) { Budgets = budgets, Workers = 1 });
        var studio = owner.Studio;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = await HoldWorker(studio.Inference, gate);
        // One request in progress (queued behind the held job): the client's second is refused at once.
        var first = studio.Post("/api/continue", StudioServer.Body(fields: new { bars = 1, seed = 1 }));
        for (int i = 0; i < 3000 && studio.Inference.Waiting == 0 && !first.IsCompleted; i++) await Task.Delay(10);
        Assert.Equal(1, studio.Inference.Waiting);
        var (status, detail, response) = await studio.Problem("/api/continue", StudioServer.Body(fields: new { bars = 1, seed = 1 }));
        Assert.Equal((HttpStatusCode)429, status);
        Assert.Equal("1", response.Headers.RetryAfter?.ToString());
        Assert.Contains("1 requests in progress", detail, StringComparison.Ordinal);
        gate.SetResult();
        await held;
        using (var r = await first) Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        // The bucket holds 3 and refills 1 a second: calls in a row are refused with the wait once it is empty.
        var clock = Stopwatch.StartNew();
        int served = 0;
        HttpResponseMessage? refused = null;
        for (int i = 0; i < 50 && refused is null; i++)
        {
            var r = await studio.Http.GetAsync("/api/model");
            if (r.StatusCode == HttpStatusCode.OK) served++;
            else refused = r;
        }
        Assert.NotNull(refused);
        Assert.Equal((HttpStatusCode)429, refused!.StatusCode);
        Assert.True(int.Parse(refused.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Contains("more than 1 requests a second", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(served <= 3 + (int)Math.Ceiling(clock.Elapsed.TotalSeconds) + 1, $"{served} calls served in {clock.Elapsed.TotalSeconds:0.0} s");
        // The page and the health check are not limited.
        using (var r = await studio.Http.GetAsync("/healthz")) Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var metrics = await studio.Http.GetStringAsync("/metrics");
        Assert.Contains("melos_studio_refusals_total{reason=\"concurrency\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("melos_studio_refusals_total{reason=\"rate\"}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Waiting_jobs_are_taken_client_by_client_so_a_burst_does_not_starve_others()
    {
        await using var owner = new StudioServerOwner(new StudioOptions(StudioServer.ModelDirectory) { Workers = 1 });
        var inference = owner.Studio.Inference;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = await HoldWorker(inference, gate, "a");
        var order = new List<string>();
        Task<int> Job(string name, string client) => inference.RunAsync((_, _) =>
        {
            lock (order) order.Add(name);
            return 0;
        }, client: client);
        var jobs = new List<Task<int>> { Job("a1", "a"), Job("a2", "a"), Job("a3", "a"), Job("b1", "b"), Job("c1", "c"), Job("b2", "b") };
        gate.SetResult();
        await held;
        await Task.WhenAll(jobs);
        Assert.Equal(["a1", "b1", "c1", "a2", "b2", "a3"], order);
    }
}
