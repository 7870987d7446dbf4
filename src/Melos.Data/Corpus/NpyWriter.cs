using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Melos.Data.Corpus;

/// <summary>
/// Writes a NumPy <c>.npy</c> file (format 1.0, little-endian int32 or int64, C order) one value at a time, so that its
/// length need not be known in advance: the header is written with room to spare and rewritten with the final shape by
/// <see cref="Dispose"/>.
/// </summary>
public sealed class NpyWriter : IDisposable
{
    private const int HeaderBytes = 128; // a multiple of 64, as the format recommends; room for any shape this writes
    private readonly FileStream _file;
    private readonly BufferedStream _out;
    private readonly bool _wide;
    private readonly int _columns;
    private readonly byte[] _scratch = new byte[8];

    /// <summary>Creates the file.</summary>
    /// <param name="path">The file to create (it must not exist).</param>
    /// <param name="wide">int64 values (else int32).</param>
    /// <param name="columns">0 for a flat array; else rows of this many values (shape [rows, columns]).</param>
    public NpyWriter(string path, bool wide, int columns = 0)
    {
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        _out = new BufferedStream(_file, 1 << 16);
        _wide = wide;
        _columns = columns;
        _out.Write(Header(0));
    }

    /// <summary>The number of values written.</summary>
    public long Count { get; private set; }

    /// <summary>Appends a value.</summary>
    public void Write(long value)
    {
        if (_wide) BinaryPrimitives.WriteInt64LittleEndian(_scratch, value);
        else BinaryPrimitives.WriteInt32LittleEndian(_scratch, checked((int)value));
        _out.Write(_scratch, 0, _wide ? 8 : 4);
        Count++;
    }

    private byte[] Header(long count)
    {
        string shape = _columns == 0
            ? string.Create(CultureInfo.InvariantCulture, $"({count},)")
            : string.Create(CultureInfo.InvariantCulture, $"({count / _columns}, {_columns})");
        string dict = $"{{'descr': '{(_wide ? "<i8" : "<i4")}', 'fortran_order': False, 'shape': {shape}, }}";
        var header = new byte[HeaderBytes];
        header[0] = 0x93;
        "NUMPY"u8.CopyTo(header.AsSpan(1));
        header[6] = 1;
        header[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), HeaderBytes - 10);
        var text = Encoding.ASCII.GetBytes(dict.PadRight(HeaderBytes - 10 - 1) + "\n");
        if (text.Length != HeaderBytes - 10) throw new InvalidOperationException("npy header overflow");
        text.CopyTo(header, 10);
        return header;
    }

    /// <summary>Writes the final shape into the header and closes the file.</summary>
    public void Dispose()
    {
        if (_columns != 0 && Count % _columns != 0) throw new InvalidOperationException($"{Count} values do not fill rows of {_columns}");
        _out.Flush();
        _file.Position = 0;
        _file.Write(Header(Count));
        _file.Flush();
        _out.Dispose();
    }
}
