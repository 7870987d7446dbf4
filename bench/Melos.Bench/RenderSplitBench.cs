using System.Diagnostics;
using System.Globalization;
using Melos.Data.Corpus;
using Melos.Formats.Audio;
using Melos.Formats.Midi;

namespace Melos.Bench;

/// <summary>
/// Writes one split of a corpus to files, for closing the loop from recordings to a model (bench/audio-loop.sh): each
/// melody (in id order, the first N with --limit) as OUT/mid/NNNN.mid (the symbolic melody with its chords, which
/// `melos corpus build` reads back exactly) and as OUT/wav/NNNN.wav, the melody alone (no chords) rendered by FluidSynth
/// with a General MIDI sound font on one program (flute by default; FluidSynth's own reverb and chorus on, its
/// defaults) or by the built-in synthesizer (--synth builtin, no chord pad). OUT/ids.tsv maps the files to corpus ids.
/// </summary>
public sealed class RenderSplitBench : IBenchmark
{
    public string Name => "render-split";

    public string Description => "write a corpus split as MIDI and rendered WAV files: render-split CORPUS SPLIT OUT [--limit N] [--synth fluidsynth|builtin] [--program P] [--soundfont SF] [--rate HZ]";

    public int Run(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: render-split CORPUS SPLIT OUT [--limit N] [--synth fluidsynth|builtin] [--program P] [--soundfont SF] [--rate HZ]");
            return 2;
        }
        string corpusPath = args[0], outDir = args[2];
        var split = Enum.Parse<CorpusSplit>(args[1], ignoreCase: true);
        int limit = int.MaxValue, program = 73, rate = 22_050;
        string synth = "fluidsynth", soundFont = FluidSynth.DefaultSoundFont;
        for (int i = 3; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--limit": limit = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--synth": synth = args[i + 1]; break;
                case "--program": program = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--soundfont": soundFont = args[i + 1]; break;
                case "--rate": rate = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        if (synth is not ("fluidsynth" or "builtin")) { Console.Error.WriteLine("--synth is fluidsynth or builtin"); return 2; }
        var entries = CorpusFile.Read(corpusPath).Split(split).OrderBy(e => e.Id, StringComparer.Ordinal).Take(limit).ToList();
        string midDir = Directory.CreateDirectory(Path.Combine(outDir, "mid")).FullName, wavDir = Directory.CreateDirectory(Path.Combine(outDir, "wav")).FullName;
        var fluid = new FluidSynth { SoundFont = soundFont, SampleRate = rate };
        if (synth == "fluidsynth") fluid.Check();
        var builtin = SynthOptions.Default with { ChordPad = false, Format = new WavFormat(rate, 1) };
        var melodyOnly = new MidiMelodyWriteOptions { Format = 0, IncludeChords = false, MelodyProgram = program };
        var clock = Stopwatch.StartNew();
        double audioSeconds = 0;
        int done = 0;
        var gate = new object();
        Parallel.For(0, entries.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var stem = i.ToString("D4", CultureInfo.InvariantCulture);
            var melody = entries[i].Melody;
            File.WriteAllBytes(Path.Combine(midDir, stem + ".mid"), MidiMelody.Write(melody));
            var wav = Path.Combine(wavDir, stem + ".wav");
            if (synth == "builtin") File.WriteAllBytes(wav, MelodySynthesizer.RenderWav(melody.WithChords([]), builtin));
            else
            {
                var solo = Path.Combine(wavDir, stem + ".solo.mid");
                File.WriteAllBytes(solo, MidiMelody.Write(melody, melodyOnly));
                fluid.Render(solo, wav);
                File.Delete(solo);
            }
            double seconds = AudioDecoder.Read(wav).Seconds;
            lock (gate)
            {
                audioSeconds += seconds;
                if (++done % 100 == 0) Console.Error.WriteLine($"  {done}/{entries.Count} rendered");
            }
        });
        File.WriteAllLines(Path.Combine(outDir, "ids.tsv"), entries.Select((e, i) => $"{i:D4}\t{e.Id}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{entries.Count} {split.ToString().ToLowerInvariant()} melodies of {corpusPath} written to {midDir} and rendered ({synth}{(synth == "fluidsynth" ? $", program {program}, {soundFont}" : "")}, {rate} Hz) to {wavDir}: {audioSeconds:0} s of audio in {clock.Elapsed.TotalSeconds:0} s"));
        return 0;
    }
}
