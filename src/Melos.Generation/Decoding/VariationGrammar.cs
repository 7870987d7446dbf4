using Melos.Data.Tokenizers;
using Melos.Models;
using Melos.Music;

namespace Melos.Generation.Decoding;

/// <summary>
/// What a variation keeps and what it redraws: the melody, the indices of the notes whose pitch is drawn anew (in
/// order), and whether the time after each such note up to the next kept onset is drawn freely too (rhythm).
/// </summary>
/// <param name="Melody">The melody varied.</param>
/// <param name="Chosen">The indices of the notes redrawn, ascending.</param>
/// <param name="Rhythm">Also redraw the rhythm between each chosen note and the next note.</param>
public sealed record VariationPlan(Melody Melody, IReadOnlyList<int> Chosen, bool Rhythm)
{
    /// <summary>
    /// The pitches a redrawn note may take: under <paramref name="rules"/> (range, key unless chromatic, within the leap
    /// of <paramref name="previous"/>), within the leap of <paramref name="next"/> (the next kept note) and other than
    /// <paramref name="old"/>; the rules are dropped in that order (next-note leap, then "different") when they leave no
    /// pitch, and the old pitch alone is left when even the loosest leave none.
    /// </summary>
    public static List<int> RedrawPitches(PitchRules rules, int minPitch, int maxPitch, int? previous, int? next, int old)
    {
        ArgumentNullException.ThrowIfNull(rules);
        foreach (var (useNext, different) in new[] { (true, true), (false, true), (false, false) })
        {
            var pitches = new List<int>();
            for (int p = minPitch; p <= maxPitch; p++)
            {
                if (!rules.PitchAllowed(p) || !rules.WithinLeap(p, previous)) continue;
                if (useNext && next is { } n && !rules.WithinLeap(n, p)) continue;
                if (different && p == old) continue;
                pitches.Add(p);
            }
            if (pitches.Count > 0) return pitches;
        }
        return [old];
    }
}

/// <summary>
/// The grid tokenizer's variation grammar: every grid step of the melody is forced to its own token, except a chosen
/// note's onset (a NOTE_ON of <see cref="VariationPlan.RedrawPitches"/>) and, with rhythm, the steps after it up to the
/// next note (anything <see cref="TokenConstraints.Allowed"/> allows).
/// </summary>
internal sealed class GridVariationGrammar : IGrammarState
{
    private readonly GridTokenizer _t;
    private readonly TokenConstraints _constraints;
    private readonly PitchRules _rules;
    private readonly ConditionStep[] _conditioning;
    private readonly int[] _original;
    private readonly Dictionary<long, int> _chosenAt;
    private readonly HashSet<long> _keptOnsets;
    private readonly bool[] _free;
    private readonly Melody _melody;
    private readonly long _total;
    private readonly List<int> _tokens;
    private readonly List<Note> _closed = [];
    private GenerationTrack _track;

    private GridVariationGrammar(GridTokenizer t, TokenConstraints constraints, PitchRules rules, ConditionStep[] conditioning, int[] original,
        Dictionary<long, int> chosenAt, HashSet<long> keptOnsets, bool[] free, Melody melody, List<int> tokens, GenerationTrack track)
    {
        _t = t;
        _constraints = constraints;
        _rules = rules;
        _conditioning = conditioning;
        _original = original;
        _chosenAt = chosenAt;
        _keptOnsets = keptOnsets;
        _free = free;
        _melody = melody;
        _total = original.Length - 1;
        _tokens = tokens;
        _track = track;
    }

    public static GridVariationGrammar Create(GridTokenizer tokenizer, GenerationRequest request, ConditioningVocabulary vocabulary, VariationPlan plan)
    {
        int spq = tokenizer.GridConfig.StepsPerQuarter;
        if (!tokenizer.TryEncode(plan.Melody, out var encoded, out var error))
            throw new InvalidRequestException(RequestField.Melody, $"The tune does not fit the model: {error!.Message}");
        int[] original = [.. encoded!.Tokens.SkipLast(1)];
        long total = original.Length - 1;
        var notes = plan.Melody.Notes;
        var onsets = notes.Select(n => (long)(n.Start.Quarters * spq).Numerator).ToArray();
        var chosenAt = plan.Chosen.ToDictionary(i => onsets[i]);
        var free = new bool[total];
        if (plan.Rhythm)
        {
            foreach (int i in plan.Chosen)
                for (long s = onsets[i] + 1; s < (i + 1 < notes.Length ? onsets[i + 1] : total); s++) free[s] = true;
        }
        var kept = onsets.Where(o => !chosenAt.ContainsKey(o)).ToHashSet();
        var constraints = new TokenConstraints(request, tokenizer);
        var conditioning = MelodyGenerator.GridConditioning(vocabulary, plan.Melody, total, spq);
        return new GridVariationGrammar(tokenizer, constraints, new PitchRules(request, tokenizer.GridConfig.MinPitch, tokenizer.GridConfig.MaxPitch),
            conditioning, original, chosenAt, kept, free, plan.Melody, [tokenizer.Bos], new GenerationTrack(constraints.BarSteps));
    }

