using Melos.Data.Tokenizers;
using Melos.Models;
using Melos.Models.Training;
using Melos.Music;

namespace Melos.Generation.Tests;

/// <summary>A tiny LSTM trained once (30 steps) on 20 hand-made grid melodies in a temporary folder.</summary>
public sealed class TinyModel : IDisposable
{
    private static readonly Lazy<TinyModel> SharedLazy = new(() =>
    {
        var model = new TinyModel();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => model.Dispose();
        return model;
    });

    /// <summary>One model per test run (FsCheck properties cannot take xunit fixtures).</summary>
    public static TinyModel Shared => SharedLazy.Value;

    private static readonly string[] Tunes =
    [
        "C4 D4 E4 F4 G4/2 A4/2 G4 E4 C4 D4 E4 D4 C4 E4 G4 C5",
        "E4/2 F4/2 G4 G4 A4 G4/2 F4/2 E4 D4 C4 E4 D4 B3 C4 r C4",
        "G4 E4 C4 E4 G4 A4 G4 r F4 D4 B3 D4 C4/2 D4/2 E4 C4 r",
        "C5 B4 A4 G4 F4 E4 D4 C4 D4 E4/2 F4/2 G4 E4 C4 r",
        "C4/2 E4/2 G4/2 C5/2 G4/2 E4/2 C4 D4/2 F4/2 A4/2 D5/2 B4 G4 C5 G4 E4 C4",
    ];

    public TinyModel()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("melos-gen-model-").FullName;
        var melodies = new List<Melody>();
        for (int i = 0; i < 20; i++)
        {
            var notes = NoteSequence.Parse(Tunes[i % Tunes.Length]);
            var chords = new[] { "C", "F", "G", "C" }.Select((c, b) => new ChordChange(Duration.FromQuarters(4 * b), ChordSymbol.Parse(c)));
            var m = Melody.Create(notes, Key.CMajor, [new MeterChange(Duration.Zero, TimeSignature.CommonTime)], chords: chords,
                info: new MelodyInfo { Styles = [i % 2 == 0 ? "reel" : "waltz"] }, length: Duration.FromQuarters(16));
            int shift = i % 4 switch { 0 => 0, 1 => 7, 2 => 5, _ => -3 };
            melodies.Add(m.Transpose(shift).WithKey(Key.CMajor.Transpose(shift)));
        }
        var tokenizer = new GridTokenizerConfig { StepsPerQuarter = 4, MinPitch = 48, MaxPitch = 84 };
        var training = new TrainingConfig { MaxSteps = 30, BatchSize = 4, MaxSequenceLength = 64, WarmupSteps = 2, LogEvery = 10, Seed = 7 };
        TrainingRun.Run(new TrainingRequest(melodies, [], new LstmConfig { Layers = 1, Hidden = 32, EmbeddingSize = 16 }, tokenizer, training, Directory));
        Generator = MelodyGenerator.Load(Directory);
    }

    /// <summary>The checkpoint folder.</summary>
    public string Directory { get; }

    /// <summary>The loaded generator (4 grid steps per quarter, MIDI 48..84, styles reel and waltz).</summary>
    public MelodyGenerator Generator { get; }

    public void Dispose()
    {
        Generator.Dispose();
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, true);
    }
}

