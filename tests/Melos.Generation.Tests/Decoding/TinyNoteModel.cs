using Melos.Data.Tokenizers;
using Melos.Models;
using Melos.Models.Training;
using Melos.Music;

namespace Melos.Generation.Tests.Decoding;

/// <summary>A small LSTM over whole-tune note tokens (4 steps per quarter), trained once per test run on tunes with repeated bars.</summary>
public sealed class TinyNoteModel : IDisposable
{
    private static readonly Lazy<TinyNoteModel> SharedLazy = new(() => Created(fromEnd: false));
    private static readonly Lazy<TinyNoteModel> FromEndLazy = new(() => Created(fromEnd: true));

    private static TinyNoteModel Created(bool fromEnd)
    {
        var model = new TinyNoteModel(fromEnd);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => model.Dispose();
        return model;
    }

    /// <summary>One model per test run.</summary>
    public static TinyNoteModel Shared => SharedLazy.Value;

    /// <summary>The same model with bars numbered from the tune's end (<see cref="NoteTokenizerConfig.NumberBarsFromEnd"/>).</summary>
    public static TinyNoteModel FromEnd => FromEndLazy.Value;

    private static readonly (string Meter, string A, string B)[] Tunes =
    [
        ("4/4", "C4 D4 E4 F4 G4/2 A4/2 G4 E4 C4", "D4 E4 D4 C4 E4 G4 C5 r"),
        ("4/4", "E4/2 F4/2 G4 G4 A4 G4/2 F4/2 E4 D4", "C4 E4 D4 B3 C4 r C4 r"),
        ("3/4", "G4 E4 C4 E4 G4 A4", "G4:2 F4 D4 B3 D4"),
        ("6/8", "C4/2 E4/2 G4/2 C5/2 G4/2 E4/2", "D4 F4/2 A4 D5/2"),
    ];

    private TinyNoteModel(bool fromEnd)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("melos-note-model-").FullName;
        var melodies = new List<Melody>();
        for (int i = 0; i < 16; i++)
        {
            var (meter, a, b) = Tunes[i % Tunes.Length];
            // AABB: the A phrase twice, the B phrase twice, so the tokens hold COPY bars.
            var notes = NoteSequence.Parse($"{a} {a} {b} {b}");
            var ts = TimeSignature.Parse(meter);
            var m = Melody.Create(notes, Key.CMajor, [new MeterChange(Duration.Zero, ts)],
                info: new MelodyInfo { Styles = [i % 2 == 0 ? "reel" : "waltz"] });
            int shift = i % 3 switch { 0 => 0, 1 => 7, _ => -5 };
            melodies.Add(m.Transpose(shift).WithKey(Key.CMajor.Transpose(shift)));
        }
        var tokenizer = NoteTokenizerConfig.WholeTune with { StepsPerQuarter = 4, MinPitch = 48, MaxPitch = 84, MaxBars = 32, NumberBarsFromEnd = fromEnd };
        var training = new TrainingConfig { MaxSteps = 30, BatchSize = 4, MaxSequenceLength = 128, WarmupSteps = 2, LogEvery = 10, Seed = 7 };
        TrainingRun.Run(new TrainingRequest(melodies, [], new LstmConfig { Layers = 1, Hidden = 32, EmbeddingSize = 16 }, tokenizer, training, Directory));
        Generator = MelodyGenerator.Load(Directory);
        Melodies = melodies;
    }

    /// <summary>The checkpoint folder.</summary>
    public string Directory { get; }

    /// <summary>The loaded generator.</summary>
    public MelodyGenerator Generator { get; }

    /// <summary>The training melodies.</summary>
    public IReadOnlyList<Melody> Melodies { get; }

    /// <summary>The note tokenizer.</summary>
    public NoteTokenizer Tokenizer => (NoteTokenizer)Generator.Tokenizer;

    public void Dispose()
    {
        Generator.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
