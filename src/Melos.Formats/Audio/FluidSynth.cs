using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace Melos.Formats.Audio;

/// <summary>An external synthesizer that could not render: the program or sound font is missing, or it failed.</summary>
public abstract class SynthesizerException(string message) : IOException(message);

/// <summary>The synthesizer program is not installed (not found on PATH).</summary>
public sealed class SynthesizerNotFoundException(string program)
    : SynthesizerException($"{program} is not installed (not found on PATH); install it (Debian: apt-get install --no-install-recommends fluidsynth fluid-soundfont-gm) or use the built-in synthesizer")
{
    /// <summary>The program looked for.</summary>
    public string Program { get; } = program;
}

/// <summary>The sound font file does not exist.</summary>
public sealed class SoundFontNotFoundException(string path)
    : SynthesizerException($"sound font not found: {path} (Debian: apt-get install --no-install-recommends fluid-soundfont-gm, or pass --soundfont PATH)")
{
    /// <summary>The path given.</summary>
    public string Path { get; } = path;
}

/// <summary>The synthesizer ran and failed, or wrote no audio.</summary>
public sealed class SynthesizerFailedException(string program, int exitCode, string error)
    : SynthesizerException(string.Create(CultureInfo.InvariantCulture, $"{program} failed (exit code {exitCode}): {error.Trim()}"))
{
    /// <summary>The program run.</summary>
    public string Program { get; } = program;

    /// <summary>Its exit code.</summary>
    public int ExitCode { get; } = exitCode;

    /// <summary>What it printed on stderr.</summary>
    public string Error { get; } = error;
}

/// <summary>
/// Renders a MIDI file with FluidSynth and a General MIDI sound font:
/// <c>fluidsynth -ni -q -g 1.0 -F OUT.wav [-r RATE] SOUNDFONT IN.mid</c>.
/// </summary>
public sealed record FluidSynth
{
    /// <summary>Debian's General MIDI sound font (package fluid-soundfont-gm).</summary>
    public const string DefaultSoundFont = "/usr/share/sounds/sf2/FluidR3_GM.sf2";

    /// <summary>The program: a name looked up on PATH or an absolute path.</summary>
    public string Program { get; init; } = "fluidsynth";

    /// <summary>The sound font.</summary>
    public string SoundFont { get; init; } = DefaultSoundFont;

    /// <summary>The sample rate asked of FluidSynth (its default, 44100, is not passed).</summary>
    public int SampleRate { get; init; } = 44_100;

    /// <summary>The longest a render may take before it is stopped.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Throws when the program or the sound font is missing.</summary>
    /// <exception cref="SynthesizerNotFoundException">The program is not installed.</exception>
    /// <exception cref="SoundFontNotFoundException">The sound font file does not exist.</exception>
    public void Check()
    {
        if (ResolveProgram() is null) throw new SynthesizerNotFoundException(Program);
        if (!File.Exists(SoundFont)) throw new SoundFontNotFoundException(SoundFont);
    }

    private string? ResolveProgram()
    {
        if (System.IO.Path.IsPathRooted(Program)) return File.Exists(Program) ? Program : null;
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => System.IO.Path.Combine(d, Program)).FirstOrDefault(File.Exists);
    }

    /// <summary>Renders <paramref name="midiPath"/> into the WAV file <paramref name="wavPath"/>.</summary>
    /// <exception cref="SynthesizerException">The program or sound font is missing, or the render failed.</exception>
    public void Render(string midiPath, string wavPath)
    {
        ArgumentNullException.ThrowIfNull(midiPath);
        ArgumentNullException.ThrowIfNull(wavPath);
        Check();
        var psi = new ProcessStartInfo(ResolveProgram()!)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-ni", "-q", "-g", "1.0", "-F", wavPath }) psi.ArgumentList.Add(a);
        if (SampleRate != 44_100) { psi.ArgumentList.Add("-r"); psi.ArgumentList.Add(SampleRate.ToString(CultureInfo.InvariantCulture)); }
        psi.ArgumentList.Add(SoundFont);
        psi.ArgumentList.Add(midiPath);
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new SynthesizerNotFoundException(Program);
        }
        catch (Win32Exception)
        {
            throw new SynthesizerNotFoundException(Program);
        }
        using (process)
        {
            process.StandardInput.Close();
            var err = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(true);
                throw new SynthesizerFailedException(Program, -1, $"no result after {Timeout.TotalSeconds:0} s");
            }
            process.WaitForExit();
            string message = err.Result + output.Result;
            if (process.ExitCode != 0) throw new SynthesizerFailedException(Program, process.ExitCode, message);
            if (!File.Exists(wavPath) || new FileInfo(wavPath).Length <= WavWriter.HeaderSize)
                throw new SynthesizerFailedException(Program, process.ExitCode, "no audio written. " + message);
        }
    }
}
