using Melos.Data.Tokenizers;
using Melos.Models;
using Melos.Music;

namespace Melos.Generation;

/// <summary>
/// Follows a <see cref="MelodyForm"/> during sampling: at each bar that repeats an earlier one, offers the earlier bar's
/// token at the same position until the caller refuses one (the constraints forbid it) and abandons the bar. The form
/// starts at bar 0, or at bar 1 when bar 0 turns out to be a pickup (its first note starts after the downbeat). A bar
/// is copied only when it has the same chords as its source, step by step, and the same note sounding into it (or the
/// source starts a note on its downbeat), so a completed copy is the same music.
/// </summary>
internal sealed class FormCopy(MelodyForm? form, long barSteps, ConditionStep[] conditioning)
{
    private readonly Dictionary<long, int?> _openAtBar = [];
    private long _sourceStart = -1;
    private bool _active;
    private int _copied;

    /// <summary>Called before each step's choice: at a bar line, decides whether this bar copies an earlier one.</summary>
    /// <param name="step">The grid step being chosen.</param>
    /// <param name="tokens">The tokens so far (BOS first, so step s's token is at s + 1).</param>
    /// <param name="openPitch">The pitch sounding into this step, or null.</param>
    public void AtStep(long step, IReadOnlyList<int> tokens, int? openPitch)
    {
        if (form is null || step % barSteps != 0) return;
        long bar = step / barSteps;
        if (_active) _copied++;
        _active = false;
        _openAtBar[bar] = openPitch;
        int offset = bar >= 1 && IsPickup(tokens) ? 1 : 0;
        if (bar - offset < 0 || form.SourceOf((int)(bar - offset)) is not { } source) return;
        long sourceBar = source + offset;
        _sourceStart = sourceBar * barSteps;
        for (long k = 0; k < barSteps; k++)
            if (conditioning[_sourceStart + k].Chord != conditioning[step + k].Chord) return;
        _active = true;
        // A source bar that opens by holding a note is the same music only when the same note is held here.
        if (tokens[(int)_sourceStart + 1] == GridTokenizer.HoldId && _openAtBar[sourceBar] != openPitch) _active = false;
    }

    /// <summary>The source bar's token for <paramref name="step"/> while this bar is being copied, else null.</summary>
    public int? Candidate(long step, IReadOnlyList<int> tokens) =>
        _active ? tokens[(int)(_sourceStart + step % barSteps) + 1] : null;

    /// <summary>An independent copy of this follower, at the same point of the form.</summary>
    public FormCopy Clone()
    {
        var copy = new FormCopy(form, barSteps, conditioning) { _sourceStart = _sourceStart, _active = _active, _copied = _copied };
        foreach (var (bar, pitch) in _openAtBar) copy._openAtBar[bar] = pitch;
        return copy;
    }

    /// <summary>The caller did not take the candidate: the rest of the bar is sampled.</summary>
    public void Abandon() => _active = false;

    /// <summary>The number of bars copied whole (call once after the last step).</summary>
    public int Finish()
    {
        if (_active) _copied++;
        _active = false;
        return _copied;
    }

    /// <summary>True when bar 0 opens with silence and its first note starts inside it (the melody's pickup).</summary>
    private bool IsPickup(IReadOnlyList<int> tokens)
    {
        for (int s = 0; s < barSteps && s + 1 < tokens.Count; s++)
        {
            int t = tokens[s + 1];
            if (t != GridTokenizer.HoldId && t != GridTokenizer.NoteOffId) return s > 0;
        }
        return false;
    }
}
