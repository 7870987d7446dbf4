using System.Text.RegularExpressions;
using Melos.Tests;

namespace Melos.Studio.Tests.Browser;

/// <summary>
/// The shipped page's scripts, read as text: keys, meters, note lengths and the chord grammar are the server's, so the
/// page holds no list of its own and no chord parser (the browser tests check what it does with the server's).
/// </summary>
public sealed partial class PageSourceTests
{
    private static string Scripts => string.Join("\n", Directory.EnumerateFiles(Path.Combine(Datasets.RepoRoot, "src", "Melos.Studio", "wwwroot", "js"), "*.js")
        .Order(StringComparer.Ordinal).Select(File.ReadAllText));

    [Fact]
    public void The_page_asks_the_server_for_the_model_and_the_chord_layout()
    {
        var scripts = Scripts;
        Assert.Contains("'/api/model'", scripts, StringComparison.Ordinal);
        Assert.Contains("'/api/chords'", scripts, StringComparison.Ordinal);
    }

    [Fact]
    public void The_page_has_no_chord_parser_and_no_key_meter_or_note_length_list()
    {
        var scripts = Scripts;
        Assert.DoesNotContain("parseChords", scripts, StringComparison.Ordinal);
        Assert.DoesNotContain("SYMBOL:BEATS", scripts, StringComparison.Ordinal);
        Assert.DoesNotContain("KEYS", scripts, StringComparison.Ordinal);
        Assert.DoesNotContain("GRID", scripts, StringComparison.Ordinal);
        // No array literal of meters ("['4/4', '3/4', ...]"), keys ("['C', 'G', ...]") or lengths labelled "1/8".
        Assert.DoesNotMatch(MeterList(), scripts);
        Assert.DoesNotMatch(KeyList(), scripts);
        Assert.DoesNotMatch(LengthLabel(), scripts);
    }

    [GeneratedRegex(@"\[\s*['""]\d+/\d+['""]\s*,")]
    private static partial Regex MeterList();

    [GeneratedRegex(@"\[\s*['""][A-G]['""]\s*,\s*['""][A-G]['""]\s*,\s*['""][A-G]")]
    private static partial Regex KeyList();

    [GeneratedRegex(@"label:\s*['""]1/\d+")]
    private static partial Regex LengthLabel();
}
