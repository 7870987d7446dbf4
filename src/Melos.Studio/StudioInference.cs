using System.Diagnostics;
using Melos.Generation;
using Melos.Generation.Decoding;

namespace Melos.Studio;

/// <summary>The inference queue is full: the request is refused at once (the API answers 503 with <c>Retry-After: 1</c>).</summary>
public sealed class InferenceQueueFullException(int capacity)
    : Exception($"The studio is busy: {capacity} requests are already waiting for the model; try again in a second.")
{
    /// <summary>The queue's capacity.</summary>
    public int Capacity { get; } = capacity;
}

/// <summary>A request ran past its time budget and was stopped (the API answers 503).</summary>
public sealed class RequestTimeBudgetException(TimeSpan budget)
    : Exception($"The request ran past its time budget of {budget.TotalSeconds:0.#} s and was stopped; ask for fewer bars or candidates.")
{
    /// <summary>The budget.</summary>
    public TimeSpan Budget { get; } = budget;
}

/// <summary>Where a request's time went: filled in by <see cref="StudioInference.RunAsync{T}"/> for the request log.</summary>
public sealed class JobTiming
{
    /// <summary>Time spent waiting for a decoding slot.</summary>
    public TimeSpan QueueWait { get; internal set; }

    /// <summary>Time spent running (decoding, scoring).</summary>
    public TimeSpan Compute { get; internal set; }

    /// <summary>The model steps this request asked for (each a row of a batched step).</summary>
    public long Steps { get; internal set; }
}

