namespace Melos.Generation;

/// <summary>
/// The model cannot do what was asked of it: the operation is written for another tokenizer (infilling and variation
/// need the grid tokenizer) or another architecture (tuning needs gradients). The caller chose the wrong model; the
/// message names what it is and what the operation needs.
/// </summary>
public sealed class UnsupportedModelException(string message) : Exception(message);
