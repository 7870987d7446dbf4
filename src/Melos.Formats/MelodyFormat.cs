using Melos.Formats.Abc;
using Melos.Formats.Audio;
using Melos.Formats.Midi;
using Melos.Formats.MusicXml;
using Melos.Music;

namespace Melos.Formats;

/// <summary>What reading a melody file may choose beyond the format itself.</summary>
public sealed record MelodyReadOptions
{
    /// <summary>The defaults: the first tune.</summary>
    public static MelodyReadOptions Default { get; } = new();

    /// <summary>For formats holding many tunes (<see cref="MelodyFormat.HoldsManyTunes"/>, ABC): the tune's number (<c>X:</c>); null for the first.</summary>
    public int? Tune { get; init; }
}

/// <summary>What writing a melody file may choose beyond the format itself.</summary>
public sealed record MelodyWriteOptions
{
    /// <summary>The defaults: tune number 1, audio from the built-in synthesizer.</summary>
    public static MelodyWriteOptions Default { get; } = new();

    /// <summary>The tune's number where the format numbers tunes (ABC's <c>X:</c>).</summary>
    public int TuneNumber { get; init; } = 1;

    /// <summary>How audio (<c>.wav</c>) is rendered.</summary>
    public WavWriteOptions Audio { get; init; } = WavWriteOptions.Default;
}

