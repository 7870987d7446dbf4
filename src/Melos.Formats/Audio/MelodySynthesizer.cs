using Melos.Music;

namespace Melos.Formats.Audio;

/// <summary>How <see cref="MelodySynthesizer"/> renders a melody.</summary>
public sealed record SynthOptions
{
    /// <summary>The defaults: 44.1 kHz stereo, the chord pad on.</summary>
    public static SynthOptions Default { get; } = new();

    /// <summary>Sample rate and channels.</summary>
    public WavFormat Format { get; init; } = WavFormat.CdStereo;

    /// <summary>Play the chord symbols as a soft sustained pad under the melody.</summary>
    public bool ChordPad { get; init; } = true;

    /// <summary>The melody's peak level (full scale = 1) for a note of velocity 100.</summary>
    public double MelodyLevel
    {
        get;
        init => field = Positive(value, nameof(MelodyLevel));
    } = 0.45;

    /// <summary>The level of each pad tone.</summary>
    public double PadLevel
    {
        get;
        init => field = Positive(value, nameof(PadLevel));
    } = 0.06;

    /// <summary>The melody's attack, in seconds: a raised-cosine fade-in, so no note starts with a click.</summary>
    public double AttackSeconds
    {
        get;
        init => field = Positive(value, nameof(AttackSeconds));
    } = 0.004;

    /// <summary>The melody's release after each note ends, in seconds: a raised-cosine fade to exact silence.</summary>
    public double ReleaseSeconds
    {
        get;
        init => field = Positive(value, nameof(ReleaseSeconds));
    } = 0.12;

    /// <summary>The pad's attack in seconds.</summary>
    public double PadAttackSeconds
    {
        get;
        init => field = Positive(value, nameof(PadAttackSeconds));
    } = 0.15;

    /// <summary>The pad's release in seconds.</summary>
    public double PadReleaseSeconds
    {
        get;
        init => field = Positive(value, nameof(PadReleaseSeconds));
    } = 0.4;

    /// <summary>The loudest sample allowed, as a fraction of full scale: a mix that would go louder is scaled down to it (never clipped).</summary>
    public double Ceiling
    {
        get;
        init => field = value is > 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Ceiling), value, "The ceiling is above 0 and at most 1.");
    } = 0.89;

    /// <summary>How long after the melody's end the file goes on (the longest release in use).</summary>
    public double TailSeconds => Math.Max(ReleaseSeconds, ChordPad ? PadReleaseSeconds : 0);

    private static double Positive(double value, string name) =>
        value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, "Must be a positive number.");
}

/// <summary>Audio rendered in memory: interleaved samples in -1..1.</summary>
/// <param name="Format">Sample rate and channels.</param>
/// <param name="Samples">Interleaved samples (left, right, ... for stereo).</param>
public sealed record RenderedAudio(WavFormat Format, float[] Samples)
{
    /// <summary>Frames (one sample per channel).</summary>
    public int Frames => Samples.Length / Format.Channels;

    /// <summary>The length in seconds.</summary>
    public double Seconds => (double)Frames / Format.SampleRate;

    /// <summary>The samples as 16-bit PCM (rounded; the synthesizer keeps them inside the ceiling, so nothing clips).</summary>
    public short[] ToPcm16()
    {
        var pcm = new short[Samples.Length];
        for (int i = 0; i < pcm.Length; i++) pcm[i] = (short)Math.Clamp(Math.Round(Samples[i] * 32767.0), -32767, 32767);
        return pcm;
    }

    /// <summary>The audio as a 16-bit PCM WAV file.</summary>
    public byte[] ToWav() => WavWriter.Write(Format, ToPcm16());
}

