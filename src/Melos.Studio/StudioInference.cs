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
    /// <exception cref="ArgumentException">The folder holds no grid-tokenizer model.</exception>
    public StudioInference(StudioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Generator = MelodyGenerator.Load(options.ModelDirectory);
        Melodies = new StudioMelodies(Generator.Tokenizer.GridConfig.StepsPerQuarter, Generator.Vocabulary, options.Limits);
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
        var job = new Job<T>(work, cancellation);
        if (!_queue.Writer.TryWrite(job)) throw new InferenceQueueFullException(Options.QueueCapacity);
        return job.Result.Task.WaitAsync(cancellation);
    }

    private async Task Work()
    {
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_queue.Reader.TryRead(out var job)) job.Run(Generator);
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
        public abstract void Run(MelodyGenerator generator);

        public abstract void Cancel();
    }

    private sealed class Job<T>(Func<MelodyGenerator, CancellationToken, T> work, CancellationToken cancellation) : Job
    {
        public TaskCompletionSource<T> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Run(MelodyGenerator generator)
        {
            if (cancellation.IsCancellationRequested)
            {
                Result.TrySetCanceled(cancellation);
                return;
            }
            try
            {
                Result.TrySetResult(work(generator, cancellation));
            }
            catch (OperationCanceledException e) when (cancellation.IsCancellationRequested)
            {
                Result.TrySetCanceled(e.CancellationToken);
            }
            catch (Exception e)
            {
                Result.TrySetException(e);
            }
        }

        public override void Cancel() => Result.TrySetCanceled();
    }
}
