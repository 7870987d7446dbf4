using Melos.Formats;

namespace Melos.Data.Sources;

/// <summary>The tune sources the corpus builder uses by default, one per file format.</summary>
public static class TuneSources
{
    /// <summary>Every built-in source.</summary>
    public static IReadOnlyList<ITuneSource> Default { get; } =
    [
        new MidiTuneSource(),
        new AbcTuneSource(),
        new JsbChoraleSource(),
        new MusicXmlTuneSource(),
        new AudioTuneSource(),
    ];

    /// <summary>What the default sources read, for messages: every readable melody file ending, chorale JSON, and recordings.</summary>
    public static string ReadableFiles { get; } = string.Join(", ", FormatRegistry.Default.ReadableEndings) + ", chorale .json, recordings " + string.Join(", ", FormatRegistry.Default.AudioEndings);
}
