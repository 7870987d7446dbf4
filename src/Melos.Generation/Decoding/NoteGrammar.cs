using Melos.Data.Tokenizers;
using Melos.Models;
using Melos.Music;

namespace Melos.Generation.Decoding;

/// <summary>
/// The note tokenizer's grammar (<see cref="NoteTokenizer"/>): exactly the requested bars, each opened by its bar line
/// (and, with numbered bars, the tune's LENGTH first); in a bar, notes start at or after the time written so far and
/// inside the bar, each a PITCH under the pitch rules followed by non-increasing DURATIONs that never pass the melody's
/// end; a bar may instead be a COPY of an earlier bar whose notes pass every rule here; EOS comes only in the last bar.
/// Density: no note starts once a bar holds the maximum, and a bar does not end (nor a note stretch) while the
/// sixteenth positions left could no longer hold the minimum. End on the tonic: in the last bar only tonics start,
/// and the melody ends only on one.
/// </summary>
internal sealed class NoteGrammar : IGrammarState
{
    private readonly NoteTokenizer _t;
    private readonly GenerationRequest _request;
    private readonly ConditioningVocabulary _vocabulary;
    private readonly Melody _template;
    private readonly PitchRules _rules;
    private readonly int _spq, _meterIndex, _bars;
    private readonly long _barSteps, _totalSteps, _slot;
    private readonly bool _endsTune;
    private readonly List<int> _tokens = [];
    private readonly List<int> _barTokenStart = []; // per bar: index in _tokens of its first token after BAR/METER
    private readonly List<Note> _closed = [];
    private NoteTokenizer.Walker _walker;
    private int _reported;
    private int _copied;
    private bool _done;
    // Form replay: the source bar whose tokens are offered, and how far into it.
    private int _replaySource = -1;
    private int _replayOffset;
    private bool _formOffered = true;
    private bool _emptyCopy;
    private int? _copyOffer;
    private readonly bool _anyTonic;
    private readonly List<int> _allowedTonics = []; // tonic pitches the pitch rules allow (leap aside)
    private bool _tonicUnreachable;

    private NoteGrammar(NoteTokenizer tokenizer, GenerationRequest request, ConditioningVocabulary vocabulary, int meterIndex, long barSteps,
        Melody template, int bars, bool endsTune)
    {
        _t = tokenizer;
        _request = request;
        _vocabulary = vocabulary;
        _template = template;
        _endsTune = endsTune;
        _rules = new PitchRules(request, tokenizer.NoteConfig.MinPitch, tokenizer.NoteConfig.MaxPitch);
        _spq = tokenizer.NoteConfig.StepsPerQuarter;
        _meterIndex = meterIndex;
        _bars = bars;
        _barSteps = barSteps;
        _totalSteps = barSteps * bars;
        _slot = _spq % 4 == 0 ? _spq / 4 : 1;
        _walker = new NoteTokenizer.Walker(tokenizer);
        for (int p = tokenizer.NoteConfig.MinPitch; p <= tokenizer.NoteConfig.MaxPitch; p++)
            if (_rules.PitchAllowed(p) && _rules.IsTonic(p)) _allowedTonics.Add(p);
        _anyTonic = _allowedTonics.Count > 0;
        Feed(tokenizer.Bos);
    }

    public static NoteGrammar Create(NoteTokenizer tokenizer, GenerationRequest request, ConditioningVocabulary vocabulary, out int[] forced)
    {
        int meterIndex = MeterIndex(tokenizer, request);
        var barSteps = request.Meter.BarLength.Quarters * tokenizer.NoteConfig.StepsPerQuarter;
        if (tokenizer.NumbersBars && request.Bars > tokenizer.NoteConfig.MaxBars)
            throw new InvalidRequestException(RequestField.Bars, $"the model writes tunes of at most {tokenizer.NoteConfig.MaxBars} bars; {request.Bars} were asked for");
        long slot = tokenizer.NoteConfig.StepsPerQuarter % 4 == 0 ? tokenizer.NoteConfig.StepsPerQuarter / 4 : 1;
        if (request.MinNotesPerBar is { } least && least > barSteps.Numerator / slot)
            throw new InvalidRequestException(RequestField.MinNotesPerBar, $"at least {least} notes per bar cannot fit: a bar of {request.Meter} has {barSteps.Numerator / slot} places for a note on the model's grid");
        var grammar = new NoteGrammar(tokenizer, request, vocabulary, meterIndex, barSteps.Numerator, MelodyGenerator.Template(request), request.Bars, endsTune: true);
        forced = PrimerTokens(tokenizer, request);
        return grammar;
    }

