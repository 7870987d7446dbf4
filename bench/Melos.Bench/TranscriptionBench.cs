using System.Diagnostics;
using System.Globalization;
using Melos.Data.Corpus;
using Melos.Data.Sources;
using Melos.Data.Transcription;
using Melos.Formats.Audio;
using Melos.Music;

namespace Melos.Bench;

/// <summary>
/// Transcription quality and speed on rendered held-out tunes: Nottingham test-split tunes performed with tempo drift,
/// swing (simple meters), onset jitter, detached notes and pitch-bend vibrato, rendered by FluidSynth on five melody
/// instruments and two sound fonts, then clean, with sox reverb, and with white noise at 30/20/10 dB SNR; Melos against
/// aubionotes on the same audio. Note F-measures with mir_eval's conventions; exact bars after quantization (the meter
/// given, as the corpus knows it; tempo, beats, tuning and key estimated); speed in x real time on one core.
/// </summary>
public sealed class TranscriptionBench : IBenchmark
{
    public string Name => "transcription";

    public string Description => "transcribe rendered Nottingham test tunes (5 instruments, reverb, noise) and score Melos and aubionotes: transcription [--tunes N] [--seconds S] [--keep] [--work DIR] [--no-aubio] [--only CONDITION]";

    private static readonly (int Program, string Name)[] Instruments = [(73, "flute"), (40, "violin"), (78, "whistle"), (71, "clarinet"), (53, "voice oohs")];
    private static readonly string[] SoundFonts = ["/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/sounds/sf3/MuseScore_General.sf3"];
    private static readonly (string Name, bool Reverb, double? Snr)[] Conditions = [("clean", false, null), ("reverb", true, null), ("reverb + 30 dB SNR", true, 30), ("reverb + 20 dB SNR", true, 20), ("reverb + 10 dB SNR", true, 10)];

