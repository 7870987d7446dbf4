namespace Melos.Evaluation;

/// <summary>A set has too few usable melodies for a measurement; the message names the set, the count and the need.</summary>
/// <param name="set">The set's name.</param>
/// <param name="usable">Melodies that could be used (with notes, or tokenizable for the discriminator).</param>
/// <param name="needed">The smallest number that works.</param>
/// <param name="what">What they are needed for.</param>
public sealed class TooFewMelodiesException(string set, int usable, int needed, string what)
    : Exception($"{set} has {usable} usable melodies; {what} needs at least {needed}")
{
    /// <summary>The set's name.</summary>
    public string Set { get; } = set;

    /// <summary>Melodies that could be used.</summary>
    public int Usable { get; } = usable;

    /// <summary>The smallest number that works.</summary>
    public int Needed { get; } = needed;
}
