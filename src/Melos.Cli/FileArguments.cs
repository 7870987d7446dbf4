using System.CommandLine;
using Melos.Formats;
using Melos.Formats.Audio;
using Melos.Music;

namespace Melos.Cli;

/// <summary>
/// The command line's side of melody files: the formats it reads and writes (<see cref="Reports.MelodyFiles.Formats"/>,
/// which chooses each by file name ending), <c>--formats</c>, the overwrite check and reading a command's input melody.
/// </summary>
public static class FileArguments
{
    /// <summary>Every format the commands read or write.</summary>
    public static FormatRegistry Formats => Reports.MelodyFiles.Formats;

    /// <summary>The format names accepted by <c>--formats</c>.</summary>
    public static string Names => string.Join(",", Formats.Writable.Select(f => f.Name));

    /// <summary>Parses a comma-separated list of format names (<c>mid,abc,musicxml,wav,png</c>); null or empty is every writable format.</summary>
    /// <exception cref="CliError">An unknown or repeated name.</exception>
    public static IReadOnlyList<MelodyFormat> ParseFormats(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [.. Formats.Writable];
        var chosen = new List<MelodyFormat>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var format = Formats.Named(part) is { CanWrite: true } f ? f : throw new CliError($"--formats: unknown format '{part}'; choose from {Names}");
            if (chosen.Contains(format)) throw new CliError($"--formats: '{part}' is listed twice");
            chosen.Add(format);
        }
        if (chosen.Count == 0) throw new CliError($"--formats names no format; choose from {Names}");
        return Formats.InOrder(chosen);
    }

    /// <summary>Refuses to go on when any target exists and <paramref name="force"/> is off, naming the first such file.</summary>
    /// <exception cref="CliError">A target exists.</exception>
    public static void EnsureWritable(IEnumerable<string> paths, bool force)
    {
        if (force) return;
        var existing = paths.FirstOrDefault(File.Exists);
        if (existing is not null) throw new CliError($"{existing} exists; use --force to overwrite it");
    }

    /// <summary>
    /// Checks that <paramref name="path"/> is a file: a directory is called a directory (<c>X is a directory, not a
    /// file</c>), a missing file <c>file not found: X</c>.
    /// </summary>
    /// <param name="path">The path given.</param>
    /// <param name="what">What the file is to the command, for messages ("file", "primer file", "corpus file").</param>
    /// <returns><paramref name="path"/>.</returns>
    /// <exception cref="CliError">The path is a directory or does not exist.</exception>
    public static string RequireFile(string path, string what = "file")
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) throw new CliError($"{path} is a directory, not a {what}");
        if (!File.Exists(path)) throw new CliError($"{what} not found: {path}");
        return path;
    }

    /// <summary>Reads the melody of a file in any readable format (for ABC, tune <paramref name="tune"/> or the first).</summary>
    /// <param name="path">The file.</param>
    /// <param name="tune">For formats holding many tunes (ABC), the tune's number, or null for the first.</param>
    /// <param name="what">What the file is to the command, for messages ("file", "primer file").</param>
    /// <param name="requireNotes">Refuse a melody without notes.</param>
    /// <exception cref="CliError">The file is missing or a directory, <paramref name="tune"/> is given for a one-tune format, or the melody has no notes.</exception>
    /// <exception cref="UnknownFormatException">The ending names no readable format; the message lists those that do.</exception>
    public static Melody ReadMelody(string path, int? tune = null, string what = "file", bool requireNotes = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        RequireFile(path, what);
        var format = Formats.ForReading(path);
        if (tune is not null && !format.HoldsManyTunes)
            throw new CliError($"--tune is for {string.Join(" or ", Formats.Readable.Where(f => f.HoldsManyTunes).Select(f => f.Title))} input files");
        var melody = format.Read(path, new MelodyReadOptions { Tune = tune });
        if (requireNotes && melody.Notes.IsEmpty) throw new CliError($"the {what} {path} has no notes");
        return melody;
    }

    /// <summary>
    /// The melody of a <see cref="Data.Corpus.GridFit"/>, after a <c>note:</c> on stderr saying that it was quantized
    /// and what that cost (nothing is printed for a melody that was on the model's grid).
    /// </summary>
    public static Melody OnGrid(CliContext context, Data.Corpus.GridFit fit)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(fit);
        if (fit.Summary is { } summary) context.Err.WriteLine($"note: {summary}");
        return fit.Melody;
    }
}

/// <summary>The output options shared by commands that write melody files: <c>--synth</c>, <c>--soundfont</c>, <c>--mono</c>.</summary>
public sealed class MelodyFileCliOptions
{
    /// <summary><c>--synth builtin|fluidsynth</c>.</summary>
    public Option<string> Synth { get; } = new("--synth")
    {
        Description = "How .wav audio is made: builtin (Melos's own synthesizer) or fluidsynth (renders the MIDI with a General MIDI sound font).",
        DefaultValueFactory = _ => "builtin",
    };

    /// <summary><c>--soundfont PATH</c>.</summary>
    public Option<string> SoundFont { get; } = new("--soundfont")
    {
        Description = $"The sound font for --synth fluidsynth (default {FluidSynth.DefaultSoundFont}).",
        DefaultValueFactory = _ => FluidSynth.DefaultSoundFont,
    };

    /// <summary><c>--mono</c>.</summary>
    public Option<bool> Mono { get; } = new("--mono") { Description = "Write mono .wav audio with the built-in synthesizer (default stereo, 44.1 kHz)." };

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Add(Synth);
        command.Add(SoundFont);
        command.Add(Mono);
    }

    /// <summary>The options given.</summary>
    /// <exception cref="CliError">An unknown synthesizer, or a sound font that is a directory.</exception>
    public MelodyWriteOptions Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var synth = parse.GetValue(Synth)?.Trim().ToLowerInvariant() switch
        {
            "builtin" or "built-in" => SynthKind.Builtin,
            "fluidsynth" => SynthKind.FluidSynth,
            var other => throw new CliError($"--synth must be builtin or fluidsynth, not '{other}'"),
        };
        var soundFont = parse.GetValue(SoundFont) ?? FluidSynth.DefaultSoundFont;
        if (synth == SynthKind.FluidSynth && Directory.Exists(soundFont)) throw new CliError($"--soundfont: {soundFont} is a directory, not a sound font file");
        return new MelodyWriteOptions
        {
            Audio = new WavWriteOptions
            {
                Synth = synth,
                SoundFont = soundFont,
                SynthOptions = SynthOptions.Default with { Format = new WavFormat(44_100, parse.GetValue(Mono) ? 1 : 2) },
            },
        };
    }
}
