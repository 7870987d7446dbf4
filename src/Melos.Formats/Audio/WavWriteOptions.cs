using Melos.Formats.Midi;
using Melos.Music;

namespace Melos.Formats.Audio;

/// <summary>How audio is made.</summary>
public enum SynthKind
{
    /// <summary>Melos's own synthesizer (<see cref="MelodySynthesizer"/>, no external program).</summary>
    Builtin,
    /// <summary>FluidSynth with a General MIDI sound font, rendering the melody's MIDI.</summary>
    FluidSynth,
}

/// <summary>How a melody is rendered as WAV audio: by the built-in synthesizer or by FluidSynth.</summary>
public sealed record WavWriteOptions
{
    /// <summary>The defaults: built-in synthesizer, Debian's GM sound font for FluidSynth.</summary>
    public static WavWriteOptions Default { get; } = new();

    /// <summary>The synthesizer.</summary>
    public SynthKind Synth { get; init; } = SynthKind.Builtin;

    /// <summary>The sound font FluidSynth uses.</summary>
    public string SoundFont { get; init; } = FluidSynth.DefaultSoundFont;

    /// <summary>The built-in synthesizer's settings; FluidSynth takes their sample rate.</summary>
    public SynthOptions SynthOptions { get; init; } = SynthOptions.Default;

    private FluidSynth Fluid => new() { SoundFont = SoundFont, SampleRate = SynthOptions.Format.SampleRate };

    /// <summary>Throws when the chosen synthesizer cannot run (FluidSynth or its sound font missing).</summary>
    /// <exception cref="SynthesizerException">FluidSynth or the sound font is missing.</exception>
    public void Check()
    {
        if (Synth == SynthKind.FluidSynth) Fluid.Check();
    }

    /// <summary>The melody as WAV bytes.</summary>
    /// <exception cref="SynthesizerException">FluidSynth is missing or failed.</exception>
    public byte[] Render(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        if (Synth != SynthKind.FluidSynth) return MelodySynthesizer.RenderWav(melody, SynthOptions);
        // FluidSynth renders files: the melody's MIDI and the audio go through the temporary folder.
        var stem = Path.Combine(Path.GetTempPath(), $"melos-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(stem + ".mid", MidiMelody.Write(melody));
            Fluid.Render(stem + ".mid", stem + ".wav");
            return File.ReadAllBytes(stem + ".wav");
        }
        finally
        {
            File.Delete(stem + ".mid");
            File.Delete(stem + ".wav");
        }
    }
}