    /// <summary>
    /// The grammar of an edit of <paramref name="melody"/> (see <see cref="Grammars.ForEdit"/>): the tokens before bar
    /// <paramref name="firstBar"/>'s first note are forced (the notes that start before it, its bar line), and bars
    /// <paramref name="firstBar"/>..<paramref name="endBar"/>-1 are written under the request's pitch rules; the grammar
    /// is done at bar <paramref name="endBar"/>'s bar line (or EOS at the tune's end).
    /// </summary>
    public static NoteGrammar CreateEdit(NoteTokenizer tokenizer, GenerationRequest request, ConditioningVocabulary vocabulary, Melody melody,
        int firstBar, int endBar, out int[] forced)
    {
        if (melody.Meters.Length > 1)
            throw new InvalidRequestException(RequestField.Meter, $"the model's note grammar edits tunes in one meter; this one changes meter at {melody.Meters[1].At.Quarters} quarters");
        int meterIndex = MeterIndex(tokenizer, request);
        var barSteps = (request.Meter.BarLength.Quarters * tokenizer.NoteConfig.StepsPerQuarter).Numerator;
        if (!tokenizer.TryEncode(melody, out var encoded, out var error))
            throw new InvalidRequestException(RequestField.Melody, $"The tune does not fit the model: {error!.Message}");
        var tokens = encoded!.Tokens;
        int i = 1, bar = -1;
        for (; i < tokens.Length; i++)
            if (tokenizer.KindOf(tokens[i]) == NoteTokenKind.Bar && ++bar == firstBar) break;
        if (i == tokens.Length) throw new InvalidRequestException(RequestField.FirstBar, $"the tune has no bar {firstBar + 1}");
        i++;
        if (i < tokens.Length && tokenizer.KindOf(tokens[i]) == NoteTokenKind.Meter) i++;
        forced = [.. tokens[1..i]];
        int bars = Math.Max(melody.BarCount, 1);
        return new NoteGrammar(tokenizer, request, vocabulary, meterIndex, barSteps, melody, endBar, endsTune: endBar >= bars);
    }

    /// <summary>The index of the request's meter among the tokenizer's METER tokens; refused when it has none or a bar is off its grid.</summary>
    internal static int MeterIndex(NoteTokenizer tokenizer, GenerationRequest request)
    {
        int meterIndex = -1;
        for (int i = 0; i < tokenizer.Meters.Count; i++)
            if (tokenizer.Meters[i] == request.Meter) meterIndex = i;
        if (meterIndex < 0)
            throw new InvalidRequestException(RequestField.Meter, $"the model's tokenizer has no meter {request.Meter}; it writes: {string.Join(", ", tokenizer.NoteConfig.Meters)}");
        var barSteps = request.Meter.BarLength.Quarters * tokenizer.NoteConfig.StepsPerQuarter;
        if (barSteps.Denominator != 1 || barSteps.Numerator > tokenizer.NoteConfig.MaxBarSteps)
            throw new InvalidRequestException(RequestField.Meter, $"a bar of {request.Meter} is not a whole number of the model's grid steps ({tokenizer.NoteConfig.StepsPerQuarter} per quarter, at most {tokenizer.NoteConfig.MaxBarSteps} per bar)");
        return meterIndex;
    }