/// <summary>
/// A small built-in synthesizer: the melody on a plucked tone (harmonics with decays that grow with harmonic number and
/// pitch, a short raised-cosine attack and release, so neither onsets nor ends click) and, under it, the chord symbols as
/// a soft sustained pad voiced as the MIDI chord track is (<see cref="ChordSymbol.Voicing"/>), spread across the stereo
/// field. Timing follows the melody's tempi (120 BPM when it has none). Rests are exact silence once releases end.
/// The same melody and options always give the same samples.
/// </summary>
public static class MelodySynthesizer
{
    /// <summary>Renders the melody.</summary>
    public static RenderedAudio Render(Melody melody, SynthOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(melody);
        options ??= SynthOptions.Default;
        var format = options.Format;
        int sr = format.SampleRate, ch = format.Channels;
        var timeline = new TempoTimeline(melody);
        int Frame(Duration at) => (int)Math.Round(timeline.Seconds(at) * sr);
        int tail = (int)Math.Ceiling(options.TailSeconds * sr);
        int frames = (int)Math.Ceiling(timeline.Seconds(melody.Length) * sr) + tail;
        var buffer = new float[frames * ch];

        int attack = Math.Max(1, (int)Math.Round(options.AttackSeconds * sr));
        int release = Math.Max(1, (int)Math.Round(options.ReleaseSeconds * sr));
        foreach (var note in melody.Notes)
        {
            int start = Frame(note.Start);
            int length = Math.Max(1, Frame(note.End) - start);
            double f = Frequency(note.Pitch.Number);
            double gain = options.MelodyLevel * Math.Min(1.27, note.Velocity / 100.0);
            AddVoice(buffer, ch, sr, start, length, attack, release, Pluck(f, sr), gain, 0);
        }

        if (options.ChordPad)
        {
            int padAttack = Math.Max(1, (int)Math.Round(options.PadAttackSeconds * sr));
            int padRelease = Math.Max(1, (int)Math.Round(options.PadReleaseSeconds * sr));
            for (int i = 0; i < melody.Chords.Length; i++)
            {
                var c = melody.Chords[i];
                var end = i + 1 < melody.Chords.Length ? melody.Chords[i + 1].At : melody.Length;
                if (end <= c.At) continue;
                int start = Frame(c.At);
                int length = Math.Max(1, Frame(end) - start);
                var tones = c.Chord.Voicing();
                for (int j = 0; j < tones.Count; j++)
                {
                    double pan = tones.Count == 1 ? 0 : -0.5 + (double)j / (tones.Count - 1);
                    AddVoice(buffer, ch, sr, start, length, padAttack, padRelease, Pad(Frequency(tones[j]), sr), options.PadLevel, pan);
                }
            }
        }

        float peak = 0;
        foreach (var x in buffer) peak = Math.Max(peak, Math.Abs(x));
        if (peak > options.Ceiling)
        {
            float scale = (float)(options.Ceiling / peak);
            for (int i = 0; i < buffer.Length; i++) buffer[i] *= scale;
        }
        return new RenderedAudio(format, buffer);
    }

    /// <summary>Renders the melody as a 16-bit PCM WAV file's bytes.</summary>
    public static byte[] RenderWav(Melody melody, SynthOptions? options = null) => Render(melody, options).ToWav();

    /// <summary>Renders the melody into a WAV file.</summary>
    public static void WriteWav(string path, Melody melody, SynthOptions? options = null) => File.WriteAllBytes(path, RenderWav(melody, options));

    /// <summary>The equal-tempered frequency of a MIDI pitch (A4 = 69 = 440 Hz).</summary>
    public static double Frequency(int midi) => 440.0 * Math.Pow(2, (midi - 69) / 12.0);

    private readonly record struct Partial(double Frequency, double Amplitude, double DecayPerSecond);

    // A plucked string: harmonics falling off as 1/h^1.3, higher ones and higher notes dying away faster.
    private static Partial[] Pluck(double f, int sr)
    {
        int count = Math.Clamp((int)(0.45 * sr / f), 1, 10);
        double baseDecay = 1.1 + f / 450.0;
        var partials = new Partial[count];
        double sum = 0;
        for (int h = 1; h <= count; h++) sum += 1 / Math.Pow(h, 1.3);
        for (int h = 1; h <= count; h++)
            partials[h - 1] = new Partial(f * h, 1 / Math.Pow(h, 1.3) / sum, baseDecay * (1 + 0.8 * (h - 1)));
        return partials;
    }

