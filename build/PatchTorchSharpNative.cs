// Marks the GLIBCXX_3.4.32 version requirement of libLibTorchSharp.so as weak (VER_FLG_WEAK) so that glibc's loader
// accepts it on systems whose libstdc++ stops at GLIBCXX_3.4.30 (Debian 12). The only symbol needing that version,
// std::ios_base_library_init(), is referenced but never called. See docs/torchsharp.md.
// Idempotent; a no-op off Linux, on a system whose libstdc++ has the version, and on files that lack the requirement.
// The file is patched through a copy and rename, so a hard link into a package cache is never modified.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class PatchTorchSharpNative : Task
{
    [Required]
    public string[] Directories { get; set; } = Array.Empty<string>();

    public override bool Execute()
    {
        if (TorchSharpNativePatch.SystemHasVersion())
        {
            Log.LogMessage(MessageImportance.Low, "libstdc++ has " + TorchSharpNativePatch.Version + "; libLibTorchSharp.so left as is.");
            return true;
        }
        foreach (var dir in Directories)
        {
            if (!Directory.Exists(dir)) continue;
            foreach (var file in Directory.EnumerateFiles(dir, "libLibTorchSharp.so", SearchOption.AllDirectories))
            {
                string result = TorchSharpNativePatch.Patch(file);
                Log.LogMessage(MessageImportance.Normal, "TorchSharp native " + file + ": " + result);
            }
        }
        return true;
    }
}

public static class TorchSharpNativePatch
{
    public const string Version = "GLIBCXX_3.4.32";

    /// <summary>Returns "patched", "already-weak", "not-needed" or "absent".</summary>
    public static string Patch(string path)
    {
        byte[] elf = File.ReadAllBytes(path);
        long flagOffset = FindFlagOffset(elf);
        if (flagOffset < 0) return "absent";
        ushort flags = BitConverter.ToUInt16(elf, (int)flagOffset);
        if ((flags & 0x2) != 0) return "already-weak";
        flags |= 0x2;
        elf[flagOffset] = (byte)(flags & 0xFF);
        elf[flagOffset + 1] = (byte)(flags >> 8);
        string tmp = path + ".patching";
        File.WriteAllBytes(tmp, elf);
        File.Delete(path);
        File.Move(tmp, path);
        return "patched";
    }

    public static bool SystemHasVersion()
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/lib64/libstdc++.so.6",
        };
        foreach (var c in candidates)
        {
            if (!File.Exists(c)) continue;
            byte[] bytes = File.ReadAllBytes(c);
            return IndexOf(bytes, Encoding.ASCII.GetBytes(Version + "\0")) >= 0;
        }
        return false;
    }

    // Walks .gnu.version_r (SHT_GNU_verneed) and returns the file offset of vna_flags for GLIBCXX_3.4.32, or -1.
    private static long FindFlagOffset(byte[] b)
    {
        if (b.Length < 64 || b[0] != 0x7F || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F') return -1;
        if (b[4] != 2 || b[5] != 1) return -1; // ELF64, little-endian only
        long shoff = (long)BitConverter.ToUInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A);
        int shnum = BitConverter.ToUInt16(b, 0x3C);
        if (shoff <= 0 || shentsize < 64 || shoff + (long)shnum * shentsize > b.Length) return -1;
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            uint type = BitConverter.ToUInt32(b, (int)sh + 4);
            if (type != 0x6ffffffe) continue;
            long off = (long)BitConverter.ToUInt64(b, (int)sh + 0x18);
            long size = (long)BitConverter.ToUInt64(b, (int)sh + 0x20);
            uint link = BitConverter.ToUInt32(b, (int)sh + 0x28);
            uint count = BitConverter.ToUInt32(b, (int)sh + 0x2C);
            if (link >= shnum || off + size > b.Length) return -1;
            long strSh = shoff + (long)link * shentsize;
            long strOff = (long)BitConverter.ToUInt64(b, (int)strSh + 0x18);
            long strSize = (long)BitConverter.ToUInt64(b, (int)strSh + 0x20);
            long vn = off;
            for (uint e = 0; e < count && vn + 16 <= off + size; e++)
            {
                int cnt = BitConverter.ToUInt16(b, (int)vn + 2);
                uint aux = BitConverter.ToUInt32(b, (int)vn + 8);
                uint next = BitConverter.ToUInt32(b, (int)vn + 12);
                long va = vn + aux;
                for (int a = 0; a < cnt && va + 16 <= off + size; a++)
                {
                    uint name = BitConverter.ToUInt32(b, (int)va + 8);
                    if (name < strSize && ReadCString(b, strOff + name) == Version) return va + 4;
                    uint anext = BitConverter.ToUInt32(b, (int)va + 12);
                    if (anext == 0) break;
                    va += anext;
                }
                if (next == 0) break;
                vn += next;
            }
        }
        return -1;
    }

    private static string ReadCString(byte[] b, long at)
    {
        long end = at;
        while (end < b.Length && b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, (int)at, (int)(end - at));
    }

    private static int IndexOf(byte[] hay, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= hay.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && hay[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }
}
