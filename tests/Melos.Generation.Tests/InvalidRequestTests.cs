using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Melos.Music;

namespace Melos.Generation.Tests;

/// <summary>
/// Every user error of a request is one <see cref="InvalidRequestException"/> that names its field, whether it is found
/// when a field is set, when the fields are checked against each other, or when the model is asked.
/// </summary>
public sealed class InvalidRequestTests
{
    private static MelodyGenerator Generator => TinyModel.Shared.Generator;

    private static Melody Tune => InfillVaryTests.Read(InfillVaryTests.Tune);

    /// <summary>A representative bad value of each field that can be wrong, and the field it must be reported as.</summary>
    public static TheoryData<RequestField, string> BadValues
    {
        get
        {
            var data = new TheoryData<RequestField, string>();
            foreach (var (f, what) in Cases.Keys) data.Add(f, what);
            return data;
        }
    }

    private static readonly Dictionary<(RequestField Field, string What), Action> Cases = new()
    {
        [(RequestField.Bars, "0 bars")] = () => _ = new GenerationRequest { Bars = 0 },
        [(RequestField.Count, "65 melodies")] = () => _ = new GenerationRequest { Count = 65 },
        [(RequestField.Count, "more melodies than the beam is wide")] = () => new GenerationRequest { BeamWidth = 2, Count = 3 }.Validate(),
        [(RequestField.Count, "0 variations")] = () => _ = new VariationRequest(Tune, 0.5) { Count = 0 },
        [(RequestField.Temperature, "temperature NaN")] = () => _ = new SamplingSettings { Temperature = double.NaN },
        [(RequestField.TopK, "top-k 0")] = () => _ = new SamplingSettings { TopK = 0 },
        [(RequestField.TopP, "top-p 1.01")] = () => _ = new SamplingSettings { TopP = 1.01 },
        [(RequestField.Primer, "overlapping primer notes")] = () => new GenerationRequest { Primer = [new Note(Pitch.Parse("C4"), Duration.Zero, Duration.Half), new Note(Pitch.Parse("D4"), Duration.Quarter, Duration.Quarter)] }.Validate(),
        [(RequestField.Primer, "a primer off the model's grid")] = () => Generator.Check(new GenerationRequest { Bars = 2, Primer = [.. NoteSequence.Parse("C4:1/3 D4")] }),
        [(RequestField.Meter, "a meter the model does not know")] = () => Generator.Check(new GenerationRequest { Meter = new TimeSignature(11, 8) }),
        [(RequestField.Low, "an inverted range")] = () => new PitchConstraints { Low = Pitch.Parse("C5"), High = Pitch.Parse("C4") }.Validate(),
        [(RequestField.Low, "an inverted range in a variation")] = () => new VariationRequest(Tune, 0.5) { Pitches = new() { Low = Pitch.Parse("C5"), High = Pitch.Parse("C4") } }.Validate(),
        [(RequestField.MaxLeap, "a leap of 128")] = () => _ = new PitchConstraints { MaxLeap = 128 },
        [(RequestField.Chords, "a chord without a symbol")] = () => _ = new GenerationRequest { Chords = [new ProgressionChord(null!)] },
        [(RequestField.MinNotesPerBar, "inverted density")] = () => new GenerationRequest { MinNotesPerBar = 5, MaxNotesPerBar = 2 }.Validate(),
        [(RequestField.MaxNotesPerBar, "at most 0 notes")] = () => _ = new GenerationRequest { MaxNotesPerBar = 0 },
        [(RequestField.BeamWidth, "beam 65")] = () => _ = new GenerationRequest { BeamWidth = 65 },
        [(RequestField.BestOf, "best of 0")] = () => _ = new GenerationRequest { BestOf = 0 },
        [(RequestField.Style, "a style the model does not know")] = () => Generator.Check(new GenerationRequest { Style = "polka" }),
        [(RequestField.Form, "a form under beam search")] = () => new GenerationRequest { BeamWidth = 2, Form = MelodyForm.Parse("AA") }.Validate(),
        [(RequestField.TempoBpm, "tempo 0")] = () => _ = new GenerationRequest { TempoBpm = 0 },
        [(RequestField.Melody, "a melody without notes")] = () => new InfillRequest(Melody.Empty, 1, 1).Validate(),
        [(RequestField.Melody, "a tune off the model's grid")] = () => Generator.Check(new VariationRequest(Melody.Create(NoteSequence.Parse("C4:1/3 D4 E4"), Key.CMajor), 0.5)),
        [(RequestField.FirstBar, "bar 0")] = () => _ = new InfillRequest(Tune, 0, 2),
        [(RequestField.FirstBar, "inverted bars")] = () => new InfillRequest(Tune, 3, 2).Validate(),
        [(RequestField.LastBar, "a bar after the tune")] = () => new InfillRequest(Tune, 2, 99).Validate(),
        [(RequestField.Candidates, "257 candidates")] = () => _ = new InfillRequest(Tune, 1, 2) { Candidates = 257 },
        [(RequestField.Scoring, "an undefined scoring")] = () => _ = new InfillRequest(Tune, 1, 2) { Scoring = (InfillScoring)7 },
        [(RequestField.Amount, "amount 0")] = () => _ = new VariationRequest(Tune, 0),
        [(RequestField.Seed, "seed -1")] = () => _ = new GenerationRequest { Seed = -1 },
        [(RequestField.Seed, "seed -1 for an infilling")] = () => _ = new InfillRequest(Tune, 1, 2) { Seed = -1 },
        [(RequestField.Seed, "seed int.MinValue for a variation")] = () => _ = new VariationRequest(Tune, 0.5) { Seed = int.MinValue },
    };

