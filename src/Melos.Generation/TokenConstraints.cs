using Melos.Data.Tokenizers;
using Melos.Music;

namespace Melos.Generation;

/// <summary>What the constraints need to know about the melody so far.</summary>
/// <param name="Step">The grid step of the token being chosen (0 = downbeat of bar 1).</param>
/// <param name="PreviousPitch">The MIDI pitch of the last note started (primer included), or null.</param>
/// <param name="Sounding">True while a note is sounding (a NOTE_OFF would end it).</param>
/// <param name="NotesInBar">The notes started so far in the bar holding <paramref name="Step"/> (primer included).</param>
public readonly record struct GenerationContext(long Step, int? PreviousPitch, bool Sounding, int NotesInBar = 0);

/// <summary>
/// The musician's constraints as a mask over the next grid token. NOTE_ON(p) is allowed when p is inside the range
/// (and the tokenizer's), in the key's scale (unless chromatic) and within the maximum leap of the previous note;
/// in the last bar, with end-on-tonic, only tonic pitches may start, and a non-tonic last note is replaced on the last
/// bar's downbeat. Density: once a bar holds the maximum number of notes no other may start in it, and when the
/// sixteenth-note positions left in a bar are just enough for the notes still missing from the minimum, a note must
/// start on each of them. HOLD and NOTE_OFF keep the grammar well formed at every step, so the mask never dead-ends:
/// when it would leave nothing, HOLD and NOTE_OFF are allowed (the fallback). PAD, BOS and EOS are never allowed: the
/// caller stops after exactly <see cref="TotalSteps"/> tokens.
/// </summary>
public sealed class TokenConstraints
{
    private readonly GridTokenizer _tokenizer;
    private readonly PitchRules _rules;
    private readonly bool _endOnTonic;
    private readonly int? _minPerBar;
    private readonly int? _maxPerBar;

    /// <summary>Builds the mask of a request for a tokenizer.</summary>
    /// <exception cref="InvalidRequestException">A bar of the request's meter is not a whole number of grid steps, or the minimum density does not fit a bar.</exception>
    public TokenConstraints(GenerationRequest request, GridTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        int spq = tokenizer.GridConfig.StepsPerQuarter;
        var barSteps = request.Meter.BarLength.Quarters * spq;
        if (barSteps.Denominator != 1)
            throw new InvalidRequestException(RequestField.Meter, $"a bar of {request.Meter} is not a whole number of the model's grid steps ({spq} per quarter)");
        BarSteps = barSteps.Numerator;
        TotalSteps = BarSteps * request.Bars;
        // Forced notes for the minimum density land on sixteenths when the grid has them, else on every step.
        SlotSteps = spq % 4 == 0 ? spq / 4 : 1;
        if (request.MinNotesPerBar is { } least && least > BarSteps / SlotSteps)
            throw new InvalidRequestException(RequestField.MinNotesPerBar, $"at least {least} notes per bar cannot fit: a bar of {request.Meter} has {BarSteps / SlotSteps} places for a forced note on the model's grid");
        _rules = new PitchRules(request, tokenizer.GridConfig.MinPitch, tokenizer.GridConfig.MaxPitch);
        _endOnTonic = request.EndOnTonic;
        _minPerBar = request.MinNotesPerBar is > 0 ? request.MinNotesPerBar : null;
        _maxPerBar = request.MaxNotesPerBar;
    }

    /// <summary>Grid steps per bar.</summary>
    public long BarSteps { get; }

    /// <summary>Grid steps of the whole melody: the number of tokens after BOS.</summary>
    public long TotalSteps { get; }

    /// <summary>The first step of the last bar.</summary>
    public long FinalBarStart => TotalSteps - BarSteps;

    /// <summary>The spacing in grid steps of the positions where the minimum density may force a note (a sixteenth).</summary>
    public long SlotSteps { get; }

    /// <summary>True when <paramref name="midi"/> passes the static constraints (range, tokenizer range, scale).</summary>
    public bool PitchAllowed(int midi) => _rules.PitchAllowed(midi);

    /// <summary>True when <paramref name="midi"/> has the key's tonic pitch class.</summary>
    public bool IsTonic(int midi) => _rules.IsTonic(midi);

    /// <summary>True when <paramref name="midi"/> is within the maximum leap of <paramref name="previous"/> (always true without either).</summary>
    public bool WithinLeap(int midi, int? previous) => _rules.WithinLeap(midi, previous);