    /// <summary>The primer's tokens after BOS, through its last note (the bars after it are left to the decoder).</summary>
    private static int[] PrimerTokens(NoteTokenizer tokenizer, GenerationRequest request)
    {
        if (request.Primer.IsEmpty) return [];
        var primer = Melody.Create(request.Primer, request.Key, [new MeterChange(Duration.Zero, request.Meter)], length: request.Length);
        if (!tokenizer.TryEncode(primer, out var encoded, out var error))
            throw new InvalidRequestException(RequestField.Primer, $"does not fit the model: {error!.Message}");
        var walker = new NoteTokenizer.Walker(tokenizer);
        var tokens = encoded!.Tokens;
        int i = 1;
        for (; i < tokens.Length; i++)
        {
            var kind = tokenizer.KindOf(tokens[i]);
            if ((kind is NoteTokenKind.Bar or NoteTokenKind.Eos) && walker.Notes.Count + (walker.PendingPitch is null ? 0 : 1) >= primer.Notes.Length) break;
            walker.Feed(tokens[i]);
        }
        return [.. tokens[1..i]];
    }

    public IReadOnlyList<int> Tokens => _tokens;

    public bool Done => _done;

    public int CopiedBars => _copied;

    public ConditionStep Condition => _vocabulary.At(_template, _walker.Cursor);

    public Duration Time => _walker.Cursor;

    private NoteTokenKind LastKind => _t.KindOf(_tokens[^1]);

    private long Steps(Duration d) => (d.Quarters * _spq).Floor();

    private long Cursor => Steps(_walker.Cursor);

    private long BarStart => Math.Max(_walker.Bar, 0) * _barSteps;

    private bool LastBar => _walker.Bar == _bars - 1;

    /// <summary>True at a bar's first choice: after its bar line (and the first bar's meter).</summary>
    private bool AtBarStart => LastKind == NoteTokenKind.Meter || (LastKind == NoteTokenKind.Bar && _walker.Bar > 0);

    /// <summary>The whole tune's bars (its LENGTH; for an edit, more than the bars this grammar writes).</summary>
    private int TuneBars => _walker.Length ?? _bars;

    private int EndToken => !LastBar ? _t.BarToken(_walker.Bar + 1, TuneBars) : _endsTune ? _t.Eos : _t.BarToken(_bars, TuneBars);

    /// <summary>Sixteenth positions (grid slots) at or after bar step <paramref name="position"/>.</summary>
    private long SlotsFrom(long position) => position >= _barSteps ? 0 : (_barSteps - position + _slot - 1) / _slot;

    private int Missing => _request.MinNotesPerBar is { } least ? Math.Max(0, least - _walker.NotesInBar) : 0;

    private List<int> StartPitches()
    {
        var pitches = new List<int>();
        var tonics = new List<int>();
        for (int p = _t.NoteConfig.MinPitch; p <= _t.NoteConfig.MaxPitch; p++)
        {
            if (!_rules.PitchAllowed(p) || !_rules.WithinLeap(p, _walker.LastPitch)) continue;
            pitches.Add(p);
            if (_rules.IsTonic(p)) tonics.Add(p);
        }
        if (!_request.EndOnTonic || !LastBar) return pitches;
        // No tonic within reach: the rule gives way (counted as a fallback by the caller).
        _tonicUnreachable = tonics.Count == 0;
        if (tonics.Count == 0) return pitches;
        // Only the last note must be a tonic: a note of the last bar may be another pitch while a tonic can still follow
        // it (a slot and a note of the bar's budget after it, within the leap limit); its duration keeps that slot free
        // (AllowDurations).
        if (Cursor + 2 * _slot > _totalSteps || _request.MaxNotesPerBar is { } most && _walker.NotesInBar + 2 > most) return tonics;
        var open = pitches.Where(p => _rules.IsTonic(p) || TonicFollows(p)).ToList();
        return open.Count > 0 ? open : tonics;
    }

