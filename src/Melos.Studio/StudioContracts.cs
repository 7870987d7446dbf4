namespace Melos.Studio;

/// <summary>A note of a <see cref="StudioMelody"/>.</summary>
/// <param name="Pitch">MIDI pitch 0..127.</param>
/// <param name="Start">Onset in quarter notes from the downbeat of bar 1 (snapped to the model's grid).</param>
/// <param name="Duration">Length in quarter notes, greater than 0 (snapped to the model's grid).</param>
/// <param name="Probability">In responses with <c>explain</c>: the model's probability of the note's onset token (0..1); ignored in requests.</param>
public sealed record StudioNote(int Pitch, double Start, double Duration, double? Probability = null);

/// <summary>A chord change of a <see cref="StudioMelody"/>: it lasts until the next change or the end.</summary>
/// <param name="Start">Where it starts, in quarter notes.</param>
/// <param name="Symbol">The chord symbol (<c>G</c>, <c>D/F#</c>, <c>Em7</c>).</param>
public sealed record StudioChord(double Start, string Symbol);

/// <summary>The melody every request carries and every response returns (stateless: the melody travels with the request).</summary>
/// <param name="Key">The key (<c>G</c>, <c>Em</c>, <c>D dorian</c>); responses write the short form (<c>G</c>, <c>Em</c>, <c>Ddor</c>).</param>
/// <param name="Meter">The time signature, one the model knows (<c>GET /api/model</c> lists them).</param>
/// <param name="Tempo">Quarter notes per minute, 20..400.</param>
/// <param name="Bars">The melody's length in bars; notes end within it.</param>
/// <param name="Style">A style label the model knows, or null.</param>
/// <param name="Chords">The chord changes in time order (may be null or empty).</param>
/// <param name="Notes">The notes (one line: they may not overlap).</param>
public sealed record StudioMelody(string Key, string Meter, double Tempo, int Bars, string? Style, IReadOnlyList<StudioChord>? Chords, IReadOnlyList<StudioNote> Notes);

/// <summary>The studio's input limits as <c>GET /api/model</c> reports them.</summary>
/// <param name="MaxNotes">Notes per melody.</param>
/// <param name="MaxBars">Bars per melody (phrase and answer together).</param>
/// <param name="MaxAnswerBars">Bars per answer of <c>/api/continue</c>.</param>
/// <param name="MaxBodyBytes">Bytes per request body.</param>
/// <param name="MaxAudioSeconds">Seconds of audio per WAV export.</param>
/// <param name="MinTempo">The slowest tempo, in quarter notes per minute.</param>
/// <param name="MaxTempo">The fastest tempo.</param>
/// <param name="MinTemperature">The lowest sampling temperature.</param>
/// <param name="MaxTemperature">The highest sampling temperature.</param>
/// <param name="MaxCandidates">Candidates per <c>/api/infill</c> request.</param>
/// <param name="MaxChordBeats">The most beats one chord of a progression may last (<c>G:N</c>).</param>
/// <param name="MaxBarCandidates">The most work per request: the bars the model hears times the candidates it decodes.</param>
/// <param name="RequestSeconds">The time budget per request, in seconds.</param>
public sealed record ModelLimits(int MaxNotes, int MaxBars, int MaxAnswerBars, long MaxBodyBytes, int MaxAudioSeconds,
    double MinTempo, double MaxTempo, double MinTemperature, double MaxTemperature, int MaxCandidates, int MaxChordBeats,
    int MaxBarCandidates, double RequestSeconds);

/// <summary>A meter the model knows, with the lengths the page draws and plays it by.</summary>
/// <param name="Name">The time signature (<c>6/8</c>).</param>
/// <param name="BarQuarters">A bar's length in quarter notes (3 in 6/8).</param>
/// <param name="BeatQuarters">A beat's length in quarter notes: what <c>G:1</c> lasts (1.5 in 6/8, a dotted quarter).</param>
/// <param name="BeatsPerBar">Beats in a bar (2 in 6/8).</param>
public sealed record StudioMeter(string Name, double BarQuarters, double BeatQuarters, int BeatsPerBar);

/// <summary>A key the studio offers.</summary>
/// <param name="Name">The key as requests take it and responses write it (<c>G</c>, <c>Em</c>, <c>Ddor</c>).</param>
/// <param name="Mode">Its mode in lower case (<c>major</c>, <c>minor</c>, <c>dorian</c>...).</param>
public sealed record StudioKey(string Name, string Mode);

/// <summary>A note length that lies on the model's grid, for the page's grid and note-length controls.</summary>
/// <param name="Quarters">The length in quarter notes.</param>
/// <param name="Steps">The length in grid steps (a whole number).</param>
/// <param name="Label">Its name (<c>1/8</c>, <c>1/8 triplet</c>).</param>
public sealed record StudioNoteLength(double Quarters, int Steps, string Label);