    public IReadOnlyList<int> Tokens => _tokens;

    public bool Done => _track.Step >= _total;

    public ConditionStep Condition => _conditioning[_track.Step];

    public Duration Time => Duration.FromQuarters(_track.Step, _t.GridConfig.StepsPerQuarter);

    public int? FormCandidate => null;

    public int CopiedBars => 0;

    public void RefuseFormCandidate() { }

    public void Allow(bool[] allowed, out bool fallback)
    {
        Array.Clear(allowed);
        fallback = false;
        long s = _track.Step;
        if (_chosenAt.TryGetValue(s, out int i))
        {
            var notes = _melody.Notes;
            int? next = i + 1 < notes.Length && _keptOnsets.Contains((long)(notes[i + 1].Start.Quarters * _t.GridConfig.StepsPerQuarter).Numerator) ? notes[i + 1].Pitch.Number : null;
            foreach (int p in VariationPlan.RedrawPitches(_rules, _t.GridConfig.MinPitch, _t.GridConfig.MaxPitch, _track.Previous, next, notes[i].Pitch.Number))
                allowed[_t.NoteOn(p)] = true;
        }
        else if (_free[s]) _constraints.Allowed(_track.Context, mustEndNote: false, out fallback).CopyTo(allowed, 0);
        else allowed[_original[s + 1]] = true;
    }

    public void Feed(int token)
    {
        _tokens.Add(token);
        int spq = _t.GridConfig.StepsPerQuarter;
        _track = _track.Advance(token, _t, out var closed);
        if (closed is { } c) _closed.Add(new Note(Pitch.FromMidi(c.Pitch), Duration.FromQuarters(c.Start, spq), Duration.FromQuarters(c.End - c.Start, spq)));
        if (Done && _track.OpenPitch is { } last)
            _closed.Add(new Note(Pitch.FromMidi(last), Duration.FromQuarters(_track.OpenStart, spq), Duration.FromQuarters(_total - _track.OpenStart, spq)));
    }

    public IReadOnlyList<Note> TakeClosedNotes() => Grammars.Drain(_closed);

    public IGrammarState Fork()
    {
        var copy = new GridVariationGrammar(_t, _constraints, _rules, _conditioning, _original, _chosenAt, _keptOnsets, _free, _melody, [.. _tokens], _track);
        copy._closed.AddRange(_closed);
        return copy;
    }
}

/// <summary>
/// The note tokenizer's variation grammar. It writes the melody's notes again as the tokenizer would (LENGTH, bar
/// lines, the meter, POSITION where a note does not start where the last one ended, PITCH, DURATIONs; no COPY, so that a
/// redrawn bar cannot change a later copy of it), forcing every token of a kept note; a chosen note's PITCH is drawn
/// from <see cref="VariationPlan.RedrawPitches"/>. With rhythm, after a chosen note's PITCH the time up to the next
/// kept onset is free: its DURATIONs, and further notes under the pitch rules, none passing that onset.
/// </summary>
internal sealed class NoteVariationGrammar : IGrammarState
{
    private readonly NoteTokenizer _t;
    private readonly PitchRules _rules;
    private readonly ConditioningVocabulary _vocabulary;
    private readonly Melody _melody;
    private readonly HashSet<int> _chosen;
    private readonly bool _rhythm;
    private readonly int _bars, _meterIndex, _spq;
    private readonly List<int> _tokens = [];
    private readonly List<Note> _closed = [];
    private readonly NoteTokenizer.Walker _walker;
    private int _reported;
    private bool _done;
    private int _next;          // the next note of the melody to write
    private long _remaining;    // steps still to write of the note being written as it was (kept, or chosen without rhythm)
    private bool _free;         // inside a chosen note's free time (rhythm)
    private bool _freeNoteOpen; // a free note's PITCH is written and needs a DURATION
    private bool _meterWritten;

    private NoteVariationGrammar(NoteTokenizer t, PitchRules rules, ConditioningVocabulary vocabulary, Melody melody, HashSet<int> chosen, bool rhythm,
        int bars, int meterIndex)
    {
        _t = t;
        _rules = rules;
        _vocabulary = vocabulary;
        _melody = melody;
        _chosen = chosen;
        _rhythm = rhythm;
        _bars = bars;
        _meterIndex = meterIndex;
        _spq = t.NoteConfig.StepsPerQuarter;
        _walker = new NoteTokenizer.Walker(t);
        Feed(t.Bos);
    }