    /// <summary>Whether some allowed tonic lies within the leap limit of <paramref name="pitch"/>.</summary>
    private bool TonicFollows(int pitch) => _allowedTonics.Exists(t => _rules.WithinLeap(t, pitch));

    public void Allow(bool[] allowed, out bool fallback)
    {
        Array.Clear(allowed);
        _tonicUnreachable = false;
        AllowByGrammar(allowed, out fallback);
        fallback |= _tonicUnreachable;
    }

    private void AllowByGrammar(bool[] allowed, out bool fallback)
    {
        fallback = false;
        if (_done) throw new InvalidOperationException("The melody is complete.");
        switch (LastKind)
        {
            case NoteTokenKind.Bos:
                allowed[_t.NumbersBars ? _t.LengthToken(_bars) : _t.BarToken(0, _bars)] = true;
                return;
            case NoteTokenKind.Length:
                allowed[_t.BarToken(0, TuneBars)] = true;
                return;
            case NoteTokenKind.Bar when _walker.Bar == 0:
                allowed[_t.Meter(_meterIndex)] = true;
                return;
            case NoteTokenKind.Position:
                var pitches = StartPitches();
                if (pitches.Count == 0)
                {
                    fallback = true;
                    for (int p = _t.NoteConfig.MinPitch; p <= _t.NoteConfig.MaxPitch; p++) pitches.Add(p);
                }
                foreach (var p in pitches) allowed[_t.PitchToken(p)] = true;
                return;
            case NoteTokenKind.Pitch:
                AllowDurations(allowed, int.MaxValue, ref fallback, mustHaveOne: true);
                return;
        }
        long cursor = Cursor, barStart = BarStart, barEnd = barStart + _barSteps;
        bool afterCopy = LastKind == NoteTokenKind.Copy;
        if (LastKind == NoteTokenKind.Duration) AllowDurations(allowed, _t.ValueOf(_tokens[^1]), ref fallback, mustHaveOne: false);
        bool canStart = false;
        if (!afterCopy && cursor < barEnd && !(_request.MaxNotesPerBar is { } most && _walker.NotesInBar >= most))
        {
            var pitches = StartPitches();
            if (pitches.Count == 0) fallback = true;
            else
            {
                int missing = Missing;
                if (_t.NoteConfig.ImplicitPositions && cursor >= barStart)
                {
                    foreach (var p in pitches) allowed[_t.PitchToken(p)] = true;
                    canStart = true;
                }
                long first = Math.Max(0, cursor - barStart + (_t.NoteConfig.ImplicitPositions ? 1 : 0));
                for (long q = first; q < _barSteps; q++)
                {
                    if (1 + SlotsFrom(q + 1) < missing) break;
                    allowed[_t.Position((int)q)] = true;
                    canStart = true;
                }
            }
        }
        if (AtBarStart && _t.NoteConfig.MaxCopyDistance > 0)
            for (int k = 1; k <= Math.Min(_t.NoteConfig.MaxCopyDistance, _walker.Bar); k++)
                if (CopyAllowed(k)) allowed[_t.CopyToken(k)] = true;
        bool mayEnd = !(canStart && Missing > 0)
            && !(canStart && LastBar && _request.EndOnTonic && !(_walker.LastPitch is { } lp && _rules.IsTonic(lp)));
        if (mayEnd || !allowed.Contains(true))
        {
            if (!mayEnd) fallback = true;
            allowed[EndToken] = true;
        }
    }

