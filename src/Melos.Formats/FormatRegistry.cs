using System.Collections.Immutable;
using Melos.Music;

namespace Melos.Formats;

/// <summary>A file's ending names no format that can do what was asked; the message lists the endings that can.</summary>
public sealed class UnknownFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The file.</param>
    /// <param name="verb">What was asked of it: <c>read</c>, <c>write</c>.</param>
    /// <param name="known">The endings that can be (read, written).</param>
    /// <param name="knownLabel">What to call them (<c>readable</c>, <c>writable</c>).</param>
    public UnknownFormatException(string path, string verb, IEnumerable<string> known, string knownLabel)
        : base(Describe(path, verb, known, knownLabel))
    {
        Path = path;
        Known = [.. known];
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The endings that can be read or written.</summary>
    public ImmutableArray<string> Known { get; }

    private static string Describe(string path, string verb, IEnumerable<string> known, string knownLabel)
    {
        var ending = System.IO.Path.GetExtension(path ?? "");
        var what = ending.Length > 0 ? $"'{ending}' files" : $"'{path}': it has no file name ending";
        return $"cannot {verb} {what}; {knownLabel}: {string.Join(", ", known)}";
    }
}

/// <summary>
/// The melody file formats, each registered once with its name, file name endings, reader and writer: the one place
/// that chooses a format by file name ending, reads and writes melody files, and writes them atomically (see
/// <see cref="AtomicFile"/>). Immutable: <see cref="With"/> gives a registry with one more format, so a project that
/// owns a format (the piano roll picture lives where its plotting library is) adds it without this one referring to it.
/// </summary>
public sealed class FormatRegistry
{
    private FormatRegistry(ImmutableArray<MelodyFormat> formats) => All = formats;

    /// <summary>
    /// The formats of <c>Melos.Formats</c>: MIDI, ABC, MusicXML (read and written), WAV audio (written, and read as audio
    /// input) and FLAC, MP3 and Ogg Vorbis audio (read as audio input).
    /// </summary>
    public static FormatRegistry Default { get; } = new([MelodyFormat.Midi, MelodyFormat.Abc, MelodyFormat.MusicXml, MelodyFormat.Wav, MelodyFormat.Flac, MelodyFormat.Mp3, MelodyFormat.Ogg]);

    /// <summary>Every format, in the order they are registered (and written).</summary>
    public ImmutableArray<MelodyFormat> All { get; }

    /// <summary>The formats that can be read.</summary>
    public IEnumerable<MelodyFormat> Readable => All.Where(f => f.CanRead);

    /// <summary>The formats that can be written.</summary>
    public IEnumerable<MelodyFormat> Writable => All.Where(f => f.CanWrite);

    /// <summary>The formats that are recordings, decoded to audio to be transcribed.</summary>
    public IEnumerable<MelodyFormat> AudioInputs => All.Where(f => f.CanReadAudio);

    /// <summary>Every ending of an audio input (<c>.wav, .flac, .mp3, .ogg, .oga</c>).</summary>
    public IReadOnlyList<string> AudioEndings => [.. AudioInputs.SelectMany(f => f.Endings)];

    /// <summary>True when <paramref name="path"/>'s ending names an audio input format.</summary>
    public bool IsAudio(string path) => Find(path) is { CanReadAudio: true };

    /// <summary>Decodes a recording in the format its ending names to mono audio.</summary>
    /// <exception cref="UnknownFormatException">The ending names no audio format.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="Audio.AudioFormatException">Corrupt, empty, truncated (strict) or unknown audio.</exception>
    public Audio.AudioSignal ReadAudio(string path, Audio.AudioReadSettings? settings = null)
    {
        var format = Find(path) is { CanReadAudio: true } f ? f : throw new UnknownFormatException(path, "decode audio from", AudioEndings, "audio");
        if (!File.Exists(path)) throw new FileNotFoundException($"file not found: {path}", path);
        return format.ReadAudio(path, settings);
    }

    /// <summary>Every ending that can be read, in registration order (<c>.mid, .midi, .abc, .musicxml, .xml, .mxl</c>).</summary>
    public IReadOnlyList<string> ReadableEndings => [.. Readable.SelectMany(f => f.Endings)];

    /// <summary>Every ending that can be written.</summary>
    public IReadOnlyList<string> WritableEndings => [.. Writable.SelectMany(f => f.Endings)];

    /// <summary>A registry with <paramref name="format"/> added after the others.</summary>
    /// <exception cref="ArgumentException">Another format has its name or one of its endings.</exception>
    public FormatRegistry With(MelodyFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        if (All.FirstOrDefault(f => f.Name == format.Name) is { } sameName)
            throw new ArgumentException($"a format named '{format.Name}' is registered already ({sameName.Title})", nameof(format));
        if (All.FirstOrDefault(f => f.Endings.Intersect(format.Endings).Any()) is { } sameEnding)
            throw new ArgumentException($"{sameEnding.Title} has an ending of {format.Title} already: {string.Join(", ", sameEnding.Endings.Intersect(format.Endings))}", nameof(format));
        return new FormatRegistry(All.Add(format));
    }

