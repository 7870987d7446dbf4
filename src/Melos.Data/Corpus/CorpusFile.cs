using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using Melos.Formats;
using Melos.Music;

namespace Melos.Data.Corpus;

/// <summary>A corpus file is damaged, truncated or written by another format version.</summary>
public sealed class CorpusFormatException(string path, string message) : Exception($"{path}: {message}")
{
    /// <summary>The corpus file.</summary>
    public string Path { get; } = path;
}

/// <summary>A corpus: its melodies and the summary of the build that made it.</summary>
/// <param name="Entries">The melodies in a stable order.</param>
/// <param name="Summary">What the build read, kept and discarded.</param>
/// <param name="Header">Build settings and identity.</param>
public sealed record CorpusData(IReadOnlyList<CorpusEntry> Entries, BuildSummary Summary, CorpusHeader Header)
{
    /// <summary>The entries of one split.</summary>
    public IEnumerable<CorpusEntry> Split(CorpusSplit split) => Entries.Where(e => e.Split == split);
}

/// <summary>Build settings and identity stored at the start of a corpus file.</summary>
public sealed record CorpusHeader
{
    /// <summary>When the corpus was built (UTC, ISO 8601).</summary>
    public string Created { get; init; } = "";
    /// <summary>The inputs as given to the build.</summary>
    public ImmutableArray<string> Inputs { get; init; } = [];
    /// <summary>Steps per quarter of the quantization grid.</summary>
    public ImmutableArray<int> GridStepsPerQuarter { get; init; } = [];
    /// <summary>A hash of the entries' fingerprints and splits: two corpora with the same id hold the same melodies.</summary>
    public string ContentHash { get; init; } = "";
    /// <summary>Number of entries.</summary>
    public int Count { get; init; }
    /// <summary>
    /// The licence of each collection's data, by collection name, as the build was told (<see cref="CorpusBuildOptions.Licences"/>)
    /// or found in a <c>melos.json</c> sidecar (<c>"licence"</c>); collections with none are absent. Model cards quote it.
    /// </summary>
    public ImmutableSortedDictionary<string, string> Licences { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
}

/// <summary>
/// Reads and writes the compact corpus format: <c>MELOSCRP</c>, a 16-bit format version, a JSON header and build summary,
/// then one binary record per melody (exact rational times, pitches, chords, meters, tempi, labels). Files are written to a
/// temporary name and renamed, so a reader never sees a half-written corpus. <see cref="Stream"/> reads records one at a
/// time for corpora that do not fit in memory.
/// </summary>
public static class CorpusFile
{
    /// <summary>The format version this build writes (version 2 adds each melody's near-duplicate family; version 1 files still read, with no family).</summary>
    public const int FormatVersion = 2;

    /// <summary>The oldest format version this build reads.</summary>
    public const int OldestReadableVersion = 1;

    private static readonly byte[] Magic = "MELOSCRP"u8.ToArray();

    // Parsed once per distinct text: a corpus repeats a few hundred chord symbols and keys many thousands of times.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, ChordSymbol> ChordCache = new(StringComparer.Ordinal);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Key> KeyCache = new(StringComparer.Ordinal);

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = false };

    /// <summary>Writes a corpus atomically (see <see cref="AtomicFile"/>).</summary>
    public static void Write(string path, CorpusData corpus)
    {
        var full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        AtomicFile.Write(full, file =>
        {
            using var fs = new BufferedStream(file, 1 << 16);
            using var w = new BinaryWriter(fs, Encoding.UTF8);
            w.Write(Magic);
            w.Write((ushort)FormatVersion);
            w.Write(JsonSerializer.Serialize(corpus.Header with { Count = corpus.Entries.Count }, Json));
            w.Write(JsonSerializer.Serialize(corpus.Summary, Json));
            w.Write7BitEncodedInt(corpus.Entries.Count);
            using var record = new MemoryStream();
            using var rw = new BinaryWriter(record, Encoding.UTF8);
            foreach (var e in corpus.Entries)
            {
                record.SetLength(0);
                WriteEntry(rw, e);
                rw.Flush();
                w.Write7BitEncodedInt((int)record.Length);
                w.Write(record.GetBuffer(), 0, (int)record.Length);
            }
        });
    }

