using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Melos.Data.Tokenizers;
using Melos.Models;

namespace Melos.Generation.Decoding;

/// <summary>
/// A model shared by many decoders on many threads, as servers do with continuous batching: every call on the model
/// (a step, a prefill, a forward pass, creating, forking or disposing a state) runs on one model thread, and the single
/// steps that several threads ask for at about the same time run as one <see cref="ISequenceModel.StepBatch"/>. A
/// decoder joins the running batch at its next step and leaves it when it stops asking. Callers block until their call
/// has run, so give each decoder a thread of its own (not a thread-pool thread).
/// </summary>
/// <remarks>
/// An answer does not depend on what else is batched with it when the model's batched step computes each row as its
/// single step does: true of the LSTM (managed kernels with the same order of operations per row) and the n-gram model;
/// the Transformer's batched step agrees with its single step only up to float rounding (about 1e-6).
/// </remarks>
public sealed class BatchingModel : ISequenceModel
{
    private readonly ISequenceModel _inner;
    private readonly BlockingCollection<Call> _calls = new(new ConcurrentQueue<Call>());
    private readonly Thread _thread;
    private readonly int _maxBatch;
    private readonly Action<int>? _batched;
    private long _steps, _batches;

    /// <summary>Wraps <paramref name="inner"/> (not owned) and starts the model thread.</summary>
    /// <param name="inner">The model; nothing else may use it while this wrapper runs.</param>
    /// <param name="maxBatch">The most rows one batched step takes (1..4096).</param>
    /// <param name="batched">Called on the model thread after each batched step with its row count (for metrics), or null.</param>
    public BatchingModel(ISequenceModel inner, int maxBatch = 64, Action<int>? batched = null)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _maxBatch = maxBatch is >= 1 and <= 4096 ? maxBatch : throw new ArgumentOutOfRangeException(nameof(maxBatch), maxBatch, "The batch must be 1..4096 rows.");
        _batched = batched;
        _thread = new Thread(Loop) { IsBackground = true, Name = "melos-model" };
        _thread.Start();
    }

    /// <inheritdoc/>
    public string Architecture => _inner.Architecture;

    /// <inheritdoc/>
    public int VocabularySize => _inner.VocabularySize;

    /// <inheritdoc/>
    public ModelConfig Config => _inner.Config;

    /// <summary>Single steps run so far (rows of batched steps).</summary>
    public long Steps => Interlocked.Read(ref _steps);

    /// <summary>Single steps this thread has asked of any batching model (a job's own steps, read before and after it).</summary>
    public static long StepsOfThisThread => _stepsOfThisThread;

    [ThreadStatic]
    private static long _stepsOfThisThread;

    /// <summary>Batched steps run so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <inheritdoc/>
    public LogitsBatch Forward(TokenBatch batch) => Exclusive(() => _inner.Forward(batch));

    /// <inheritdoc/>
    public IGenerationState CreateState() => Wrap(Exclusive(_inner.CreateState));

    /// <inheritdoc/>
    public float[] Step(IGenerationState state, int token, ConditionStep next)
    {
        var inner = Unwrap(state);
        _stepsOfThisThread++;
        if (Thread.CurrentThread == _thread) return _inner.Step(inner, token, next);
        var call = new StepCall(inner, token, next);
        Send(call);
        return call.Logits!;
    }

    /// <summary>Prefills run so far, and the batched prefill calls they ran in.</summary>
    public (long Prefills, long Batches) PrefillCounts => (Interlocked.Read(ref _prefills), Interlocked.Read(ref _prefillBatches));

    private long _prefills, _prefillBatches;

    /// <inheritdoc/>
    /// <remarks>Prefills that several threads ask for at about the same time run as one <see cref="ISequenceModel.PrefillBatch"/>.</remarks>
    public LogitsBatch Prefill(IGenerationState state, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next)
    {
        var inner = Unwrap(state);
        Stepping.CheckPrefill(tokens, next);
        if (Thread.CurrentThread == _thread) return _inner.Prefill(inner, tokens, next);
        var call = new PrefillCall(inner, tokens, next);
        Send(call);
        return call.Logits!;
    }

    /// <inheritdoc/>
    public IReadOnlyList<LogitsBatch> PrefillBatch(IReadOnlyList<IGenerationState> states, IReadOnlyList<IReadOnlyList<int>> tokens,
        IReadOnlyList<IReadOnlyList<ConditionStep>> next)
    {
        ArgumentNullException.ThrowIfNull(states);
        var inner = states.Select(Unwrap).ToList();
        return Exclusive(() => _inner.PrefillBatch(inner, tokens, next));
    }

    /// <inheritdoc/>
    public LogitsBatch StepBatch(IReadOnlyList<IGenerationState> states, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next)
    {
        ArgumentNullException.ThrowIfNull(states);
        var inner = states.Select(Unwrap).ToList();
        return Exclusive(() => _inner.StepBatch(inner, tokens, next));
    }

    /// <summary>Stops the model thread once the calls already posted have run; the inner model is not disposed.</summary>
    public void Dispose()
    {
        if (_calls.IsAddingCompleted) return;
        _calls.CompleteAdding();
        if (Thread.CurrentThread != _thread) _thread.Join();
    }

    private IGenerationState Wrap(IGenerationState inner) =>
        inner is IForkableGenerationState ? new ForkableState(this, inner) : new State(this, inner);

    private IGenerationState Unwrap(IGenerationState state) =>
        state is State s && s.Owner == this ? s.Inner : throw new ArgumentException("Not a state of this batching model.", nameof(state));

    private T Exclusive<T>(Func<T> work)
    {
        if (Thread.CurrentThread == _thread) return work();
        var call = new ExclusiveCall(() => work());
        Send(call);
        return (T)call.Result!;
    }

    /// <summary>Posts <paramref name="call"/> to the model thread and waits until it has run; rethrows its error.</summary>
    private void Send(Call call)
    {
        Post(call);
        call.Done.Wait();
        call.Done.Dispose();
        if (call.Error is { } e) ExceptionDispatchInfo.Throw(e);
    }

    private void Post(Call call)
    {
        try
        {
            _calls.Add(call);
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(nameof(BatchingModel));
        }
    }

    /// <summary>
    /// The model thread: takes every call posted so far; the prefills among them run as batched prefills and the single
    /// steps as batched steps (in arrival order, <see cref="_maxBatch"/> states at most each), then the other calls one by
    /// one in arrival order.
    /// </summary>
    private void Loop()
    {
        var steps = new List<StepCall>();
        var prefills = new List<PrefillCall>();
        var others = new List<ExclusiveCall>();
        while (!_calls.IsCompleted)
        {
            Call first;
            try
            {
                first = _calls.Take();
            }
            catch (InvalidOperationException)
            {
                break;
            }
            Sort(first, steps, prefills, others);
            while (_calls.TryTake(out var more)) Sort(more, steps, prefills, others);
            for (int from = 0; from < prefills.Count; from += _maxBatch) RunPrefills(prefills, from, Math.Min(_maxBatch, prefills.Count - from));
            for (int from = 0; from < steps.Count; from += _maxBatch) RunSteps(steps, from, Math.Min(_maxBatch, steps.Count - from));
            // A stepped decoder posts its next step while the other calls run: it joins the next batch.
            foreach (var call in others) call.Run();
            steps.Clear();
            prefills.Clear();
            others.Clear();
        }
    }

    private static void Sort(Call call, List<StepCall> steps, List<PrefillCall> prefills, List<ExclusiveCall> others)
    {
        if (call is StepCall step) steps.Add(step);
        else if (call is PrefillCall prefill) prefills.Add(prefill);
        else others.Add((ExclusiveCall)call);
    }

    private void RunPrefills(List<PrefillCall> prefills, int from, int count)
    {
        try
        {
            if (count == 1)
            {
                var p = prefills[from];
                p.Logits = _inner.Prefill(p.State, p.Tokens, p.Next);
            }
            else
            {
                var batch = prefills.GetRange(from, count);
                var logits = _inner.PrefillBatch([.. batch.Select(p => p.State)], [.. batch.Select(p => p.Tokens)], [.. batch.Select(p => p.Next)]);
                for (int i = 0; i < count; i++) batch[i].Logits = logits[i];
            }
            Interlocked.Add(ref _prefills, count);
            Interlocked.Increment(ref _prefillBatches);
        }
        catch (Exception e)
        {
            for (int i = 0; i < count; i++) prefills[from + i].Error = e;
        }
        for (int i = 0; i < count; i++) prefills[from + i].Done.Set();
    }

    private void RunSteps(List<StepCall> steps, int from, int count)
    {
        try
        {
            if (count == 1)
            {
                var s = steps[from];
                s.Logits = _inner.Step(s.State, s.Token, s.Next);
            }
            else
            {
                var states = new IGenerationState[count];
                var tokens = new int[count];
                var next = new ConditionStep[count];
                for (int i = 0; i < count; i++) (states[i], tokens[i], next[i]) = (steps[from + i].State, steps[from + i].Token, steps[from + i].Next);
                var logits = _inner.StepBatch(states, tokens, next);
                for (int i = 0; i < count; i++) steps[from + i].Logits = logits.At(i, 0).ToArray();
            }
            Interlocked.Add(ref _steps, count);
            Interlocked.Increment(ref _batches);
            _batched?.Invoke(count);
        }
        catch (Exception e)
        {
            for (int i = 0; i < count; i++) steps[from + i].Error = e;
        }
        for (int i = 0; i < count; i++) steps[from + i].Done.Set();
    }

    private abstract class Call
    {
        public ManualResetEventSlim Done { get; } = new(false, 100);

        public Exception? Error { get; set; }
    }

    private sealed class StepCall(IGenerationState state, int token, ConditionStep next) : Call
    {
        public IGenerationState State { get; } = state;

        public int Token { get; } = token;

        public ConditionStep Next { get; } = next;

        public float[]? Logits { get; set; }
    }

    private sealed class PrefillCall(IGenerationState state, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next) : Call
    {
        public IGenerationState State { get; } = state;

        public IReadOnlyList<int> Tokens { get; } = tokens;

        public IReadOnlyList<ConditionStep> Next { get; } = next;

        public LogitsBatch? Logits { get; set; }
    }

    private sealed class ExclusiveCall(Func<object?> work) : Call
    {
        public object? Result { get; private set; }

        public void Run()
        {
            try
            {
                Result = work();
            }
            catch (Exception e)
            {
                Error = e;
            }
            Done.Set();
        }
    }

    /// <summary>A state of the inner model; forking and disposing it run on the model thread.</summary>
    private class State(BatchingModel owner, IGenerationState inner) : IGenerationState
    {
        private int _disposed;

        public BatchingModel Owner { get; } = owner;

        public IGenerationState Inner { get; } = inner;

        public int Length => Inner.Length;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            if (Owner._calls.IsAddingCompleted) Inner.Dispose();
            else Owner.Exclusive<object?>(() => { Inner.Dispose(); return null; });
        }
    }

    private sealed class ForkableState(BatchingModel owner, IGenerationState inner) : State(owner, inner), IForkableGenerationState
    {
        public IGenerationState Fork() => Owner.Wrap(Owner.Exclusive(((IForkableGenerationState)Inner).Fork));
    }
}
