using Melos.Generation.Explanation;
using Melos.Music;

namespace Melos.Generation.Tests.Explanation;

/// <summary>The melody and explanation that the explanation tests (JSON and text here, the report in Melos.Reports.Tests) look at.</summary>
public static class ExplainedSample
{
    /// <summary>A short tune with repeated bars, explained under <see cref="TinyModel"/>.</summary>
    public static (Melody Melody, MelodyExplanation Explanation) Explained()
    {
        var melody = Melody.Create(NoteSequence.Parse("C4 E4 G4 E4 C4 E4 G4 E4 F4 A4 C5 A4 G4/2 F4/2 E4 D4 C4"), Key.CMajor,
            [new MeterChange(Duration.Zero, TimeSignature.CommonTime)],
            chords: new[] { "C", "C", "F", "G", "C" }.Select((c, b) => new ChordChange(Duration.FromQuarters(4 * b), ChordSymbol.Parse(c))),
            info: new MelodyInfo { Title = "Repeats" });
        return (melody, new Explainer(TinyModel.Shared.Generator).Explain(melody));
    }
}
