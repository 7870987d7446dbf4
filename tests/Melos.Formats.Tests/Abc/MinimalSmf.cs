namespace Melos.Formats.Tests.Abc;

/// <summary>
/// A minimal Standard MIDI File note extractor, private to the abc2midi cross-check (the project's MIDI reader is
/// written elsewhere): note-ons of each track with their absolute tick. Enough for abc2midi's simple type 1 output.
/// </summary>
internal static class MinimalSmf
{
    internal sealed record Smf(int Division, List<List<(long Tick, int Channel, int Pitch)>> Tracks);

    public static Smf Read(byte[] data)
    {
        int pos = 0;
        string Tag() { var s = System.Text.Encoding.ASCII.GetString(data, pos, 4); pos += 4; return s; }
        int U32() { int v = data[pos] << 24 | data[pos + 1] << 16 | data[pos + 2] << 8 | data[pos + 3]; pos += 4; return v; }
        int U16() { int v = data[pos] << 8 | data[pos + 1]; pos += 2; return v; }
        if (Tag() != "MThd") throw new InvalidDataException("not a MIDI file");
        int hlen = U32();
        int start = pos;
        U16();
        int ntracks = U16();
        int division = U16();
        pos = start + hlen;
        var tracks = new List<List<(long, int, int)>>();
        for (int t = 0; t < ntracks && pos + 8 <= data.Length; t++)
        {
            if (Tag() != "MTrk") throw new InvalidDataException("missing MTrk");
            int len = U32();
            int end = pos + len;
            var notes = new List<(long, int, int)>();
            long tick = 0;
            int status = 0;
            while (pos < end)
            {
                long delta = 0;
                byte b;
                do { b = data[pos++]; delta = delta << 7 | (uint)(b & 0x7F); } while ((b & 0x80) != 0);
                tick += delta;
                int s = data[pos];
                if (s >= 0x80) { status = s; pos++; }
                if (status == 0xFF)
                {
                    pos++; // type
                    int l = 0;
                    do { b = data[pos++]; l = l << 7 | (b & 0x7F); } while ((b & 0x80) != 0);
                    pos += l;
                    status = 0;
                    continue;
                }
                if (status is 0xF0 or 0xF7)
                {
                    int l = 0;
                    do { b = data[pos++]; l = l << 7 | (b & 0x7F); } while ((b & 0x80) != 0);
                    pos += l;
                    status = 0;
                    continue;
                }
                int kind = status & 0xF0;
                int ch = status & 0x0F;
                int d1 = data[pos++];
                int d2 = kind is 0xC0 or 0xD0 ? 0 : data[pos++];
                if (kind == 0x90 && d2 > 0) notes.Add((tick, ch, d1));
            }
            pos = end;
            tracks.Add(notes);
        }
        return new Smf(division, tracks);
    }
}