    /// <summary>DURATION tokens of at most <paramref name="atMost"/> steps that keep the note inside the melody and leave room for the density's minimum.</summary>
    private void AllowDurations(bool[] allowed, int atMost, ref bool fallback, bool mustHaveOne)
    {
        long cursor = Cursor, barStart = BarStart;
        int missing = Missing;
        int smallest = -1;
        bool any = false;
        long? nonTonicLimit = _request.EndOnTonic && _anyTonic && _walker.PendingPitch is { } pending && !_rules.IsTonic(pending) ? _totalSteps - _slot : null;
        long? formLimit = FormLimit();
        var steps = _t.NoteConfig.DurationSteps;
        for (int i = 0; i < steps.Length; i++)
        {
            int d = steps[i];
            if (d > atMost || cursor + d > _totalSteps) continue;
            if (smallest < 0 || d < steps[smallest]) smallest = i;
            // A note that is not a tonic leaves room for one at the end; a note stops where the form's next copied bar starts.
            if (nonTonicLimit is { } limit && cursor + d > limit) continue;
            if (formLimit is { } bound && cursor + d > bound) continue;
            if (_request.MinNotesPerBar is { } least && least > 0)
            {
                // The note must leave room for the notes still missing in its bar, may reach into the next bar only
                // once this one holds its minimum, and must leave that bar room for its own minimum.
                long end = cursor + d - barStart;
                if (end <= _barSteps)
                {
                    if (SlotsFrom(end) < missing) continue;
                }
                else if (missing > 0 || end >= 2 * _barSteps || (_walker.Bar + 1 < _bars && SlotsFrom(end - _barSteps) < least)) continue;
            }
            allowed[_t.DurationToken(i)] = true;
            any = true;
        }
        if (!any && mustHaveOne)
        {
            if (smallest < 0)
                for (int i = 0; i < steps.Length; i++)
                    if (smallest < 0 || steps[i] < steps[smallest]) smallest = i;
            allowed[_t.DurationToken(smallest)] = true;
            fallback |= Missing > 0;
        }
    }

    /// <summary>
    /// Where a note started in this bar must end at the latest so that the next bar, a repeat in the request's form,
    /// can be copied: the onset of the source bar's first note in the next bar; null without such a bar.
    /// </summary>
    private long? FormLimit()
    {
        int next = _walker.Bar + 1;
        if (_request.Form is not { } form || next >= _bars || next >= form.Length || form.SourceOf(next) is not { } source || source >= next) return null;
        var first = _walker.NotesOfBar(source).FirstOrDefault();
        if (first is null) return null;
        return next * _barSteps + Steps(first.Start - _walker.StartOfBar(source));
    }

    /// <summary>True when the bar <paramref name="k"/> back has notes that may be written again here under every rule.</summary>
    private bool CopyAllowed(int k)
    {
        int source = _walker.Bar - k;
        if (source < 0) return false;
        var notes = _walker.NotesOfBar(source).ToList();
        if (notes.Count == 0) return false;
        if (_request.MaxNotesPerBar is { } most && notes.Count > most) return false;
        if (_request.MinNotesPerBar is { } least && notes.Count < least) return false;
        var shift = _walker.BarStart - _walker.StartOfBar(source);
        if (notes[0].Start + shift < _walker.Cursor) return false;
        if (Steps(notes[^1].End + shift) > _totalSteps) return false;
        int? previous = _walker.LastPitch;
        foreach (var n in notes)
        {
            if (!_rules.PitchAllowed(n.Pitch.Number) || !_rules.WithinLeap(n.Pitch.Number, previous)) return false;
            previous = n.Pitch.Number;
        }
        if (_request.EndOnTonic && LastBar && !_rules.IsTonic(notes[^1].Pitch.Number)) return false;
        return true;
    }

    public int? FormCandidate
    {
        get
        {
            if (_request.Form is null || _done) return null;
            if (_copyOffer is { } copy) return copy;
            if (_emptyCopy) return EndToken;
            if (_replaySource < 0) return null;
            int at = _barTokenStart[_replaySource] + _replayOffset;
            int end = _replaySource + 1 < _barTokenStart.Count ? BarLineIndex(_replaySource + 1) : _tokens.Count;
            return at < end ? _tokens[at] : EndToken;
        }
    }

