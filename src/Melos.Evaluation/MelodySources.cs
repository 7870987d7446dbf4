using Melos.Data.Corpus;
using Melos.Data.Sources;
using Melos.Formats;

namespace Melos.Evaluation;

/// <summary>A set of melodies named on the command line could not be read; the message says which and why.</summary>
/// <param name="input">The text naming the set.</param>
/// <param name="reason">Why it could not be read.</param>
public sealed class MelodySetException(string input, string reason) : Exception($"{input}: {reason}")
{
    /// <summary>The text naming the set.</summary>
    public string Input { get; } = input;

    /// <summary>Why it could not be read.</summary>
    public string Reason { get; } = reason;
}

/// <summary>
/// Where a melody set comes from: a corpus file and one of its splits (<c>nottingham.corpus:test</c>; a corpus without
/// <c>:split</c> means the given default split), or a file or folder of music (MIDI, ABC, MusicXML, chorale .json).
/// </summary>
/// <param name="Path">The corpus file, folder or file.</param>
/// <param name="Split">The split when <paramref name="Path"/> is a corpus, else null.</param>
public sealed record SetLocation(string Path, CorpusSplit? Split)
{
    /// <summary>True when the set is a split of a corpus file.</summary>
    public bool IsCorpus => Split is not null;

    /// <summary>Reads <c>FILE.corpus:SPLIT</c>, <c>FILE.corpus</c> (then <paramref name="defaultSplit"/>), or a folder or music file.</summary>
    /// <exception cref="MelodySetException">The text names nothing that exists, or an unknown split.</exception>
    public static SetLocation Parse(string text, CorpusSplit defaultSplit)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) throw new MelodySetException("''", "empty path");
        if (Directory.Exists(text)) return new SetLocation(text, null);
        if (File.Exists(text)) return IsCorpusFile(text) ? new SetLocation(text, defaultSplit) : new SetLocation(text, null);
        int colon = text.LastIndexOf(':');
        if (colon > 0)
        {
            var file = text[..colon];
            var splitText = text[(colon + 1)..];
            if (File.Exists(file))
            {
                if (!Enum.TryParse<CorpusSplit>(splitText, ignoreCase: true, out var split) || !Enum.IsDefined(split) || int.TryParse(splitText, out _))
                    throw new MelodySetException(text, $"unknown split '{splitText}'; use train, valid or test");
                if (!IsCorpusFile(file)) throw new MelodySetException(text, $"{file} is not a corpus file (build one with 'melos corpus build')");
                return new SetLocation(file, split);
            }
        }
        throw new MelodySetException(text, $"no such file or folder (give a folder of music files ({TuneSources.ReadableFiles}), or CORPUS.corpus:SPLIT)");
    }

    private static bool IsCorpusFile(string path)
    {
        if (path.EndsWith(".corpus", StringComparison.OrdinalIgnoreCase)) return true;
        try
        {
            using var fs = File.OpenRead(path);
            Span<byte> magic = stackalloc byte[8];
            return fs.Read(magic) == 8 && magic.SequenceEqual("MELOSCRP"u8);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>A short name for reports: the folder or file name, with <c>:split</c> for a corpus.</summary>
    public string DisplayName =>
        System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(Path)) + (Split is { } s ? ":" + s.ToString().ToLowerInvariant() : "");
}

/// <summary>Reads melody sets from corpus splits and folders of music.</summary>
public static class MelodySources
{
    /// <summary>Loads the melodies at <paramref name="location"/>.</summary>
    /// <exception cref="MelodySetException">The corpus or folder cannot be read or holds no melodies.</exception>
    public static MelodySet Load(SetLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location.Split is { } split ? FromCorpus(location, split) : FromFiles(location);
    }

    private static MelodySet FromCorpus(SetLocation location, CorpusSplit split)
    {
        CorpusData data;
        try
        {
            data = CorpusFile.Read(location.Path);
        }
        catch (CorpusFormatException e)
        {
            throw new MelodySetException(location.Path, e.Message);
        }
        var melodies = data.Split(split).Select(e => e.Melody).ToList();
        if (melodies.Count == 0) throw new MelodySetException(location.DisplayName, $"the {split.ToString().ToLowerInvariant()} split is empty");
        return MelodySet.Create(location.DisplayName, melodies);
    }

    /// <summary>
    /// Reads every music file under the folder (or the one file) through the corpus builder's sources (one line per tune,
    /// quantized to the corpus grid, keys estimated where missing), keeping repeated melodies. Where one melody was written
    /// more than once, as <c>NAME.mid</c>, <c>NAME.abc</c> and <c>NAME.musicxml</c> (as <c>melos generate</c> does), only the MIDI file is read.
    /// </summary>
    private static MelodySet FromFiles(SetLocation location)
    {
        var path = location.Path;
        var files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
            : [path];
        var readable = files.Where(f => TuneSources.Default.Any(s => s.CanRead(f))).ToList();
        var midiStems = readable.Where(f => IsMidi(f)).Select(Stem).ToHashSet(StringComparer.Ordinal);
        var chosen = readable.Where(f => IsMidi(f) || !midiStems.Contains(Stem(f))).ToList();
        if (chosen.Count == 0) throw new MelodySetException(path, $"no music files ({TuneSources.ReadableFiles}) found");
        var options = new CorpusBuildOptions { Inputs = [.. chosen], MinNotes = 1, KeepDuplicates = true };
        var data = new CorpusBuilder(TuneSources.Default).Build(options);
        if (data.Entries.Count == 0)
            throw new MelodySetException(path, $"no melody could be read ({string.Join(", ", data.Summary.DiscardedByReason.Select(kv => $"{kv.Key} {kv.Value}"))})");
        // The builder reads files in parallel but returns entries in file order.
        return MelodySet.Create(location.DisplayName, data.Entries.Select(e => e.Melody));
    }

    private static bool IsMidi(string f) => MelodyFormat.Midi.Matches(f);

    private static string Stem(string f) => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(f) ?? "", System.IO.Path.GetFileNameWithoutExtension(f));
}
