using Melos.Generation;

namespace Melos.Cli;

/// <summary>
/// The command-line input behind each <see cref="RequestField"/>, so that an <see cref="InvalidRequestException"/> is
/// reported against what the user typed (<c>error: --temperature: must be …</c>) without reading its message.
/// </summary>
public static class RequestFlags
{
    /// <summary>The flag of a field of <c>melos generate</c>.</summary>
    public static string Generate(RequestField field) => Shared(field) ?? field switch
    {
        RequestField.Bars => "--bars",
        RequestField.Primer or RequestField.TempoBpm => "--primer", // the tempo is the primer file's
        RequestField.Meter => "--meter",
        RequestField.EndOnTonic => "--end-on-tonic",
        RequestField.Chords => "--chords",
        RequestField.MinNotesPerBar or RequestField.MaxNotesPerBar => "--density",
        RequestField.BeamWidth => "--beam",
        RequestField.BestOf => "--best-of",
        RequestField.Style => "--style",
        RequestField.Form => "--form",
        _ => Fallback(field),
    };

    /// <summary>
    /// The flag of a field of <c>melos infill</c> and <c>melos vary</c>: the melody and what the request takes from
    /// it (its meter, style, chords, tempo) belong to the <c>FILE</c> argument.
    /// </summary>
    public static string Edit(RequestField field) => Shared(field) ?? field switch
    {
        RequestField.Melody or RequestField.Meter or RequestField.Style or RequestField.TempoBpm or RequestField.Chords => "FILE",
        RequestField.FirstBar or RequestField.LastBar or RequestField.Bars => "--bars",
        RequestField.Candidates => "--candidates",
        RequestField.Scoring => "--scoring",
        RequestField.Amount => "--amount",
        RequestField.Rhythm => "--rhythm",
        _ => Fallback(field),
    };

    /// <summary>The fields every command spells the same way.</summary>
    private static string? Shared(RequestField field) => field switch
    {
        RequestField.Count => "--count",
        RequestField.Temperature => "--temperature",
        RequestField.TopK => "--top-k",
        RequestField.TopP => "--top-p",
        RequestField.Key => "--key",
        RequestField.Low or RequestField.High => "--range",
        RequestField.MaxLeap => "--max-leap",
        RequestField.Chromatic => "--chromatic",
        RequestField.Seed => "--seed",
        _ => null,
    };

    /// <summary>A field the command has no flag for: its name, as a flag would spell it.</summary>
    private static string Fallback(RequestField field) =>
        "--" + string.Concat(field.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
