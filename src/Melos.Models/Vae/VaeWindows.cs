using System.Collections.Immutable;
using System.Globalization;
using Melos.Data.Corpus;
using Melos.Data.Tokenizers;
using Melos.Music;

namespace Melos.Models.Vae;

/// <summary>Training windows cut from melodies, and what was left out, counted by reason.</summary>
/// <param name="Windows">Grid tokens of each window (<see cref="VaeConfig.Length"/> each, no BOS/EOS).</param>
/// <param name="Origins">The melody (index in the input) and first bar of each window.</param>
/// <param name="Discarded">Melodies or windows left out, by reason.</param>
public sealed record VaeWindowSet(IReadOnlyList<int[]> Windows, IReadOnlyList<(int Melody, int Bar)> Origins, ImmutableSortedDictionary<string, int> Discarded);

/// <summary>One melody made into the VAE's input window, with what had to be done to it.</summary>
/// <param name="Tokens">The window's grid tokens.</param>
/// <param name="Melody">The window as a melody (on the VAE's grid, exactly its bars long).</param>
/// <param name="Notes">What was done, for the user (first bars used, pickup skipped, padded, quantized), or empty.</param>
public sealed record VaeInput(int[] Tokens, Melody Melody, IReadOnlyList<string> Notes);

/// <summary>A melody the VAE cannot read: another meter, pitches outside its range, or no notes.</summary>
public sealed class VaeInputException(string what, string reason) : Exception($"{what}: {reason}")
{
    /// <summary>The melody (a file name or a label).</summary>
    public string What { get; } = what;

    /// <summary>Why it cannot be read.</summary>
    public string Reason { get; } = reason;
}