    /// <summary>Reads a whole corpus.</summary>
    /// <exception cref="CorpusFormatException">The file is not a corpus, is damaged, or has another format version.</exception>
    public static CorpusData Read(string path)
    {
        var bytes = ReadAllBytes(path);
        using var ms = new MemoryStream(bytes, writable: false);
        using var r = new BinaryReader(ms, Encoding.UTF8);
        var (header, summary, count) = ReadHeader(r, path);
        var spans = new (int Offset, int Length)[count];
        for (int i = 0; i < count; i++)
        {
            int length;
            try
            {
                length = r.Read7BitEncodedInt();
            }
            catch (Exception e) when (e is EndOfStreamException or FormatException)
            {
                throw new CorpusFormatException(path, $"damaged at melody {i} of {count}: {e.Message}");
            }
            long offset = ms.Position;
            if (length < 0 || offset + length > bytes.Length)
                throw new CorpusFormatException(path, $"damaged at melody {i} of {count}: record of {length} bytes runs past the end of the file");
            spans[i] = ((int)offset, length);
            ms.Position = offset + length;
        }
        var entries = new CorpusEntry[count];
        Parallel.For(0, count, i =>
        {
            using var rec = new MemoryStream(bytes, spans[i].Offset, spans[i].Length, writable: false);
            using var rr = new BinaryReader(rec, Encoding.UTF8);
            try
            {
                entries[i] = ReadEntry(rr);
            }
            catch (Exception e) when (e is EndOfStreamException or FormatException or ArgumentException)
            {
                throw new CorpusFormatException(path, $"damaged at melody {i} of {count}: {e.Message}");
            }
        });
        return new CorpusData(entries, summary, header);
    }

    /// <summary>Reads only the header and build summary.</summary>
    public static (CorpusHeader Header, BuildSummary Summary) ReadInfo(string path)
    {
        using var fs = OpenRead(path);
        using var r = new BinaryReader(fs, Encoding.UTF8);
        var (h, s, _) = ReadHeader(r, path);
        return (h, s);
    }

    /// <summary>Streams the melodies one at a time without holding the corpus in memory.</summary>
    public static IEnumerable<CorpusEntry> Stream(string path)
    {
        using var fs = OpenRead(path);
        using var r = new BinaryReader(new BufferedStream(fs, 1 << 16), Encoding.UTF8);
        var (_, _, count) = ReadHeader(r, path);
        for (int i = 0; i < count; i++)
        {
            CorpusEntry e;
            try
            {
                int length = r.Read7BitEncodedInt();
                var record = r.ReadBytes(length);
                if (record.Length != length) throw new EndOfStreamException($"record of {length} bytes runs past the end of the file");
                using var rr = new BinaryReader(new MemoryStream(record, writable: false), Encoding.UTF8);
                e = ReadEntry(rr);
            }
            catch (Exception ex) when (ex is EndOfStreamException or FormatException or ArgumentException)
            {
                throw new CorpusFormatException(path, $"damaged at melody {i} of {count}: {ex.Message}");
            }
            yield return e;
        }
    }

