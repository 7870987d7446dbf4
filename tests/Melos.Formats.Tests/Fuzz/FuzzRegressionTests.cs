using System.Text;
using Melos.Formats.Abc;
using Melos.Formats.Midi;

namespace Melos.Formats.Tests.Fuzz;

/// <summary>
/// Inputs the fuzzers (fuzz/run.sh) found to crash a reader, kept byte for byte under Fuzz/Regressions, replayed with the
/// harnesses' rules: only the documented format exceptions may escape, and the lenient readers read every file that has a header.
/// </summary>
public sealed class FuzzRegressionTests
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "Fuzz", "Regressions");

    public static TheoryData<string> Files(string extension)
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Folder, "*" + extension).Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(f));
        return data;
    }

    public static TheoryData<string> AbcFiles() => Files(".abc");

    public static TheoryData<string> MidiFiles() => Files(".mid");

    [Theory]
    [MemberData(nameof(AbcFiles))]
    public void AbcCrashInputsReadWithoutAnUnexpectedException(string name)
    {
        var text = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(Folder, name)));
        var lenient = AbcReader.Parse(text, name, AbcReadSettings.Lenient);
        var strict = AbcReader.Parse(text, name, AbcReadSettings.Strict);
        Assert.Equal(lenient.Tunes.Length + lenient.Skipped.Length, strict.Tunes.Length + strict.Skipped.Length);
        Assert.All(lenient.Tunes, t => Assert.True(t.Melody.Notes.Length <= AbcReadSettings.Lenient.MaxNotesPerTune));
    }

    [Theory]
    [MemberData(nameof(MidiFiles))]
    public void MidiCrashInputsReadWithoutAnUnexpectedException(string name)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, name));
        try
        {
            MidiReader.Read(bytes, MidiReadSettings.Strict);
        }
        catch (MidiFormatException)
        {
            // Strict mode may refuse the file; anything else is the bug.
        }
        var lenient = MidiReader.Read(bytes, MidiReadSettings.Lenient).File;
        foreach (var track in lenient.Tracks) _ = MidiNotes.Pair(track);
        var doc = MidiNotesReader.ToDocument(lenient);
        Assert.Equal(lenient.Tracks.Length, doc.Tracks.Count);
    }

    public static TheoryData<string> AudioFiles() => Files(".audio");

    [Theory]
    [MemberData(nameof(AudioFiles))]
    public void AudioCrashInputsDecodeOrFailWithAFormatErrorWithinTheAllocationLimit(string name)
    {
        var input = File.ReadAllBytes(Path.Combine(Folder, name));
        foreach (var encoding in Enum.GetValues<Melos.Formats.Audio.AudioEncoding>())
        {
            // As the audio harness does: the input with the decoder's signature over its first bytes.
            var bytes = (byte[])input.Clone();
            byte[] signature = encoding switch
            {
                Melos.Formats.Audio.AudioEncoding.Wav => [.. "RIFF"u8],
                Melos.Formats.Audio.AudioEncoding.Flac => [.. "fLaC"u8],
                Melos.Formats.Audio.AudioEncoding.OggVorbis => [.. "OggS"u8],
                _ => [0xFF, 0xFB],
            };
            signature.CopyTo(bytes, 0);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var e = Record.Exception(() => Melos.Formats.Audio.AudioDecoder.Decode(bytes, name, Melos.Formats.Audio.AudioReadSettings.Lenient with { MaxSeconds = 10 }, encoding));
            Assert.True(e is null or Melos.Formats.Audio.AudioFormatException, $"{encoding}: {e}");
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64L * 1024 * 1024, $"{encoding} allocated over 64 MB");
        }
    }

    [Fact]
    public void Nlayer_is_never_handed_a_riff_wave_header_inside_mpeg_data()
    {
        // Found by the audio harness: NLayer allocated what a RIFF header's length said (1 GB) inside MPEG data.
        byte[] bytes = [0xFF, 0xFB, 0x90, 0x00, .. "RIFF"u8, 0xFF, 0xFF, 0xFF, 0x7F, .. "WAVE"u8, .. new byte[64]];
        var e = Assert.Throws<Melos.Formats.Audio.AudioFormatException>(() => Melos.Formats.Audio.AudioDecoder.Decode(bytes, "x.mp3"));
        Assert.Equal(4, e.Offset);
    }

    [Fact]
    public void AMultiBarRestTooLongForAnIntIsAnUnexpectedSymbolNotAnOverflow()
    {
        // Found by the abc harness: Z3333333333333333333333333333 overflowed int.Parse.
        const string abc = "X:1\nM:4/4\nL:1/4\nK:C\nC Z3333333333333333333333333333 D|\n";
        var tune = AbcReader.ReadTune(abc);
        Assert.Equal([60, 62], tune.Melody.Notes.Select(n => n.Pitch.Number));
        var issue = Assert.Single(tune.Issues);
        Assert.Contains("a rest of 3333333333333333333333333333 bars", issue.Message, StringComparison.Ordinal);
        Assert.Equal(5, issue.Line);
        Assert.Equal(3, issue.Column);
        var e = Assert.Throws<AbcUnexpectedSymbolException>(() => AbcReader.ReadTune(abc, settings: AbcReadSettings.Strict));
        Assert.Contains($"at most {10_000} bars", e.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void NoteLengthsWhoseExactSumOutgrows64BitsSkipTheTuneInsteadOfThrowingOverflow()
    {
        // Found by the abc harness in its final run (L:1/4444444444444444444 then notes): Rational addition overflowed out of
        // AbcReader.Parse. Here by hand: five lengths with distinct prime divisors near 10,000 need a denominator over 10^19.
        const string abc = "X:1\nL:1/4\nK:C\nC/9973 D/9967 E/9949 F/9941 G/9931 A/9929|\n\nX:2\nL:1/4\nK:C\nC/3 D/5 E/7 F|\n";
        foreach (var settings in new[] { AbcReadSettings.Lenient, AbcReadSettings.Strict })
        {
            var load = AbcReader.Parse(abc, "t.abc", settings);
            Assert.Equal([2], load.Tunes.Select(t => t.Number));
            var e = Assert.IsType<AbcTimeOverflowException>(Assert.Single(load.Skipped).Reason);
            Assert.Equal((1, 4), (e.Tune, e.Line));
            Assert.Contains("does not fit 64-bit rational time", e.Message, StringComparison.Ordinal);
        }
        Assert.Equal(4, AbcReader.ReadTune(abc, 2).Melody.Notes.Length);
    }

    [Fact]
    public void AMultiBarRestAtTheLimitIsKept()
    {
        var tune = AbcReader.ReadTune("X:1\nM:2/4\nL:1/4\nK:C\nZ10000|C|\n");
        Assert.Empty(tune.Issues);
        // 10,000 bars of 2/4 = 20,000 quarters before the C.
        Assert.Equal(20_000, tune.Melody.Notes[0].Start.ToQuarterDouble());
    }
}
