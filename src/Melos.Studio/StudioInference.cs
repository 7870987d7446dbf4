using System.Threading.Channels;
using Melos.Generation;

namespace Melos.Studio;

/// <summary>The inference queue is full: the request is refused at once (the API answers 503 with <c>Retry-After: 1</c>).</summary>
public sealed class InferenceQueueFullException(int capacity)
    : Exception($"The studio is busy: {capacity} requests are already waiting for the model; try again in a second.")
{
    /// <summary>The queue's capacity.</summary>
    public int Capacity { get; } = capacity;
}

/// <summary>
/// The model, loaded once, and the one worker that runs every inference request on it in turn: a bounded
/// <see cref="Channel{T}"/> of <see cref="StudioOptions.QueueCapacity"/> jobs feeds it, and a job that finds the queue
/// full is refused at once (<see cref="InferenceQueueFullException"/>). The model's generation state is not
/// thread-safe, so nothing else may touch <see cref="Generator"/> while the app runs.
/// </summary>
public sealed class StudioInference : IAsyncDisposable, IDisposable
{
    private readonly Channel<Job> _queue;
    private readonly Task _worker;
    private int _disposed;

    /// <summary>Loads the model of <paramref name="options"/> and starts the worker.</summary>
    /// <exception cref="UnsupportedModelException">The folder holds no model with a generation grammar.</exception>
    public StudioInference(StudioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Generator = MelodyGenerator.Load(options.ModelDirectory);
        Melodies = new StudioMelodies(Generator.Tokenizer.Config.StepsPerQuarter, Generator.Vocabulary, options.Limits);
        _queue = Channel.CreateBounded<Job>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the caller answers 503
            SingleReader = true,
        });
        _worker = Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>The options the studio was built with.</summary>
    public StudioOptions Options { get; }

    /// <summary>The model; use it only inside a job (<see cref="RunAsync{T}"/>), never from a request thread.</summary>
    public MelodyGenerator Generator { get; }

    /// <summary>The melody converter for this model's grid and vocabulary (thread-safe).</summary>
    public StudioMelodies Melodies { get; }

    /// <summary>Jobs waiting in the queue (not counting the one the worker runs).</summary>
    public int Waiting => _queue.Reader.Count;

    /// <summary>Jobs the worker has run (finished, failed or cancelled while running).</summary>
    public long Ran => Interlocked.Read(ref _ran);

    /// <summary>Jobs dropped unrun because their caller had gone (its cancellation fired while the job waited); counted when it fires.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    private long _ran;
    private long _dropped;

    /// <summary>
    /// Queues <paramref name="work"/> for the worker and waits for its result. A job whose
    /// <paramref name="cancellation"/> fires while it waits is dropped; one that fires while it runs gets the token (the
    /// generator checks it every step).
    /// </summary>
    /// <exception cref="InferenceQueueFullException">The queue is full.</exception>
    /// <exception cref="OperationCanceledException">The caller gave up.</exception>
    public Task<T> RunAsync<T>(Func<MelodyGenerator, CancellationToken, T> work, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (cancellation.IsCancellationRequested) return Task.FromCanceled<T>(cancellation);
        var job = new Job<T>(work, cancellation, () => Interlocked.Increment(ref _dropped));
        if (!_queue.Writer.TryWrite(job))
        {
            job.Cancel();
            throw new InferenceQueueFullException(Options.QueueCapacity);
        }
        return job.Result.Task.WaitAsync(cancellation);
    }

    private async Task Work()
    {
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_queue.Reader.TryRead(out var job))
            {
                if (job.Run(Generator)) Interlocked.Increment(ref _ran);
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var job)) job.Cancel();
        await _worker.ConfigureAwait(false);
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
    /// drops it at once (the queue place is freed when the worker reaches it, which then skips it).
    /// </summary>
    private sealed class Job<T> : Job
    {
        private readonly Func<MelodyGenerator, CancellationToken, T> _work;
        private readonly CancellationToken _cancellation;
        private readonly CancellationTokenRegistration _registration;
        private readonly Action _dropped;
        private int _state;

        public Job(Func<MelodyGenerator, CancellationToken, T> work, CancellationToken cancellation, Action dropped)
        {
            _work = work;
            _cancellation = cancellation;
            _dropped = dropped;
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
            try
            {
                Result.TrySetResult(_work(generator, _cancellation));
            }
            catch (OperationCanceledException e) when (_cancellation.IsCancellationRequested)
            {
                Result.TrySetCanceled(e.CancellationToken);
            }
            catch (Exception e)
            {
                Result.TrySetException(e);
            }
            finally
            {
                _registration.Dispose();
            }
            return true;
        }

        public override void Cancel()
        {
            if (Interlocked.CompareExchange(ref _state, 2, 0) == 0) Result.TrySetCanceled();
            _registration.Dispose();
        }
    }
}
