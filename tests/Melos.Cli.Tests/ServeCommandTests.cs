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
        foreach (var option in new[] { "--urls", "--model", "--queue", "http://127.0.0.1:5000", "--token", "--cert", "--cert-password", "--workers", "MELOS_STUDIO_TOKEN" })
            Assert.Contains(option, output);
        Assert.Contains("serve", Run("--help").Out);
    }

    [Theory]
    [InlineData("--model", "/nonexistent/model", "error: /nonexistent/model is not a model folder")]
    [InlineData("--queue", "0", "error: --queue must be 1..10000, not 0")]
    [InlineData("--urls", " ", "error: --urls is empty")]
    [InlineData("--workers", "0", "error: --workers must be 1..256, not 0")]
    [InlineData("--token", "short", "error: the access token must have at least 16 characters")]
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
            // Bounded: a process that ignores SIGINT (started from a shell's background job, which ignores it) must fail
            // the test, not hang it.
            var reading = p.StandardOutput.ReadToEndAsync();
            Assert.True(p.WaitForExit(60_000), "melos serve did not stop on SIGINT" + (SigIntIgnored() ? " (this test process ignores SIGINT, and so did its child: run the tests from a foreground shell)" : ""));
            var rest = await reading.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, p.ExitCode);
            Assert.Contains("studio stopped", rest);
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }

    [Theory]
    [InlineData("http://0.0.0.0:5098")]
    [InlineData("http://*:5098")]
    [InlineData("http://127.0.0.1:5098;http://192.168.1.20:5098")]
    public void A_non_loopback_address_without_a_token_refuses_to_start_and_says_why(string urls)
    {
        var (code, output, err) = Run("serve", "--urls", urls);
        Assert.Equal(1, code);
        Assert.StartsWith("error: the studio does not start: ", err);
        Assert.Contains("needs an access token", err);
        Assert.Contains("--token", err);
        Assert.DoesNotContain("studio at", output);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public async Task A_generated_token_is_printed_and_required_on_a_lan_address()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "melos.dll");
        // 0.0.0.0 with a token: the studio starts (and listens on every interface, loopback included).
        var psi = new ProcessStartInfo("dotnet", [dll, "serve", "--urls", "http://0.0.0.0:0", "--token", "generate", "--model", Path.Combine(Datasets.RepoRoot, "models", "default")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment.Remove("MELOS_STUDIO_TOKEN");
        using var p = Process.Start(psi)!;
        try
        {
            string? line, token = null, address = null;
            while ((line = await p.StandardOutput.ReadLineAsync()) is not null)
            {
                if (line.StartsWith("studio at ", StringComparison.Ordinal))
                {
                    Assert.Contains("access token required", line);
                    address = line["studio at ".Length..].Split(' ')[0];
                }
                if (line.StartsWith("access token: ", StringComparison.Ordinal)) token = line["access token: ".Length..];
                if (line.StartsWith("open ", StringComparison.Ordinal)) break;
            }
            Assert.NotNull(token);
            Assert.True(token!.Length >= 40, token);
            Assert.Contains("/#token=" + token, line);
            var port = new Uri(address!.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)).Port;
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            using (var refused = await http.GetAsync("/api/model")) Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using (var served = await http.GetAsync("/api/model")) Assert.Equal(System.Net.HttpStatusCode.OK, served.StatusCode);
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Whether SIGINT is ignored by this process (its SigIgn mask in /proc), as a shell's background job has it.</summary>
    private static bool SigIntIgnored()
    {
        var line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) : null;
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & 2) != 0;
    }
}