    public static NoteVariationGrammar Create(NoteTokenizer tokenizer, GenerationRequest request, ConditioningVocabulary vocabulary, VariationPlan plan)
    {
        var melody = plan.Melody;
        if (melody.Meters.Length > 1)
            throw new InvalidRequestException(RequestField.Meter, $"the model's note grammar varies tunes in one meter; this one changes meter at {melody.Meters[1].At.Quarters} quarters");
        // The tune must fit the tokenizer at all (range, grid, durations, bars): the same check its encoding makes.
        if (!tokenizer.TryEncode(melody, out _, out var error))
            throw new InvalidRequestException(RequestField.Melody, $"The tune does not fit the model: {error!.Message}");
        int meterIndex = NoteGrammar.MeterIndex(tokenizer, request);
        int bars = Math.Max(melody.BarCount, melody.Notes.IsEmpty ? 0 : melody.BarOf(melody.Notes[^1].Start).Bar + 1);
        return new NoteVariationGrammar(tokenizer, new PitchRules(request, tokenizer.NoteConfig.MinPitch, tokenizer.NoteConfig.MaxPitch), vocabulary,
            melody, [.. plan.Chosen], plan.Rhythm, Math.Max(bars, 1), meterIndex);
    }

    public IReadOnlyList<int> Tokens => _tokens;

    public bool Done => _done;

    public ConditionStep Condition => _vocabulary.At(_melody, _walker.Cursor);

    public Duration Time => _walker.Cursor;

    public int? FormCandidate => null;

    public int CopiedBars => 0;

    public void RefuseFormCandidate() { }

    private NoteTokenKind LastKind => _t.KindOf(_tokens[^1]);

    private long Steps(Duration d) => (d.Quarters * _spq).Floor();

    /// <summary>Where the free time ends: the next note's onset, or the melody's end.</summary>
    private Duration Limit => _next < _melody.Notes.Length ? _melody.Notes[_next].Start : _melody.Length;

    /// <summary>The largest DURATION token of at most <paramref name="steps"/> steps (the encoder's choice).</summary>
    private int LargestDuration(long steps)
    {
        int best = -1;
        var durations = _t.NoteConfig.DurationSteps;
        for (int i = 0; i < durations.Length; i++)
            if (durations[i] <= steps && (best < 0 || durations[i] > durations[best])) best = i;
        return _t.DurationToken(best);
    }

    /// <summary>The token the tokenizer writes next to go on with the melody's next note (or its end).</summary>
    private int Canonical(out bool pitchIsChoice)
    {
        pitchIsChoice = false;
        switch (LastKind)
        {
            case NoteTokenKind.Bos: return _t.NumbersBars ? _t.LengthToken(_bars) : _t.BarToken(0, _bars);
            case NoteTokenKind.Length: return _t.BarToken(0, _bars);
            case NoteTokenKind.Bar when _walker.Bar == 0 && _meterIndex >= 0 && !_meterWritten: return _t.Meter(_meterIndex);
        }
        if (_remaining > 0) return LargestDuration(_remaining);
        if (_next >= _melody.Notes.Length) return _walker.Bar < _bars - 1 ? _t.BarToken(_walker.Bar + 1, _bars) : _t.Eos;
        var note = _melody.Notes[_next];
        int bar = _melody.BarOf(note.Start).Bar;
        if (_walker.Bar < bar) return _t.BarToken(_walker.Bar + 1, _bars);
        bool positioned = _walker.Positioned || (_t.NoteConfig.ImplicitPositions && _walker.Cursor == note.Start && LastKind != NoteTokenKind.Position);
        if (!positioned) return _t.Position((int)Steps(note.Start - _walker.BarStart));
        pitchIsChoice = _chosen.Contains(_next);
        return _t.PitchToken(note.Pitch.Number);
    }

    public void Allow(bool[] allowed, out bool fallback)
    {
        if (_done) throw new InvalidOperationException("The melody is complete.");
        Array.Clear(allowed);
        fallback = false;
        bool durationsMayFollow = LastKind is NoteTokenKind.Pitch or NoteTokenKind.Duration;
        if (_free && (durationsMayFollow || Steps(_walker.Cursor) < Steps(Limit))) AllowFree(allowed);
        else AllowCanonical(allowed);
    }

