using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Melos.Studio;

/// <summary>
/// The studio's counters, served at <c>/metrics</c> in the Prometheus text format (version 0.0.4): requests by path and
/// status, latencies, queue waits and compute times, batch sizes, model steps and refusals by reason; the queue length
/// and running jobs are read when scraped. Thread-safe.
/// </summary>
public sealed class StudioMetrics
{
    private static readonly double[] SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.3, 0.5, 1, 2.5, 5, 10, 30, 60];
    private static readonly double[] BatchBuckets = [1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 128];
    private readonly ConcurrentDictionary<(string Path, int Status), long> _requests = new();
    private readonly ConcurrentDictionary<string, long> _refusals = new();
    private readonly ConcurrentDictionary<string, Histogram> _latency = new();
    private readonly Histogram _queueWait = new(SecondsBuckets);
    private readonly Histogram _compute = new(SecondsBuckets);
    private readonly Histogram _batch = new(BatchBuckets);

    /// <summary>Reads the queue length, running jobs and model steps when scraped (set once the inference is built).</summary>
    internal StudioInference? Inference { get; set; }

    /// <summary>Counts an answered request of <paramref name="path"/> with its status and round-trip time.</summary>
    public void Request(string path, int status, TimeSpan elapsed)
    {
        _requests.AddOrUpdate((path, status), 1, (_, n) => n + 1);
        _latency.GetOrAdd(path, _ => new Histogram(SecondsBuckets)).Observe(elapsed.TotalSeconds);
    }

    /// <summary>Counts a request refused for <paramref name="reason"/> (token, cross-origin, rate, concurrency, queue-full, budget, time).</summary>
    public void Refused(string reason) => _refusals.AddOrUpdate(reason, 1, (_, n) => n + 1);

    /// <summary>Records a job's queue wait and compute time.</summary>
    public void Job(TimeSpan queueWait, TimeSpan compute)
    {
        _queueWait.Observe(queueWait.TotalSeconds);
        _compute.Observe(compute.TotalSeconds);
    }

    /// <summary>Records the rows of one batched model step.</summary>
    public void Batch(int rows) => _batch.Observe(rows);

    /// <summary>How many requests were refused for <paramref name="reason"/>.</summary>
    public long Refusals(string reason) => _refusals.TryGetValue(reason, out var n) ? n : 0;

    /// <summary>The metrics in the Prometheus text format.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        Header(text, "melos_studio_requests_total", "counter", "API requests answered, by path and status.");
        foreach (var ((path, status), n) in _requests.OrderBy(p => p.Key.Path, StringComparer.Ordinal).ThenBy(p => p.Key.Status))
            text.Append(CultureInfo.InvariantCulture, $"melos_studio_requests_total{{path=\"{path}\",status=\"{status}\"}} {n}\n");
        Header(text, "melos_studio_request_seconds", "histogram", "Round-trip time of API requests in the server, by path.");
        foreach (var (path, h) in _latency.OrderBy(p => p.Key, StringComparer.Ordinal)) h.Render(text, "melos_studio_request_seconds", $"path=\"{path}\"");
        Header(text, "melos_studio_refusals_total", "counter", "Requests refused, by reason (token, cross-origin, rate, concurrency, queue-full, budget, time).");
        foreach (var (reason, n) in _refusals.OrderBy(p => p.Key, StringComparer.Ordinal))
            text.Append(CultureInfo.InvariantCulture, $"melos_studio_refusals_total{{reason=\"{reason}\"}} {n}\n");
        Header(text, "melos_studio_queue_wait_seconds", "histogram", "Time inference requests waited for a decoding slot.");
        _queueWait.Render(text, "melos_studio_queue_wait_seconds", "");
        Header(text, "melos_studio_compute_seconds", "histogram", "Time inference requests ran (decoding and scoring, their steps batched with others').");
        _compute.Render(text, "melos_studio_compute_seconds", "");
        Header(text, "melos_studio_batch_size", "histogram", "Rows of each batched model step (requests stepped together).");
        _batch.Render(text, "melos_studio_batch_size", "");
        if (Inference is { } inference)
        {
            Header(text, "melos_studio_queue_length", "gauge", "Inference requests waiting for a decoding slot.");
            text.Append(CultureInfo.InvariantCulture, $"melos_studio_queue_length {inference.Waiting}\n");
            Header(text, "melos_studio_running", "gauge", "Inference requests running.");
            text.Append(CultureInfo.InvariantCulture, $"melos_studio_running {inference.Running}\n");
            Header(text, "melos_studio_model_steps_total", "counter", "Model steps run (rows of batched steps).");
            text.Append(CultureInfo.InvariantCulture, $"melos_studio_model_steps_total {inference.Stepped.Steps}\n");
            Header(text, "melos_studio_dropped_total", "counter", "Inference requests dropped unrun because their client had gone.");
            text.Append(CultureInfo.InvariantCulture, $"melos_studio_dropped_total {inference.Dropped}\n");
        }
        return text.ToString();
    }

    private static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private sealed class Histogram(double[] bounds)
    {
        private readonly long[] _counts = new long[bounds.Length + 1];
        private double _sum;
        private long _count;

        public void Observe(double value)
        {
            int i = 0;
            while (i < bounds.Length && value > bounds[i]) i++;
            lock (_counts)
            {
                _counts[i]++;
                _sum += value;
                _count++;
            }
        }

        public void Render(StringBuilder text, string name, string labels)
        {
            long[] counts;
            double sum;
            long count;
            lock (_counts)
            {
                counts = (long[])_counts.Clone();
                sum = _sum;
                count = _count;
            }
            string sep = labels.Length > 0 ? "," : "";
            long cumulative = 0;
            for (int i = 0; i < bounds.Length; i++)
            {
                cumulative += counts[i];
                text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels}{sep}le=\"{bounds[i]}\"}} {cumulative}\n");
            }
            text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}\n");
            string braces = labels.Length > 0 ? "{" + labels + "}" : "";
            text.Append(CultureInfo.InvariantCulture, $"{name}_sum{braces} {sum}\n{name}_count{braces} {count}\n");
        }
    }
}