    /// <summary>
    /// The allowed tokens at <paramref name="context"/>. <paramref name="mustEndNote"/> forbids HOLD (a primer's last
    /// note must end where the primer ends); <paramref name="fallback"/> is true when the key, range, leap and tonic
    /// rules left no pitch that could start (a bar that is full by the density rule is not a fallback).
    /// </summary>
    public bool[] Allowed(GenerationContext context, bool mustEndNote, out bool fallback)
    {
        var allowed = new bool[_tokenizer.VocabularySize];
        var pitches = new List<int>();
        var tonics = new List<int>();
        for (int p = _tokenizer.GridConfig.MinPitch; p <= _tokenizer.GridConfig.MaxPitch; p++)
        {
            if (!PitchAllowed(p) || !WithinLeap(p, context.PreviousPitch)) continue;
            pitches.Add(p);
            if (IsTonic(p)) tonics.Add(p);
        }
        bool forceNote = false;
        if (_endOnTonic && context.Step >= FinalBarStart)
        {
            bool lastIsTonic = context.PreviousPitch is { } prev && IsTonic(prev);
            if (lastIsTonic || tonics.Count > 0) pitches = tonics;
            // The last bar's first free step replaces a non-tonic last note by a tonic one.
            forceNote = !lastIsTonic && tonics.Count > 0;
        }
        fallback = pitches.Count == 0;
        if (_maxPerBar is { } most && context.NotesInBar >= most)
        {
            // The bar is full: nothing may start until the next bar.
            pitches.Clear();
            forceNote = false;
        }
        else if (_minPerBar is { } least && pitches.Count > 0 && MustStartForDensity(context, least))
        {
            forceNote = true;
        }
        foreach (var p in pitches) allowed[_tokenizer.NoteOn(p)] = true;
        if (!forceNote)
        {
            allowed[GridTokenizer.HoldId] = !mustEndNote;
            allowed[GridTokenizer.NoteOffId] = context.Sounding;
        }
        if (!allowed.Contains(true))
        {
            fallback = true;
            allowed[GridTokenizer.HoldId] = true;
            allowed[GridTokenizer.NoteOffId] = true;
        }
        return allowed;
    }

    /// <summary>
    /// True when <paramref name="context"/>'s step is a sixteenth position and the sixteenth positions left in its bar
    /// (this one included) are no more than the notes still missing from <paramref name="least"/>.
    /// </summary>
    private bool MustStartForDensity(GenerationContext context, int least)
    {
        long position = context.Step % BarSteps;
        if (position % SlotSteps != 0) return false;
        int missing = least - context.NotesInBar;
        if (missing <= 0) return false;
        long slotsLeft = (BarSteps - position + SlotSteps - 1) / SlotSteps;
        return slotsLeft <= missing;
    }
}

/// <summary>
/// The request's rules for a pitch, the same for every tokenizer: inside the range (and the tokenizer's), in the key's
/// scale unless chromatic, within the maximum leap of the previous note; and which pitches are tonics.
/// </summary>
public sealed class PitchRules
{
    private readonly bool[] _pitchAllowed = new bool[128];
    private readonly int _tonicClass;
    private readonly int? _maxLeap;

    /// <summary>The rules of <paramref name="request"/> for a tokenizer whose pitches are <paramref name="minPitch"/>..<paramref name="maxPitch"/>.</summary>
    public PitchRules(GenerationRequest request, int minPitch, int maxPitch)
    {
        ArgumentNullException.ThrowIfNull(request);
        int low = Math.Max(request.Pitches.Low?.Number ?? 0, minPitch);
        int high = Math.Min(request.Pitches.High?.Number ?? 127, maxPitch);
        for (int p = Math.Max(low, 0); p <= Math.Min(high, 127); p++)
            _pitchAllowed[p] = request.Pitches.Chromatic || request.Key.Scale.Contains(p);
        _tonicClass = request.Key.Tonic.PitchClass;
        _maxLeap = request.Pitches.MaxLeap;
    }

    /// <summary>True when <paramref name="midi"/> passes the static constraints (range, tokenizer range, scale).</summary>
    public bool PitchAllowed(int midi) => midi is >= 0 and <= 127 && _pitchAllowed[midi];

    /// <summary>True when <paramref name="midi"/> has the key's tonic pitch class.</summary>
    public bool IsTonic(int midi) => ((midi % 12) + 12) % 12 == _tonicClass;

    /// <summary>True when <paramref name="midi"/> is within the maximum leap of <paramref name="previous"/> (always true without either).</summary>
    public bool WithinLeap(int midi, int? previous) => _maxLeap is not { } leap || previous is not { } prev || Math.Abs(midi - prev) <= leap;
}
