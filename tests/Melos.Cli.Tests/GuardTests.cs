using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Melos.Generation;

namespace Melos.Cli.Tests;

/// <summary>
/// How <see cref="CliContext.Guard"/> reports failures: a request's mistake names the user's flag with exit 1; anything
/// that is not a user error (an <see cref="ArgumentException"/> included) is an internal error with exit 70, one line,
/// and the stack trace only under --verbose.
/// </summary>
public sealed class GuardTests
{
    private static (int Code, string Err) Guard(Func<int> body, bool verbose = false, Func<RequestField, string>? flags = null)
    {
        var err = new StringWriter();
        var context = new CliContext(new StringWriter(), err) { Verbose = verbose };
        int code = context.Guard(body, flags);
        return (code, err.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static int Thrower() => throw new IndexOutOfRangeException("Index was outside the bounds of the array.");

    [Fact]
    public void An_unexpected_exception_is_an_internal_error_in_one_line_with_the_trace_only_under_verbose()
    {
        var (code, err) = Guard(Thrower);
        Assert.Equal(MelosApp.InternalErrorExitCode, code);
        Assert.Equal(70, code);
        var line = Assert.Single(Lines(err));
        Assert.StartsWith("internal error: IndexOutOfRangeException: Index was outside the bounds of the array.", line);
        Assert.Contains("--verbose", line);
        Assert.DoesNotContain("   at ", err);

        var (verboseCode, verboseErr) = Guard(Thrower, verbose: true);
        Assert.Equal(70, verboseCode);
        Assert.StartsWith("internal error: IndexOutOfRangeException", Lines(verboseErr)[0]);
        Assert.Contains("   at ", verboseErr);
        Assert.Contains(nameof(Thrower), verboseErr);
    }

    [Fact]
    public void An_argument_exception_is_a_bug_not_the_users_mistake()
    {
        var (code, err) = Guard(() => throw new ArgumentOutOfRangeException("index", 7, "An indexing bug.\nSecond line."));
        Assert.Equal(70, code);
        var line = Assert.Single(Lines(err));
        Assert.StartsWith("internal error: ArgumentOutOfRangeException: An indexing bug. Second line.", line);
    }

    [Fact]
    public void A_request_mistake_names_the_flag_with_exit_code_1()
    {
        var (code, err) = Guard(() => new GenerationRequest { Sampling = new() { Temperature = -1 } }.Bars);
        Assert.Equal(1, code);
        Assert.Equal("error: --temperature: must be a finite number greater than 0, not -1", Assert.Single(Lines(err)));
        var (editCode, editErr) = Guard(() => new InfillRequest(Melos.Music.Melody.Empty, 1, 2) { Candidates = 0 }.Count, flags: RequestFlags.Edit);
        Assert.Equal(1, editCode);
        Assert.Equal("error: --candidates: must be 1..256, not 0", Assert.Single(Lines(editErr)));
    }

    [Fact]
    public void A_cli_error_and_a_malformed_input_stay_user_errors()
    {
        Assert.Equal((3, "error: nope\n"), Guard(() => throw new CliError("nope", 3)) is var (c, e) ? (c, e.Replace("\r", "", StringComparison.Ordinal)) : default);
        Assert.Equal(1, Guard(() => throw new FormatException("bad")).Code);
        Assert.Equal(1, Guard(() => throw new UnsupportedModelException("needs a grid model")).Code);
    }

    [Property]
    public void Every_request_field_has_a_flag_in_every_command(RequestField field)
    {
        if (!Enum.IsDefined(field)) return;
        foreach (var flag in new[] { RequestFlags.Generate(field), RequestFlags.Edit(field) })
            Assert.True(flag == "FILE" || System.Text.RegularExpressions.Regex.IsMatch(flag, "^--[a-z]+(-[a-z]+)*$"), $"{field}: {flag}");
    }

    [Fact]
    public void Fields_map_to_the_flags_the_commands_define()
    {
        var generate = Melos.Cli.Commands.GenerateCommand.Create(new CliContext(TextWriter.Null, TextWriter.Null)).Options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet();
        var infill = Melos.Cli.Commands.EditCommands.Infill(new CliContext(TextWriter.Null, TextWriter.Null)).Options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet();
        var vary = Melos.Cli.Commands.EditCommands.Vary(new CliContext(TextWriter.Null, TextWriter.Null)).Options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet();
        RequestField[] editOnly = [RequestField.Melody, RequestField.FirstBar, RequestField.LastBar, RequestField.Candidates, RequestField.Scoring, RequestField.Amount, RequestField.Rhythm];
        RequestField[] edited = [.. editOnly, RequestField.Count, RequestField.Temperature, RequestField.TopK, RequestField.TopP, RequestField.Key, RequestField.Low,
            RequestField.High, RequestField.MaxLeap, RequestField.Chromatic, RequestField.Seed, RequestField.Meter];
        foreach (var field in Enum.GetValues<RequestField>().Where(f => !editOnly.Contains(f)))
            Assert.True(generate.Contains(RequestFlags.Generate(field)), $"generate: {field} -> {RequestFlags.Generate(field)}");
        foreach (var field in edited)
        {
            var e = RequestFlags.Edit(field);
            Assert.True(e == "FILE" || infill.Contains(e) || vary.Contains(e), $"infill/vary: {field} -> {e}");
        }
    }
}
