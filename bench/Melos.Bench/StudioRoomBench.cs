using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Melos.Studio;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Melos.Bench;

/// <summary>
/// The studio for a room (issue #21): the real app on 127.0.0.1 with the shipped model and its default budgets; each
/// client connects from a loopback address of its own (127.0.0.2, 127.0.0.3, …), so the per-client limits apply as on a
/// LAN. (a) 16 clients each asking for a 4-bar answer to a 4-bar phrase in a loop (explain on, as the page asks):
/// round-trip p50/p95, 503s and 429s, batch sizes; (b) more and more clients, to find the most with p95 under 300 ms;
/// (c) the 16 clients plus one sending the largest request the budget allows, over and over.
/// </summary>
public sealed class StudioRoomBench : IBenchmark
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    public string Name => "studio-room";

    public string Description => "studio for a room: 16 clients (own loopback addresses) asking 4-bar answers in a loop, a client sweep for p95 < 300 ms, and 16 clients plus the largest budgeted request";

    public int Run(string[] args)
    {
        // studio-room [MODEL] [SECONDS] [SWEEP]   (SWEEP: comma-separated client counts)
        var model = args.Length > 0 && args[0] != "-" ? args[0] : Path.Combine(GenerateBench.FindRepoRoot(), "models", "default");
        double seconds = args.Length > 1 ? double.Parse(args[1], Ci) : 20;
        int[] sweep = args.Length > 2 ? [.. args[2].Split(',').Select(a => int.Parse(a, Ci))] : [16, 24, 32, 48, 64];
        return RunAsync(model, seconds, sweep).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(string model, double seconds, int[] sweep)
    {
        Console.WriteLine($"load average at start: {LoadAverage()}; CPU: {CpuModel()}; {Environment.ProcessorCount} cores");
        var options = new StudioOptions(model);
        await using var app = StudioApp.Build(options, ["--urls", "http://127.0.0.1:0"]);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        var inference = app.Services.GetRequiredService<StudioInference>();
        Console.WriteLine(string.Create(Ci, $"studio at {address}: {options.Workers} decoding slots, queue {options.QueueCapacity}, budget {options.Budgets.MaxBarCandidates} bar-candidates and {options.Budgets.RequestTime.TotalSeconds:0} s per request, per client {options.Budgets.ClientConcurrency} at once and {options.Budgets.ClientRate}/s"));
        var clients = Enumerable.Range(0, 256).Select(i => LoopbackClient(address, i)).ToArray();

        // Warm-up: JIT and the model's first steps.
        var warm = Stopwatch.StartNew();
        for (int i = 0; warm.Elapsed.TotalSeconds < 3; i++) await Continue(clients[i % 4], 50_000 + i);

        Console.WriteLine();
        Console.WriteLine($"(a) 16 clients, 4-bar answer to a 4-bar phrase (explain on) in a loop for {seconds:0} s");
        var a = await Load(clients, inference, 16, seconds, heavy: false);
        Console.WriteLine(Header);
        Console.WriteLine(a.Row("16 clients"));

        Console.WriteLine();
        Console.WriteLine($"(b) client sweep, {Math.Min(seconds, 10):0} s each");
        Console.WriteLine(Header);
        int most = 0;
        foreach (int n in sweep)
        {
            var r = await Load(clients, inference, n, Math.Min(seconds, 10), heavy: false);
            Console.WriteLine(r.Row($"{n} clients"));
            if (r.P95 < 300 && r.Refused == 0) most = Math.Max(most, n);
        }
        Console.WriteLine($"the most clients of the sweep with round-trip p95 under 300 ms and nothing refused: {(most == 0 ? "none" : most.ToString(Ci))}");

        Console.WriteLine();
        Console.WriteLine($"(c) 16 clients as in (a) plus one client sending the largest budgeted request over and over for {seconds:0} s: "
            + $"/api/infill of a 64-bar melody, bars 1-64, 8 candidates (64 x 8 = 512 bar-candidates), explain on");
        var c = await Load(clients, inference, 16, seconds, heavy: true);
        Console.WriteLine(Header);
        Console.WriteLine(c.Row("16 clients (heavy client running)"));
        Console.WriteLine(string.Create(Ci, $"heavy client: {c.HeavyDone} answered, {c.HeavyOther} not (statuses {c.HeavyStatuses}); its round trips {c.HeavyTimes}"));
        Console.WriteLine();
        Console.WriteLine($"load average at end: {LoadAverage()}");
        foreach (var http in clients) http.Dispose();
        await app.StopAsync();
        return 0;
    }

    private const string Header = "| load | answers | answers/s | p50 ms | p95 ms | max ms | 503 | 429 | other | mean batch rows |\n|---|---|---|---|---|---|---|---|---|---|";

    private sealed record Result(int Answers, double Seconds, double P50, double P95, double Max, int Busy, int Throttled, int Other, double MeanBatch,
        int HeavyDone, int HeavyOther, string HeavyStatuses, string HeavyTimes)
    {
        public int Refused => Busy + Throttled + Other;

        public string Row(string what) => string.Create(Ci,
            $"| {what} | {Answers} | {Answers / Seconds:0.0} | {P50:0.0} | {P95:0.0} | {Max:0.0} | {Busy} | {Throttled} | {Other} | {MeanBatch:0.0} |");
    }

    private static async Task<Result> Load(HttpClient[] clients, StudioInference inference, int count, double seconds, bool heavy)
    {
        var samples = new List<(int Status, double Ms)>();
        var heavySamples = new List<(int Status, double Ms)>();
        var (steps0, batches0) = inference.Stepped;
        var clock = Stopwatch.StartNew();
        int seed = Random.Shared.Next(1_000_000);
        var tasks = Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            var mine = new List<(int, double)>();
            while (clock.Elapsed.TotalSeconds < seconds) mine.Add(await Continue(clients[i], Interlocked.Increment(ref seed)));
            lock (samples) samples.AddRange(mine);
        })).ToList();
        if (heavy)
        {
            tasks.Add(Task.Run(async () =>
            {
                while (clock.Elapsed.TotalSeconds < seconds)
                {
                    var r = await Largest(clients[255], Interlocked.Increment(ref seed));
                    lock (heavySamples) heavySamples.Add(r);
                }
            }));
        }
        await Task.WhenAll(tasks);
        clock.Stop();
        var (steps1, batches1) = inference.Stepped;
        var ok = samples.Where(s => s.Status == 200).Select(s => s.Ms).Order().ToArray();
        return new Result(ok.Length, clock.Elapsed.TotalSeconds, Percentile(ok, 50), Percentile(ok, 95), ok.Length > 0 ? ok[^1] : double.NaN,
            samples.Count(s => s.Status == 503), samples.Count(s => s.Status == 429), samples.Count(s => s.Status is not (200 or 503 or 429)),
            batches1 > batches0 ? (double)(steps1 - steps0) / (batches1 - batches0) : 0,
            heavySamples.Count(s => s.Status == 200), heavySamples.Count(s => s.Status != 200),
            string.Join(", ", heavySamples.GroupBy(s => s.Status).Select(g => $"{g.Key} x{g.Count()}")),
            string.Join(", ", heavySamples.Select(s => (s.Ms / 1000).ToString("0.0 s", Ci))));
    }

    private static readonly string Phrase = """
        {"key":"G","meter":"4/4","tempo":120,"bars":4,"style":null,
         "chords":[{"start":0,"symbol":"G"},{"start":4,"symbol":"D/F#"},{"start":8,"symbol":"Em"},{"start":12,"symbol":"C"}],
         "notes":[{"pitch":67,"start":0,"duration":1},{"pitch":69,"start":1,"duration":1},{"pitch":71,"start":2,"duration":1},{"pitch":67,"start":3,"duration":1},
                  {"pitch":74,"start":4,"duration":2},{"pitch":71,"start":6,"duration":1},{"pitch":67,"start":7,"duration":1},{"pitch":69,"start":8,"duration":2},
                  {"pitch":66,"start":10,"duration":1},{"pitch":62,"start":11,"duration":1},{"pitch":67,"start":12,"duration":3}]}
        """;

    /// <summary>The phrase repeated to 64 bars (the most a melody may have).</summary>
    private static JsonObject LongMelody()
    {
        var phrase = JsonNode.Parse(Phrase)!.AsObject();
        var notes = new JsonArray();
        var chords = new JsonArray();
        for (int copy = 0; copy < 16; copy++)
        {
            foreach (var n in phrase["notes"]!.AsArray())
                notes.Add(new JsonObject { ["pitch"] = n!["pitch"]!.GetValue<int>(), ["start"] = n["start"]!.GetValue<double>() + 16 * copy, ["duration"] = n["duration"]!.GetValue<double>() });
            foreach (var ch in phrase["chords"]!.AsArray())
                chords.Add(new JsonObject { ["start"] = ch!["start"]!.GetValue<double>() + 16 * copy, ["symbol"] = ch["symbol"]!.GetValue<string>() });
        }
        phrase["bars"] = 64;
        phrase["notes"] = notes;
        phrase["chords"] = chords;
        return phrase;
    }

    private static readonly string LargestBody = new JsonObject { ["melody"] = LongMelody(), ["firstBar"] = 1, ["lastBar"] = 64, ["candidates"] = 8, ["explain"] = true }.ToJsonString();

    private static async Task<(int, double)> Continue(HttpClient http, int seed)
    {
        var body = $"{{\"melody\":{Phrase},\"bars\":4,\"seed\":{seed},\"explain\":true}}";
        return await Send(http, "/api/continue", body);
    }

    private static async Task<(int, double)> Largest(HttpClient http, int seed) =>
        await Send(http, "/api/infill", LargestBody.Replace("\"firstBar\"", $"\"seed\":{seed},\"firstBar\"", StringComparison.Ordinal));

    private static async Task<(int, double)> Send(HttpClient http, string path, string body)
    {
        var watch = Stopwatch.StartNew();
        using var response = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        watch.Stop();
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests))
            Console.Error.WriteLine($"{path}: {(int)response.StatusCode} {text}");
        // A refused client waits as it is told (Retry-After), as the page does by hand, instead of asking again at once.
        if (response.Headers.RetryAfter?.Delta is { } wait) await Task.Delay(wait);
        return ((int)response.StatusCode, watch.Elapsed.TotalMilliseconds);
    }

    /// <summary>A client whose connections come from 127.0.0.(2 + index).</summary>
    private static HttpClient LoopbackClient(Uri address, int index)
    {
        var local = IPAddress.Parse($"127.0.{1 + index / 250}.{2 + index % 250}");
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
        return new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

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

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