/// <summary>
/// One file format a melody is read from or written to: its name, its file name endings, and where it can, a reader
/// (file or bytes to melody) and a writer (melody to bytes). The formats of <c>Melos.Formats</c> are the static members
/// (<see cref="Midi"/>, <see cref="Abc"/>, <see cref="MusicXml"/>, <see cref="Wav"/>); other projects derive their own
/// (the piano roll picture) and add them to a <see cref="FormatRegistry"/>.
/// </summary>
public abstract class MelodyFormat
{
    /// <summary>Creates a format.</summary>
    /// <param name="name">The short lower-case name (<c>mid</c>), as <c>--formats</c> and the studio's export take it.</param>
    /// <param name="title">The name people use (<c>MIDI</c>).</param>
    /// <param name="endings">Every file name ending of the format, with the dot; the first is the one written by default.</param>
    /// <param name="mediaType">The media type of a file with the first ending.</param>
    /// <exception cref="ArgumentException">No ending, or an ending without its dot.</exception>
    protected MelodyFormat(string name, string title, IEnumerable<string> endings, string mediaType)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        ArgumentNullException.ThrowIfNull(endings);
        ArgumentException.ThrowIfNullOrWhiteSpace(mediaType);
        Name = name.ToLowerInvariant();
        Title = title;
        Endings = [.. endings.Select(e => e.ToLowerInvariant())];
        if (Endings.Count == 0) throw new ArgumentException("a format needs at least one file name ending", nameof(endings));
        if (Endings.FirstOrDefault(e => e.Length < 2 || e[0] != '.') is { } bad)
            throw new ArgumentException($"a file name ending starts with a dot, not '{bad}'", nameof(endings));
        MediaType = mediaType;
    }

    /// <summary>Standard MIDI file: the melody and a chord track (<c>.mid</c>, <c>.midi</c>).</summary>
    public static MelodyFormat Midi { get; } = new MidiFormat();

    /// <summary>ABC notation (<c>.abc</c>), many tunes a file.</summary>
    public static MelodyFormat Abc { get; } = new AbcFormat();

    /// <summary>MusicXML (<c>.musicxml</c>, <c>.xml</c>; compressed <c>.mxl</c>).</summary>
    public static MelodyFormat MusicXml { get; } = new MusicXmlFormat();

    /// <summary>Audio, WAV (<c>.wav</c>): written as 16-bit PCM, read as audio input (to be transcribed).</summary>
    public static MelodyFormat Wav { get; } = new WavFileFormat();

    /// <summary>FLAC audio (<c>.flac</c>), read as audio input only.</summary>
    public static MelodyFormat Flac { get; } = new AudioInputFormat("flac", "FLAC audio", [".flac"], "audio/flac", AudioEncoding.Flac);

    /// <summary>MP3 audio (<c>.mp3</c>), read as audio input only (NLayer).</summary>
    public static MelodyFormat Mp3 { get; } = new AudioInputFormat("mp3", "MP3 audio", [".mp3"], "audio/mpeg", AudioEncoding.Mp3);

    /// <summary>Ogg Vorbis audio (<c>.ogg</c>, <c>.oga</c>), read as audio input only (NVorbis).</summary>
    public static MelodyFormat Ogg { get; } = new AudioInputFormat("ogg", "Ogg Vorbis audio", [".ogg", ".oga"], "audio/ogg", AudioEncoding.OggVorbis);

    /// <summary>The short lower-case name (<c>mid</c>, <c>musicxml</c>).</summary>
    public string Name { get; }

    /// <summary>The name people use (<c>MIDI</c>, <c>MusicXML</c>).</summary>
    public string Title { get; }

    /// <summary>Every file name ending of the format, lower case with the dot; the first is <see cref="Ending"/>.</summary>
    public IReadOnlyList<string> Endings { get; }

    /// <summary>The ending written by default (<c>.mid</c>, <c>.musicxml</c>).</summary>
    public string Ending => Endings[0];

    /// <summary>The media type of a file with <see cref="Ending"/>.</summary>
    public string MediaType { get; }

    /// <summary>True when files of this format can be read as melodies.</summary>
    public virtual bool CanRead => false;

    /// <summary>True when melodies can be written in this format.</summary>
    public virtual bool CanWrite => false;

    /// <summary>True when files of this format are recordings that can be decoded to audio (<see cref="ReadAudio(string, AudioReadSettings?)"/>), to be transcribed.</summary>
    public virtual bool CanReadAudio => false;

    /// <summary>True when one file holds many tunes, chosen by <see cref="MelodyReadOptions.Tune"/>.</summary>
    public virtual bool HoldsManyTunes => false;

    /// <summary>True when <paramref name="path"/> ends in one of <see cref="Endings"/>, in any case.</summary>
    public bool Matches(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Endings.Contains(Path.GetExtension(path).ToLowerInvariant());
    }

    /// <summary>Reads the melody of a file (for formats holding many tunes, the one <paramref name="options"/> names); its path becomes <see cref="MelodyInfo.Source"/>.</summary>
    /// <exception cref="NotSupportedException">The format cannot be read (<see cref="CanRead"/> is false).</exception>
    public virtual Melody Read(string path, MelodyReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var melody = Read(File.ReadAllBytes(path), path, options);
        return melody.WithInfo(melody.Info with { Source = path });
    }

    /// <summary>Reads the melody of a file's bytes; <paramref name="source"/> names them in error messages.</summary>
    /// <exception cref="NotSupportedException">The format cannot be read (<see cref="CanRead"/> is false).</exception>
    public virtual Melody Read(byte[] bytes, string source, MelodyReadOptions? options = null) =>
        throw new NotSupportedException($"{Title} files cannot be read as melodies");

    /// <summary>Decodes a recording's bytes to mono audio; <paramref name="source"/> names them in error messages.</summary>
    /// <exception cref="NotSupportedException">The format is not audio (<see cref="CanReadAudio"/> is false).</exception>
    /// <exception cref="AudioFormatException">Corrupt, empty, truncated (strict) or unknown audio.</exception>
    public virtual AudioSignal ReadAudio(byte[] bytes, string source, AudioReadSettings? settings = null) =>
        throw new NotSupportedException($"{Title} files are not audio recordings");

    /// <summary>Decodes a recording on disk to mono audio.</summary>
    /// <exception cref="NotSupportedException">The format is not audio (<see cref="CanReadAudio"/> is false).</exception>
    /// <exception cref="AudioFormatException">Corrupt, empty, truncated (strict) or unknown audio.</exception>
    public AudioSignal ReadAudio(string path, AudioReadSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!CanReadAudio) throw new NotSupportedException($"{Title} files are not audio recordings");
        return ReadAudio(File.ReadAllBytes(path), path, settings);
    }

    /// <summary>The melody as a file's bytes.</summary>
    /// <param name="melody">The melody.</param>
    /// <param name="options">Tune number and audio choices.</param>
    /// <param name="ending">The ending of the file being written, where the format has several kinds (<c>.mxl</c> is compressed); null for <see cref="Ending"/>.</param>
    /// <exception cref="NotSupportedException">The format cannot be written (<see cref="CanWrite"/> is false).</exception>
    public virtual byte[] Write(Melody melody, MelodyWriteOptions? options = null, string? ending = null) =>
        throw new NotSupportedException($"{Title} files cannot be written");

    /// <summary>The media type of a file with <paramref name="ending"/> (one of <see cref="Endings"/>).</summary>
    public virtual string MediaTypeOf(string ending) => MediaType;

    /// <summary>Throws when writing with these options needs something that is missing (FluidSynth, its sound font), before any work is done.</summary>
    public virtual void CheckWrite(MelodyWriteOptions? options = null)
    {
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    private sealed class MidiFormat() : MelodyFormat("mid", "MIDI", [".mid", ".midi"], "audio/midi")
    {
        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override Melody Read(string path, MelodyReadOptions? options = null) => MidiMelody.Read(path);

        public override Melody Read(byte[] bytes, string source, MelodyReadOptions? options = null) => MidiMelody.Read(bytes);

        public override byte[] Write(Melody melody, MelodyWriteOptions? options = null, string? ending = null) => MidiMelody.Write(melody);
    }

    private sealed class AbcFormat() : MelodyFormat("abc", "ABC", [".abc"], "text/vnd.abc")
    {
        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool HoldsManyTunes => true;

        // From the file, so that its size is checked before it is read.
        public override Melody Read(string path, MelodyReadOptions? options = null) => AbcReader.LoadTune(path, options?.Tune).Melody;

        public override Melody Read(byte[] bytes, string source, MelodyReadOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(bytes);
            using var reader = new StreamReader(new MemoryStream(bytes, writable: false), detectEncodingFromByteOrderMarks: true);
            return AbcReader.ReadTune(reader.ReadToEnd(), options?.Tune, source).Melody;
        }

        public override byte[] Write(Melody melody, MelodyWriteOptions? options = null, string? ending = null) =>
            System.Text.Encoding.UTF8.GetBytes(AbcWriter.Write(melody, (options ?? MelodyWriteOptions.Default).TuneNumber));
    }

    private sealed class MusicXmlFormat() : MelodyFormat("musicxml", "MusicXML", [".musicxml", ".xml", ".mxl"], "application/vnd.recordare.musicxml+xml")
    {
        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override Melody Read(string path, MelodyReadOptions? options = null) => MusicXmlReader.Load(path).Melody;

        public override Melody Read(byte[] bytes, string source, MelodyReadOptions? options = null) => MusicXmlReader.Read(bytes, source).Melody;

        public override byte[] Write(Melody melody, MelodyWriteOptions? options = null, string? ending = null)
        {
            if (IsCompressed(ending)) return MusicXmlWriter.WriteCompressed(melody);
            using var ms = new MemoryStream();
            MusicXmlWriter.Write(melody, ms);
            return ms.ToArray();
        }

        public override string MediaTypeOf(string ending) => IsCompressed(ending) ? MusicXmlWriter.CompressedMediaType : MediaType;

        private static bool IsCompressed(string? ending) => string.Equals(ending, ".mxl", StringComparison.OrdinalIgnoreCase);
    }

    private sealed class WavFileFormat() : MelodyFormat("wav", "WAV audio", [".wav"], "audio/wav")
    {
        public override bool CanWrite => true;

        public override bool CanReadAudio => true;

        public override AudioSignal ReadAudio(byte[] bytes, string source, AudioReadSettings? settings = null) =>
            AudioDecoder.Decode(bytes, source, settings, AudioEncoding.Wav);

        public override byte[] Write(Melody melody, MelodyWriteOptions? options = null, string? ending = null) =>
            (options ?? MelodyWriteOptions.Default).Audio.Render(melody);

        public override void CheckWrite(MelodyWriteOptions? options = null) => (options ?? MelodyWriteOptions.Default).Audio.Check();
    }

    // A recording format read as audio input (to be transcribed), never written.
    private sealed class AudioInputFormat(string name, string title, string[] endings, string mediaType, AudioEncoding encoding)
        : MelodyFormat(name, title, endings, mediaType)
    {
        public override bool CanReadAudio => true;

        public override AudioSignal ReadAudio(byte[] bytes, string source, AudioReadSettings? settings = null) =>
            AudioDecoder.Decode(bytes, source, settings, encoding);
    }
}