    public int Run(string[] args)
    {
        int tunes = 5;
        bool keep = args.Contains("--keep"), noAubio = args.Contains("--no-aubio");
        string? work = null, only = null;
        double maxSeconds = 30;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--tunes") tunes = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            else if (args[i] is "--keep" or "--no-aubio") i--;
            else if (args[i] == "--work") work = args[i + 1];
            else if (args[i] == "--only") only = args[i + 1];
            else if (args[i] == "--seconds") maxSeconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture);
        }
        if (AbcBench.FindDatasets() is not { } datasets)
        {
            Console.Error.WriteLine("needs ../shared/datasets beside the repository (or MELOS_DATASETS)");
            return 2;
        }
        var root = Path.Combine(datasets, "nottingham", "ABC_cleaned");
        var corpus = new CorpusBuilder(TuneSources.Default).Build(new CorpusBuildOptions { Inputs = [root] });
        var test = corpus.Split(CorpusSplit.Test).OrderBy(e => e.Id, StringComparer.Ordinal).ToList();
        var chosen = Enumerable.Range(0, tunes).Select(i => test[i * test.Count / tunes]).ToList();
        // --work DIR keeps the renders there and reuses those already present (the performances are seeded, so a
        // render made earlier with the same --tunes and --seconds is the same audio).
        var dir = work is null ? Directory.CreateTempSubdirectory("melos-transcription-bench-").FullName : Directory.CreateDirectory(work).FullName;
        keep |= work is not null;
        Console.WriteLine($"{chosen.Count} tunes of the Nottingham test split ({test.Count}), each on {Instruments.Length} instruments, first {maxSeconds} s; work in {dir}");
        var rows = Conditions.ToDictionary(c => c.Name, _ => new List<(NoteScoreResult M, NoteScoreResult MO, NoteScoreResult A, NoteScoreResult AO, double Bars)>());
        double audioSeconds = 0, melosSeconds = 0;
        var phasedBars = new List<double>();
        int failures = 0;
        for (int t = 0; t < chosen.Count; t++)
        {
            var entry = chosen[t];
            for (int k = 0; k < Instruments.Length; k++)
            {
                var random = new Random(1000 * t + k);
                var (midi, reference, clipped) = Perform(entry.Melody, Instruments[k].Program, random, maxSeconds);
                var font = SoundFonts[(t + k) % 2];
                var stem = Path.Combine(dir, $"t{t}-{k}");
                bool rendered = work is not null && File.Exists(stem + "-rev.wav") && File.Exists(stem + ".mid") && File.ReadAllBytes(stem + ".mid").AsSpan().SequenceEqual(midi);
                if (!rendered)
                {
                    File.WriteAllBytes(stem + ".mid", midi);
                    Tools("fluidsynth", "-ni", "-q", "-R", "0", "-C", "0", "-g", "0.6", "-r", "22050", "-F", stem + ".wav", font, stem + ".mid");
                    Tools("sox", stem + ".wav", stem + "-rev.wav", "reverb", "40");
                }
                foreach (var c in Conditions)
                {
                    if (only is not null && c.Name != only) continue;
                    var wav = c.Reverb ? stem + "-rev.wav" : stem + ".wav";
                    if (c.Snr is { } snr)
                    {
                        var noisy = $"{stem}-snr{snr}.wav";
                        if (!rendered || !File.Exists(noisy)) AddNoise(wav, noisy, snr, new Random(7 * t + k));
                        wav = noisy;
                    }
                    var sw = Stopwatch.StartNew();
                    Melos.Data.Transcription.Transcription? tr = null;
                    try
                    {
                        tr = Transcriber.Transcribe(wav, new TranscriptionHints { Meter = entry.Melody.Meter });
                    }
                    catch (UnusableRecordingException e)
                    {
                        failures++;
                        Console.WriteLine($"  {entry.Id} {Instruments[k].Name} {c.Name}: refused: {e.Message}");
                    }
                    sw.Stop();
                    var audio = AudioDecoder.Read(wav);
                    audioSeconds += audio.Seconds;
                    melosSeconds += sw.Elapsed.TotalSeconds;
                    var est = tr?.Notes.Select(n => new TimedNote(n.Start, n.End, n.Pitch)).ToList() ?? [];
                    var aubio = noAubio ? new List<TimedNote>() : Aubio(wav);
                    if (keep)
                        File.WriteAllLines(wav + ".notes.txt", [.. reference.Select(n => $"ref {n.Onset:0.000} {n.Offset:0.000} {n.Midi}"),
                            .. est.Select(n => $"melos {n.Onset:0.000} {n.Offset:0.000} {n.Midi}"), .. aubio.Select(n => $"aubio {n.Onset:0.000} {n.Offset:0.000} {n.Midi:0.0}")]);
                    double bars = tr is null ? 0 : NoteScore.ExactBarShare(clipped, tr.Melody);
                    // Diagnostic: the exact bars had the bar phase been right (the transcription shifted by whole eighths).
                    double phased = tr is null ? 0 : Enumerable.Range(0, (int)Math.Round(2 * tr.Melody.Meter.BarLength.Quarters.ToDouble()))
                        .Max(e => NoteScore.ExactBarShare(clipped, Melody.Create([.. tr.Melody.Notes.Select(n => n with { Start = n.Start + Duration.FromQuarters(e, 2) })],
                            tr.Melody.Key, tr.Melody.Meters, tr.Melody.Tempos)));
                    phasedBars.Add(phased);
                    if (work is not null)
                        File.AppendAllText(Path.Combine(dir, "scores.txt"), string.Create(CultureInfo.InvariantCulture,
                            $"{Path.GetFileName(wav)}\t{entry.Id}\t{Instruments[k].Name}\t{c.Name}\tF {NoteScore.Score(reference, est).F:0.000}\tbars {bars:0.000}\tbest-phase bars {phased:0.000}\n"));
                    rows[c.Name].Add((NoteScore.Score(reference, est), NoteScore.Score(reference, est, withOffsets: true),
                        NoteScore.Score(reference, aubio), NoteScore.Score(reference, aubio, withOffsets: true), bars));
                }
            }
            Console.WriteLine($"  tune {t + 1}/{chosen.Count} ({entry.Id}) done");
        }
        Console.WriteLine();
        Console.WriteLine("| condition | recordings | Melos F (onset) | Melos P / R | Melos F (onset+offset) | aubionotes F (onset) | aubionotes F (onset+offset) | Melos exact bars |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var c in Conditions)
        {
            var r = rows[c.Name];
            if (r.Count == 0) continue;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {c.Name} | {r.Count} | {r.Average(x => x.M.F):0.000} | {r.Average(x => x.M.Precision):0.000} / {r.Average(x => x.M.Recall):0.000} | {r.Average(x => x.MO.F):0.000} | {r.Average(x => x.A.F):0.000} | {r.Average(x => x.AO.F):0.000} | {r.Average(x => x.Bars):P1} |"));
        }
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Exact bars had the bar phase been right (best of the whole-eighth shifts), all conditions: {phasedBars.Average():P1}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Melos speed (decode + resample + transcribe, one thread): {audioSeconds:0} s of audio in {melosSeconds:0.0} s = {audioSeconds / melosSeconds:0}x real time; {failures} recordings refused"));
        if (!keep) Directory.Delete(dir, true);
        return 0;
    }

    /// <summary>A performance of the melody as a MIDI file, its notes in seconds, and the melody clipped to what was played.</summary>
    private static (byte[] Midi, List<TimedNote> Reference, Melody Clipped) Perform(Melody melody, int program, Random random, double maxSeconds)
    {
        double bpm = melody.Tempos.IsEmpty ? 120 : melody.Tempos[0].Bpm;
        bpm = Math.Clamp(bpm, 70, 160);
        var meter = melody.Meter;
        bool compound = meter.Denominator == 8 && meter.Numerator % 3 == 0;
        // Seconds at a position in quarters: tempo drifting +-5% over 32 quarters, integrated in steps of 1/48 quarter.
        double SecondsAt(double q)
        {
            double s = 0;
            const double step = 1.0 / 48;
            for (double x = 0; x < q; x += step) s += Math.Min(step, q - x) * 60 / (bpm * (1 + 0.05 * Math.Sin(2 * Math.PI * x / 32)));
            return s;
        }
        var events = new List<(double Time, byte[] Data)> { (0, [0xC0, (byte)program]), (0, [0xB0, 7, 110]), (0, [0xB0, 91, 0]), (0, [0xB0, 93, 0]) };
        var reference = new List<TimedNote>();
        var kept = new List<Note>();
        foreach (var n in melody.Notes)
        {
            double q = n.Start.ToQuarterDouble();
            double swing = !compound && Math.Abs(q - Math.Floor(q) - 0.5) < 1e-9 ? 0.08 : 0; // late offbeat eighths
            double on = SecondsAt(q + swing) + 0.3 + Gaussian(random) * 0.008;
            double off = on + 0.9 * (SecondsAt(n.End.ToQuarterDouble()) - SecondsAt(q + swing));
            if (off > maxSeconds) break;
            on = Math.Max(0.3, on);
            int pitch = n.Pitch.Number;
            events.Add((on, [0x90, (byte)pitch, (byte)random.Next(80, 110)]));
            events.Add((off, [0x80, (byte)pitch, 0]));
            // Vibrato on long notes: +-25 cents at 5.5 Hz from 0.15 s in, as pitch bends (range +-2 semitones).
            if (off - on > 0.35)
            {
                for (double t = on + 0.15; t < off; t += 0.015)
                {
                    int bend = 8192 + (int)(8192 * 0.25 / 2 * Math.Sin(2 * Math.PI * 5.5 * (t - on - 0.15)));
                    events.Add((t, [0xE0, (byte)(bend & 0x7F), (byte)(bend >> 7)]));
                }
                events.Add((off, [0xE0, 0, 64]));
            }
            reference.Add(new TimedNote(on, off, pitch));
            kept.Add(n);
        }
        var clipped = Melody.Create(kept, melody.Key, melody.Meters, melody.Tempos);
        // Format 0, 480 ticks per quarter at 120 BPM: 960 ticks a second.
        events = [.. events.OrderBy(e => e.Time).ThenBy(e => e.Data[0] == 0x80 ? 0 : 1)];
        var track = new List<byte>();
        long last = 0;
        foreach (var (time, data) in events)
        {
            long tick = (long)Math.Round(time * 960);
            WriteVar(track, tick - last);
            last = tick;
            track.AddRange(data);
        }
        WriteVar(track, 480);
        track.AddRange([0xFF, 0x2F, 0]);
        var file = new List<byte>();
        file.AddRange("MThd"u8.ToArray());
        file.AddRange([0, 0, 0, 6, 0, 0, 0, 1, 0x01, 0xE0]);
        file.AddRange("MTrk"u8.ToArray());
        file.AddRange([(byte)(track.Count >> 24), (byte)(track.Count >> 16), (byte)(track.Count >> 8), (byte)track.Count]);
        file.AddRange(track);
        return ([.. file], reference, clipped);
    }

    private static void WriteVar(List<byte> b, long v)
    {
        var stack = new Stack<byte>();
        stack.Push((byte)(v & 0x7F));
        while ((v >>= 7) > 0) stack.Push((byte)(0x80 | (v & 0x7F)));
        b.AddRange(stack);
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    private static void AddNoise(string input, string output, double snrDb, Random random)
    {
        var (info, samples) = WavReader.Read(input);
        double power = samples.Average(s => (double)s * s);
        double sigma = Math.Sqrt(power / Math.Pow(10, snrDb / 10));
        var noisy = samples.Select(s => (short)Math.Clamp(Math.Round(s + sigma * Gaussian(random)), short.MinValue, short.MaxValue)).ToArray();
        File.WriteAllBytes(output, WavWriter.Write(new WavFormat(info.SampleRate, info.Channels), noisy));
    }

    private static List<TimedNote> Aubio(string wav)
    {
        var output = Tools("aubionotes", "-i", wav);
        var notes = new List<TimedNote>();
        foreach (var line in output.Split('\n'))
        {
            var f = line.Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 3 && double.TryParse(f[0], CultureInfo.InvariantCulture, out var m) && double.TryParse(f[1], CultureInfo.InvariantCulture, out var on)
                && double.TryParse(f[2], CultureInfo.InvariantCulture, out var off))
                notes.Add(new TimedNote(on, off, m));
        }
        return notes;
    }

    private static string Tools(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} failed: {err.Result}");
        return stdout;
    }
}
