using System.CommandLine;
using System.Globalization;
using Melos.Music;

namespace Melos.Cli.Commands;

/// <summary>Small music-theory commands over the domain model: scales, chords and key estimation.</summary>
public static class TheoryCommands
{
    /// <summary><c>melos scale KEY</c>: the spelled scale of a key.</summary>
    public static Command Scale(CliContext context)
    {
        var key = new Argument<string>("KEY") { Description = "A key such as G, \"A minor\", Ador or \"D mixolydian\"." };
        var cmd = new Command("scale", "Show the spelled scale and key signature of a key.") { key };
        cmd.SetAction(pr => context.Guard(() =>
        {
            var k = Key.Parse(pr.GetValue(key)!);
            int f = k.Fifths;
            string sig = f == 0 ? "no sharps or flats" : f > 0 ? $"{f} sharp{(f > 1 ? "s" : "")}" : $"{-f} flat{(f < -1 ? "s" : "")}";
            context.Out.WriteLine($"{k}: {k.Scale} ({sig})");
            return 0;
        }));
        return cmd;
    }

    /// <summary><c>melos chord SYMBOL</c>: the notes of a chord symbol.</summary>
    public static Command Chord(CliContext context)
    {
        var symbol = new Argument<string>("SYMBOL") { Description = "A chord symbol such as Am, G7, D/F#, Cmaj7 or the Nottingham forms Cd, Ca, D/f+." };
        var cmd = new Command("chord", "Show how a chord symbol is read and which pitch classes it holds.") { symbol };
        cmd.SetAction(pr => context.Guard(() =>
        {
            var c = ChordSymbol.Parse(pr.GetValue(symbol)!);
            var names = c.PitchClasses.Select(pc => NoteName.FromPitchClass(pc, c.Root.Alter < 0).ToString());
            context.Out.WriteLine($"{c}: root {c.Root}, {c.Quality}{(c.Extensions.IsEmpty ? "" : " + " + string.Join(' ', c.Extensions))}{(c.Bass is { } b ? $", bass {b}" : "")}; notes {string.Join(' ', names)}");
            return 0;
        }));
        return cmd;
    }

    /// <summary><c>melos key NOTES</c>: Krumhansl-Schmuckler key estimate of a note string.</summary>
    public static Command KeyOf(CliContext context)
    {
        var notes = new Argument<string>("NOTES") { Description = "Notes such as \"G4 A4 B4/2 D5\" (quarter notes; /2 halves, :3/2 gives a dotted quarter, r is a rest)." };
        var top = new Option<int>("--top") { Description = "How many candidate keys to list.", DefaultValueFactory = _ => 3 };
        var cmd = new Command("key", "Estimate the key of a melody given as a note string (Krumhansl-Schmuckler).") { notes, top };
        cmd.SetAction(pr => context.Guard(() =>
        {
            int n = pr.GetValue(top);
            if (n is < 1 or > 24) throw new CliError("--top must be 1..24");
            var estimate = KeyEstimator.Estimate(NoteSequence.Parse(pr.GetValue(notes)!));
            foreach (var c in estimate.Candidates.Take(n))
                context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c.Key,-12} r = {c.Correlation:0.000}"));
            return 0;
        }));
        return cmd;
    }
}
