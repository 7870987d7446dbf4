using System.Collections.Immutable;
using System.Globalization;
using Melos.Music;

namespace Melos.Formats.MusicXml;

/// <summary>What the reader does with one kind of malformed input.</summary>
public enum MusicXmlPolicy
{
    /// <summary>Raise the matching <see cref="MusicXmlFormatException"/>.</summary>
    Throw,

    /// <summary>Repair the input as described on the setting and report it as a <see cref="MusicXmlIssue"/>.</summary>
    Repair,
}

/// <summary>
/// How the MusicXML reader treats malformed input, one policy per kind of problem (as <c>AbcReadSettings</c> and
/// <c>MidiReadSettings</c> do), and which part and voice it reads. <see cref="Strict"/> throws on every problem;
/// <see cref="Lenient"/> (the default) repairs each and reports it. XML that is not well formed always throws
/// <see cref="MusicXmlSyntaxException"/>.
/// </summary>
public sealed record MusicXmlReadSettings
{
    /// <summary>Music before any <c>&lt;divisions&gt;</c>, or a divisions value that is not positive (repair: 1 division per quarter, or keep the previous value).</summary>
    public MusicXmlPolicy MissingDivisions { get; init; } = MusicXmlPolicy.Repair;

    /// <summary>A note without a usable <c>&lt;duration&gt;</c>, or a backup, forward or offset that is not a non-negative number (repair: the length its
    /// written type, dots and tuplet give, else nothing; a backup past the measure's start stops there).</summary>
    public MusicXmlPolicy BadDuration { get; init; } = MusicXmlPolicy.Repair;

    /// <summary>A pitch with an unknown step, an alteration beyond ±2 or outside MIDI 0..127 (repair: drop the note, keeping its time as a rest).</summary>
    public MusicXmlPolicy BadPitch { get; init; } = MusicXmlPolicy.Repair;

    /// <summary>A tie stop with no tie started on that pitch where the note begins, or a tie started and never stopped (repair: ignore the tie).</summary>
    public MusicXmlPolicy BrokenTie { get; init; } = MusicXmlPolicy.Repair;

    /// <summary>A key, time signature, tempo or chord symbol that cannot be read (repair: ignore it and keep the previous one).</summary>
    public MusicXmlPolicy BadValue { get; init; } = MusicXmlPolicy.Repair;

    /// <summary>Overlapping notes: chords (<c>&lt;chord/&gt;</c>) or several voices (repair: keep the top line, as MIDI reading does:
    /// at each onset the highest note starting there, cut where the next kept note starts).</summary>
    public MusicXmlPolicy Polyphony { get; init; } = MusicXmlPolicy.Repair;

    /// <summary>The part to read by its <c>id</c> (e.g. <c>P2</c>); overrides <see cref="PartIndex"/>.</summary>
    public string? PartId { get; init; }

    /// <summary>The part to read by position (0 = the first part in the score).</summary>
    public int PartIndex
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(PartIndex), value, "A part index is 0 or more.");
    }

    /// <summary>Read only this voice (its <c>&lt;voice&gt;</c> text, e.g. <c>1</c>); null reads every voice and keeps the top line.</summary>
    public string? Voice { get; init; }

    /// <summary>The collection name given to the melody read (<see cref="MelodyInfo.Collection"/>), or null.</summary>
    public string? Collection { get; init; }

    /// <summary>Every problem throws.</summary>
    public static MusicXmlReadSettings Strict { get; } = new()
    {
        MissingDivisions = MusicXmlPolicy.Throw,
        BadDuration = MusicXmlPolicy.Throw,
        BadPitch = MusicXmlPolicy.Throw,
        BrokenTie = MusicXmlPolicy.Throw,
        BadValue = MusicXmlPolicy.Throw,
        Polyphony = MusicXmlPolicy.Throw,
    };

    /// <summary>Every problem is repaired and reported (the default).</summary>
    public static MusicXmlReadSettings Lenient { get; } = new();
}

/// <summary>A problem the reader repaired, with where it was and what was done.</summary>
/// <param name="File">The file or source name.</param>
/// <param name="Line">Line in the file, from 1 (0 when unknown).</param>
/// <param name="Column">Column, from 1 (0 when unknown).</param>
/// <param name="Message">What was found, what was expected and how it was repaired.</param>
public sealed record MusicXmlIssue(string File, int Line, int Column, string Message)
{
    /// <summary><c>file:line:column: message</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{File}:{Line}:{Column}: {Message}");
}

/// <summary>A melody read from MusicXML and the problems repaired on the way.</summary>
/// <param name="Melody">The melody (its title from <c>work-title</c> or <c>movement-title</c>, source the file).</param>
/// <param name="Issues">Problems repaired.</param>
/// <param name="PartCount">The parts in the score (one is read).</param>
public sealed record MusicXmlReadResult(Melody Melody, ImmutableArray<MusicXmlIssue> Issues, int PartCount);
