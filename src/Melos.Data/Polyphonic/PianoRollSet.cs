using System.Collections.Immutable;
using System.Text.Json;

namespace Melos.Data.Polyphonic;

/// <summary>The four sets of the polyphonic-music benchmark (Boulanger-Lewandowski et al. 2012).</summary>
public enum PianoRollSetName
{
    /// <summary>JSB Chorales (<c>jsb-chorales.json</c>).</summary>
    Jsb,

    /// <summary>Nottingham (<c>nottingham.json</c>).</summary>
    Nottingham,

    /// <summary>MuseData (<c>musedata.json</c>).</summary>
    MuseData,

    /// <summary>Piano-midi.de (<c>piano-midi.json</c>).</summary>
    PianoMidi,
}

/// <summary>One sequence of frames; each frame is the set of the 88 piano keys that sound.</summary>
public sealed class PianoRollSequence
{
    private readonly byte[] _keys; // FrameCount x 88, 1 where the key sounds

    private PianoRollSequence(byte[] keys) => _keys = keys;

    /// <summary>The number of frames.</summary>
    public int FrameCount => _keys.Length / PianoRollSet.KeyCount;

    /// <summary>The frames as 0/1 values, frame after frame, 88 keys each (lowest key first).</summary>
    public ReadOnlySpan<byte> Keys => _keys;

    /// <summary>Whether key <paramref name="key"/> (0 = MIDI 21) sounds in frame <paramref name="frame"/>.</summary>
    public bool IsOn(int frame, int key) => _keys[frame * PianoRollSet.KeyCount + key] != 0;

    /// <summary>Builds a sequence from frames of MIDI pitches (each 21..108; duplicates are allowed).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A pitch is outside the piano.</exception>
    public static PianoRollSequence FromPitches(IEnumerable<IEnumerable<int>> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var list = frames.ToList();
        var keys = new byte[list.Count * PianoRollSet.KeyCount];
        for (int f = 0; f < list.Count; f++)
            foreach (int p in list[f])
            {
                if (p < PianoRollSet.LowestPitch || p > PianoRollSet.HighestPitch)
                    throw new ArgumentOutOfRangeException(nameof(frames), p, $"Frame {f} has pitch {p}, outside the piano's {PianoRollSet.LowestPitch}..{PianoRollSet.HighestPitch}.");
                keys[f * PianoRollSet.KeyCount + p - PianoRollSet.LowestPitch] = 1;
            }
        return new PianoRollSequence(keys);
    }

    /// <summary>The sounding MIDI pitches of one frame, lowest first.</summary>
    public IReadOnlyList<int> Pitches(int frame)
    {
        var result = new List<int>();
        for (int k = 0; k < PianoRollSet.KeyCount; k++)
            if (IsOn(frame, k)) result.Add(k + PianoRollSet.LowestPitch);
        return result;
    }
}

/// <summary>A set's fixed train, valid and test splits.</summary>
public sealed class PianoRollSet
{
    /// <summary>The number of keys of a frame (the piano's 88).</summary>
    public const int KeyCount = 88;

    /// <summary>The MIDI pitch of key 0 (A0).</summary>
    public const int LowestPitch = 21;

    /// <summary>The MIDI pitch of key 87 (C8).</summary>
    public const int HighestPitch = 108;

    private PianoRollSet(string name, ImmutableArray<PianoRollSequence> train, ImmutableArray<PianoRollSequence> valid, ImmutableArray<PianoRollSequence> test)
    {
        Name = name;
        Train = train;
        Valid = valid;
        Test = test;
    }

    /// <summary>The set's name (the file name without extension).</summary>
    public string Name { get; }

    /// <summary>The training sequences.</summary>
    public ImmutableArray<PianoRollSequence> Train { get; }

    /// <summary>The validation sequences.</summary>
    public ImmutableArray<PianoRollSequence> Valid { get; }

    /// <summary>The test sequences.</summary>
    public ImmutableArray<PianoRollSequence> Test { get; }