    /// <summary>
    /// Fields no value of which is wrong on its own (flags, the key: a null key is a programming error; the high
    /// pitch: the range is checked as a whole and reported as <see cref="RequestField.Low"/>).
    /// </summary>
    private static readonly RequestField[] AlwaysValid = [RequestField.Key, RequestField.EndOnTonic, RequestField.Chromatic, RequestField.Rhythm, RequestField.High];

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_bad_value_is_reported_as_its_field(RequestField field, string what)
    {
        var e = Assert.Throws<InvalidRequestException>(Cases[(field, what)]);
        Assert.Equal(field, e.Field);
        Assert.False(string.IsNullOrWhiteSpace(e.Reason));
        Assert.Equal(e.Reason, e.Message);
        Assert.DoesNotContain('\n', e.Reason);
    }

    [Fact]
    public void Every_field_that_can_be_wrong_has_a_case()
    {
        var covered = Cases.Keys.Where(k => !AlwaysValid.Contains(k.Field)).Select(k => k.Field).ToHashSet();
        var missing = Enum.GetValues<RequestField>().Except(AlwaysValid).Where(f => !covered.Contains(f)).ToList();
        Assert.True(missing.Count == 0, "no bad-value case for " + string.Join(", ", missing));
    }

    [Property(MaxTest = 300)]
    public void A_temperature_is_accepted_exactly_when_it_is_finite_and_above_zero(double t)
    {
        bool valid = t > 0 && double.IsFinite(t);
        var e = Record.Exception(() => _ = new SamplingSettings { Temperature = t });
        if (valid) Assert.Null(e);
        else Assert.Equal(RequestField.Temperature, Assert.IsType<InvalidRequestException>(e).Field);
    }

    [Property(MaxTest = 300)]
    public void Counts_and_bars_outside_their_ranges_name_their_field(int n)
    {
        var bars = Record.Exception(() => _ = new GenerationRequest { Bars = n });
        var count = Record.Exception(() => _ = new InfillRequest(Tune, 1, 1) { Count = n });
        var candidates = Record.Exception(() => _ = new InfillRequest(Tune, 1, 1) { Candidates = n });
        var leap = Record.Exception(() => _ = new PitchConstraints { MaxLeap = n });
        var seed = Record.Exception(() => _ = new GenerationRequest { Seed = n });
        Assert.Equal(n >= 0 ? null : RequestField.Seed, (seed as InvalidRequestException)?.Field);
        Assert.Equal(n is >= 1 and <= GenerationRequest.MaxBars ? null : RequestField.Bars, (bars as InvalidRequestException)?.Field);
        Assert.Equal(n is >= 1 and <= GenerationRequest.MaxCount ? null : RequestField.Count, (count as InvalidRequestException)?.Field);
        Assert.Equal(n is >= 1 and <= InfillRequest.MaxCandidates ? null : RequestField.Candidates, (candidates as InvalidRequestException)?.Field);
        Assert.Equal(n is >= 0 and <= PitchConstraints.MaxLeapLimit ? null : RequestField.MaxLeap, (leap as InvalidRequestException)?.Field);
        Assert.All(new[] { bars, count, candidates, leap }, e => Assert.True(e is null or InvalidRequestException, e?.GetType().Name));
    }

    [Property(MaxTest = 300)]
    public void A_top_p_or_amount_is_accepted_exactly_in_the_half_open_unit_interval(double p)
    {
        bool valid = p > 0 && p <= 1;
        Assert.Equal(valid ? null : RequestField.TopP, (Record.Exception(() => _ = new SamplingSettings { TopP = p }) as InvalidRequestException)?.Field);
        Assert.Equal(valid ? null : RequestField.Amount, (Record.Exception(() => _ = new VariationRequest(Tune, p)) as InvalidRequestException)?.Field);
    }

    [Fact]
    public void Null_parts_are_programming_errors_not_request_errors()
    {
        Assert.Throws<ArgumentNullException>(() => new GenerationRequest { Sampling = null! });
        Assert.Throws<ArgumentNullException>(() => new InfillRequest(Tune, 1, 1) { Pitches = null! });
        Assert.Throws<ArgumentNullException>(() => new GenerationRequest { Key = null! });
        Assert.Throws<ArgumentException>(() => new InvalidRequestException(RequestField.Bars, " "));
    }

    [Fact]
    public void The_parts_are_shared_defaults_and_compose_into_every_request()
    {
        Assert.Same(SamplingSettings.Default, new GenerationRequest().Sampling);
        Assert.Same(PitchConstraints.None, new VariationRequest(Tune, 0.5).Pitches);
        Assert.True(SamplingSettings.Default.IsPlain);
        var sampling = new SamplingSettings { Temperature = 0.8, TopK = 5 };
        var pitches = new PitchConstraints { Low = Pitch.Parse("D4"), High = Pitch.Parse("D5"), MaxLeap = 5, Chromatic = true };
        var infill = new InfillRequest(Tune, 2, 3) { Sampling = sampling, Pitches = pitches };
        var vary = new VariationRequest(Tune, 0.3) { Sampling = sampling, Pitches = pitches };
        Assert.Equal((sampling, pitches), (infill.Sampling, infill.Pitches));
        Assert.Equal((sampling, pitches), (vary.Sampling, vary.Pitches));
        Assert.False(sampling.IsPlain);
    }
}