    /// <summary>The melody's own next token, or for a chosen note's PITCH the pitches it may take.</summary>
    private void AllowCanonical(bool[] allowed)
    {
        int token = Canonical(out bool choice);
        if (!choice)
        {
            allowed[token] = true;
            return;
        }
        var notes = _melody.Notes;
        int? next = _next + 1 < notes.Length && !_chosen.Contains(_next + 1) ? notes[_next + 1].Pitch.Number : null;
        foreach (int p in VariationPlan.RedrawPitches(_rules, _t.NoteConfig.MinPitch, _t.NoteConfig.MaxPitch, _walker.LastPitch, next, notes[_next].Pitch.Number))
            allowed[_t.PitchToken(p)] = true;
    }

    /// <summary>The free time after a chosen note (rhythm): its durations, further notes, and the way on to the next note.</summary>
    private void AllowFree(bool[] allowed)
    {
        long cursor = Steps(_walker.Cursor), limit = Steps(Limit);
        if (LastKind == NoteTokenKind.Position)
        {
            // A free note at this position (it lies before the limit): a pitch under the rules.
            foreach (int p in FreePitches()) allowed[_t.PitchToken(p)] = true;
            return;
        }
        if (LastKind is NoteTokenKind.Pitch or NoteTokenKind.Duration)
        {
            var durations = _t.NoteConfig.DurationSteps;
            int atMost = LastKind == NoteTokenKind.Duration ? _t.ValueOf(_tokens[^1]) : int.MaxValue;
            int smallest = -1;
            bool any = false;
            for (int i = 0; i < durations.Length; i++)
            {
                if (smallest < 0 || durations[i] < durations[smallest]) smallest = i;
                if (durations[i] <= atMost && cursor + durations[i] <= limit)
                {
                    allowed[_t.DurationToken(i)] = true;
                    any = true;
                }
            }
            if (_freeNoteOpen)
            {
                // A note needs one duration; the smallest is the way out when none fits.
                if (!any) allowed[_t.DurationToken(smallest)] = true;
                return;
            }
        }
        if (cursor < limit)
        {
            long barStart = Steps(_walker.BarStart), barEnd = Steps(_walker.BarStart + _walker.Meter.BarLength);
            if (_t.NoteConfig.ImplicitPositions)
                foreach (int p in FreePitches()) allowed[_t.PitchToken(p)] = true;
            long first = cursor + (_t.NoteConfig.ImplicitPositions ? 1 : 0);
            for (long q = first; q < Math.Min(limit, barEnd); q++) allowed[_t.Position((int)(q - barStart))] = true;
        }
        // Going on: the next note's own first token (or the bar line or EOS after the last note).
        AllowCanonical(allowed);
    }

    private List<int> FreePitches()
    {
        var pitches = new List<int>();
        for (int p = _t.NoteConfig.MinPitch; p <= _t.NoteConfig.MaxPitch; p++)
            if (_rules.PitchAllowed(p) && _rules.WithinLeap(p, _walker.LastPitch)) pitches.Add(p);
        if (pitches.Count == 0)
            for (int p = _t.NoteConfig.MinPitch; p <= _t.NoteConfig.MaxPitch; p++)
                if (_rules.PitchAllowed(p)) pitches.Add(p);
        return pitches;
    }

    public void Feed(int token)
    {
        if (_done) throw new InvalidOperationException("The melody is complete.");
        var kind = _t.KindOf(token);
        _tokens.Add(token);
        if (kind == NoteTokenKind.Eos)
        {
            _walker.Finish();
            _done = true;
        }
        else
        {
            // A PITCH is the melody's next note unless it starts a free note before the free time's end.
            bool nextNote = kind == NoteTokenKind.Pitch && (!_free || Steps(_walker.Cursor) >= Steps(Limit));
            _walker.Feed(token);
            if (kind == NoteTokenKind.Meter) _meterWritten = true;
            if (nextNote)
            {
                var note = _melody.Notes[_next];
                _free = _rhythm && _chosen.Contains(_next);
                _freeNoteOpen = _free;
                _remaining = _free ? 0 : Steps(note.Length);
                _next++;
            }
            else if (kind == NoteTokenKind.Pitch) _freeNoteOpen = true;
            else if (kind == NoteTokenKind.Duration)
            {
                if (_free) _freeNoteOpen = false;
                else _remaining -= _t.ValueOf(token);
            }
        }
        for (; _reported < _walker.Notes.Count; _reported++) _closed.Add(_walker.Notes[_reported]);
    }

    public IReadOnlyList<Note> TakeClosedNotes() => Grammars.Drain(_closed);

    public IGrammarState Fork()
    {
        var copy = new NoteVariationGrammar(_t, _rules, _vocabulary, _melody, _chosen, _rhythm, _bars, _meterIndex);
        for (int i = 1; i < _tokens.Count; i++) copy.Feed(_tokens[i]);
        return copy;
    }
}
