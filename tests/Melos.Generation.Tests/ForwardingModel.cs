using Melos.Data.Tokenizers;
using Melos.Models;

namespace Melos.Generation.Tests;

/// <summary>
/// A model that forwards to another: tests derive from it to count or slow the calls they watch. It forwards
/// <see cref="ISequenceModel.Step"/>, <see cref="ISequenceModel.Forward"/> and <see cref="ISequenceModel.CreateState"/>
/// only, so the interface's token-by-token Prefill and batches apply unless a derived class re-implements
/// <see cref="ISequenceModel"/> with its own (<see cref="ForwardingAllModel"/> forwards them all). Disposing it leaves
/// the inner model alone.
/// </summary>
internal abstract class ForwardingModel(ISequenceModel inner) : ISequenceModel
{
    protected ISequenceModel Inner => inner;

    public string Architecture => inner.Architecture;

    public int VocabularySize => inner.VocabularySize;

    public ModelConfig Config => inner.Config;

    public virtual LogitsBatch Forward(TokenBatch batch) => inner.Forward(batch);

    public IGenerationState CreateState() => inner.CreateState();

    public virtual float[] Step(IGenerationState state, int token, ConditionStep next) => inner.Step(state, token, next);

    public void Dispose() { }
}

/// <summary>A <see cref="ForwardingModel"/> that also forwards the inner model's own Prefill and batched calls.</summary>
internal abstract class ForwardingAllModel(ISequenceModel inner) : ForwardingModel(inner), ISequenceModel
{
    public virtual LogitsBatch Prefill(IGenerationState state, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next) => Inner.Prefill(state, tokens, next);

    public virtual LogitsBatch StepBatch(IReadOnlyList<IGenerationState> states, IReadOnlyList<int> tokens, IReadOnlyList<ConditionStep> next) =>
        Inner.StepBatch(states, tokens, next);

    public IReadOnlyList<LogitsBatch> PrefillBatch(IReadOnlyList<IGenerationState> states, IReadOnlyList<IReadOnlyList<int>> tokens,
        IReadOnlyList<IReadOnlyList<ConditionStep>> next) => Inner.PrefillBatch(states, tokens, next);
}
