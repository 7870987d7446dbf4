using Melos.Tests;
using System.Diagnostics;
using Melos.Data.Tokenizers;
using Melos.Models.Training;

namespace Melos.Models.Tests;

/// <summary>
/// Checkpoint writes never damage the previous checkpoint: a failed write (disk full, read-only folder, any I/O error) is one
/// clear <see cref="CheckpointWriteException"/>, and a write cut short between its renames is finished by <see cref="Checkpoint.Recover"/>.
/// Disk-full and read-only cases mount a real tmpfs (root bypasses permission bits, so chmod would prove nothing).
/// </summary>
public sealed class CheckpointSafetyTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("melos-ckpt-safety-").FullName;
    private readonly List<string> _mounts = [];

    public void Dispose()
    {
        foreach (var m in _mounts) Run("umount", m);
        Directory.Delete(_root, recursive: true);
    }

    private static string Run(string program, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        string err = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? "" : $"{program} {string.Join(' ', args)} failed ({p.ExitCode}): {err}";
    }

    private string Mount(long bytes)
    {
        var dir = Path.Combine(_root, "mnt" + _mounts.Count);
        Directory.CreateDirectory(dir);
        var error = Run("mount", "-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", dir);
        Assert.True(error.Length == 0, error);
        _mounts.Add(dir);
        return dir;
    }

    private static readonly LstmConfig Tiny = new() { EmbeddingSize = 16, Hidden = 32, Layers = 1 };

    private static Trainer NewTrainer(out List<EncodedSequence> data)
    {
        var (tokenizer, seqs) = Toy.Riffs(6);
        data = seqs;
        var training = new TrainingConfig { Seed = 3, MaxSteps = 1000, BatchSize = 2, MaxSequenceLength = 32, WarmupSteps = 1, CheckpointEvery = 1000, LogEvery = 1, Patience = 0 };
        return new Trainer(ModelFactory.Create(Tiny, tokenizer, Toy.Vocabulary, training.Seed), training, tokenizer.Config, Toy.Vocabulary);
    }

    private static long SizeOnDisk(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Sum(f => (new FileInfo(f).Length + 4095) / 4096 * 4096) + 4096;

    private static void AssertLoadableAt(string dir, int step)
    {
        Assert.Equal(step, Checkpoint.ReadInfo(dir, "lstm").State!.Step);
        using var resumed = Trainer.Resume(dir, "lstm");
        using var model = resumed.Model;
        Assert.Equal(step, resumed.State.Step);
    }

    private static string[] Leftovers(string parent) =>
        [.. Directory.GetDirectories(parent).Select(Path.GetFileName).Where(n => n!.StartsWith('.')).Select(n => n!)];

    [MountFact]
    public void ADiskFullDuringACheckpointIsAClearErrorAndKeepsThePreviousOne()
    {
        using var trainer = NewTrainer(out var data);
        using var model = trainer.Model;
        trainer.Train(data, stopAtStep: 2);
        var probe = Path.Combine(_root, "probe");
        trainer.SaveCheckpoint(probe);
        long size = SizeOnDisk(probe);

        // Room for one checkpoint and a half: the first write fits, the second cannot (the old one stays until the new is complete).
        var disk = Mount(size * 3 / 2);
        var dir = Path.Combine(disk, "model");
        trainer.SaveCheckpoint(dir);
        trainer.Train(data, stopAtStep: 4);
        var e = Assert.Throws<CheckpointWriteException>(() => trainer.SaveCheckpoint(dir));
        Assert.Contains("No space left on device", e.Message, StringComparison.Ordinal);
        Assert.Contains("previous checkpoint there, if any, is unchanged", e.Message, StringComparison.Ordinal);
        Assert.Equal(Path.GetFullPath(dir), e.Directory);
        AssertLoadableAt(dir, 2);
        Assert.Empty(Leftovers(disk)); // the partial copy was removed, so the space is free again
    }

    [MountFact]
    public void AReadOnlyFolderIsAClearErrorAndKeepsThePreviousCheckpoint()
    {
        using var trainer = NewTrainer(out var data);
        using var model = trainer.Model;
        var disk = Mount(16L * 1024 * 1024);
        var dir = Path.Combine(disk, "model");
        trainer.Train(data, stopAtStep: 1);
        trainer.SaveCheckpoint(dir);
        var error = Run("mount", "-o", "remount,ro", disk);
        Assert.True(error.Length == 0, error);

        trainer.Train(data, stopAtStep: 3);
        var e = Assert.Throws<CheckpointWriteException>(() => trainer.SaveCheckpoint(dir));
        Assert.Contains("Read-only file system", e.Message, StringComparison.Ordinal);
        AssertLoadableAt(dir, 1);
        // A first checkpoint into a read-only folder: the same one clear error.
        var fresh = Assert.Throws<CheckpointWriteException>(() => trainer.SaveCheckpoint(Path.Combine(disk, "other")));
        Assert.Contains("Read-only file system", fresh.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(disk, "other")));
    }

    [Fact]
    public void AnIoErrorWhileWritingKeepsThePreviousFolderAndLeavesNothingBehind()
    {
        var dir = Path.Combine(_root, "ck");
        Checkpoint.WriteAtomically(dir, d => File.WriteAllText(Path.Combine(d, "a.txt"), "first"));
        var e = Assert.Throws<CheckpointWriteException>(() => Checkpoint.WriteAtomically(dir, d =>
        {
            File.WriteAllText(Path.Combine(d, "a.txt"), "second");
            throw new IOException("injected: device error");
        }));
        Assert.Contains("injected: device error", e.Message, StringComparison.Ordinal);
        Assert.IsType<IOException>(e.InnerException);
        Assert.Equal("first", File.ReadAllText(Path.Combine(dir, "a.txt")));
        Assert.Empty(Leftovers(_root));
    }

    [Fact]
    public void RecoverPutsBackACompleteCopyWhenAKillCameBetweenTheTwoRenames()
    {
        var dir = Path.Combine(_root, "ck");
        // Killed after the old folder was moved aside and before the new one was moved in: both complete, none at the path.
        Directory.CreateDirectory(Path.Combine(_root, ".ck.old-1"));
        File.WriteAllText(Path.Combine(_root, ".ck.old-1", "a.txt"), "old");
        Directory.CreateDirectory(Path.Combine(_root, ".ck.ready-2"));
        File.WriteAllText(Path.Combine(_root, ".ck.ready-2", "a.txt"), "new");
        Directory.CreateDirectory(Path.Combine(_root, ".ck.tmp-3")); // a later write cut short
        Assert.True(Checkpoint.Recover(dir));
        Assert.Equal("new", File.ReadAllText(Path.Combine(dir, "a.txt")));
        Assert.Empty(Leftovers(_root));

        // Only the previous folder aside (killed before the new one was complete): it comes back.
        Directory.Move(dir, Path.Combine(_root, ".ck.old-4"));
        Directory.CreateDirectory(Path.Combine(_root, ".ck.tmp-5"));
        Assert.True(Checkpoint.Recover(dir));
        Assert.Equal("new", File.ReadAllText(Path.Combine(dir, "a.txt")));
        Assert.Empty(Leftovers(_root));

        // The folder in place: leftovers go, the folder stays as it is.
        Directory.CreateDirectory(Path.Combine(_root, ".ck.old-6"));
        Assert.False(Checkpoint.Recover(dir));
        Assert.Equal("new", File.ReadAllText(Path.Combine(dir, "a.txt")));
        Assert.Empty(Leftovers(_root));
    }

    [Fact]
    public void ReadingACheckpointCutBetweenItsRenamesFindsIt()
    {
        using var trainer = NewTrainer(out var data);
        using var model = trainer.Model;
        trainer.Train(data, stopAtStep: 2);
        var dir = Path.Combine(_root, "model");
        trainer.SaveCheckpoint(dir);
        Directory.Move(dir, Path.Combine(_root, ".model.ready-x"));
        AssertLoadableAt(dir, 2);
    }
}
