using System.CommandLine;

namespace Melos.Cli.Commands;

/// <summary>Every subcommand of <c>melos</c>, in the order <c>--help</c> lists them.</summary>
public static class CommandCatalog
{
    /// <summary>Creates the subcommands.</summary>
    public static IEnumerable<Command> Create(CliContext context) =>
    [
        NotesCommand.Create(context),
        CorpusCommands.Create(context),
        ModelCommands.Train(context),
        ModelCommands.Evaluate(context),
        InteropCommands.Model(context),
        GenerateCommand.Create(context),
        LatentCommands.Interpolate(context),
        LatentCommands.Similar(context),
        EditCommands.Infill(context),
        EditCommands.Vary(context),
        ExplainCommand.Create(context),
        ServeCommand.Create(context),
        ConvertCommand.Create(context),
        TranscribeCommand.Create(context),
        CompareCommand.Create(context),
        BenchCommands.Create(context),
        TuneCommand.Create(context),
        TheoryCommands.Scale(context),
        TheoryCommands.Chord(context),
        TheoryCommands.KeyOf(context),
    ];
}