/// <summary>
/// The model, loaded once, and the decoding slots that run inference requests on it: <see cref="StudioOptions.Workers"/>
/// threads take jobs from a queue of at most <see cref="StudioOptions.QueueCapacity"/> (a job that finds it full is
/// refused at once: <see cref="InferenceQueueFullException"/>), client by client in turn, so one client's burst waits
/// behind its own requests and not in front of everyone else's. The jobs' model calls run on one model thread
/// (<see cref="BatchingModel"/>), where the single steps of all running jobs are stepped together as one batch; an
/// answer is the one the request gets alone (the shipped LSTM computes each row of a batch as its single step).
/// </summary>
public sealed class StudioInference : IAsyncDisposable, IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Queue<Job>> _byClient = [];
    private readonly LinkedList<string> _turns = new();
    private readonly Thread[] _workers;
    private readonly BatchingModel _batching;
    private readonly MelodyGenerator _shared;
    private int _waiting;
    private int _running;
    private bool _stopping;
    private int _disposed;
    private long _ran;
    private long _dropped;

    /// <summary>Loads the model of <paramref name="options"/> and starts the model thread and the workers.</summary>
    /// <exception cref="UnsupportedModelException">The folder holds no model with a generation grammar.</exception>
    public StudioInference(StudioOptions options) : this(options, null) { }

    /// <summary>As <see cref="StudioInference(StudioOptions)"/>, reporting each batched step's row count to <paramref name="batched"/>.</summary>
    public StudioInference(StudioOptions options, Action<int>? batched)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Generator = MelodyGenerator.Load(options.ModelDirectory);
        Melodies = new StudioMelodies(Generator.Tokenizer.Config.StepsPerQuarter, Generator.Vocabulary, options.Limits);
        _batching = new BatchingModel(Generator.Model, Math.Max(1, options.Workers), batched);
        _shared = new MelodyGenerator(_batching, Generator.Tokenizer, Generator.Vocabulary, ownsModel: false, Generator.ContextTokens);
        _workers = new Thread[options.Workers];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Thread(Work) { IsBackground = true, Name = $"melos-studio-{i}" };
            _workers[i].Start();
        }
    }

    /// <summary>The options the studio was built with.</summary>
    public StudioOptions Options { get; }

    /// <summary>
    /// The model as loaded; read its tokenizer, vocabulary and configuration from any thread, but run it only inside a
    /// job (<see cref="RunAsync{T}"/>, which hands the job a generator over the shared, batching model).
    /// </summary>
    public MelodyGenerator Generator { get; }

    /// <summary>The melody converter for this model's grid and vocabulary (thread-safe).</summary>
    public StudioMelodies Melodies { get; }

    /// <summary>Jobs waiting for a decoding slot.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Jobs running now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Jobs the workers have run (finished, failed or cancelled while running).</summary>
    public long Ran => Interlocked.Read(ref _ran);

    /// <summary>Jobs dropped unrun because their caller had gone (its cancellation fired while the job waited); counted when it fires.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Model steps run so far (rows of batched steps) and the batched steps that ran them.</summary>
    public (long Steps, long Batches) Stepped => (_batching.Steps, _batching.Batches);

    /// <summary>
    /// Queues <paramref name="work"/> for a decoding slot and waits for its result. A job whose
    /// <paramref name="cancellation"/> fires while it waits is dropped; one that fires while it runs gets the token (the
    /// decoder checks it every step). The job is stopped when it runs past the time budget
    /// (<see cref="StudioBudgets.RequestTime"/>, counted from now).
    /// </summary>
    /// <param name="work">The job: it gets a generator over the shared model and a token that fires when the caller goes or the budget runs out.</param>
    /// <param name="cancellation">The caller's token.</param>
    /// <param name="client">Who asks (the remote address): waiting jobs are taken client by client in turn.</param>
    /// <param name="timing">Filled in with the job's queue wait and compute time, or null.</param>
    /// <exception cref="InferenceQueueFullException">The queue is full.</exception>
    /// <exception cref="RequestTimeBudgetException">The job ran past its time budget.</exception>
    /// <exception cref="OperationCanceledException">The caller gave up.</exception>
    public Task<T> RunAsync<T>(Func<MelodyGenerator, CancellationToken, T> work, CancellationToken cancellation = default, string client = "", JobTiming? timing = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(client);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (cancellation.IsCancellationRequested) return Task.FromCanceled<T>(cancellation);
        var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var job = new Job<T>(work, budget.Token, () => Interlocked.Increment(ref _dropped), timing);
        lock (_gate)
        {
            if (_waiting >= Options.QueueCapacity)
            {
                job.Cancel();
                budget.Dispose();
                throw new InferenceQueueFullException(Options.QueueCapacity);
            }
            if (!_byClient.TryGetValue(client, out var queue))
            {
                _byClient[client] = queue = new Queue<Job>();
                _turns.AddLast(client);
            }
            queue.Enqueue(job);
            _waiting++;
            Monitor.Pulse(_gate);
        }
        budget.CancelAfter(Options.Budgets.RequestTime);
        return Finish(job.Result.Task, budget, cancellation);
    }

    /// <summary>The job's result; a job stopped by its time budget (not by its caller) is a <see cref="RequestTimeBudgetException"/>.</summary>
    private async Task<T> Finish<T>(Task<T> result, CancellationTokenSource budget, CancellationToken cancellation)
    {
        try
        {
            return await result.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested && budget.IsCancellationRequested && Volatile.Read(ref _disposed) == 0)
        {
            throw new RequestTimeBudgetException(Options.Budgets.RequestTime);
        }
        finally
        {
            budget.Dispose();
        }
    }

    /// <summary>The next job, client by client in turn; null when stopping.</summary>
    private Job? Next()
    {
        lock (_gate)
        {
            while (true)
            {
                if (_stopping) return null;
                if (_turns.First is { } turn)
                {
                    var queue = _byClient[turn.Value];
                    var job = queue.Dequeue();
                    _waiting--;
                    _turns.RemoveFirst();
                    if (queue.Count > 0) _turns.AddLast(turn.Value);
                    else _byClient.Remove(turn.Value);
                    return job;
                }
                Monitor.Wait(_gate);
            }
        }
    }

    private void Work()
    {
        while (Next() is { } job)
        {
            Interlocked.Increment(ref _running);
            try
            {
                if (job.Run(_shared)) Interlocked.Increment(ref _ran);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        lock (_gate)
        {
            _stopping = true;
            foreach (var queue in _byClient.Values)
                while (queue.TryDequeue(out var job)) job.Cancel();
            _byClient.Clear();
            _turns.Clear();
            _waiting = 0;
            Monitor.PulseAll(_gate);
        }
        // A job that never returns (it ignores its token) keeps its worker: after a while the model is left undisposed
        // rather than freed under it.
        bool stopped = await Task.Run(() => _workers.All(w => w.Join(TimeSpan.FromSeconds(30)))).ConfigureAwait(false);
        if (!stopped) return;
        _batching.Dispose();
        Generator.Dispose();
    }

    /// <inheritdoc/>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private abstract class Job
    {
        /// <summary>Runs the job; false when it was dropped unrun (its caller had gone).</summary>
        public abstract bool Run(MelodyGenerator generator);

        public abstract void Cancel();
    }

    /// <summary>
    /// One request's work. States: 0 waiting, 1 running or done, 2 dropped. A caller that gives up while the job waits
    /// drops it at once (the queue place is freed when a worker reaches it, which then skips it).
    /// </summary>
    private sealed class Job<T> : Job
    {
        private readonly Func<MelodyGenerator, CancellationToken, T> _work;
        private readonly CancellationToken _cancellation;
        private readonly CancellationTokenRegistration _registration;
        private readonly Action _dropped;
        private readonly JobTiming? _timing;
        private readonly long _queued = Stopwatch.GetTimestamp();
        private int _state;

        public Job(Func<MelodyGenerator, CancellationToken, T> work, CancellationToken cancellation, Action dropped, JobTiming? timing)
        {
            _work = work;
            _cancellation = cancellation;
            _dropped = dropped;
            _timing = timing;
            _registration = cancellation.Register(static j => ((Job<T>)j!).Drop(), this);
        }

        public TaskCompletionSource<T> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private void Drop()
        {
            if (Interlocked.CompareExchange(ref _state, 2, 0) != 0) return;
            Result.TrySetCanceled(_cancellation);
            _dropped();
        }

        public override bool Run(MelodyGenerator generator)
        {
            if (Interlocked.CompareExchange(ref _state, 1, 0) != 0) return false;
            long started = Stopwatch.GetTimestamp(), before = BatchingModel.StepsOfThisThread;
            if (_timing is not null) _timing.QueueWait = Stopwatch.GetElapsedTime(_queued, started);
            T? result = default;
            Exception? error = null;
            try
            {
                result = _work(generator, _cancellation);
            }
            catch (Exception e)
            {
                error = e;
            }
            if (_timing is not null)
            {
                _timing.Compute = Stopwatch.GetElapsedTime(started);
                _timing.Steps = BatchingModel.StepsOfThisThread - before;
            }
            _registration.Dispose();
            if (error is OperationCanceledException cancelled && _cancellation.IsCancellationRequested) Result.TrySetCanceled(cancelled.CancellationToken);
            else if (error is not null) Result.TrySetException(error);
            else Result.TrySetResult(result!);
            return true;
        }

        public override void Cancel()
        {
            if (Interlocked.CompareExchange(ref _state, 2, 0) == 0) Result.TrySetCanceled();
            _registration.Dispose();
        }
    }
}