/// <summary>What <c>GET /api/model</c> answers: the model the studio serves, what the page builds its controls from, and the limits of every request.</summary>
/// <param name="Name">The model folder's name.</param>
/// <param name="Architecture">The model's architecture (<c>lstm</c>, <c>transformer</c>, <c>ngram</c>).</param>
/// <param name="Tokenizer">The model's tokenizer (<c>grid</c> or <c>note</c>).</param>
/// <param name="StepsPerQuarter">The time grid: times are snapped to multiples of 1/StepsPerQuarter quarter.</param>
/// <param name="MinPitch">The lowest MIDI pitch the model writes.</param>
/// <param name="MaxPitch">The highest MIDI pitch the model writes.</param>
/// <param name="Styles">The style labels it knows.</param>
/// <param name="Meters">The meters it knows, in its vocabulary's order.</param>
/// <param name="Keys">
/// The keys the studio offers: every tonic in every mode, spelled with at most six sharps or five flats (the model's
/// conditioning tells keys by tonic and by major or minor colour; the mode also sets the scale an answer keeps to).
/// </param>
/// <param name="NoteLengths">The common note lengths that lie on the grid, longest first.</param>
/// <param name="Operations">The endpoints this model serves (<c>continue</c>, <c>infill</c>, <c>vary</c>, <c>explain</c>, <c>export</c>, <c>chords</c>).</param>
/// <param name="ContextTokens">The longest token window it was trained on, or null when unknown.</param>
/// <param name="Limits">The request limits.</param>
public sealed record ModelInfo(string Name, string Architecture, string Tokenizer, int StepsPerQuarter, int MinPitch, int MaxPitch, IReadOnlyList<string> Styles,
    IReadOnlyList<StudioMeter> Meters, IReadOnlyList<StudioKey> Keys, IReadOnlyList<StudioNoteLength> NoteLengths, IReadOnlyList<string> Operations,
    int? ContextTokens, ModelLimits Limits);

/// <summary><c>POST /api/chords</c>: chord progression text laid out as the command line's <c>--chords</c> lays it out.</summary>
/// <param name="Text">
/// The progression: chord symbols separated by spaces, each lasting a bar, or <c>SYMBOL:N</c> for N beats of the meter
/// (<c>G:2 D Em C</c>); empty or null for no chords.
/// </param>
/// <param name="Meter">The time signature (<c>4/4</c>, <c>6/8</c>); a beat is a dotted quarter in compound meters.</param>
/// <param name="Bars">How many bars to fill (the progression repeats until they are full), 1..MaxBars.</param>
public sealed record ChordsRequest(string? Text, string? Meter, int Bars = 4);

/// <summary>One chord of a progression as written.</summary>
/// <param name="Symbol">The chord symbol as the server spells it.</param>
/// <param name="Beats">Its length in beats, or null for one bar.</param>
public sealed record ProgressionItem(string Symbol, int? Beats);

/// <summary>A chord change laid out in time.</summary>
/// <param name="Start">Where it starts, in quarter notes from the downbeat of bar 1.</param>
/// <param name="Length">How long it sounds, in quarter notes: until the next change or the end of the bars.</param>
/// <param name="Symbol">The chord symbol.</param>
public sealed record LaidOutChord(double Start, double Length, string Symbol);

/// <summary>What <c>POST /api/chords</c> answers.</summary>
/// <param name="Text">The progression as the server writes it (<c>G:2 D Em C</c>), empty for no chords.</param>
/// <param name="Meter">The meter.</param>
/// <param name="Bars">The bars filled.</param>
/// <param name="Progression">The chords as written, in order.</param>
/// <param name="Chords">The chord changes within the bars, in time order; their starts and symbols are what a melody's <c>chords</c> take.</param>
public sealed record ChordsResponse(string Text, string Meter, int Bars, IReadOnlyList<ProgressionItem> Progression, IReadOnlyList<LaidOutChord> Chords);

/// <summary><c>POST /api/continue</c>: the model answers a phrase.</summary>
/// <param name="Melody">The phrase.</param>
/// <param name="Bars">The answer's length in bars (1..16).</param>
/// <param name="Temperature">Softmax temperature, 0.05..5.</param>
/// <param name="TopP">Nucleus sampling threshold in (0, 1], or null.</param>
/// <param name="Seed">The seed (the same request and seed give the same answer), or null for a random one (the response says which).</param>
/// <param name="Chromatic">Allow pitches outside the key's scale.</param>
/// <param name="Low">The lowest pitch of the answer (<c>C4</c> or a MIDI number), or null for the model's lowest.</param>
/// <param name="High">The highest pitch of the answer, or null for the model's highest.</param>
/// <param name="Explain">Give every note of the response its probability.</param>
public sealed record ContinueRequest(StudioMelody? Melody, int Bars = 4, double Temperature = 1.0, double? TopP = null, int? Seed = null,
    bool Chromatic = false, string? Low = null, string? High = null, bool Explain = true);

