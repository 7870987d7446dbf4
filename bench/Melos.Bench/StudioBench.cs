using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Melos.Studio;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Melos.Bench;

/// <summary>
/// The studio server under load: the real app on 127.0.0.1 (a free port) with the shipped model, answering a 4-bar phrase
/// with 4 bars through <c>POST /api/continue</c> (explain on, as the page asks): (a) sequential requests, server time
/// (the response's <c>elapsedMs</c>) and client round trip; (b) concurrent clients for a bounded time: throughput, round
/// trip and 503s; (c) more clients than the queue holds, to show the 503 path.
/// </summary>
public sealed class StudioBench : IBenchmark
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    public string Name => "studio";

    public string Description => "studio server: /api/continue 4-bar answers, 200 sequential (server p50/p95) and 16 clients for 20 s (throughput, p95, 503s)";

    public int Run(string[] args)
    {
        // studio [MODEL] [SEQUENTIAL] [SECONDS] [CLIENTS]
        var model = args.Length > 0 && args[0] != "-" ? args[0] : Path.Combine(GenerateBench.FindRepoRoot(), "models", "default");
        int sequential = args.Length > 1 ? int.Parse(args[1], Ci) : 200;
        double seconds = args.Length > 2 ? double.Parse(args[2], Ci) : 20;
        int clients = args.Length > 3 ? int.Parse(args[3], Ci) : 16;
        return RunAsync(model, sequential, seconds, clients).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(string model, int sequential, double seconds, int clients)
    {
        Console.WriteLine($"load average at start: {LoadAverage()}; OMP_NUM_THREADS={Environment.GetEnvironmentVariable("OMP_NUM_THREADS") ?? "(unset)"}");
        var options = new StudioOptions(model);
        var start = Stopwatch.StartNew();
        await using var app = StudioApp.Build(options, ["--urls", "http://127.0.0.1:0"]);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        Console.WriteLine(string.Create(Ci, $"app built and started (model loaded) in {start.Elapsed.TotalMilliseconds:0} ms at {address}; queue capacity {options.QueueCapacity}"));
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(2) };

        var first = await Continue(http, seed: 0);
        Console.WriteLine(string.Create(Ci, $"first request (JIT): server {first.ServerMs:0.0} ms, round trip {first.RoundTripMs:0.0} ms"));
        var warm = Stopwatch.StartNew();
        int warmRequests = 0;
        while (warm.Elapsed.TotalSeconds < 3) { await Continue(http, seed: 10_000 + warmRequests); warmRequests++; }
        Console.WriteLine($"warm-up: {warmRequests} requests over 3 s");

        // (a) Sequential.
        var results = new List<Sample>();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (int i = 0; i < sequential; i++) results.Add(await Continue(http, seed: i + 1));
        wall.Stop();
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine();
        Console.WriteLine($"(a) {sequential} sequential requests: /api/continue, 4-bar phrase (11 notes) + 4-bar answer, explain on, seeds 1..{sequential}");
        Console.WriteLine("| measure | p50 ms | p95 ms | mean ms | min ms | max ms |");
        Console.WriteLine("|---|---|---|---|---|---|");
        Console.WriteLine(Row("server time (elapsedMs)", results.Select(r => r.ServerMs)));
        Console.WriteLine(Row("client round trip", results.Select(r => r.RoundTripMs)));
        Console.WriteLine(string.Create(Ci, $"process CPU per request {cpuUsed.TotalMilliseconds / sequential:0.0} ms (server and client in one process); {results.Count(r => r.Status != 200)} non-200"));

        var noExplain = new List<Sample>();
        for (int i = 0; i < Math.Min(50, sequential); i++) noExplain.Add(await Continue(http, seed: i + 1, explain: false));
        Console.WriteLine(Row($"server time, explain off ({noExplain.Count} requests)", noExplain.Select(r => r.ServerMs)));

        // The other model endpoints the page calls, one at a time on the same phrase (explain on where it applies).
        Console.WriteLine();
        Console.WriteLine("other endpoints, 30 sequential requests each on the same 4-bar phrase:");
        Console.WriteLine("| request | p50 ms | p95 ms | mean ms | min ms | max ms |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var (label, path, fields) in new (string, string, string)[]
        {
            ("infill bar 3, 16 candidates", "/api/infill", "\"firstBar\":3,\"lastBar\":3,\"candidates\":16"),
            ("infill bars 2-3, 16 candidates", "/api/infill", "\"firstBar\":2,\"lastBar\":3,\"candidates\":16"),
            ("vary amount 0.3", "/api/vary", "\"amount\":0.3"),
            ("explain", "/api/explain", ""),
        })
        {
            var times = new List<double>();
            for (int i = 0; i < 30; i++) times.Add((await Post(http, path, fields, seed: i + 1)).ServerMs);
            Console.WriteLine(Row($"{label}: server time", times));
        }

        // (b) Concurrent clients for a bounded time.
        Console.WriteLine();
        await Load(http, clients, seconds, $"(b) {clients} concurrent clients for {seconds:0} s");

        // (c) More clients than the queue holds: the 503 path under overload.
        int overload = options.QueueCapacity + 16;
        Console.WriteLine();
        await Load(http, overload, Math.Min(10, seconds), $"(c) {overload} concurrent clients (queue {options.QueueCapacity}) for {Math.Min(10, seconds):0} s");
        Console.WriteLine();
        Console.WriteLine($"load average at end: {LoadAverage()}");
        await app.StopAsync();
        return 0;
    }

    private static async Task Load(HttpClient http, int clients, double seconds, string title)
    {
        var samples = new List<Sample>();
        var clock = Stopwatch.StartNew();
        int nextSeed = 100_000;
        var workers = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            var mine = new List<Sample>();
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                var sample = await Continue(http, Interlocked.Increment(ref nextSeed));
                mine.Add(sample);
                // A refused client waits as the server says (Retry-After), as the page does, instead of asking again at once.
                if (sample.RetryAfter is { } wait) await Task.Delay(wait);
            }
            lock (samples) samples.AddRange(mine);
        })).ToList();
        await Task.WhenAll(workers);
        clock.Stop();
        var ok = samples.Where(s => s.Status == 200).ToList();
        int busy = samples.Count(s => s.Status == 503);
        int limited = samples.Count(s => s.Status == 429);
        Console.WriteLine(title);
        Console.WriteLine(string.Create(Ci, $"{samples.Count} requests in {clock.Elapsed.TotalSeconds:0.0} s: {ok.Count} answered ({ok.Count / clock.Elapsed.TotalSeconds:0.0} answers/s), {busy} answered 503, {limited} answered 429 (all clients share 127.0.0.1, so the per-client limits apply to them together; the studio-room benchmark gives each its own address), {samples.Count - ok.Count - busy - limited} other"));
        Console.WriteLine("| measure | p50 ms | p95 ms | mean ms | min ms | max ms |");
        Console.WriteLine("|---|---|---|---|---|---|");
        if (ok.Count > 0)
        {
            Console.WriteLine(Row("round trip, answered", ok.Select(r => r.RoundTripMs)));
            Console.WriteLine(Row("server time, answered (queue wait included)", ok.Select(r => r.ServerMs)));
        }
        if (busy > 0) Console.WriteLine(Row("round trip, 503", samples.Where(s => s.Status == 503).Select(r => r.RoundTripMs)));
    }

    private sealed record Sample(int Status, double ServerMs, double RoundTripMs, TimeSpan? RetryAfter = null);

    private static readonly string Phrase = """
        {"key":"G","meter":"4/4","tempo":120,"bars":4,"style":null,
         "chords":[{"start":0,"symbol":"G"},{"start":4,"symbol":"D/F#"},{"start":8,"symbol":"Em"},{"start":12,"symbol":"C"}],
         "notes":[{"pitch":67,"start":0,"duration":1},{"pitch":69,"start":1,"duration":1},{"pitch":71,"start":2,"duration":1},{"pitch":67,"start":3,"duration":1},
                  {"pitch":74,"start":4,"duration":2},{"pitch":71,"start":6,"duration":1},{"pitch":67,"start":7,"duration":1},{"pitch":69,"start":8,"duration":2},
                  {"pitch":66,"start":10,"duration":1},{"pitch":62,"start":11,"duration":1},{"pitch":67,"start":12,"duration":3}]}
        """;

    private static async Task<Sample> Continue(HttpClient http, int seed, bool explain = true)
    {
        var body = new JsonObject { ["melody"] = JsonNode.Parse(Phrase), ["bars"] = 4, ["seed"] = seed, ["explain"] = explain };
        var watch = Stopwatch.StartNew();
        using var response = await http.PostAsync("/api/continue", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        watch.Stop();
        double server = double.NaN;
        if (response.StatusCode == HttpStatusCode.OK) server = JsonNode.Parse(text)!["elapsedMs"]!.GetValue<double>();
        else if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests)) Console.Error.WriteLine($"{(int)response.StatusCode}: {text}");
        TimeSpan? retry = response.StatusCode == HttpStatusCode.TooManyRequests ? response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1) : null;
        return new Sample((int)response.StatusCode, server, watch.Elapsed.TotalMilliseconds, retry);
    }

    private static async Task<Sample> Post(HttpClient http, string path, string fields, int seed)
    {
        // Explain scores the given notes and draws nothing: its request has no seed (an unknown field is a 400).
        var seedField = path == "/api/explain" ? "" : $",\"seed\":{seed}";
        var json = $"{{\"melody\":{Phrase}{seedField}{(fields.Length > 0 ? "," + fields : "")}}}";
        var watch = Stopwatch.StartNew();
        using var response = await http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        watch.Stop();
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {text}");
        return new Sample(200, JsonNode.Parse(text)!["elapsedMs"]!.GetValue<double>(), watch.Elapsed.TotalMilliseconds);
    }

    private static string Row(string what, IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0) return $"| {what} | - | - | - | - | - |";
        return string.Create(Ci, $"| {what} | {Percentile(v, 50):0.0} | {Percentile(v, 95):0.0} | {v.Average():0.0} | {v[0]:0.0} | {v[^1]:0.0} |");
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static string LoadAverage()
    {
        try
        {
            return string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
