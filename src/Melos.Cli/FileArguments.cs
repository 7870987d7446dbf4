using System.CommandLine;
using Melos.Data.Rendering;
using Melos.Formats.Abc;
using Melos.Formats.Audio;
using Melos.Formats.Midi;
using Melos.Formats.MusicXml;
using Melos.Music;

namespace Melos.Cli;

/// <summary>A file format a melody can be written as.</summary>
public enum MelodyFormat
{
    /// <summary>Standard MIDI file: melody and chord track (<c>.mid</c>).</summary>
    Mid,
    /// <summary>ABC notation (<c>.abc</c>).</summary>
    Abc,
    /// <summary>MusicXML (<c>.musicxml</c>; <c>.mxl</c> compressed).</summary>
    MusicXml,
    /// <summary>Audio: 16-bit PCM WAV (<c>.wav</c>).</summary>
    Wav,
    /// <summary>A piano roll picture (<c>.png</c>).</summary>
    Png,
}

/// <summary>How audio is made.</summary>
public enum SynthKind
{
    /// <summary>Melos's own synthesizer (no external program).</summary>
    Builtin,
    /// <summary>FluidSynth with a General MIDI sound font, rendering the written MIDI.</summary>
    FluidSynth,
}

/// <summary>Choices for writing melody files beyond the formats themselves.</summary>
public sealed record MelodyFileOptions
{
    /// <summary>The defaults: built-in synthesizer, Debian's GM sound font for FluidSynth.</summary>
    public static MelodyFileOptions Default { get; } = new();

    /// <summary>The synthesizer for <c>.wav</c>.</summary>
    public SynthKind Synth { get; init; } = SynthKind.Builtin;

    /// <summary>The sound font FluidSynth uses.</summary>
    public string SoundFont { get; init; } = FluidSynth.DefaultSoundFont;

    /// <summary>The built-in synthesizer's settings.</summary>
    public SynthOptions SynthOptions { get; init; } = SynthOptions.Default;
}

/// <summary>
/// Writes melodies as files: the shared output step of <c>melos generate</c>, <c>melos convert</c> and any command that
/// writes melodies. Target paths are checked all together before anything is written, so a refused overwrite leaves
/// every file as it was.
/// </summary>
public static class MelodyFiles
{
    /// <summary>Every format, in the order they are written.</summary>
    public static IReadOnlyList<MelodyFormat> All { get; } = Enum.GetValues<MelodyFormat>();

    /// <summary>The format names accepted by <c>--formats</c>.</summary>
    public static string Names => string.Join(",", All.Select(Name));

    /// <summary>The lower-case name of a format (<c>mid</c>, <c>musicxml</c>).</summary>
    public static string Name(MelodyFormat format) => format.ToString().ToLowerInvariant();

    /// <summary>The file name ending written for a format.</summary>
    public static string Extension(MelodyFormat format) => format switch
    {
        MelodyFormat.Mid => ".mid",
        MelodyFormat.Abc => ".abc",
        MelodyFormat.MusicXml => ".musicxml",
        MelodyFormat.Wav => ".wav",
        _ => ".png",
    };

