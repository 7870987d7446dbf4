namespace Melos.Formats.Tests.Midi;

/// <summary>Builds Standard MIDI File bytes by hand for tests.</summary>
public static class Smf
{
    public static byte[] Header(int format, int tracks, int division) =>
        [.. "MThd"u8, 0, 0, 0, 6, (byte)(format >> 8), (byte)format, (byte)(tracks >> 8), (byte)tracks, (byte)(division >> 8), (byte)division];

    /// <summary>An MTrk chunk around <paramref name="body"/>, with the length field set to <paramref name="length"/> (default: the body's).</summary>
    public static byte[] Track(byte[] body, long? length = null) => Chunk("MTrk", body, length);

    public static byte[] Chunk(string id, byte[] body, long? length = null)
    {
        long n = length ?? body.Length;
        return [.. System.Text.Encoding.ASCII.GetBytes(id), (byte)(n >> 24), (byte)(n >> 16), (byte)(n >> 8), (byte)n, .. body];
    }

    /// <summary>End of track at delta 0.</summary>
    public static readonly byte[] Eot = [0x00, 0xFF, 0x2F, 0x00];

    /// <summary>A one-track format 0 file at 480 ticks per quarter holding <paramref name="body"/> (add <see cref="Eot"/> yourself).</summary>
    public static byte[] File0(params byte[] body) => [.. Header(0, 1, 480), .. Track(body)];

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
