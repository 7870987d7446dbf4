using System.Text;
using Melos.Formats.Abc;
using Melos.Formats.Midi;

namespace Melos.Fuzz;

/// <summary>
/// Fuzzing harnesses for afl++ through SharpFuzz, one per target named by the first argument:
/// <c>midi</c> (the MIDI reader, strict then lenient, with note pairing, tempo map and melody extraction),
/// <c>abc</c> (the ABC reader, lenient then strict), <c>notes</c> (<c>melos notes FILE</c> and <c>--json</c> end to end),
/// <c>audio</c> (the WAV, FLAC, MP3 and Ogg Vorbis decoders, each forced on every input, strict then lenient).
/// An input fails (afl sees a crash) when the code throws anything but the documented format errors, or allocates more
/// than <see cref="AllocationLimit"/> bytes. With a second argument (a file or folder), runs those inputs once each
/// without afl and reports every failure: this replays a corpus or a crash file.
/// </summary>
public static class Program
{
    /// <summary>Bytes one input may allocate (managed, on the fuzzing thread) before it counts as a finding.</summary>
    public const long AllocationLimit = 64L * 1024 * 1024;

    /// <summary>The targets by name.</summary>
    public static IReadOnlyDictionary<string, Action<byte[]>> Targets { get; } = new Dictionary<string, Action<byte[]>>
    {
        ["midi"] = Harnesses.Midi,
        ["abc"] = Harnesses.Abc,
        ["notes"] = Harnesses.Notes,
        ["audio"] = Harnesses.Audio,
    };

    /// <summary>Entry point: <c>Melos.Fuzz TARGET [INPUT_FILE_OR_DIR]</c>.</summary>
    public static int Main(string[] args)
    {
        if (args.Length is < 1 or > 2 || !Targets.TryGetValue(args[0], out var target))
        {
            Console.Error.WriteLine($"usage: Melos.Fuzz {string.Join('|', Targets.Keys)} [INPUT_FILE_OR_DIR]");
            return 2;
        }
        WarmUp(target);
        if (args.Length == 2) return Replay(target, args[1]);
        SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            Checked(target, buffer.ToArray());
        });
        return 0;
    }

    /// <summary>
    /// Runs the target on a small MIDI file and a small ABC tune before afl's first input, so that just-in-time compilation of
    /// the paths every input takes happens outside afl's timer (on a loaded machine it can take over a second, which afl would
    /// save as a hang). The instrumented code writes coverage into SharpFuzz's map, which afl has not attached yet: a scratch
    /// map stands in for it.
    /// </summary>
    private static unsafe void WarmUp(Action<byte[]> target)
    {
        var scratch = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 22);
        SharpFuzz.Common.Trace.SharedMem = scratch;
        byte[] midi = [.. "MThd"u8, 0, 0, 0, 6, 0, 1, 0, 2, 1, 0xE0,
            .. "MTrk"u8, 0, 0, 0, 11, 0, 0xFF, 0x51, 3, 7, 0xA1, 0x20, 0, 0xFF, 0x2F, 0,
            .. "MTrk"u8, 0, 0, 0, 20, 0, 0xFF, 3, 4, .. "lead"u8, 0, 0x90, 60, 100, 0x60, 0x80, 60, 0, 0, 0xFF, 0x2F, 0];
        var abc = "X:1\nT:w\nM:6/8\nL:1/8\nQ:1/4=96\nP:AB\nK:D\nP:A\n|:\"D\"d2e (3fga [df]2|1 d3 z3:|2 d2z Z2||\nP:B\n{g}a>b c'2 !trill!d -d|]\n"u8.ToArray();
        for (int round = 0; round < 3; round++)
            foreach (var input in new[] { midi, abc })
            {
                try
                {
                    Checked(target, input);
                }
                catch (Exception e)
                {
                    Console.Error.WriteLine($"warm-up input failed: {e.GetType().Name}: {e.Message}");
                }
            }
    }

    /// <summary>Runs one input and throws <see cref="AllocationLimitException"/> when it allocated too much.</summary>
    public static void Checked(Action<byte[]> target, byte[] input)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        target(input);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > AllocationLimit) throw new AllocationLimitException(allocated);
    }

    private static int Replay(Action<byte[]> target, string path)
    {
        var files = Directory.Exists(path)
            ? Directory.GetFiles(path).Where(f => Path.GetFileName(f) != "README.txt").Order(StringComparer.Ordinal).ToArray()
            : [path];
        int failures = 0;
        foreach (var file in files)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                Checked(target, File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                failures++;
                Console.WriteLine($"FAIL {file}: {e.GetType().Name}: {e.Message}");
                Console.WriteLine(e.StackTrace);
            }
            if (sw.ElapsedMilliseconds > 1000) Console.WriteLine($"SLOW {file}: {sw.ElapsedMilliseconds} ms");
        }
        Console.WriteLine($"{files.Length} inputs, {failures} failures");
        return failures == 0 ? 0 : 1;
    }
}

/// <summary>An input allocated more than <see cref="Program.AllocationLimit"/> bytes.</summary>
public sealed class AllocationLimitException(long allocated)
    : Exception($"allocated {allocated} bytes, over the limit of {Program.AllocationLimit}")
{
    /// <summary>Bytes allocated.</summary>
    public long Allocated { get; } = allocated;
}

