using System.Collections.Immutable;
using Melos.Music;

namespace Melos.Formats.Abc;

/// <summary>A problem the reader repaired (lenient policy), with where it was and what was done.</summary>
/// <param name="File">The file or source name.</param>
/// <param name="Tune">The tune's <c>X:</c> number.</param>
/// <param name="Line">Line in the file, from 1.</param>
/// <param name="Column">Column, from 1.</param>
/// <param name="Message">What was found, what was expected and how it was repaired.</param>
public sealed record AbcIssue(string File, int? Tune, int Line, int Column, string Message)
{
    /// <summary><c>file:line:column: tune X:n: message</c>.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}: tune X:{Tune?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}: {Message}";
}

/// <summary>One tune read from an ABC file.</summary>
/// <param name="Number">The <c>X:</c> number.</param>
/// <param name="Line">The line of its <c>X:</c> field.</param>
/// <param name="Melody">The melody as performed (repeats and parts expanded), header fields in its info.</param>
/// <param name="Issues">Problems repaired while reading it.</param>
/// <param name="SkippedAnnotations">Quoted strings that were neither chord symbols nor marked annotations (skipped and counted).</param>
public sealed record AbcTune(int Number, int Line, Melody Melody, ImmutableArray<AbcIssue> Issues, int SkippedAnnotations)
{
    /// <summary>The title (first <c>T:</c>), or null.</summary>
    public string? Title => Melody.Info.Title;
}

/// <summary>A tune that could not be read, and why.</summary>
/// <param name="Number">Its <c>X:</c> number, or null when unreadable.</param>
/// <param name="Line">The line of its <c>X:</c> field.</param>
/// <param name="Title">Its title when the header got that far.</param>
/// <param name="Reason">The error.</param>
public sealed record AbcSkippedTune(int? Number, int Line, string? Title, AbcFormatException Reason);

/// <summary>The outcome of loading an ABC file: the tunes read and the tunes skipped with the reason for each.</summary>
/// <param name="File">The file or source name.</param>
/// <param name="Tunes">Tunes read, in file order.</param>
/// <param name="Skipped">Tunes skipped, in file order.</param>
public sealed record AbcLoadResult(string File, ImmutableArray<AbcTune> Tunes, ImmutableArray<AbcSkippedTune> Skipped)
{
    /// <summary>Every repaired problem of every tune read.</summary>
    public IEnumerable<AbcIssue> Issues => Tunes.SelectMany(t => t.Issues);

    /// <summary>The tune with <c>X:</c> number <paramref name="number"/>, or null.</summary>
    public AbcTune? Tune(int number) => Tunes.FirstOrDefault(t => t.Number == number);
}
