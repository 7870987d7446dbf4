using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Melos.Studio.Tests.Api;

/// <summary>Requests decoded together: stepped in batches, each answer byte-identical to the one it gets alone; a short loopback load test.</summary>
public sealed class BatchingTests(ITestOutputHelper output)
{
    /// <summary>The answer without its timing (the only field that may differ between runs).</summary>
    private static async Task<string> Answer(StudioServer studio, string path, JsonObject body, HttpClient? http = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        using var response = await (http ?? studio.Http).SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        var json = JsonNode.Parse(text)!.AsObject();
        Assert.True(json.Remove("elapsedMs"));
        return json.ToJsonString();
    }

    [Fact]
    public async Task Sixteen_requests_at_once_are_stepped_together_and_each_answer_is_byte_identical_to_its_answer_alone()
    {
        await using var owner = new StudioServerOwner(new StudioOptions(StudioServer.ModelDirectory) { Workers = 16 });
        var studio = owner.Studio;
        var requests = Enumerable.Range(0, 16).Select(i => (i % 4) switch
        {
            0 or 1 => ("/api/continue", StudioServer.Body(fields: new { bars = 1 + i % 4, seed = i, temperature = 0.7 + 0.05 * i })),
            2 => ("/api/infill", StudioServer.Body(fields: new { firstBar = 2, lastBar = 3, seed = i, candidates = 3, explain = true })),
            _ => ("/api/vary", StudioServer.Body(fields: new { amount = 0.5, seed = i })),
        }).ToList();
        var alone = new List<string>();
        foreach (var (path, body) in requests) alone.Add(await Answer(studio, path, body));
        var (steps, batches) = studio.Inference.Stepped;
        // Each from a client of its own (the per-client limits allow 4 at once).
        var clients = Enumerable.Range(0, 16).Select(i => LoopbackClient(studio.Address, i)).ToList();
        using var go = new ManualResetEventSlim();
        var together = requests.Select((r, i) => Task.Run(async () =>
        {
            go.Wait();
            return await Answer(studio, r.Item1, r.Item2.DeepClone().AsObject(), clients[i]);
        })).ToList();
        go.Set();
        Assert.Equal(alone, await Task.WhenAll(together));
        var (stepsAfter, batchesAfter) = studio.Inference.Stepped;
        output.WriteLine($"together: {stepsAfter - steps} steps in {batchesAfter - batches} batched steps");
        Assert.True(stepsAfter - steps > 1.5 * (batchesAfter - batches), $"{stepsAfter - steps} steps in {batchesAfter - batches} batches: hardly batched");
        clients.ForEach(c => c.Dispose());
    }

    /// <summary>A client whose connections come from 127.0.0.(2 + index): a client of its own to the server's per-client limits.</summary>
    internal static HttpClient LoopbackClient(Uri address, int index)
    {
        var local = IPAddress.Parse($"127.0.0.{2 + index % 250}");
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellation) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellation);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = address };
    }

    [Fact]
    public async Task Eight_clients_asking_in_a_loop_for_three_seconds_are_all_answered()
    {
        await using var owner = new StudioServerOwner(new StudioOptions(StudioServer.ModelDirectory));
        var studio = owner.Studio;
        var body = StudioServer.Body(fields: new { bars = 4 }).ToJsonString();
        var statuses = new System.Collections.Concurrent.ConcurrentBag<(int Status, double Ms)>();
        var until = Stopwatch.StartNew();
        var clients = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            using var http = LoopbackClient(studio.Address, i);
            while (until.Elapsed < TimeSpan.FromSeconds(3))
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await http.PostAsync("/api/continue", new StringContent(body, Encoding.UTF8, "application/json"));
                _ = await response.Content.ReadAsByteArrayAsync();
                statuses.Add(((int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            }
        })).ToList();
        await Task.WhenAll(clients);
        var all = statuses.ToList();
        var ms = all.Select(s => s.Ms).Order().ToList();
        output.WriteLine($"{all.Count} requests by 8 clients in 3 s: p50 {ms[ms.Count / 2]:0} ms, p95 {ms[(int)(ms.Count * 0.95)]:0} ms (no timing is asserted)");
        Assert.True(all.Count >= 8);
        Assert.All(all, s => Assert.Equal(200, s.Status));
        var metrics = await studio.Http.GetStringAsync("/metrics");
        Assert.Contains($"melos_studio_requests_total{{path=\"/api/continue\",status=\"200\"}} {all.Count}", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE melos_studio_batch_size histogram", metrics, StringComparison.Ordinal);
        Assert.Contains("melos_studio_queue_length 0", metrics, StringComparison.Ordinal);
        var health = await studio.Http.GetFromJsonAsync<JsonObject>("/healthz");
        Assert.Equal("ok", health!["status"]!.GetValue<string>());
    }
}
