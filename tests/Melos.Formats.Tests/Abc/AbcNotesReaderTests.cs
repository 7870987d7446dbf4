using Melos.Formats.Abc;

namespace Melos.Formats.Tests.Abc;

public sealed class AbcNotesReaderTests
{
    [Fact]
    public void Notes_of_an_abc_tune_start_at_tick_zero_with_repeats_played()
    {
        var path = Path.Combine(Path.GetTempPath(), $"melos-notes-{Guid.NewGuid():N}.abc");
        File.WriteAllText(path, "X:1\nT:One\nK:C\nC\n\nX:5\nT:Five\nM:6/8\nL:1/8\nQ:3/8=60\nK:G\nd|:gfe d2c:|\n");
        try
        {
            var reader = NotesReaders.For(path);
            Assert.IsType<AbcNotesReader>(reader);
            var doc = reader!.Read(path, new NotesReadOptions(5));
            Assert.Equal(480, doc.Division);
            Assert.Equal(90, doc.Tempos[0].Bpm!.Value, 3); // 60 dotted quarters a minute
            var notes = doc.Tracks.Single().Notes;
            Assert.Equal([74, 79, 78, 76, 74, 72, 79, 78, 76, 74, 72], notes.Select(n => n.Pitch));
            Assert.Equal(0, notes[0].StartTick); // the pickup's leading rest is dropped
            Assert.Equal([0L, 240, 480, 720, 960, 1440], notes.Take(6).Select(n => n.StartTick));
            Assert.Equal(1.0 / 3, notes[1].Start, 4); // an eighth at 90 quarters a minute
            var first = reader.Read(path, new NotesReadOptions());
            Assert.Equal([60], first.Tracks.Single().Notes.Select(n => n.Pitch));
            Assert.Equal(doc.ToJson(), NotesDocument.FromJson(doc.ToJson()).ToJson());
            Assert.Throws<AbcTuneNotFoundException>(() => reader.Read(path, new NotesReadOptions(9)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
