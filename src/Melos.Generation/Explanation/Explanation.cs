using Melos.Music;

namespace Melos.Generation.Explanation;

/// <summary>A token the model considered at a step, with its probability.</summary>
/// <param name="Token">The token's name (a pitch such as <c>D5</c>, <c>HOLD</c>, <c>NOTE_OFF</c>).</param>
/// <param name="Probability">Its probability at that step.</param>
public sealed record Alternative(string Token, double Probability);

/// <summary>How much an earlier note contributed to a prediction, as a share of all contributions (0..1).</summary>
/// <param name="Note">The earlier note's index in the melody.</param>
/// <param name="Share">Its share.</param>
public sealed record Attribution(int Note, double Share);

/// <summary>How much each condition moved the model's distribution at a note's onset: removing it and comparing.</summary>
/// <param name="ChordBits">KL divergence (bits) between the distribution with the chord and with "no chord", or null when the melody has no chords.</param>
/// <param name="KeyBits">The same for the key conditioning, or null when the melody has no key.</param>
/// <param name="StyleBits">The same for the style label, or null when the model knows no style of the melody.</param>
/// <param name="OutOfKeyMass">The probability the model gave to pitches outside the key's scale at that step (what a key mask removes), or null without a key.</param>
public sealed record ControlInfluence(double? ChordBits, double? KeyBits, double? StyleBits, double? OutOfKeyMass);

/// <summary>Why the model wrote (or would have written) one note.</summary>
/// <param name="Index">The note's index in the melody.</param>
/// <param name="Pitch">The pitch.</param>
/// <param name="Start">The onset in quarter notes.</param>
/// <param name="Bar">The bar (1-based).</param>
/// <param name="Probability">The model's probability of this pitch starting at this step.</param>
/// <param name="Rank">1 when it was the most likely token at that step.</param>
/// <param name="SurprisalBits">-log2 of <paramref name="Probability"/>.</param>
/// <param name="EntropyBits">The entropy of the model's distribution at that step.</param>
/// <param name="Alternatives">The five most likely other tokens.</param>
/// <param name="Saliency">Gradient-times-input attribution to earlier notes, largest first (torch models).</param>
/// <param name="Attention">Attention-rollout attribution to earlier notes, largest first (Transformers).</param>
/// <param name="Influence">How the conditions shifted this step's distribution (torch models).</param>
public sealed record NoteExplanation(
    int Index, Pitch Pitch, double Start, int Bar, double Probability, int Rank, double SurprisalBits, double EntropyBits,
    IReadOnlyList<Alternative> Alternatives, IReadOnlyList<Attribution>? Saliency, IReadOnlyList<Attribution>? Attention, ControlInfluence? Influence);

/// <summary>Totals over one bar.</summary>
/// <param name="Bar">The bar (1-based).</param>
/// <param name="Notes">Notes starting in it.</param>
/// <param name="NoteSurprisalBits">Summed surprisal of its notes' onsets.</param>
/// <param name="TokenSurprisalBits">Summed surprisal of every token in it (onsets, holds, rests).</param>
public sealed record BarExplanation(int Bar, int Notes, double NoteSurprisalBits, double TokenSurprisalBits);

/// <summary>A bar that repeats an earlier one (same rhythm, every pitch moved by the same interval).</summary>
/// <param name="Bar">The repeating bar (1-based).</param>
/// <param name="SourceBar">The earlier bar (1-based).</param>
/// <param name="Semitones">The transposition.</param>
/// <param name="AttributionShare">The mean share of the bar's saliency that fell on the source bar, or null without attribution.</param>
/// <param name="DrewOnSource">Whether the source bar got more of the bar's saliency than any other earlier bar.</param>
/// <param name="Text">In words, e.g. "bar 9 repeats bar 1 up a fourth".</param>
public sealed record Repetition(int Bar, int SourceBar, int Semitones, double? AttributionShare, bool DrewOnSource, string Text);

/// <summary>A melody explained note by note under one model.</summary>
/// <param name="Model">What scored it.</param>
/// <param name="Notes">Every note in order.</param>
/// <param name="Bars">Every bar.</param>
/// <param name="Tokens">Scored tokens (every token after BOS).</param>
/// <param name="TotalBits">Their summed surprisal.</param>
/// <param name="MostSurprising">Note indices, most surprising first.</param>
/// <param name="Repetitions">Bars that repeat earlier bars.</param>
/// <param name="TokenSurprisal">Each scored token's surprisal in bits with its time in quarters (for the curve).</param>
/// <param name="AttentionByNote">Transformers: mean attention rollout between notes, <c>[i][j]</c> = share of note i's prediction on note j.</param>
public sealed record MelodyExplanation(
    string Model, IReadOnlyList<NoteExplanation> Notes, IReadOnlyList<BarExplanation> Bars, int Tokens, double TotalBits,
    IReadOnlyList<int> MostSurprising, IReadOnlyList<Repetition> Repetitions, IReadOnlyList<(double Time, double Bits)> TokenSurprisal,
    double[][]? AttentionByNote)
{
    /// <summary>Mean surprisal per note in bits (all tokens' bits divided by the notes).</summary>
    public double BitsPerNote => Notes.Count == 0 ? double.NaN : TotalBits / Notes.Count;
}
