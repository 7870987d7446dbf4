using System.Diagnostics;
using System.Text.Json.Nodes;
using Melos.Cli;
using Melos.Tests;
using static Melos.Tests.CliRun;

namespace Melos.Cli.Tests;

public sealed class ServeCommandTests
{

    [Fact]
    public void Help_names_the_options()
    {
        var (code, output, _) = Run("serve", "--help");
        Assert.Equal(0, code);
        foreach (var option in new[] { "--urls", "--model", "--queue", "http://127.0.0.1:5000" }) Assert.Contains(option, output);
        Assert.Contains("serve", Run("--help").Out);
    }

    [Theory]
    [InlineData("--model", "/nonexistent/model", "error: /nonexistent/model is not a model folder")]
    [InlineData("--queue", "0", "error: --queue must be 1..10000, not 0")]
    [InlineData("--urls", " ", "error: --urls is empty")]
    public void Bad_options_are_one_line_errors(string option, string value, string expected)
    {
        var (code, _, err) = Run("serve", option, value);
        Assert.Equal(1, code);
        Assert.StartsWith(expected, err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public async Task The_real_process_prints_its_url_serves_the_api_and_stops_on_sigint()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "melos.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, "serve", "--urls", "http://127.0.0.1:0", "--model", Path.Combine(Datasets.RepoRoot, "models", "default")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        try
        {
            string? line;
            while ((line = await p.StandardOutput.ReadLineAsync()) is not null && !line.StartsWith("studio at ", StringComparison.Ordinal)) { }
            Assert.NotNull(line);
            var url = line!["studio at ".Length..].Split(' ')[0];
            Assert.StartsWith("http://127.0.0.1:", url);
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            var model = JsonNode.Parse(await http.GetStringAsync("/api/model"))!;
            Assert.Equal(12, model["stepsPerQuarter"]!.GetValue<int>());

            using var kill = Process.Start("kill", ["-INT", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
            kill.WaitForExit();
            var rest = await p.StandardOutput.ReadToEndAsync();
            Assert.True(p.WaitForExit(60_000), "melos serve did not stop on SIGINT");
            Assert.Equal(0, p.ExitCode);
            Assert.Contains("studio stopped", rest);
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }
}