/// <summary>The bars of a response that the model wrote (1-based, inclusive).</summary>
/// <param name="FirstBar">The first.</param>
/// <param name="LastBar">The last.</param>
public sealed record BarRange(int FirstBar, int LastBar);

/// <summary>The answer to a phrase.</summary>
/// <param name="Melody">The phrase and the answer: bars = phrase bars + answer bars; the phrase's notes unchanged.</param>
/// <param name="Answer">The answer's bars.</param>
/// <param name="LogLikelihood">The natural-log likelihood the model gave the answer's grid steps after the phrase.</param>
/// <param name="Seed">The seed used.</param>
/// <param name="ElapsedMs">Server time in milliseconds from the request's arrival at the endpoint to the answer (queue wait included).</param>
public sealed record ContinueResponse(StudioMelody Melody, BarRange Answer, double LogLikelihood, int Seed, double ElapsedMs);

/// <summary><c>POST /api/infill</c>: regenerate some bars so they join both neighbours.</summary>
/// <param name="Melody">The melody.</param>
/// <param name="FirstBar">The first bar to regenerate (1-based).</param>
/// <param name="LastBar">The last bar to regenerate (1-based, inclusive).</param>
/// <param name="Temperature">Softmax temperature, 0.05..5.</param>
/// <param name="TopP">Nucleus sampling threshold in (0, 1], or null.</param>
/// <param name="Seed">The seed, or null for a random one.</param>
/// <param name="Candidates">Candidates sampled (1..64); the one the model likes best on both sides is kept.</param>
/// <param name="Explain">Give every note of the response its probability.</param>
public sealed record InfillApiRequest(StudioMelody? Melody, int FirstBar, int LastBar, double Temperature = 1.0, double? TopP = null, int? Seed = null,
    int Candidates = 16, bool Explain = true);

/// <summary>A melody with some bars regenerated.</summary>
/// <param name="Melody">The melody; the notes outside the bars unchanged.</param>
/// <param name="Seed">The seed used.</param>
/// <param name="ElapsedMs">Server time in milliseconds.</param>
public sealed record InfillResponse(StudioMelody Melody, int Seed, double ElapsedMs);

/// <summary><c>POST /api/vary</c>: redraw a share of the notes.</summary>
/// <param name="Melody">The melody.</param>
/// <param name="Amount">The share of notes to redraw, 0..1 (0 returns the melody unchanged).</param>
/// <param name="Rhythm">Also redraw the rhythm after each chosen note.</param>
/// <param name="Temperature">Softmax temperature, 0.05..5.</param>
/// <param name="Seed">The seed, or null for a random one.</param>
/// <param name="Explain">Give every note of the response its probability.</param>
public sealed record VaryApiRequest(StudioMelody? Melody, double Amount = 0.3, bool Rhythm = false, double Temperature = 1.0, int? Seed = null, bool Explain = true);

/// <summary>A variation.</summary>
/// <param name="Melody">The varied melody.</param>
/// <param name="ChangedNotes">Notes of the result not in the original (same start, length and pitch).</param>
/// <param name="Seed">The seed used.</param>
/// <param name="ElapsedMs">Server time in milliseconds.</param>
public sealed record VaryResponse(StudioMelody Melody, int ChangedNotes, int Seed, double ElapsedMs);

/// <summary><c>POST /api/explain</c> and <c>POST /api/export</c>: a melody alone.</summary>
/// <param name="Melody">The melody.</param>
public sealed record MelodyRequest(StudioMelody? Melody);

/// <summary>A token the model considered instead of a note.</summary>
/// <param name="Label">A pitch (<c>A4</c>), <c>hold</c>, <c>rest</c> or <c>end</c>.</param>
/// <param name="Probability">Its probability at the note's onset.</param>
public sealed record AlternativeToken(string Label, double Probability);

/// <summary>Why the model would write one note.</summary>
/// <param name="Index">The note's index in the melody (notes in onset order).</param>
/// <param name="Pitch">MIDI pitch.</param>
/// <param name="Start">Onset in quarters.</param>
/// <param name="Duration">Length in quarters.</param>
/// <param name="Probability">The model's probability of the note's onset token.</param>
/// <param name="Rank">1 when it was the model's first choice.</param>
/// <param name="SurprisalBits">-log2 of the probability.</param>
/// <param name="EntropyBits">The entropy of the model's distribution at the onset.</param>
/// <param name="Alternatives">The five likeliest other tokens.</param>
public sealed record ExplainedNote(int Index, int Pitch, double Start, double Duration, double Probability, int Rank, double SurprisalBits,
    double EntropyBits, IReadOnlyList<AlternativeToken> Alternatives);

/// <summary>A melody scored note by note.</summary>
/// <param name="Notes">Every note in onset order.</param>
/// <param name="BitsPerNote">All tokens' surprisal divided by the notes, or null without notes.</param>
/// <param name="ElapsedMs">Server time in milliseconds.</param>
public sealed record ExplainResponse(IReadOnlyList<ExplainedNote> Notes, double? BitsPerNote, double ElapsedMs);