    /// <summary>The file name of a set in the benchmark folder.</summary>
    public static string FileName(PianoRollSetName set) => set switch
    {
        PianoRollSetName.Jsb => "jsb-chorales.json",
        PianoRollSetName.Nottingham => "nottingham.json",
        PianoRollSetName.MuseData => "musedata.json",
        PianoRollSetName.PianoMidi => "piano-midi.json",
        _ => throw new ArgumentOutOfRangeException(nameof(set), set, "Unknown set."),
    };

    /// <summary>Parses a set name as the command line spells it: jsb, nottingham, musedata, piano-midi.</summary>
    /// <exception cref="ArgumentException">Not one of the four.</exception>
    public static PianoRollSetName ParseName(string text) => (text ?? throw new ArgumentNullException(nameof(text))).ToLowerInvariant() switch
    {
        "jsb" or "jsb-chorales" => PianoRollSetName.Jsb,
        "nottingham" => PianoRollSetName.Nottingham,
        "musedata" => PianoRollSetName.MuseData,
        "piano-midi" or "pianomidi" or "piano-midi.de" => PianoRollSetName.PianoMidi,
        _ => throw new ArgumentException($"Unknown piano-roll set '{text}': use jsb, nottingham, musedata or piano-midi.", nameof(text)),
    };

    /// <summary>Loads one of the four sets from the benchmark folder.</summary>
    public static PianoRollSet Load(string folder, PianoRollSetName set) => Load(Path.Combine(folder, FileName(set)));

    /// <summary>
    /// Loads <c>{"train": [...], "valid": [...], "test": [...]}</c>: each sequence a list of frames, each frame a list of
    /// MIDI pitches 21..108.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="PianoRollFormatException">The JSON is malformed or a pitch is off the piano; the message says where.</exception>
    public static PianoRollSet Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"No piano-roll set at '{path}'.", path);
        using var stream = File.OpenRead(path);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new PianoRollFormatException(path, $"not JSON: {e.Message}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new PianoRollFormatException(path, "the top level must be an object with train, valid and test");
            return new PianoRollSet(Path.GetFileNameWithoutExtension(path), Split(path, doc.RootElement, "train"), Split(path, doc.RootElement, "valid"), Split(path, doc.RootElement, "test"));
        }
    }

    private static ImmutableArray<PianoRollSequence> Split(string path, JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var split) || split.ValueKind != JsonValueKind.Array)
            throw new PianoRollFormatException(path, $"no '{name}' array");
        var result = ImmutableArray.CreateBuilder<PianoRollSequence>();
        int s = 0;
        foreach (var sequence in split.EnumerateArray())
        {
            if (sequence.ValueKind != JsonValueKind.Array) throw new PianoRollFormatException(path, $"{name}[{s}] is not a list of frames");
            var frames = new List<List<int>>();
            int f = 0;
            foreach (var frame in sequence.EnumerateArray())
            {
                if (frame.ValueKind != JsonValueKind.Array) throw new PianoRollFormatException(path, $"{name}[{s}][{f}] is not a list of pitches");
                var pitches = new List<int>();
                foreach (var p in frame.EnumerateArray())
                {
                    if (p.ValueKind != JsonValueKind.Number || !p.TryGetDouble(out double value) || value != Math.Floor(value) || value < LowestPitch || value > HighestPitch)
                        throw new PianoRollFormatException(path, $"{name}[{s}][{f}] has pitch {p.GetRawText()}, not a whole number in {LowestPitch}..{HighestPitch}");
                    pitches.Add((int)value);
                }
                frames.Add(pitches);
                f++;
            }
            result.Add(PianoRollSequence.FromPitches(frames));
            s++;
        }
        return result.ToImmutable();
    }
}

/// <summary>A piano-roll file that cannot be read; <see cref="Path"/> names it and the message says where.</summary>
public sealed class PianoRollFormatException(string path, string problem) : Exception($"{path}: {problem}")
{
    /// <summary>The file.</summary>
    public string Path { get; } = path;

    /// <summary>What is wrong, and where.</summary>
    public string Problem { get; } = problem;
}
