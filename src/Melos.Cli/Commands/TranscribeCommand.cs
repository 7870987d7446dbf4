using System.CommandLine;
using System.Globalization;
using Melos.Data.Transcription;
using Melos.Music;

namespace Melos.Cli.Commands;

/// <summary><c>melos transcribe IN --out OUT</c>: a monophonic recording (WAV, FLAC, MP3, Ogg Vorbis) into a melody file.</summary>
public static class TranscribeCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("IN") { Description = $"The recording: {string.Join(", ", FileArguments.Formats.AudioEndings)}." };
        var output = new Option<string>("--out") { Description = "The melody file to write (.mid, .abc, .musicxml, ...).", Required = true };
        var meter = new Option<string?>("--meter") { Description = "The meter, e.g. 6/8 (default: estimated, 4/4 or 6/8)." };
        var tempo = new Option<double?>("--tempo") { Description = "The tempo in quarter notes per minute (default: estimated)." };
        var key = new Option<string?>("--key") { Description = "The key, e.g. G or 'E minor' (default: estimated from the notes)." };
        var force = new Option<bool>("--force") { Description = "Overwrite OUT if it exists." };
        var cmd = new Command("transcribe", "Transcribe a monophonic recording into a melody: pitch (pYIN), notes, tuning, tempo, meter grid and key.")
            { input, output, meter, tempo, key, force };
        cmd.SetAction(pr => context.Guard(() =>
        {
            var inPath = pr.GetValue(input)!;
            var outPath = pr.GetValue(output)!;
            var formats = FileArguments.Formats;
            FileArguments.RequireFile(inPath);
            if (!formats.IsAudio(inPath)) throw new CliError($"IN is not a recording: {string.Join(", ", formats.AudioEndings)} are read");
            var outFormat = formats.ForWriting(outPath);
            FileArguments.EnsureWritable([outPath], pr.GetValue(force));
            if (pr.GetValue(tempo) is { } bpm && !(bpm is >= 20 and <= 400)) throw new CliError("--tempo: 20..400 quarter notes per minute");
            var hints = new TranscriptionHints
            {
                Meter = pr.GetValue(meter) is { } m ? TimeSignature.Parse(m) : null,
                Bpm = pr.GetValue(tempo),
                Key = pr.GetValue(key) is { } k ? Key.Parse(k) : null,
            };
            outFormat.CheckWrite();
            var t = Transcriber.Transcribe(inPath, hints);
            if (Path.GetDirectoryName(Path.GetFullPath(outPath)) is { } dir) Directory.CreateDirectory(dir);
            formats.Write(outPath, t.Melody);
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {TerminalText.Escape(outPath)}: {t.Melody.Notes.Length} notes, {t.Melody.BarCount} bars, {t.Melody.Key}, {t.Melody.Meter}, {t.Bpm:0} BPM; " +
                $"tuning {t.TuningCents:+0;-0;0} cents (A = {t.ReferenceHz:0.0} Hz), confidence {t.Confidence:0.00}, mean onset error {t.Quantization.MeanOnsetError:0.000} quarters"));
            return 0;
        }));
        return cmd;
    }
}
