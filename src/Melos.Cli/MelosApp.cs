using System.CommandLine;
using System.Reflection;
using Melos.Cli.Commands;
using Melos.Generation;

namespace Melos.Cli;

/// <summary>The <c>melos</c> command: builds the command tree and runs it with clean error reporting.</summary>
public static class MelosApp
{
    /// <summary>Exit code for a bug in Melos (not the user's input).</summary>
    public const int InternalErrorExitCode = 70;

    /// <summary><c>--verbose</c>: show stack traces and extra detail.</summary>
    public static readonly Option<bool> VerboseOption = new("--verbose", "-v")
    {
        Description = "Show details and stack traces when something fails.",
        Recursive = true,
    };

    /// <summary>The version string printed by <c>--version</c>.</summary>
    public static string Version =>
        typeof(MelosApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>Builds the command tree writing to the given streams.</summary>
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("Melos: learn melodies from music corpora and compose new ones with a person in control.");
        root.Add(VerboseOption);
        foreach (var command in CommandCatalog.Create(context)) root.Add(command);
        return root;
    }

    /// <summary>Runs the command line and returns the exit code.</summary>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var context = new CliContext(stdout ?? Console.Out, stderr ?? Console.Error);
        var root = Build(context);
        var parse = root.Parse(args);
        context.Verbose = parse.GetValue(VerboseOption);
        return parse.Invoke(new InvocationConfiguration { Output = context.Out, Error = context.Err, EnableDefaultExceptionHandler = false });
    }
}

/// <summary>Streams and flags shared by every command of one invocation.</summary>
public sealed class CliContext(TextWriter output, TextWriter error)
{
    /// <summary>Standard output.</summary>
    public TextWriter Out { get; } = output;

    /// <summary>Standard error.</summary>
    public TextWriter Err { get; } = error;

    /// <summary>True with <c>--verbose</c>.</summary>
    public bool Verbose { get; set; }

    /// <summary>
    /// Runs a command body: user errors become one line on stderr (control characters escaped) and exit code 1 (or the error's own); an
    /// <see cref="InvalidRequestException"/> names the flag of its field (<paramref name="flagOf"/>, by default
    /// <see cref="RequestFlags.Generate"/>). Anything else is a bug in Melos: one line and exit code
    /// <see cref="MelosApp.InternalErrorExitCode"/>, with the stack trace under <c>--verbose</c>.
    /// </summary>
    public int Guard(Func<int> body, Func<RequestField, string>? flagOf = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return body();
        }
        catch (CliError e)
        {
            Err.WriteLine($"error: {OneLine(e.Message)}");
            return e.ExitCode;
        }
        catch (InvalidRequestException e)
        {
            Err.WriteLine($"error: {(flagOf ?? RequestFlags.Generate)(e.Field)}: {OneLine(e.Reason)}");
            if (Verbose) Err.WriteLine(e.ToString());
            return 1;
        }
        catch (Exception e) when (IsUserError(e))
        {
            Err.WriteLine($"error: {OneLine(e.Message)}");
            if (Verbose) Err.WriteLine(e.ToString());
            return 1;
        }
        catch (Exception e)
        {
            Err.WriteLine($"internal error: {e.GetType().Name}: {OneLine(e.Message)} (a bug in Melos; run with --verbose for the stack trace)");
            if (Verbose) Err.WriteLine(e.ToString());
            return MelosApp.InternalErrorExitCode;
        }
    }

    /// <summary>
    /// The text on one line: line breaks become spaces, and any other control character (a message may quote a file's
    /// contents) is escaped by <see cref="TerminalText.Escape"/>.
    /// </summary>
    private static string OneLine(string text) =>
        TerminalText.Escape(string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));

    /// <summary>
    /// The failures caused by the user's input or environment, by type: unreadable or malformed files and text, a
    /// model that cannot do the operation, a bad tokenizer configuration or reward. An <see cref="ArgumentException"/>
    /// is not among them: it is a bug in how Melos called itself.
    /// </summary>
    private static bool IsUserError(Exception e) =>
        e is FormatException or IOException or UnauthorizedAccessException or InvalidDataException
            or UnsupportedModelException or Melos.Generation.Tuning.RewardSpecException or Melos.Formats.MusicXml.MusicXmlNotationException
            or Melos.Data.Tokenizers.InvalidConfigurationException or Melos.Data.Tokenizers.TokenizationException
            or Melos.Data.Tokenizers.IncompatibleFormatException or Melos.Data.Corpus.CorpusFormatException
            or Melos.Models.Vae.ModelKindException or Melos.Models.Vae.VaeInputException
            or Melos.Data.Transcription.UnusableRecordingException;
}
