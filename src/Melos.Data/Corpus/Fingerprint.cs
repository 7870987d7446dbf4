using System.Security.Cryptography;
using System.Text;
using Melos.Music;

namespace Melos.Data.Corpus;

/// <summary>
/// Content identity of a melody that ignores transposition: the sequence of intervals between successive notes with
/// their onsets and lengths relative to the first note. Two tunes that are the same melody in different keys (common
/// in folk collections) share a fingerprint, and so always land in the same split.
/// </summary>
public static class Fingerprint
{
    /// <summary>The fingerprint of a melody as a lowercase hex SHA-256.</summary>
    public static string Of(Melody melody)
    {
        var sb = new StringBuilder(melody.Notes.Length * 12);
        if (!melody.Notes.IsEmpty)
        {
            var origin = melody.Notes[0].Start;
            int prev = melody.Notes[0].Pitch.Number;
            foreach (var n in melody.Notes)
            {
                sb.Append(n.Pitch.Number - prev).Append(',').Append((n.Start - origin).ToString()).Append(',').Append(n.Length.ToString()).Append(';');
                prev = n.Pitch.Number;
            }
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}

/// <summary>Split proportions; a melody's split depends only on its fingerprint, so adding files never moves existing tunes.</summary>
/// <param name="Valid">Share of melodies in the validation split.</param>
/// <param name="Test">Share of melodies in the test split.</param>
public sealed record SplitRatios(double Valid = 0.1, double Test = 0.1)
{
    /// <summary>Checks the shares.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A share is negative or they leave nothing for training.</exception>
    public void Validate()
    {
        if (Valid < 0 || Test < 0 || Valid + Test >= 1)
            throw new ArgumentOutOfRangeException(nameof(Valid), $"Valid ({Valid}) and test ({Test}) shares must be non-negative and sum below 1.");
    }

    /// <summary>The split of a fingerprint: its first 8 bytes read as a fraction in [0, 1).</summary>
    public CorpusSplit Assign(string fingerprint)
    {
        ulong v = Convert.ToUInt64(fingerprint[..16], 16);
        double u = v / 18446744073709551616.0;
        return u < Test ? CorpusSplit.Test : u < Test + Valid ? CorpusSplit.Valid : CorpusSplit.Train;
    }
}