/// <summary>The harness bodies; each lets only unexpected exceptions escape.</summary>
public static class Harnesses
{
    /// <summary>MIDI: strict (format errors allowed), lenient (only a missing header allowed), then what the corpus does with a file.</summary>
    public static void Midi(byte[] input)
    {
        try
        {
            Walk(MidiReader.Read(input, MidiReadSettings.Strict).File);
        }
        catch (MidiFormatException)
        {
            // Strict mode throws on faults: expected.
        }
        MidiReadResult lenient;
        try
        {
            lenient = MidiReader.Read(input, MidiReadSettings.Lenient);
        }
        catch (Exception e) when (e is MidiHeaderException or MidiLimitException)
        {
            return; // Not a MIDI file, or over a limit: refused under every setting.
        }
        Walk(lenient.File);
    }

    private static void Walk(MidiFile file)
    {
        foreach (var t in file.TempoMap.EffectiveChanges) _ = t.Bpm;
        for (int i = 0; i < file.Tracks.Length; i++)
        {
            var map = file.TempoMapFor(i);
            foreach (var n in MidiNotes.Pair(file.Tracks[i]).Notes)
            {
                _ = map.ToSeconds(n.StartTick);
                _ = map.ToSeconds(n.EndTick);
            }
        }
        if (file.Division.IsSmpte) return; // The corpus discards SMPTE files before melody extraction.
        try
        {
            _ = MidiMelody.FromMidiFile(file, MidiMelodyReadOptions.Default);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // MidiTuneSource discards the file with this message ("no melody").
        }
    }

    /// <summary>ABC: every tune lenient (nothing but a skipped tune allowed), then strict.</summary>
    public static void Abc(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        var lenient = AbcReader.Parse(text, "<fuzz>", AbcReadSettings.Lenient);
        foreach (var tune in lenient.Tunes) _ = tune.Melody.Notes.Length;
        _ = AbcReader.Parse(text, "<fuzz>", AbcReadSettings.Strict);
        try
        {
            _ = AbcReader.ReadTune(text, null, "<fuzz>", AbcReadSettings.Lenient);
        }
        catch (AbcFormatException)
        {
            // No tune, or the first tune failed: what `melos notes` reports as a one-line error.
        }
    }

    private static readonly Melos.Formats.Audio.AudioReadSettings AudioStrict = Melos.Formats.Audio.AudioReadSettings.Strict with { MaxSeconds = 10 };
    private static readonly Melos.Formats.Audio.AudioReadSettings AudioLenient = Melos.Formats.Audio.AudioReadSettings.Lenient with { MaxSeconds = 10 };

    /// <summary>
    /// Audio: the input through each decoder (WAV, FLAC, MP3, Ogg Vorbis, whatever its signature says), strict then
    /// lenient, limited to 10 s of audio; only <see cref="Melos.Formats.Audio.AudioFormatException"/> is allowed.
    /// </summary>
    public static void Audio(byte[] input)
    {
        foreach (var encoding in Enum.GetValues<Melos.Formats.Audio.AudioEncoding>())
        {
            var bytes = input;
            // Give the input the chosen decoder's signature, so every decoder sees every input.
            var signature = encoding switch
            {
                Melos.Formats.Audio.AudioEncoding.Wav => "RIFF"u8.ToArray(),
                Melos.Formats.Audio.AudioEncoding.Flac => "fLaC"u8.ToArray(),
                Melos.Formats.Audio.AudioEncoding.OggVorbis => "OggS"u8.ToArray(),
                _ => [0xFF, 0xFB],
            };
            if (Melos.Formats.Audio.AudioDecoder.Sniff(input) != encoding && input.Length >= signature.Length)
            {
                bytes = (byte[])input.Clone();
                signature.CopyTo(bytes, 0);
                if (encoding == Melos.Formats.Audio.AudioEncoding.Wav && bytes.Length >= 12) "WAVE"u8.CopyTo(bytes.AsSpan(8));
            }
            foreach (var settings in new[] { AudioStrict, AudioLenient })
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    var signal = Melos.Formats.Audio.AudioDecoder.Decode(bytes, "<fuzz>", settings, encoding);
                    _ = signal.Samples.Length;
                }
                catch (Melos.Formats.Audio.AudioFormatException)
                {
                    // A one-line format error: expected.
                }
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (allocated > Program.AllocationLimit) throw new InvalidOperationException($"{encoding} decoder allocated {allocated} bytes");
            }
        }
    }

    private static readonly string NotesDir = Path.Combine(Path.GetTempPath(), $"melos-fuzz-{Environment.ProcessId}");

    /// <summary><c>melos notes</c> and <c>melos notes --json</c> on the input as a <c>.mid</c> file (when it starts with <c>MT</c>)
    /// or an <c>.abc</c> file: exit code 0 or 1 (a one-line user error) is fine; 70 (internal error) is a finding.</summary>
    public static void Notes(byte[] input)
    {
        Directory.CreateDirectory(NotesDir);
        var path = Path.Combine(NotesDir, input.Length >= 2 && input[0] == 'M' && input[1] == 'T' ? "input.mid" : "input.abc");
        File.WriteAllBytes(path, input);
        foreach (var args in new[] { new[] { "notes", path }, ["notes", path, "--json"] })
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int code = Melos.Cli.MelosApp.Run([.. args, "--verbose"], output, error);
            if (code is not (0 or 1)) throw new InvalidOperationException($"melos {string.Join(' ', args)} exited {code}: {error}");
        }
    }
}
