using Melos.Formats;
using Melos.Music;

namespace Melos.Reports.Rendering;

/// <summary>The piano roll picture (<c>.png</c>, written only) as a melody file format, registered in <see cref="MelodyFiles.Formats"/>.</summary>
public sealed class PianoRollFormat : MelodyFormat
{
    private PianoRollFormat()
        : base("png", "piano roll PNG", [".png"], "image/png")
    {
    }

    /// <summary>The format.</summary>
    public static PianoRollFormat Instance { get; } = new();

    /// <inheritdoc/>
    public override bool CanWrite => true;

    /// <inheritdoc/>
    public override byte[] Write(Melody melody, MelodyWriteOptions? options = null, string? ending = null) => PianoRoll.RenderPng(melody);
}