    private static byte[] ReadAllBytes(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"corpus not found: {path}", path);
        return File.ReadAllBytes(path);
    }

    private static FileStream OpenRead(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"corpus not found: {path}", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    private static (CorpusHeader, BuildSummary, int) ReadHeader(BinaryReader r, string path)
    {
        try
        {
            var magic = r.ReadBytes(Magic.Length);
            if (!magic.AsSpan().SequenceEqual(Magic)) throw new CorpusFormatException(path, "not a Melos corpus (build one with 'melos corpus build')");
            int version = r.ReadUInt16();
            if (version < OldestReadableVersion || version > FormatVersion)
                throw new CorpusFormatException(path, $"corpus format version {version}, but this Melos reads versions {OldestReadableVersion} to {FormatVersion}; rebuild it with 'melos corpus build'");
            var header = JsonSerializer.Deserialize<CorpusHeader>(r.ReadString(), Json) ?? throw new FormatException("empty header");
            var summary = JsonSerializer.Deserialize<BuildSummary>(r.ReadString(), Json) ?? throw new FormatException("empty summary");
            int count = r.Read7BitEncodedInt();
            if (count < 0) throw new FormatException("negative melody count");
            return (header, summary, count);
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or FormatException)
        {
            throw new CorpusFormatException(path, $"damaged header: {e.Message}");
        }
    }

    // Every time of a record is a whole number of ticks at the record's resolution (the least common multiple of its
    // denominators), written as one varint.
    private static long Resolution(Melody m)
    {
        long lcm = 1;
        void Add(Duration d)
        {
            long den = d.Quarters.Denominator;
            lcm = checked(lcm / Rational.Gcd(lcm, den) * den);
        }
        foreach (var n in m.Notes) { Add(n.Start); Add(n.Length); }
        foreach (var c in m.Meters) Add(c.At);
        foreach (var t in m.Tempos) Add(t.At);
        foreach (var c in m.Chords) Add(c.At);
        Add(m.Length);
        return lcm;
    }

    private static void WriteTime(BinaryWriter w, Duration d, long resolution) =>
        w.Write7BitEncodedInt64(checked(d.Quarters.Numerator * (resolution / d.Quarters.Denominator)));

    private sealed class TimeReader(long resolution)
    {
        private readonly Dictionary<long, Duration> _cache = [];

        public Duration Read(BinaryReader r)
        {
            long ticks = r.Read7BitEncodedInt64();
            if (ticks < 0) throw new FormatException($"negative time {ticks}");
            if (!_cache.TryGetValue(ticks, out var d))
            {
                d = Duration.FromQuarters(ticks, resolution);
                if (_cache.Count < 4096) _cache[ticks] = d;
            }
            return d;
        }
    }

    private static void WriteEntry(BinaryWriter w, CorpusEntry e)
    {
        var m = e.Melody;
        long res = Resolution(m);
        w.Write(e.Id);
        w.Write(e.Collection);
        w.Write(e.Style);
        w.Write((byte)e.Split);
        w.Write(e.QuantizationError);
        w.Write(e.KeyEstimated);
        w.Write(m.Info.Title ?? "");
        w.Write(m.Info.Source ?? "");
        w.Write(m.Info.Collection ?? "");
        w.Write7BitEncodedInt(m.Info.Styles.Length);
        foreach (var s in m.Info.Styles) w.Write(s);
        w.Write7BitEncodedInt(m.Info.Fields.Count);
        foreach (var kv in m.Info.Fields.OrderBy(kv => kv.Key, StringComparer.Ordinal)) { w.Write(kv.Key); w.Write(kv.Value); }
        w.Write(m.Key?.ToString() ?? "");
        w.Write7BitEncodedInt64(res);
        w.Write7BitEncodedInt(m.Meters.Length);
        foreach (var mc in m.Meters) { WriteTime(w, mc.At, res); w.Write((byte)mc.Meter.Numerator); w.Write((byte)mc.Meter.Denominator); }
        w.Write7BitEncodedInt(m.Tempos.Length);
        foreach (var t in m.Tempos) { WriteTime(w, t.At, res); w.Write7BitEncodedInt(t.MicrosecondsPerQuarter); }
        w.Write7BitEncodedInt(m.Chords.Length);
        foreach (var c in m.Chords) { WriteTime(w, c.At, res); w.Write(c.Chord.ToString()); }
        WriteTime(w, m.Length, res);
        w.Write7BitEncodedInt(m.Notes.Length);
        foreach (var n in m.Notes)
        {
            w.Write((byte)n.Pitch.Number);
            w.Write((byte)n.Velocity);
            WriteTime(w, n.Start, res);
            WriteTime(w, n.Length, res);
        }
        w.Write(e.Family ?? ""); // version 2
    }

    private static CorpusEntry ReadEntry(BinaryReader r)
    {
        string id = r.ReadString(), collection = r.ReadString(), style = r.ReadString();
        var split = (CorpusSplit)r.ReadByte();
        if (!Enum.IsDefined(split)) throw new FormatException($"bad split {(int)split}");
        double qerr = r.ReadDouble();
        bool keyEstimated = r.ReadBoolean();
        string title = r.ReadString(), source = r.ReadString(), coll = r.ReadString();
        var styles = ImmutableArray.CreateBuilder<string>();
        for (int i = r.Read7BitEncodedInt(); i > 0; i--) styles.Add(r.ReadString());
        var fields = ImmutableDictionary.CreateBuilder<string, string>();
        for (int i = r.Read7BitEncodedInt(); i > 0; i--) fields[r.ReadString()] = r.ReadString();
        var keyText = r.ReadString();
        Key? key = keyText.Length == 0 ? null : KeyCache.GetOrAdd(keyText, Key.Parse);
        long res = r.Read7BitEncodedInt64();
        if (res <= 0) throw new FormatException($"bad time resolution {res}");
        var time = new TimeReader(res);
        var meters = new List<MeterChange>();
        for (int i = r.Read7BitEncodedInt(); i > 0; i--) meters.Add(new MeterChange(time.Read(r), new TimeSignature(r.ReadByte(), r.ReadByte())));
        var tempos = new List<TempoChange>();
        for (int i = r.Read7BitEncodedInt(); i > 0; i--) tempos.Add(new TempoChange(time.Read(r), r.Read7BitEncodedInt()));
        var chords = new List<ChordChange>();
        for (int i = r.Read7BitEncodedInt(); i > 0; i--) chords.Add(new ChordChange(time.Read(r), ChordCache.GetOrAdd(r.ReadString(), ChordSymbol.Parse)));
        var length = time.Read(r);
        int count = r.Read7BitEncodedInt();
        if (count < 0 || count > 10_000_000) throw new FormatException($"bad note count {count}");
        var notes = new Note[count];
        for (int i = 0; i < count; i++)
        {
            int pitch = r.ReadByte();
            int vel = r.ReadByte();
            notes[i] = new Note(key is null ? Pitch.FromMidi(pitch) : Pitch.FromMidi(pitch, key.Spell(pitch)), time.Read(r), time.Read(r), vel);
        }
        var info = new MelodyInfo
        {
            Title = title.Length == 0 ? null : title,
            Source = source.Length == 0 ? null : source,
            Collection = coll.Length == 0 ? null : coll,
            Styles = styles.ToImmutable(),
            Fields = fields.ToImmutable(),
        };
        var melody = Melody.Create(notes, key, meters, tempos, chords, info, length);
        // Records are length-prefixed: a version 1 record ends after its notes, a version 2 record adds the family.
        string family = r.BaseStream.Position < r.BaseStream.Length ? r.ReadString() : "";
        return new CorpusEntry(id, collection, style, split, melody, qerr, keyEstimated) { Family = family.Length == 0 ? null : family };
    }
}
