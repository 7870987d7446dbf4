namespace Melos.Studio;

/// <summary>How the studio is served.</summary>
/// <param name="ModelDirectory">The model folder (grid tokenizer) every request uses.</param>
public sealed record StudioOptions(string ModelDirectory);
