using System.Collections.Immutable;
using Melos.Data.Tokenizers;
using Melos.Formats.Abc;
using Melos.Generation;
using Melos.Music;

namespace Melos.Studio;

/// <summary>
/// What the page builds its controls from (<c>GET /api/model</c>: keys, meters, note lengths, operations) and the chord
/// grammar (<c>POST /api/chords</c>): the server's own parsers and the model's vocabulary, so the page and the command
/// line read the same text the same way.
/// </summary>
public static class StudioGrammar
{
    /// <summary>The common note lengths (in quarters, with names) offered where they lie on the grid.</summary>
    private static readonly (Rational Quarters, string Label)[] CommonLengths =
    [
        (new Rational(4, 1), "1/1"), (new Rational(2, 1), "1/2"), (new Rational(1, 1), "1/4"), (new Rational(2, 3), "1/4 triplet"),
        (new Rational(1, 2), "1/8"), (new Rational(1, 3), "1/8 triplet"), (new Rational(1, 4), "1/16"), (new Rational(1, 6), "1/16 triplet"),
        (new Rational(1, 8), "1/32"), (new Rational(1, 12), "1/32 triplet"),
    ];

    /// <summary>The endpoints every model serves.</summary>
    private static readonly ImmutableArray<string> Endpoints = ["continue", "infill", "vary", "explain", "export", "chords"];

    /// <summary>The meters of <paramref name="vocabulary"/>, in its order, with their bar and beat lengths.</summary>
    public static IReadOnlyList<StudioMeter> Meters(ConditioningVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        return [.. vocabulary.Meters.Select(m => Meter(TimeSignature.Parse(m)))];
    }

    /// <summary>A meter with its bar and beat lengths (<see cref="TimeSignature.BarLength"/>, <see cref="TimeSignature.BeatLength"/>).</summary>
    public static StudioMeter Meter(TimeSignature meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        return new StudioMeter(meter.ToString(), meter.BarLength.ToQuarterDouble(), meter.BeatLength.ToQuarterDouble(), meter.BeatsPerBar);
    }

    /// <summary>
    /// Every tonic in every mode (<see cref="Mode"/> order, major first), each pitch class spelled with the key signature
    /// of six sharps to five flats, in the short form the API writes (<c>G</c>, <c>Em</c>, <c>Ddor</c>).
    /// </summary>
    public static IReadOnlyList<StudioKey> Keys()
    {
        var keys = new List<StudioKey>();
        foreach (var mode in Enum.GetValues<Mode>())
        {
            int offset = new Key(NoteName.FromFifths(0), mode).Fifths; // the mode's key signature on C
            for (int fifths = 0; fifths <= 6; fifths++) keys.Add(KeyOf(fifths - offset, mode));
            for (int fifths = -1; fifths >= -5; fifths--) keys.Add(KeyOf(fifths - offset, mode));
        }
        return keys;

        static StudioKey KeyOf(int tonicFifths, Mode mode) =>
            new(AbcWriter.KeyText(new Key(NoteName.FromFifths(tonicFifths), mode)), mode.ToString().ToLowerInvariant());
    }

    /// <summary>The common note lengths that are a whole number of steps of a grid of <paramref name="stepsPerQuarter"/>, longest first.</summary>
    public static IReadOnlyList<StudioNoteLength> NoteLengths(int stepsPerQuarter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerQuarter, 1);
        var lengths = new List<StudioNoteLength>();
        foreach (var (quarters, label) in CommonLengths)
        {
            var steps = quarters * new Rational(stepsPerQuarter, 1);
            if (steps.Denominator == 1) lengths.Add(new StudioNoteLength(quarters.ToDouble(), (int)steps.Numerator, label));
        }
        return lengths;
    }

    /// <summary>
    /// The endpoints <paramref name="generator"/>'s model serves: every one, for every tokenizer with a generation
    /// grammar (the grid and the note tokenizers), since all of them run through the one decoder.
    /// </summary>
    public static IReadOnlyList<string> Operations(MelodyGenerator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        return [.. Endpoints];
    }

    /// <summary>
    /// Parses <see cref="ChordsRequest.Text"/> with <see cref="ChordProgression.Parse"/> and lays it out over the bars
    /// with <see cref="ChordProgression.Layout"/>, as <c>melos generate --chords</c> does.
    /// </summary>
    /// <exception cref="StudioRequestException">The text, meter or bars are not valid; the message names the field.</exception>
    public static ChordsResponse LayoutChords(ChordsRequest request, StudioLimits limits)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(limits);
        if (string.IsNullOrWhiteSpace(request.Meter)) throw new StudioRequestException("meter", "is required (e.g. \"4/4\")");
        if (!TimeSignature.TryParse(request.Meter, out var meter)) throw new StudioRequestException("meter", $"unknown meter '{request.Meter}' (e.g. 4/4, 3/4, 6/8)");
        if (request.Bars < 1 || request.Bars > limits.MaxBars) throw new StudioRequestException("bars", $"must be 1..{limits.MaxBars}, not {request.Bars}");
        if (string.IsNullOrWhiteSpace(request.Text)) return new ChordsResponse("", meter!.ToString(), request.Bars, [], []);
        ImmutableArray<ProgressionChord> progression;
        try
        {
            progression = ChordProgression.Parse(request.Text);
        }
        catch (MusicParseException e)
        {
            throw new StudioRequestException("text", string.Join(' ', e.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
        }
        var end = meter!.BarLength * new Rational(request.Bars, 1);
        var changes = ChordProgression.Layout(progression, meter, end);
        var chords = changes.Select((c, i) => new LaidOutChord(c.At.ToQuarterDouble(), ((i + 1 < changes.Count ? changes[i + 1].At : end) - c.At).ToQuarterDouble(),
            c.Chord.ToString())).ToList();
        return new ChordsResponse(string.Join(' ', progression), meter.ToString(), request.Bars,
            [.. progression.Select(p => new ProgressionItem(p.Chord.ToString(), p.Beats))], chords);
    }
}