    /// <summary>
    /// At a bar's first choice, what the request's form offers for it (once per bar): the COPY of its source bar (or of
    /// what that bar copied), the bar line alone for an empty source bar, or the source bar's tokens one by one when it
    /// lies further back than a COPY reaches.
    /// </summary>
    private void OfferForm()
    {
        if (_request.Form is not { } form || _done || !AtBarStart || _formOffered) return;
        _formOffered = true;
        _replaySource = -1;
        _copyOffer = null;
        if (_walker.Bar >= form.Length || form.SourceOf(_walker.Bar) is not { } source || source >= _walker.Bar || !SameChords(source, _walker.Bar)) return;
        // A source bar that is itself a copy points further back: copy (or replay) what it copied.
        while (source < _barTokenStart.Count && _barTokenStart[source] < _tokens.Count && _t.KindOf(_tokens[_barTokenStart[source]]) == NoteTokenKind.Copy)
            source -= _t.ValueOf(_tokens[_barTokenStart[source]]);
        int k = _walker.Bar - source;
        if (!_walker.NotesOfBar(source).Any()) _emptyCopy = true; // an empty bar is copied by writing nothing: its bar line ends it
        else if (k <= _t.NoteConfig.MaxCopyDistance) _copyOffer = _t.CopyToken(k);
        else
        {
            _replaySource = source;
            _replayOffset = 0;
        }
    }

    /// <summary>The index in the tokens of bar <paramref name="bar"/>'s bar line.</summary>
    private int BarLineIndex(int bar)
    {
        int i = _barTokenStart[bar] - 1;
        while (i > 0 && _t.KindOf(_tokens[i]) != NoteTokenKind.Bar) i--;
        return i;
    }

    private bool SameChords(int source, int bar)
    {
        var a = _template.BarStart(source);
        var b = _template.BarStart(bar);
        for (long s = 0; s < _barSteps; s++)
        {
            var offset = Duration.FromQuarters(s, _spq);
            if (!Equals(_template.ChordAt(a + offset), _template.ChordAt(b + offset))) return false;
        }
        return true;
    }

    public void RefuseFormCandidate()
    {
        _replaySource = -1;
        _emptyCopy = false;
        _copyOffer = null;
    }

    public void Feed(int token)
    {
        if (_done) throw new InvalidOperationException("The melody is complete.");
        bool replaying = _replaySource >= 0 || (_emptyCopy && token == EndToken);
        _emptyCopy = false;
        if (replaying && FormCandidate == token) _replayOffset++;
        else _replaySource = -1;
        _copyOffer = null;
        _tokens.Add(token);
        var kind = _t.KindOf(token);
        if (kind == NoteTokenKind.Eos)
        {
            _walker.Finish();
            _done = true;
            if (replaying) _copied++;
        }
        else
        {
            _walker.Feed(token);
            if (kind == NoteTokenKind.Bar && _walker.Bar >= _bars)
            {
                // An edit's last bar line: the bars after it are not this grammar's.
                _walker.Finish();
                _done = true;
                if (replaying) _copied++;
            }
            else if (kind == NoteTokenKind.Bar)
            {
                if (replaying) _copied++;
                _replaySource = -1;
                _formOffered = false;
                if (_walker.Bar > 0) _barTokenStart.Add(_tokens.Count);
            }
            else if (kind == NoteTokenKind.Meter && _walker.Bar == 0 && _barTokenStart.Count == 0) _barTokenStart.Add(_tokens.Count);
            else if (kind == NoteTokenKind.Copy) _copied++;
        }
        for (; _reported < _walker.Notes.Count; _reported++) _closed.Add(_walker.Notes[_reported] with { Pitch = _walker.Notes[_reported].Pitch.SpelledIn(_request.Key) });
        OfferForm();
    }

    public IReadOnlyList<Note> TakeClosedNotes() => Grammars.Drain(_closed);

    public IGrammarState Fork()
    {
        var copy = new NoteGrammar(_t, _request, _vocabulary, _meterIndex, _barSteps, _template, _bars, _endsTune);
        for (int i = 1; i < _tokens.Count; i++) copy.Feed(_tokens[i]);
        return copy;
    }
}
