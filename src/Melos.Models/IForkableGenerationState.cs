namespace Melos.Models;

/// <summary>
/// A generation state that can be copied, so that search (beam search, candidates sharing a context) can branch
/// without replaying the history. The copy and the original evolve independently and are disposed separately.
/// </summary>
public interface IForkableGenerationState : IGenerationState
{
    /// <summary>An independent copy of this state (same history, same cached tensors copied).</summary>
    IGenerationState Fork();
}
