using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Melos.Models.Interop;

/// <summary>One tensor of a safetensors file: its name, dtype (<c>F32</c>, <c>F64</c>, <c>I64</c> ...), shape and byte range in the data section.</summary>
/// <param name="Name">The tensor's name (a PyTorch state-dict key).</param>
/// <param name="DType">The safetensors dtype string.</param>
/// <param name="Shape">The shape.</param>
/// <param name="Begin">The first byte in the data section.</param>
/// <param name="End">One past the last byte in the data section.</param>
public sealed record SafeTensorEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    /// <summary>The number of elements.</summary>
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The shape as text, e.g. <c>[512, 128]</c>.</summary>
    public string ShapeText => ShapeToText(Shape);

    /// <summary>A shape as text, e.g. <c>[512, 128]</c>.</summary>
    public static string ShapeToText(IEnumerable<long> shape) => "[" + string.Join(", ", shape.Select(s => s.ToString(CultureInfo.InvariantCulture))) + "]";
}

/// <summary>
/// Reads and writes the safetensors format (what PyTorch's <c>safetensors</c> package and TorchSharp.PyBridge read):
/// an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and byte range, then the raw
/// little-endian data. Only what Melos models hold is written (float32); float32 and float64 are read.
/// </summary>
public static class SafeTensors
{
    /// <summary>Headers past this size are refused as damaged (the format's own limit is 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Writes float32 tensors (row-major values with their shapes) and string metadata.</summary>
    public static void Write(Stream stream, IReadOnlyList<(string Name, long[] Shape, float[] Values)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var (name, shape, values) in tensors)
        {
            long count = shape.Aggregate(1L, (a, b) => a * b);
            if (count != values.Length) throw new ArgumentException($"tensor '{name}' has {values.Length} values but shape {SafeTensorEntry.ShapeToText(shape)}", nameof(tensors));
            header[name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray([.. shape.Select(s => (JsonNode)s)]),
                ["data_offsets"] = new JsonArray(offset, offset + 4 * count),
            };
            offset += 4 * count;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8; // data aligned to 8 bytes, padded with spaces as the reference writer does
        var lengthBytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(lengthBytes, padded);
        stream.Write(lengthBytes);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        Span<byte> b = stackalloc byte[4];
        foreach (var (_, _, values) in tensors)
        {
            if (BitConverter.IsLittleEndian) stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
            else foreach (var v in values) { BinaryPrimitives.WriteSingleLittleEndian(b, v); stream.Write(b); }
        }
    }

    /// <summary>
    /// Reads a file's header and checks it against the file: every tensor's byte range lies in the data section and matches
    /// its dtype and shape, and the data section is exactly as long as the tensors need (a truncated file fails here).
    /// </summary>
    /// <exception cref="InteropFormatException">The file is not safetensors, is truncated or damaged; the message names the tensor.</exception>
    public static (IReadOnlyList<SafeTensorEntry> Tensors, IReadOnlyDictionary<string, string> Metadata, long DataStart) ReadHeader(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long fileLength = fs.Length;
        var lengthBytes = new byte[8];
        if (fileLength < 8 || fs.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false) < 8)
            throw new InteropFormatException(path, null, $"is {fileLength} bytes: too short for a safetensors header (truncated?)");
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(lengthBytes);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes)
            throw new InteropFormatException(path, null, $"declares a header of {headerLength} bytes: not a safetensors file");
        if (8 + headerLength > fileLength)
            throw new InteropFormatException(path, null, $"declares a header of {headerLength} bytes but holds {fileLength - 8} after the length (truncated)");
        var json = new byte[headerLength];
        fs.ReadExactly(json);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new JsonException("the header is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InteropFormatException(path, null, $"has a damaged header: {e.Message}");
        }
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var tensors = new List<SafeTensorEntry>();
        long dataLength = fileLength - 8 - headerLength;
        foreach (var (name, node) in root)
        {
            if (name == "__metadata__")
            {
                if (node is JsonObject meta)
                    foreach (var (k, v) in meta) metadata[k] = v is JsonValue sv && sv.TryGetValue<string>(out var s) ? s : v?.ToJsonString() ?? "";
                continue;
            }
            try
            {
                var o = node as JsonObject ?? throw new FormatException("not an object");
                string dtype = o["dtype"]?.GetValue<string>() ?? throw new FormatException("no dtype");
                var shape = (o["shape"] as JsonArray ?? throw new FormatException("no shape")).Select(s => s!.GetValue<long>()).ToArray();
                var offsets = (o["data_offsets"] as JsonArray ?? throw new FormatException("no data_offsets")).Select(s => s!.GetValue<long>()).ToArray();
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0]) throw new FormatException("bad data_offsets");
                if (shape.Any(s => s < 0)) throw new FormatException("negative dimension");
                tensors.Add(new SafeTensorEntry(name, dtype, shape, offsets[0], offsets[1]));
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException or JsonException)
            {
                throw new InteropFormatException(path, name, $"has a damaged header entry: {e.Message}");
            }
        }
        foreach (var t in tensors)
        {
            int size = ElementSize(t.DType);
            if (size > 0 && t.End - t.Begin != t.Count * size)
                throw new InteropFormatException(path, t.Name, $"spans {t.End - t.Begin} bytes but {t.DType} {t.ShapeText} needs {t.Count * size}");
            if (t.End > dataLength)
                throw new InteropFormatException(path, t.Name, $"ends at data byte {t.End} but the file holds only {dataLength} data bytes (truncated)");
        }
        long needed = tensors.Count == 0 ? 0 : tensors.Max(t => t.End);
        if (dataLength > needed)
            throw new InteropFormatException(path, null, $"holds {dataLength - needed} bytes after its last tensor: damaged");
        return (tensors, metadata, 8 + headerLength);
    }

    /// <summary>Bytes per element of a dtype, or 0 for one this reader does not know.</summary>
    public static int ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => 0,
    };

    /// <summary>Reads one floating-point tensor (F32 or F64) as float32 values.</summary>
    /// <exception cref="InteropFormatException">Another dtype, or the file changed under the reader.</exception>
    public static float[] ReadFloats(string path, SafeTensorEntry entry, long dataStart)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.DType is not ("F32" or "F64"))
            throw new InteropFormatException(path, entry.Name, $"has dtype {entry.DType}; Melos reads float weights as F32 or F64");
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        fs.Position = dataStart + entry.Begin;
        var bytes = new byte[entry.End - entry.Begin];
        if (fs.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) < bytes.Length)
            throw new InteropFormatException(path, entry.Name, "runs past the end of the file (truncated)");
        var values = new float[entry.Count];
        if (entry.DType == "F32")
            for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i));
        else
            for (int i = 0; i < values.Length; i++) values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(8 * i));
        return values;
    }
}

/// <summary>A weights file or exported model that Melos cannot take: the message names the file, the tensor when there is one, and the problem.</summary>
public sealed class InteropFormatException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The file.</param>
    /// <param name="tensor">The tensor concerned, or null.</param>
    /// <param name="problem">What is wrong, as a clause ("has shape [2, 3], expected [3, 2]").</param>
    public InteropFormatException(string path, string? tensor, string problem)
        : base($"{path}: {(tensor is null ? "" : $"tensor '{tensor}' ")}{problem}; nothing was written")
    {
        Path = path;
        Tensor = tensor;
        Problem = problem;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The tensor concerned, or null.</summary>
    public string? Tensor { get; }

    /// <summary>What is wrong.</summary>
    public string Problem { get; }
}
