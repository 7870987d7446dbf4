using System.Text.Json;
using Melos.Cli;
using Melos.Tests;
using static Melos.Tests.CliRun;

namespace Melos.Cli.Tests;

public sealed class BenchCommandTests
{

    [DatasetFact]
    public void PianoRollReportsTheProtocolFiguresAsJson()
    {
        var config = Path.Combine(Path.GetTempPath(), $"melos-pr-{Guid.NewGuid():N}.json");
        File.WriteAllText(config, """{ "hidden": 16, "batchSize": 32 }""");
        try
        {
            var (code, output, err) = Run("bench", "pianoroll", "--set", "jsb", "--arch", "lstm", "--epochs", "2", "--config", config,
                "--data", Datasets.PathOf("piano-roll-benchmark"), "--json");
            Assert.True(code == 0, err);
            using var doc = JsonDocument.Parse(output);
            var root = doc.RootElement;
            foreach (var key in new[] { "validNll", "testNll", "epochs", "parameters", "trainSeconds", "baselines" })
                Assert.True(root.TryGetProperty(key, out _), $"missing {key}");
            Assert.Equal(2, root.GetProperty("epochs").GetInt32());
            Assert.Equal(11.09, Math.Round(root.GetProperty("baselines").GetProperty("marginal").GetProperty("test").GetDouble(), 2));
            Assert.Equal(10.49, Math.Round(root.GetProperty("baselines").GetProperty("markov").GetProperty("test").GetDouble(), 2));
            double test = root.GetProperty("testNll").GetDouble();
            Assert.InRange(test, 1, 61); // a trained model is below 88 ln 2
            Assert.Contains("epoch 2/2", err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public void MissingBenchmarkFolderIsAOneLineError()
    {
        var (code, _, err) = Run("bench", "pianoroll", "--set", "jsb", "--arch", "nade", "--data", "/nonexistent/folder");
        Assert.Equal(1, code);
        Assert.StartsWith("error: no jsb-chorales.json in /nonexistent/folder", err, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownArchitectureIsRejected()
    {
        var (code, _, err) = Run("bench", "pianoroll", "--set", "jsb", "--arch", "gru");
        Assert.NotEqual(0, code);
        Assert.Contains("gru", err, StringComparison.Ordinal);
    }
}