    /// <summary>The format of a path by its ending (<c>.mid</c>/<c>.midi</c>, <c>.abc</c>, <c>.musicxml</c>/<c>.xml</c>/<c>.mxl</c>, <c>.wav</c>, <c>.png</c>), or null.</summary>
    public static MelodyFormat? FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".mid" or ".midi" => MelodyFormat.Mid,
        ".abc" => MelodyFormat.Abc,
        ".musicxml" or ".xml" or ".mxl" => MelodyFormat.MusicXml,
        ".wav" => MelodyFormat.Wav,
        ".png" => MelodyFormat.Png,
        _ => null,
    };

    /// <summary>Parses a comma-separated list of format names (<c>mid,abc,musicxml,wav,png</c>); null or empty is all of them.</summary>
    /// <exception cref="CliError">An unknown or repeated name.</exception>
    public static IReadOnlyList<MelodyFormat> ParseFormats(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return All;
        var chosen = new List<MelodyFormat>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var format = All.FirstOrDefault(f => Name(f) == part.ToLowerInvariant().TrimStart('.'), (MelodyFormat)(-1));
            if (part.Equals("midi", StringComparison.OrdinalIgnoreCase)) format = MelodyFormat.Mid;
            if (format == (MelodyFormat)(-1)) throw new CliError($"--formats: unknown format '{part}'; choose from {Names}");
            if (chosen.Contains(format)) throw new CliError($"--formats: '{part}' is listed twice");
            chosen.Add(format);
        }
        if (chosen.Count == 0) throw new CliError($"--formats names no format; choose from {Names}");
        return [.. chosen.Order()];
    }

    /// <summary>The paths <paramref name="stem"/> (a path without ending) gets in each format.</summary>
    public static IReadOnlyList<string> Targets(string stem, IEnumerable<MelodyFormat> formats) => [.. formats.Select(f => stem + Extension(f))];

    /// <summary>Refuses to go on when any target exists and <paramref name="force"/> is off, naming the first such file.</summary>
    /// <exception cref="CliError">A target exists.</exception>
    public static void EnsureWritable(IEnumerable<string> paths, bool force)
    {
        if (force) return;
        var existing = paths.FirstOrDefault(File.Exists);
        if (existing is not null) throw new CliError($"{existing} exists; use --force to overwrite it");
    }

    /// <summary>Checks that the chosen formats can be written with these options (FluidSynth and its sound font present), before any work.</summary>
    /// <exception cref="SynthesizerException">FluidSynth or the sound font is missing.</exception>
    public static void CheckTools(IEnumerable<MelodyFormat> formats, MelodyFileOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (formats.Contains(MelodyFormat.Wav) && options.Synth == SynthKind.FluidSynth) Fluid(options).Check();
    }

    private static FluidSynth Fluid(MelodyFileOptions options) => new() { SoundFont = options.SoundFont, SampleRate = options.SynthOptions.Format.SampleRate };

    /// <summary>Writes <paramref name="melody"/> as <paramref name="stem"/> plus each format's ending; returns the paths written.</summary>
    /// <param name="stem">The path without ending, e.g. <c>out/melody-01</c>.</param>
    /// <param name="melody">The melody.</param>
    /// <param name="formats">The formats.</param>
    /// <param name="number">The ABC tune number.</param>
    /// <param name="options">Synthesizer choices.</param>
    public static IReadOnlyList<string> Write(string stem, Melody melody, IEnumerable<MelodyFormat> formats, int number = 1, MelodyFileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stem);
        var written = new List<string>();
        foreach (var format in formats.Distinct().Order())
        {
            var path = stem + Extension(format);
            WriteFile(path, melody, format, number, options);
            written.Add(path);
        }
        return written;
    }

    /// <summary>Writes one file in the format its ending names.</summary>
    /// <exception cref="CliError">The ending names no format Melos writes.</exception>
    public static void WriteFile(string path, Melody melody, int number = 1, MelodyFileOptions? options = null) =>
        WriteFile(path, melody, FormatOf(path) ?? throw new CliError($"cannot write '{Path.GetExtension(path)}' files; write .mid, .abc, .musicxml, .mxl, .wav or .png"), number, options);

    // Each file is written under a temporary name beside its target and moved into place when complete, so a failure
    // (a melody MusicXML cannot notate, a synthesizer error) leaves no partial file and the old one, if any, untouched.
    private static void WriteFile(string path, Melody melody, MelodyFormat format, int number, MelodyFileOptions? options)
    {
        ArgumentNullException.ThrowIfNull(melody);
        options ??= MelodyFileOptions.Default;
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileNameWithoutExtension(full)}.{Guid.NewGuid():N}{Path.GetExtension(full)}");
        try
        {
            WriteDirect(temp, melody, format, number, options);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static void WriteDirect(string path, Melody melody, MelodyFormat format, int number, MelodyFileOptions options)
    {
        switch (format)
        {
            case MelodyFormat.Mid:
                File.WriteAllBytes(path, MidiMelody.Write(melody));
                break;
            case MelodyFormat.Abc:
                File.WriteAllText(path, AbcWriter.Write(melody, number));
                break;
            case MelodyFormat.MusicXml:
                MusicXmlWriter.WriteFile(path, melody);
                break;
            case MelodyFormat.Wav when options.Synth == SynthKind.FluidSynth:
                var midi = Path.Combine(Path.GetTempPath(), $"melos-{Guid.NewGuid():N}.mid");
                try
                {
                    File.WriteAllBytes(midi, MidiMelody.Write(melody));
                    Fluid(options).Render(midi, path);
                }
                finally
                {
                    File.Delete(midi);
                }
                break;
            case MelodyFormat.Wav:
                MelodySynthesizer.WriteWav(path, melody, options.SynthOptions);
                break;
            default:
                PianoRoll.WritePng(path, melody);
                break;
        }
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
    /// <exception cref="CliError">An unknown synthesizer.</exception>
    public MelodyFileOptions Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var synth = parse.GetValue(Synth)?.Trim().ToLowerInvariant() switch
        {
            "builtin" or "built-in" => SynthKind.Builtin,
            "fluidsynth" => SynthKind.FluidSynth,
            var other => throw new CliError($"--synth must be builtin or fluidsynth, not '{other}'"),
        };
        return new MelodyFileOptions
        {
            Synth = synth,
            SoundFont = parse.GetValue(SoundFont) ?? FluidSynth.DefaultSoundFont,
            SynthOptions = SynthOptions.Default with { Format = new WavFormat(44_100, parse.GetValue(Mono) ? 1 : 2) },
        };
    }
}