/// <summary>Cuts melodies into the fixed windows a <see cref="MelodyVae"/> reads: whole bars of one meter on its grid.</summary>
public static class VaeWindows
{
    /// <summary>The grid tokenizer configuration of a VAE: <see cref="VaeConfig.StepsPerBar"/> steps per bar of its meter.</summary>
    /// <exception cref="InvalidConfigurationException">The bar does not divide into whole steps per quarter.</exception>
    public static GridTokenizerConfig Tokenizer(VaeConfig config, int minPitch = 48, int maxPitch = 96)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var perQuarter = config.StepsPerBar / TimeSignature.Parse(config.Meter).BarLength.Quarters;
        InvalidConfigurationException.Require(perQuarter.Denominator == 1, nameof(VaeConfig.StepsPerBar), $"{config.StepsPerBar} steps do not divide a bar of {config.Meter} into whole steps per quarter");
        return new GridTokenizerConfig { StepsPerQuarter = (int)perQuarter.Numerator, MinPitch = minPitch, MaxPitch = maxPitch };
    }

    /// <summary>
    /// Every window of <see cref="VaeConfig.Bars"/> bars starting at each bar of each melody of the VAE's meter (quantized
    /// to its grid when off it), leaving out melodies of other meters or outside the pitch range, windows with a whole
    /// bar of silence and, with <paramref name="distinct"/>, windows equal to an earlier one (repeats are common in folk
    /// tunes); each left out by reason.
    /// </summary>
    public static VaeWindowSet Extract(IReadOnlyList<Melody> melodies, VaeConfig config, GridTokenizer tokenizer, bool distinct = true)
    {
        ArgumentNullException.ThrowIfNull(melodies);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var meter = TimeSignature.Parse(config.Meter);
        var windows = new List<int[]>();
        var origins = new List<(int, int)>();
        var discarded = ImmutableSortedDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Discard(string reason) => discarded[reason] = discarded.GetValueOrDefault(reason) + 1;
        int t = config.Length, s = config.StepsPerBar;
        for (int m = 0; m < melodies.Count; m++)
        {
            var melody = melodies[m];
            if (melody.Meters.Any(x => x.Meter != meter))
            {
                Discard($"melodies not wholly in {config.Meter}");
                continue;
            }
            var fitted = GridFit.To(melody, tokenizer.GridConfig.StepsPerQuarter).Melody;
            if (!tokenizer.TryEncode(fitted, out var encoded, out _))
            {
                Discard("melodies outside the pitch range or grid");
                continue;
            }
            var events = encoded!.Tokens.Skip(1).SkipLast(1).ToArray();
            int bars = events.Length / s;
            if (bars < config.Bars)
            {
                Discard($"melodies shorter than {config.Bars} bars");
                continue;
            }
            for (int bar = 0; bar + config.Bars <= bars; bar++)
            {
                var window = events.AsSpan(bar * s, t).ToArray();
                if (HasSilentBar(window, s, tokenizer))
                {
                    Discard("windows with a silent bar");
                    continue;
                }
                if (distinct && !seen.Add(string.Join(',', window)))
                {
                    Discard("windows repeating an earlier one");
                    continue;
                }
                windows.Add(window);
                origins.Add((m, bar));
            }
        }
        return new VaeWindowSet(windows, origins, discarded.ToImmutable());
    }

    /// <summary>True when some bar of the window has no note sounding at any step (a HOLD at the start counts as silence).</summary>
    public static bool HasSilentBar(IReadOnlyList<int> window, int stepsPerBar, GridTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(tokenizer);
        bool sounding = false, heard = false;
        for (int i = 0; i < window.Count; i++)
        {
            if (i % stepsPerBar == 0)
            {
                if (i > 0 && !heard) return true;
                heard = false;
            }
            int token = window[i];
            if (tokenizer.PitchOf(token) is not null) sounding = true;
            else if (token == GridTokenizer.NoteOffId) sounding = false;
            heard |= sounding;
        }
        return !heard;
    }

    /// <summary>
    /// A melody as the VAE's input: the first <see cref="VaeConfig.Bars"/> bars (after a pickup bar, when the melody is
    /// long enough to skip it), padded with rest when shorter, quantized to the VAE's grid when off it.
    /// </summary>
    /// <param name="melody">The melody.</param>
    /// <param name="config">The VAE's configuration.</param>
    /// <param name="tokenizer">The VAE's tokenizer.</param>
    /// <param name="what">The melody's name in messages.</param>
    /// <exception cref="VaeInputException">Another meter, no notes, or a pitch outside the VAE's range.</exception>
    public static VaeInput Prepare(Melody melody, VaeConfig config, GridTokenizer tokenizer, string what)
    {
        ArgumentNullException.ThrowIfNull(melody);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var ci = CultureInfo.InvariantCulture;
        var meter = TimeSignature.Parse(config.Meter);
        if (melody.Meters.FirstOrDefault(x => x.Meter != meter) is { } other)
            throw new VaeInputException(what, $"is in {other.Meter}; this VAE reads {config.Meter} only");
        if (melody.Notes.IsEmpty) throw new VaeInputException(what, "has no notes");
        var notes = new List<string>();
        var fit = GridFit.To(melody, tokenizer.GridConfig.StepsPerQuarter);
        if (fit.Summary is { } q) notes.Add(q);
        melody = fit.Melody;
        int barCount = melody.BarCount;
        int first = 0;
        var firstNote = melody.Notes[0];
        if (firstNote.Start > Duration.Zero && barCount > config.Bars && firstNote.Start < melody.BarStart(1))
        {
            first = 1;
            notes.Add("skipped the pickup bar");
        }
        var start = melody.BarStart(first);
        var end = start + meter.BarLength * config.Bars;
        if (barCount - first > config.Bars) notes.Add(string.Create(ci, $"used bars {first + 1}-{first + config.Bars} of {barCount}"));
        else if (melody.Length < end) notes.Add(string.Create(ci, $"padded with rest from {barCount - first} to {config.Bars} bars"));
        var kept = melody.Notes.Where(n => n.Start >= start && n.Start < end)
            .Select(n => n with { Start = n.Start - start, Length = n.End > end ? end - n.Start : n.Length }).ToList();
        if (kept.Count == 0) throw new VaeInputException(what, string.Create(ci, $"has no notes in bars {first + 1}-{first + config.Bars}"));
        var window = Melody.Create(kept, melody.Key, [new MeterChange(Duration.Zero, meter)], melody.Tempos.Where(x => x.At <= start).TakeLast(1).Select(x => new TempoChange(Duration.Zero, x.MicrosecondsPerQuarter)),
            melody.Chords.Where(c => c.At >= start && c.At < end).Select(c => c with { At = c.At - start }), melody.Info, end - start);
        if (!tokenizer.TryEncode(window, out var encoded, out var error)) throw new VaeInputException(what, error!.Message);
        return new VaeInput([.. encoded!.Tokens.Skip(1).Take(config.Length)], window, notes);
    }
}
