using System.Net;
using System.Text.Json;

namespace Melos.Studio.Tests.Api;

/// <summary>The bounded inference queue: 503 when full, dropped jobs for callers that have gone, no shared-state corruption.</summary>
public sealed class QueueTests
{
    /// <summary>Occupies the worker with a job that waits for <paramref name="gate"/>; returns once the job runs.</summary>
    private static async Task<Task<int>> HoldWorker(StudioInference inference, TaskCompletionSource gate)
    {
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = inference.RunAsync((_, _) =>
        {
            running.SetResult();
            gate.Task.Wait();
            return 1;
        });
        await running.Task;
        return held;
    }

    [Fact]
    public async Task A_full_queue_answers_503_with_retry_after_at_once_and_serves_again_when_drained()
    {
        await using var server = new StudioServerOwner(new StudioOptions(StudioServer.ModelDirectory) { QueueCapacity = 1, Workers = 1 });
        var studio = server.Studio;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = await HoldWorker(studio.Inference, gate);
        bool ranQueued = false;
        var queued = studio.Inference.RunAsync((_, _) => ranQueued = true); // fills the one place in the queue
        Assert.Equal(1, studio.Inference.Waiting);

        var (status, detail, response) = await studio.Problem("/api/continue", StudioServer.Body(fields: new { bars = 1, seed = 1 }));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("1", response.Headers.RetryAfter?.ToString());
        Assert.Contains("busy", detail, StringComparison.Ordinal);
        Assert.Throws<InferenceQueueFullException>(() => { _ = studio.Inference.RunAsync((_, _) => 0); });

        // Requests that need no model are still served while the queue is full.
        using (var model = await studio.Http.GetAsync("/api/model")) Assert.Equal(HttpStatusCode.OK, model.StatusCode);
        using (var export = await studio.Post("/api/export?format=abc", StudioServer.Body())) Assert.Equal(HttpStatusCode.OK, export.StatusCode);

        gate.SetResult();
        Assert.Equal(1, await held);
        Assert.True(await queued);
        Assert.True(ranQueued);
        var r = await studio.Ok<ContinueResponse>("/api/continue", StudioServer.Body(fields: new { bars = 1, seed = 1 }));
        Assert.Equal(new BarRange(5, 5), r.Answer);
    }

    [Fact]
    public async Task A_job_whose_caller_has_gone_is_dropped_without_running()
    {
        await using var server = new StudioServerOwner(new StudioOptions(StudioServer.ModelDirectory) { QueueCapacity = 4, Workers = 1 });
        var inference = server.Studio.Inference;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = await HoldWorker(inference, gate);
        using var gone = new CancellationTokenSource();
        bool ran = false;
        var job = inference.RunAsync((_, _) => ran = true, gone.Token);
        gone.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job);
        Assert.Equal(1, inference.Dropped);
        long before = inference.Ran;
        gate.SetResult();
        await held;
        Assert.True(await inference.RunAsync((_, _) => true)); // the worker has passed the cancelled job by now
        Assert.False(ran);
        Assert.Equal(1, inference.Dropped);
        Assert.Equal(before + 2, inference.Ran);
    }

    [Fact]
    public async Task An_http_request_abandoned_while_queued_is_not_run()
    {
        await using var server = new StudioServerOwner(new StudioOptions(StudioServer.ModelDirectory) { QueueCapacity = 4, Workers = 1 });
        var studio = server.Studio;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = await HoldWorker(studio.Inference, gate);
        long ran = studio.Inference.Ran;
        using var client = new CancellationTokenSource();
        var request = studio.Post("/api/continue", StudioServer.Body(fields: new { bars = 1, seed = 1 }), client.Token);
        while (studio.Inference.Waiting == 0) await Task.Delay(10); // the request's job is queued behind the held one
        client.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        // Kestrel notices the closed connection and cancels the request's token, which drops its job.
        await Eventually(() => studio.Inference.Dropped == 1, "the abandoned request's job was not dropped");
        gate.SetResult();
        await held;
        Assert.True(await studio.Inference.RunAsync((_, _) => true));
        Assert.Equal(1, studio.Inference.Dropped);
        Assert.Equal(ran + 2, studio.Inference.Ran); // the held job and the probe, not the abandoned request
    }

    /// <summary>Polls a condition (no timing is asserted: the limit only stops a hung test).</summary>
    private static async Task Eventually(Func<bool> condition, string failure)
    {
        for (int i = 0; i < 3000 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition(), failure);
    }

    [Fact]
    public async Task Eight_parallel_identical_requests_get_identical_answers()
    {
        await using var server = new StudioServerOwner(new StudioOptions(StudioServer.ModelDirectory) { Budgets = StudioServer.Unthrottled });
        var studio = server.Studio;
        var body = StudioServer.Body(fields: new { bars = 4, seed = 21 });
        var expected = await studio.Ok<ContinueResponse>("/api/continue", body);
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => studio.Ok<ContinueResponse>("/api/continue", body.DeepClone()))));
        Assert.All(answers, a => Assert.Equal(JsonSerializer.Serialize(expected.Melody), JsonSerializer.Serialize(a.Melody)));
        Assert.All(answers, a => Assert.Equal(expected.LogLikelihood, a.LogLikelihood));

        // Mixed endpoints and seeds in parallel give what each gives alone.
        var requests = Enumerable.Range(0, 8).Select(i => (i % 3) switch
        {
            0 => ("/api/continue", StudioServer.Body(fields: new { bars = 2, seed = i })),
            1 => ("/api/infill", StudioServer.Body(fields: new { firstBar = 2, lastBar = 2, seed = i, candidates = 2 })),
            _ => ("/api/vary", StudioServer.Body(fields: new { amount = 0.5, seed = i })),
        }).ToList();
        var alone = new List<string>();
        foreach (var (path, b) in requests) alone.Add(await MelodyOf(studio, path, b));
        var together = await Task.WhenAll(requests.Select(r => Task.Run(() => MelodyOf(studio, r.Item1, r.Item2.DeepClone().AsObject()))));
        Assert.Equal(alone, together);
    }

    private static async Task<string> MelodyOf(StudioServer studio, string path, System.Text.Json.Nodes.JsonObject body)
    {
        using var response = await studio.Post(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return System.Text.Json.Nodes.JsonNode.Parse(text)!["melody"]!.ToJsonString();
    }
}

/// <summary>A studio of its own for one test (other options than the shared one).</summary>
public sealed class StudioServerOwner : IAsyncDisposable
{
    public StudioServerOwner(StudioOptions options)
    {
        Studio = new StudioServer(options);
        Studio.InitializeAsync().GetAwaiter().GetResult();
    }

    public StudioServer Studio { get; }

    public async ValueTask DisposeAsync() => await Studio.DisposeAsync();
}
