using Spectre.Console;

namespace Melos.Cli;

/// <summary>Progress bars and tables on the command's stderr (so stdout stays clean for JSON and pipes).</summary>
public static class ConsoleUi
{
    /// <summary>A console writing to <paramref name="writer"/>; plain text when it is not a terminal or NO_COLOR is set.</summary>
    public static IAnsiConsole For(TextWriter writer)
    {
        bool terminal = ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected
            || ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;
        return AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal && Environment.GetEnvironmentVariable("NO_COLOR") is null ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
    }

    /// <summary>
    /// Runs <paramref name="work"/> with a progress bar (on a terminal) or a few progress lines (when redirected), and logs
    /// completion itself since a redirected bar prints no final line.
    /// </summary>
    public static T WithProgress<T>(CliContext context, string label, Func<Action<int, int>, T> work)
    {
        var console = For(context.Err);
        if (console.Profile.Capabilities.Interactive)
        {
            T result = default!;
            console.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask(label);
                    result = work((done, total) => { task.MaxValue = total; task.Value = done; });
                });
            return result;
        }
        int lastDecile = -1;
        var gate = new Lock();
        return work((done, total) =>
        {
            int decile = total == 0 ? 10 : done * 10 / total;
            lock (gate)
            {
                if (decile <= lastDecile || decile == 10) return;
                lastDecile = decile;
                context.Err.WriteLine($"{label}: {done}/{total}");
            }
        });
    }
}
