using Melos.Data.Corpus;
using Melos.Data.Sources;
using Melos.Music;

namespace Melos.Data.Tests.Corpus;

/// <summary>Files over a limit are skipped with the reason OverLimit, counted in the build summary, and the build goes on.</summary>
public sealed class CorpusLimitTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "melos-limits-" + Guid.NewGuid().ToString("N"));

    public CorpusLimitTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Reel = "X:1\nT:Reel\nL:1/8\nM:4/4\nK:G\n|:GABc dedB|dedB dedB|c2ec B2dB|c2A2 A2BA:|\n";

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void AFileLargerThanMaxFileBytesIsSkippedAsOverLimit()
    {
        Write("a-small.abc", Reel);
        var big = Write("b-big.abc", Reel + "\n% padding " + new string('x', 400) + "\n");
        long bigLength = new FileInfo(big).Length;
        var corpus = new CorpusBuilder(TuneSources.Default).Build(new CorpusBuildOptions { Inputs = [_dir], MaxFileBytes = bigLength - 1 });
        Assert.Equal(1, corpus.Summary.MelodiesKept);
        Assert.Equal(1, corpus.Summary.DiscardedByReason["OverLimit"]);
        var d = Assert.Single(corpus.Summary.Discards);
        Assert.EndsWith("b-big.abc", d.Source, StringComparison.Ordinal);
        Assert.Contains($"file of {bigLength} bytes exceeds the limit of {bigLength - 1} bytes", d.Detail, StringComparison.Ordinal);

        var all = new CorpusBuilder(TuneSources.Default).Build(new CorpusBuildOptions { Inputs = [_dir], MaxFileBytes = bigLength, KeepDuplicates = true });
        Assert.Equal(2, all.Summary.MelodiesKept);
    }

    [Fact]
    public void ATuneOverTheReadersNoteLimitIsSkippedAsOverLimitAndItsNeighboursKept()
    {
        // Part A (40 notes) played 4096 times: over the ABC reader's default 100,000 notes per tune.
        var huge = "X:2\nT:Endless\nP:A4096\nL:1/16\nK:C\nP:A\n" + string.Concat(Enumerable.Repeat("CDEFGABc|", 5)) + "\n";
        Write("tunes.abc", Reel + "\n" + huge);
        var corpus = new CorpusBuilder(TuneSources.Default).Build(new CorpusBuildOptions { Inputs = [_dir] });
        Assert.Equal(1, corpus.Summary.MelodiesKept);
        var d = Assert.Single(corpus.Summary.Discards);
        Assert.Equal(DiscardReason.OverLimit, d.Reason);
        Assert.EndsWith("tunes.abc#2", d.Source, StringComparison.Ordinal);
        Assert.Contains("more than 100000 notes and rests as performed", d.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AMidiFileWithMoreTracksThanTheReadersLimitIsSkippedAsOverLimit()
    {
        // 1025 tracks, each only an end-of-track: over the MIDI reader's default of 1024.
        byte[] header = [.. "MThd"u8, 0, 0, 0, 6, 0, 1, 0x04, 0x01, 1, 0xE0];
        byte[] track = [.. "MTrk"u8, 0, 0, 0, 4, 0x00, 0xFF, 0x2F, 0x00];
        File.WriteAllBytes(Path.Combine(_dir, "tracks.mid"), [.. header, .. Enumerable.Range(0, 1025).SelectMany(_ => track)]);
        Write("reel.abc", Reel);
        var corpus = new CorpusBuilder(TuneSources.Default).Build(new CorpusBuildOptions { Inputs = [_dir] });
        Assert.Equal(1, corpus.Summary.MelodiesKept);
        var d = Assert.Single(corpus.Summary.Discards);
        Assert.Equal(DiscardReason.OverLimit, d.Reason);
        Assert.Contains("more than 1024 tracks", d.Detail, StringComparison.Ordinal);
    }

    /// <summary>A source that never finishes a file named <c>stuck.abc</c> until released (a reader that ran away).</summary>
    private sealed class StuckSource(ManualResetEventSlim release) : ITuneSource
    {
        private readonly AbcTuneSource _abc = new();

        public bool CanRead(string path) => _abc.CanRead(path);

        public IEnumerable<SourceTune> Read(string path, string relativeId)
        {
            if (Path.GetFileName(path) == "stuck.abc") release.Wait();
            return _abc.Read(path, relativeId);
        }
    }

    [Fact]
    public void AFileThatTakesLongerThanTheTimeLimitIsSkippedAndTheBuildGoesOn()
    {
        Write("a.abc", Reel);
        Write("stuck.abc", Reel.Replace("GABc", "GAGc", StringComparison.Ordinal));
        var release = new ManualResetEventSlim(false); // not disposed: the abandoned reader may still be waking from it
        try
        {
            var corpus = new CorpusBuilder([new StuckSource(release)]).Build(new CorpusBuildOptions
            {
                Inputs = [_dir],
                MaxTimePerFile = TimeSpan.FromMilliseconds(300),
            });
            Assert.Equal(1, corpus.Summary.MelodiesKept);
            Assert.Equal(1, corpus.Summary.DiscardedByReason["OverLimit"]);
            var d = Assert.Single(corpus.Summary.Discards);
            Assert.EndsWith("stuck.abc", d.Source, StringComparison.Ordinal);
            Assert.Contains("longer than the limit of 0.3 s", d.Detail, StringComparison.Ordinal);
        }
        finally
        {
            release.Set();
        }
    }

    /// <summary>A source whose second tune has a time no quantization grid can hold (quantizing it overflows).</summary>
    private sealed class UnquantizableTimeSource : ITuneSource
    {
        public bool CanRead(string path) => path.EndsWith(".abc", StringComparison.Ordinal);

        public IEnumerable<SourceTune> Read(string path, string relativeId)
        {
            var good = new AbcTuneSource().Read(path, relativeId).Single();
            var m = good.Melody!;
            var odd = Melody.Create([new Note(Pitch.FromMidi(60), Duration.FromQuarters(new Rational(long.MaxValue / 4, 7)), Duration.Quarter)],
                m.Key, info: m.Info);
            return [good, SourceTune.Found(relativeId + "#odd", odd)];
        }
    }

    [Fact]
    public void AFailureProcessingOneTuneIsADiscardNotTheEndOfTheBuild()
    {
        Write("a.abc", Reel);
        var corpus = new CorpusBuilder([new UnquantizableTimeSource()]).Build(new CorpusBuildOptions { Inputs = [_dir], MinNotes = 1 });
        Assert.Equal(1, corpus.Summary.MelodiesKept);
        var d = Assert.Single(corpus.Summary.Discards);
        Assert.Equal(DiscardReason.ParseError, d.Reason);
        Assert.EndsWith("a.abc#odd", d.Source, StringComparison.Ordinal);
        Assert.StartsWith("OverflowException:", d.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void LimitsOutOfRangeAreRejected()
    {
        Write("a.abc", Reel);
        var b = new CorpusBuilder(TuneSources.Default);
        Assert.Throws<ArgumentOutOfRangeException>(() => b.Build(new CorpusBuildOptions { Inputs = [_dir], MaxFileBytes = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => b.Build(new CorpusBuildOptions { Inputs = [_dir], MaxTimePerFile = TimeSpan.Zero }));
    }
}
