namespace Melos.Formats;

/// <summary>
/// Writes files whole or not at all: the content goes to a hidden temporary file beside the target
/// (<c>.NAME.GUID.tmp</c>, on the same volume), which is moved over the target once complete. A failure leaves no
/// temporary file and the target, if it existed, as it was.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/>, replacing any file there.</summary>
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Write(path, s => s.Write(bytes));
    }

    /// <summary>Writes what <paramref name="write"/> puts into the stream to <paramref name="path"/>, replacing any file there.</summary>
    /// <remarks>An exception from <paramref name="write"/> propagates after the temporary file is removed.</remarks>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var temp = TempPathFor(full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                write(stream);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>A fresh temporary name beside <paramref name="path"/>: hidden, in the same folder, ending in <c>.tmp</c>.</summary>
    public static string TempPathFor(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
    }
}
