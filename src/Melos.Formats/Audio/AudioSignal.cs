using System.Globalization;

namespace Melos.Formats.Audio;

/// <summary>Where decoded audio came from and what it was before it was mixed to mono and resampled.</summary>
/// <param name="Source">The file (or the name given for bytes).</param>
/// <param name="Encoding">The encoding read: <c>wav-pcm</c>, <c>wav-float</c>, <c>flac</c>, <c>mp3</c>, <c>ogg-vorbis</c>.</param>
/// <param name="SampleRate">The file's own sample rate in Hz.</param>
/// <param name="Channels">The file's channel count (mixed to mono by averaging).</param>
/// <param name="BitsPerSample">Bits per sample for PCM and FLAC; 0 for lossy encodings.</param>
/// <param name="Frames">Frames decoded (one sample per channel each), at the file's own rate.</param>
/// <param name="Truncated">True when the file ended before its header said it would and what was present was kept.</param>
public sealed record AudioSourceInfo(string Source, string Encoding, int SampleRate, int Channels, int BitsPerSample, long Frames, bool Truncated = false)
{
    /// <summary>The length in seconds at the file's own rate.</summary>
    public double Seconds => SampleRate == 0 ? 0 : (double)Frames / SampleRate;
}

/// <summary>Decoded audio: mono samples in [-1, 1] at <see cref="SampleRate"/>, with where they came from.</summary>
public sealed record AudioSignal
{
    /// <summary>Creates a signal.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not positive.</exception>
    public AudioSignal(float[] samples, int sampleRate, AudioSourceInfo info)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        Samples = samples;
        SampleRate = sampleRate;
        Info = info;
    }

    /// <summary>Mono samples, nominally in [-1, 1].</summary>
    public float[] Samples { get; }

    /// <summary>Samples per second.</summary>
    public int SampleRate { get; }

    /// <summary>The source file and its own format.</summary>
    public AudioSourceInfo Info { get; }

    /// <summary>The length in seconds.</summary>
    public double Seconds => (double)Samples.Length / SampleRate;

    /// <summary>This signal at <paramref name="rate"/> (itself when the rate is already that), through <see cref="Resampler"/>.</summary>
    public AudioSignal ResampledTo(int rate) => rate == SampleRate ? this : new AudioSignal(Resampler.Resample(Samples, SampleRate, rate), rate, Info);
}

/// <summary>What the reader does when an audio file ends before its header or frames say it should.</summary>
public enum TruncatedAudioPolicy
{
    /// <summary>Throw an <see cref="AudioFormatException"/>.</summary>
    Throw,

    /// <summary>Keep the whole frames present and mark the result <see cref="AudioSourceInfo.Truncated"/>.</summary>
    KeepPresent,
}

/// <summary>How audio files are read: the policy for truncation, a length limit, and the rate to resample to.</summary>
public sealed record AudioReadSettings
{
    /// <summary>Keeps the audio of truncated files (a download cut short), up to an hour, at the file's own rate.</summary>
    public static AudioReadSettings Lenient { get; } = new();

    /// <summary>Refuses truncated files.</summary>
    public static AudioReadSettings Strict { get; } = new() { Truncated = TruncatedAudioPolicy.Throw };

    /// <summary>What to do with a truncated file.</summary>
    public TruncatedAudioPolicy Truncated { get; init; } = TruncatedAudioPolicy.KeepPresent;

    /// <summary>The longest audio read, in seconds at the file's rate (longer is an <see cref="AudioFormatException"/>); default one hour.</summary>
    public double MaxSeconds { get; init; } = 3600;

    /// <summary>The rate to resample to; null keeps the file's rate.</summary>
    public int? SampleRate { get; init; }
}

/// <summary>An audio file Melos cannot decode: which file and encoding, where (byte offset, -1 when unknown) and what is wrong, in one line.</summary>
public sealed class AudioFormatException(string source, string encoding, long offset, string problem)
    : FormatException(string.Create(CultureInfo.InvariantCulture, $"{source}: {encoding}{(offset >= 0 ? $" at byte {offset}" : "")}: {problem}"))
{
    /// <summary>The file (or the name given for bytes).</summary>
    public string File { get; } = source;

    /// <summary>The encoding being read (<c>wav</c>, <c>flac</c>, <c>mp3</c>, <c>ogg</c>, <c>audio</c> when unknown).</summary>
    public string Encoding { get; } = encoding;

    /// <summary>The byte offset of the fault; -1 when the decoder does not say.</summary>
    public long Offset { get; } = offset;

    /// <summary>What is wrong.</summary>
    public string Problem { get; } = problem;
}