    // A soft pad: fundamental, a little octave and twelfth, slowly fading.
    private static Partial[] Pad(double f, int sr)
    {
        (double Ratio, double Amp)[] shape = [(1, 0.75), (2, 0.18), (3, 0.07)];
        return [.. shape.Where(s => s.Ratio * f < 0.45 * sr).Select(s => new Partial(f * s.Ratio, s.Amp, 0.15))];
    }

    // Adds one voice: partials from phase zero, a raised-cosine attack, sustain with each partial's decay, and a
    // raised-cosine release after the note's length that ends in exact silence. Pan -1 (left) .. 1 (right), equal power.
    private static void AddVoice(float[] buffer, int channels, int sr, int start, int length, int attack, int release, Partial[] partials, double gain, double pan)
    {
        int total = length + release;
        int n = partials.Length;
        var c = new double[n];
        var s = new double[n];
        var rc = new double[n];
        var rs = new double[n];
        var amp = new double[n];
        var decay = new double[n];
        for (int h = 0; h < n; h++)
        {
            double w = 2 * Math.PI * partials[h].Frequency / sr;
            c[h] = 1;
            s[h] = 0;
            rc[h] = Math.Cos(w);
            rs[h] = Math.Sin(w);
            amp[h] = partials[h].Amplitude;
            decay[h] = Math.Exp(-partials[h].DecayPerSecond / sr);
        }
        double left = channels == 1 ? 1 : Math.Cos((pan + 1) * Math.PI / 4) * Math.Sqrt(2);
        double right = channels == 1 ? 1 : Math.Sin((pan + 1) * Math.PI / 4) * Math.Sqrt(2);
        int frames = buffer.Length / channels;
        for (int t = 0; t < total && start + t < frames; t++)
        {
            double env = t < attack ? 0.5 - 0.5 * Math.Cos(Math.PI * t / attack) : 1;
            if (t >= length) env *= 0.5 + 0.5 * Math.Cos(Math.PI * (t - length) / release);
            double x = 0;
            for (int h = 0; h < n; h++)
            {
                x += amp[h] * s[h];
                amp[h] *= decay[h];
                double nc = c[h] * rc[h] - s[h] * rs[h];
                s[h] = s[h] * rc[h] + c[h] * rs[h];
                c[h] = nc;
            }
            if ((t & 1023) == 1023)
            {
                for (int h = 0; h < n; h++)
                {
                    double norm = 1 / Math.Sqrt(c[h] * c[h] + s[h] * s[h]); // keep the oscillators on the unit circle
                    c[h] *= norm;
                    s[h] *= norm;
                }
            }
            double v = x * env * gain;
            int i = (start + t) * channels;
            if (channels == 1) buffer[i] += (float)v;
            else
            {
                buffer[i] += (float)(v * left);
                buffer[i + 1] += (float)(v * right);
            }
        }
    }
}

/// <summary>Seconds at a position of a melody, from its tempo changes (120 BPM before the first, or throughout when there is none).</summary>
public sealed class TempoTimeline
{
    private readonly (Rational At, double Seconds, int Micros)[] _segments;

    /// <summary>The timeline of a melody's tempi.</summary>
    public TempoTimeline(Melody melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        var list = new List<(Rational At, double Seconds, int Micros)> { (Rational.Zero, 0, 500_000) };
        foreach (var t in melody.Tempos)
        {
            var at = t.At.Quarters;
            var (pa, ps, pm) = list[^1];
            double seconds = ps + (at - pa).ToDouble() * pm / 1e6;
            if (list[^1].At == at) list[^1] = (at, list[^1].Seconds, t.MicrosecondsPerQuarter);
            else list.Add((at, seconds, t.MicrosecondsPerQuarter));
        }
        _segments = [.. list];
    }

    /// <summary>The time in seconds at <paramref name="at"/>.</summary>
    public double Seconds(Duration at)
    {
        var q = at.Quarters;
        int i = _segments.Length - 1;
        while (i > 0 && _segments[i].At > q) i--;
        var (sa, ss, sm) = _segments[i];
        return ss + (q - sa).ToDouble() * sm / 1e6;
    }
}