    /// <summary>The format whose endings include <paramref name="path"/>'s, in any case; null when none does.</summary>
    public MelodyFormat? Find(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return All.FirstOrDefault(f => f.Matches(path));
    }

    /// <summary>
    /// The format called <paramref name="name"/>: its name or one of its endings, with or without the dot, in any case
    /// (<c>mid</c>, <c>MIDI</c>, <c>.musicxml</c>, <c>mxl</c>); null when none is.
    /// </summary>
    public MelodyFormat? Named(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = name.Trim().TrimStart('.').ToLowerInvariant();
        return All.FirstOrDefault(f => f.Name == key) ?? All.FirstOrDefault(f => f.Endings.Contains("." + key));
    }

    /// <summary>The format to read <paramref name="path"/> with.</summary>
    /// <exception cref="UnknownFormatException">No readable format has its ending; the message lists those that do.</exception>
    public MelodyFormat ForReading(string path) =>
        Find(path) is { CanRead: true } format ? format : throw new UnknownFormatException(path, "read", ReadableEndings, "readable");

    /// <summary>The format to write <paramref name="path"/> in.</summary>
    /// <exception cref="UnknownFormatException">No writable format has its ending; the message lists those that do.</exception>
    public MelodyFormat ForWriting(string path) =>
        Find(path) is { CanWrite: true } format ? format : throw new UnknownFormatException(path, "write", WritableEndings, "writable");

    /// <summary>Reads the melody of a file in the format its ending names (for ABC, the tune <paramref name="options"/> names, else the first).</summary>
    /// <exception cref="UnknownFormatException">The ending names no readable format.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public Melody Read(string path, MelodyReadOptions? options = null)
    {
        var format = ForReading(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"file not found: {path}", path);
        return format.Read(path, options);
    }

    /// <summary>
    /// Writes one file in the format its ending names, atomically: the bytes are made first and written under a temporary
    /// name beside the target, then moved into place, so a failure (a melody MusicXML cannot notate, a synthesizer error,
    /// a full disk) leaves no partial file and the old one, if any, untouched.
    /// </summary>
    /// <exception cref="UnknownFormatException">The ending names no writable format.</exception>
    public void Write(string path, Melody melody, MelodyWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(melody);
        var format = ForWriting(path);
        AtomicFile.WriteAllBytes(path, format.Write(melody, options, Path.GetExtension(path).ToLowerInvariant()));
    }

    /// <summary>Writes <paramref name="melody"/> as <paramref name="stem"/> plus each format's <see cref="MelodyFormat.Ending"/>, in registration order; returns the paths written.</summary>
    /// <param name="stem">The path without ending, e.g. <c>out/melody-01</c>.</param>
    /// <param name="melody">The melody.</param>
    /// <param name="formats">The formats (each written once).</param>
    /// <param name="options">Tune number and audio choices.</param>
    public IReadOnlyList<string> Write(string stem, Melody melody, IEnumerable<MelodyFormat> formats, MelodyWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stem);
        var written = new List<string>();
        foreach (var path in Targets(stem, formats))
        {
            Write(path, melody, options);
            written.Add(path);
        }
        return written;
    }

    /// <summary>The paths <paramref name="stem"/> gets in each of <paramref name="formats"/>, in registration order.</summary>
    /// <exception cref="ArgumentException">A format that is not registered here.</exception>
    public IReadOnlyList<string> Targets(string stem, IEnumerable<MelodyFormat> formats)
    {
        ArgumentNullException.ThrowIfNull(stem);
        return [.. InOrder(formats).Select(f => stem + f.Ending)];
    }

    /// <summary>Orders <paramref name="formats"/> as they are registered, each once.</summary>
    /// <exception cref="ArgumentException">A format that is not registered here.</exception>
    public IReadOnlyList<MelodyFormat> InOrder(IEnumerable<MelodyFormat> formats)
    {
        ArgumentNullException.ThrowIfNull(formats);
        var chosen = formats.ToHashSet();
        if (chosen.FirstOrDefault(f => !All.Contains(f)) is { } stranger) throw new ArgumentException($"{stranger.Title} is not registered", nameof(formats));
        return [.. All.Where(chosen.Contains)];
    }

    /// <summary>Checks that every format can be written with these options (FluidSynth and its sound font present), before any work.</summary>
    public static void CheckWrite(IEnumerable<MelodyFormat> formats, MelodyWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(formats);
        foreach (var f in formats) f.CheckWrite(options);
    }
}
