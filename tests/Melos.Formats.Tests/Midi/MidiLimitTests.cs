using Melos.Formats.Midi;

namespace Melos.Formats.Tests.Midi;

/// <summary>The reader's limits hold under every policy: a file over a limit is refused with a typed reason, never cut short.</summary>
public sealed class MidiLimitTests
{
    private static readonly MidiReadSettings[] Both = [MidiReadSettings.Lenient, MidiReadSettings.Strict];

    /// <summary>A format 0 file with <paramref name="notes"/> note-on/note-off pairs: 2 events per note, no other event.</summary>
    private static byte[] Notes(int notes)
    {
        var body = new List<byte>();
        for (int i = 0; i < notes; i++) body.AddRange([0x00, 0x90, 60, 100, 0x60, 0x80, 60, 0]);
        body.AddRange(Smf.Eot);
        return Smf.File0([.. body]);
    }

    [Fact]
    public void EventsUpToTheLimitAreReadAndOneMoreIsRefused()
    {
        var bytes = Notes(5); // 10 events
        foreach (var s in Both)
        {
            var file = MidiReader.Read(bytes, s with { MaxEvents = 10 }).File;
            Assert.Equal(10, file.Tracks[0].Events.Length);
            var e = Assert.Throws<MidiLimitException>(() => MidiReader.Read(bytes, s with { MaxEvents = 9 }));
            Assert.Equal(MidiLimit.Events, e.Limit);
            Assert.Equal(9, e.Maximum);
            Assert.Equal(10, e.Value);
            Assert.Equal(14 + 8 + 4 * 8 + 4, e.Offset); // the tenth event: header, track header, 4 notes and a note-on before it
        }
    }

    [Fact]
    public void EventsAreCountedOverAllTracks()
    {
        byte[] track = [0x00, 0x90, 60, 100, 0x60, 0x80, 60, 0, .. Smf.Eot];
        var bytes = Smf.Concat(Smf.Header(1, 3, 480), Smf.Track(track), Smf.Track(track), Smf.Track(track));
        Assert.Equal(3, MidiReader.Read(bytes, MidiReadSettings.Lenient with { MaxEvents = 6 }).File.Tracks.Length);
        Assert.Equal(MidiLimit.Events, Assert.Throws<MidiLimitException>(() => MidiReader.Read(bytes, MidiReadSettings.Lenient with { MaxEvents = 5 })).Limit);
    }

    [Fact]
    public void AFileHoldingMoreTracksThanTheLimitIsRefusedAtTheFirstTrackOver()
    {
        byte[] track = [.. Smf.Eot];
        var four = Smf.Concat(Smf.Header(1, 4, 480), Smf.Track(track), Smf.Track(track), Smf.Track(track), Smf.Track(track));
        foreach (var s in Both)
        {
            Assert.Equal(4, MidiReader.Read(four, s with { MaxTracks = 4 }).File.Tracks.Length);
            var e = Assert.Throws<MidiLimitException>(() => MidiReader.Read(four, s with { MaxTracks = 3 }));
            Assert.Equal((MidiLimit.Tracks, 4L, 3L, 14L + 3 * 12), (e.Limit, e.Value, e.Maximum, e.Offset));
        }
    }

    [Fact]
    public void AHeaderDeclaringMoreTracksThanTheFileHoldsIsARepairNotALimit()
    {
        byte[] track = [.. Smf.Eot];
        var bytes = Smf.Concat(Smf.Header(1, 0xFFFF, 480), Smf.Track(track), Smf.Track(track));
        var result = MidiReader.Read(bytes, MidiReadSettings.Lenient with { MaxTracks = 2 });
        Assert.Equal(2, result.File.Tracks.Length);
        Assert.Contains(result.Repairs, r => r.Issue == MidiIssue.MissingTracks);
    }

    [Fact]
    public void AFileLargerThanTheLimitIsRefusedFromBytesAndFromDisk()
    {
        var bytes = Notes(3);
        var path = Path.Combine(Path.GetTempPath(), $"melos-limit-{Guid.NewGuid():N}.mid");
        File.WriteAllBytes(path, bytes);
        try
        {
            foreach (var s in Both)
            {
                var exact = s with { MaxFileBytes = bytes.Length };
                Assert.Equal(6, MidiReader.Read(bytes, exact).File.Tracks[0].Events.Length);
                Assert.Equal(6, MidiReader.Read(path, exact).File.Tracks[0].Events.Length);
                var small = s with { MaxFileBytes = bytes.Length - 1 };
                foreach (var e in new[] { Assert.Throws<MidiLimitException>(() => MidiReader.Read(bytes, small)), Assert.Throws<MidiLimitException>(() => MidiReader.Read(path, small)) })
                    Assert.Equal((MidiLimit.FileBytes, (long)bytes.Length, bytes.Length - 1L), (e.Limit, e.Value, e.Maximum));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TheLimitExceptionIsAFormatErrorNamingTheLimit()
    {
        var e = Assert.Throws<MidiLimitException>(() => MidiReader.Read(Notes(2), MidiReadSettings.Lenient with { MaxEvents = 3 }));
        Assert.IsAssignableFrom<MidiFormatException>(e);
        Assert.Contains("at most 3 events", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LimitsOutOfRangeAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MidiReadSettings.Lenient with { MaxEvents = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => MidiReadSettings.Lenient with { MaxTracks = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => MidiReadSettings.Lenient with { MaxTracks = 65536 });
        Assert.Throws<ArgumentOutOfRangeException>(() => MidiReadSettings.Lenient with { MaxFileBytes = 13 });
    }
}
