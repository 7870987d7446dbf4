using System.Globalization;
using Melos.Formats.Audio;
using Melos.Music;

namespace Melos.Data.Transcription;

/// <summary>Why a recording cannot be transcribed as one melody.</summary>
public enum TranscriptionDiscard
{
    /// <summary>Nothing audible, or too few notes.</summary>
    Silent,

    /// <summary>Loud but mostly unpitched: noise dominates.</summary>
    Noisy,

    /// <summary>Loud and pitched but not one line: the frames are periodic at no single fundamental.</summary>
    Polyphonic,
}

/// <summary>A recording that cannot be transcribed as one melody, with its reason and the measure that decided it.</summary>
public sealed class UnusableRecordingException(string source, TranscriptionDiscard reason, string detail)
    : Exception($"{source}: {reason.ToString().ToLowerInvariant()} ({detail})")
{
    /// <summary>The recording.</summary>
    public string Recording { get; } = source;

    /// <summary>The reason.</summary>
    public TranscriptionDiscard Reason { get; } = reason;

    /// <summary>What was measured.</summary>
    public string Detail { get; } = detail;
}

/// <summary>Values the user gives, overriding the estimates.</summary>
public sealed record TranscriptionHints
{
    /// <summary>None: everything estimated.</summary>
    public static TranscriptionHints None { get; } = new();

    /// <summary>The meter; null estimates 4/4, 3/4, 6/8 or 9/8 (<see cref="MeterEstimator"/>).</summary>
    public TimeSignature? Meter { get; init; }

    /// <summary>The tempo in quarter notes per minute; null estimates it.</summary>
    public double? Bpm { get; init; }

    /// <summary>The key; null estimates it from the notes.</summary>
    public Key? Key { get; init; }
}

/// <summary>A recording transcribed: its notes in seconds and the melody on the grid, with what was estimated.</summary>
/// <param name="Source">The recording.</param>
/// <param name="Notes">The notes in seconds.</param>
/// <param name="Melody">The melody, quantized to sixteenths and eighth-note triplets.</param>
/// <param name="TuningCents">The tuning offset from A440 in cents.</param>
/// <param name="Bpm">The tempo in quarter notes per minute (given or estimated).</param>
/// <param name="Beats">The beats tracked.</param>
/// <param name="Quantization">What quantization moved and dropped.</param>
/// <param name="Seconds">The recording's length.</param>
public sealed record Transcription(string Source, IReadOnlyList<TranscribedNote> Notes, Melody Melody, double TuningCents, double Bpm,
    BeatGrid Beats, QuantizationReport Quantization, double Seconds)
{
    /// <summary>The mean confidence of the notes, weighted by length (0..1).</summary>
    public double Confidence => Notes.Count == 0 ? 0 : Notes.Sum(n => n.Confidence * n.Seconds) / Notes.Sum(n => n.Seconds);

    /// <summary>The reference pitch of A4 the tuning implies, in Hz.</summary>
    public double ReferenceHz => 440 * Math.Pow(2, TuningCents / 1200);
}

/// <summary>
/// Transcribes a monophonic recording: <see cref="PitchTracker"/> (pYIN), <see cref="NoteSegmenter"/> (tuning and notes),
/// <see cref="MeterEstimator"/> (the meter), <see cref="BeatTracker"/> (tempo and beats), then <see cref="Quantizer"/> onto the meter's grid with triplets and the key
/// from <see cref="KeyEstimator"/>; given hints override the estimates. A recording that is silent, noisy or polyphonic
/// is refused with an <see cref="UnusableRecordingException"/> naming the reason.
/// </summary>
public static class Transcriber
{
    /// <summary>Decodes and transcribes a recording (any format of <see cref="Melos.Formats.FormatRegistry.AudioInputs"/>).</summary>
    /// <exception cref="AudioFormatException">The file cannot be decoded.</exception>
    /// <exception cref="UnusableRecordingException">Silent, noisy or polyphonic.</exception>
    public static Transcription Transcribe(string path, TranscriptionHints? hints = null, TranscriptionSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        settings = (settings ?? TranscriptionSettings.Default).Validate();
        var signal = Melos.Formats.FormatRegistry.Default.ReadAudio(path, AudioReadSettings.Lenient with { SampleRate = settings.AnalysisRate });
        return Transcribe(signal, hints, settings);
    }

    /// <summary>Transcribes decoded audio (resampled to the analysis rate when it is not at it).</summary>
    /// <exception cref="UnusableRecordingException">Silent, noisy or polyphonic.</exception>
    public static Transcription Transcribe(AudioSignal signal, TranscriptionHints? hints = null, TranscriptionSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(signal);
        hints ??= TranscriptionHints.None;
        settings = (settings ?? TranscriptionSettings.Default).Validate();
        signal = signal.ResampledTo(settings.AnalysisRate);
        var samples = RemoveDc(signal.Samples);
        var frames = PitchTracker.Track(samples, settings);
        Check(signal.Info.Source, frames, settings);
        double tuning = NoteSegmenter.Tuning(frames);
        var notes = OnsetRefiner.Refine(samples, settings.AnalysisRate, NoteSegmenter.Segment(frames, tuning, settings));
        if (notes.Count < 2) throw new UnusableRecordingException(signal.Info.Source, TranscriptionDiscard.Silent, $"{notes.Count} notes found");
        double seconds = signal.Seconds;
        var envelope = BeatTracker.Envelope(notes, seconds);
        // An estimated meter comes with the beats it was tracked at; a given meter or tempo tracks them here.
        var (meter, estimatedBeats) = hints.Meter is { } given ? (given, null) : MeterEstimator.EstimateWithBeats(notes, envelope, seconds);
        bool compound = meter.Denominator == 8 && meter.Numerator % 3 == 0 && meter.Numerator > 3;
        double quartersPerBeat = compound ? 1.5 : 4.0 / meter.Denominator;
        int beatsPerBar = compound ? meter.Numerator / 3 : meter.Numerator;
        double period = hints.Bpm is { } bpm ? 60 / bpm * quartersPerBeat : estimatedBeats?.Period ?? BeatTracker.Period(envelope, compound, compound ? 0.6 : 0.5);
        var beats = hints.Bpm is null && estimatedBeats is not null ? estimatedBeats : BeatTracker.Track(envelope, period, seconds);
        var intervals = beats.Times.Zip(beats.Times.Skip(1), (a, b) => b - a).Order().ToList();
        double tempo = hints.Bpm ?? 60 / (intervals.Count > 0 ? intervals[intervals.Count / 2] : period) * quartersPerBeat;

        // The downbeat: the phase whose bars repeat one another best, helped by where the long notes start (DownbeatFinder).
        var onsetBeats = notes.Select(n => beats.BeatAt(n.Start)).ToArray();
        int phase = DownbeatFinder.Choose(onsetBeats, [.. notes.Select(n => n.Pitch)], [.. notes.Select(n => n.Seconds * n.Confidence)],
            beatsPerBar, compound ? 3 : 4);
        double firstBeat = Math.Floor(onsetBeats[0] + 0.2);
        double downbeat = firstBeat + Mod(phase - (int)firstBeat, beatsPerBar);
        double barQuarters = beatsPerBar * quartersPerBeat;
        // Notes before the first downbeat are a pickup: bar 1 is then the pickup bar, a leading rest before them.
        double origin = downbeat - (onsetBeats[0] < downbeat - 0.2 ? beatsPerBar : 0);
        var performed = new List<PerformedNote>(notes.Count);
        for (int i = 0; i < notes.Count; i++)
        {
            double start = (onsetBeats[i] - origin) * quartersPerBeat, release = (beats.BeatAt(notes[i].End) - origin) * quartersPerBeat;
            // Written lengths run to the next note unless the silence before it is a real rest: a gap under 40% of the
            // time between the onsets is articulation (detached playing), not a rest.
            if (i + 1 < notes.Count)
            {
                double next = (onsetBeats[i + 1] - origin) * quartersPerBeat;
                if (next - release < 0.4 * (next - start)) release = next;
            }
            performed.Add(new PerformedNote(notes[i].Pitch, Math.Max(0, start), Math.Max(0, release), (int)Math.Clamp(40 + 80 * notes[i].Confidence, 1, 127)));
        }
        var (quantized, report) = Quantizer.Quantize(performed, ChooseGrid(performed));
        var key = hints.Key ?? KeyEstimator.Estimate(quantized).Key;
        quantized = [.. quantized.Select(n => n with { Pitch = Pitch.FromMidi(n.Pitch.Number, key.Spell(n.Pitch.PitchClass)) })];
        var end = quantized.Count == 0 ? Duration.Zero : quantized[^1].End;
        double bars = Math.Ceiling(end.ToQuarterDouble() / barQuarters - 1e-9);
        var info = new MelodyInfo
        {
            Title = Path.GetFileNameWithoutExtension(signal.Info.Source),
            Source = signal.Info.Source,
            Fields = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty
                .Add("transcription-confidence", Format(notes.Count == 0 ? 0 : notes.Sum(n => n.Confidence * n.Seconds) / notes.Sum(n => n.Seconds)))
                .Add("tuning-cents", Format(tuning)),
        };
        var melody = Melody.Create(quantized, key, [new MeterChange(Duration.Zero, meter)], [TempoChange.FromBpm(Duration.Zero, Math.Clamp(tempo, 20, 400))], [], info,
            Duration.FromQuarters((long)bars * meter.Numerator * 4, meter.Denominator));
        return new Transcription(signal.Info.Source, notes, melody, tuning, tempo, beats, report, seconds);
    }

    /// <summary>
    /// Sixteenths with eighth-note triplets only when the onsets ask for them: when at least 15% of them lie within 0.05
    /// quarter of a triplet point and over 0.07 from every sixteenth. Otherwise late offbeat eighths (swing) and timing
    /// noise snap to triplets they were never meant as.
    /// </summary>
    public static QuantizationGrid ChooseGrid(IReadOnlyList<PerformedNote> performed)
    {
        if (performed.Count == 0) return QuantizationGrid.Default;
        int triplet = 0;
        foreach (var p in performed)
        {
            double f = p.Start - Math.Floor(p.Start);
            double d16 = Math.Abs(f * 4 - Math.Round(f * 4)) / 4, d3 = Math.Abs(f * 3 - Math.Round(f * 3)) / 3;
            if (d3 < 0.05 && d16 > 0.07) triplet++;
        }
        return triplet >= 0.15 * performed.Count ? QuantizationGrid.Default : Sixteenths;
    }

    private static readonly QuantizationGrid Sixteenths = new(4);

    private static string Format(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    private static int Mod(int a, int m) => ((a % m) + m) % m;

    private static float[] RemoveDc(float[] x)
    {
        if (x.Length == 0) return x;
        double mean = 0;
        foreach (var v in x) mean += v;
        mean /= x.Length;
        if (Math.Abs(mean) < 1e-6) return x;
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = (float)(x[i] - mean);
        return y;
    }

    /// <summary>Refuses silent, noisy and polyphonic recordings from their pitch track.</summary>
    private static void Check(string source, IReadOnlyList<PitchFrame> frames, TranscriptionSettings settings)
    {
        if (frames.Count == 0) throw new UnusableRecordingException(source, TranscriptionDiscard.Silent, "shorter than one analysis frame");
        double loudest = frames.Max(f => f.Level);
        if (loudest < -60) throw new UnusableRecordingException(source, TranscriptionDiscard.Silent, string.Create(CultureInfo.InvariantCulture, $"loudest frame {loudest:0} dBFS"));
        var loud = frames.Where(f => f.Level >= loudest - 20).ToList();
        var aperiodicity = loud.Select(f => f.Aperiodicity).Order().ToList();
        double median = aperiodicity[aperiodicity.Count / 2];
        double voicedShare = (double)loud.Count(f => f.Voiced) / loud.Count;
        // Noise leaves no dip in the YIN difference (aperiodicity near 1); several notes at once leave shallow dips
        // (about 0.4 for a four-note chord); one line leaves deep ones (under 0.05 even at 20 dB SNR).
        if (median > 0.55)
            throw new UnusableRecordingException(source, TranscriptionDiscard.Noisy, string.Create(CultureInfo.InvariantCulture, $"median aperiodicity {median:0.00} of loud frames"));
        if (median > 0.2)
            throw new UnusableRecordingException(source, TranscriptionDiscard.Polyphonic, string.Create(CultureInfo.InvariantCulture, $"median aperiodicity {median:0.00} of loud frames"));
        if (voicedShare < 0.3)
            throw new UnusableRecordingException(source, TranscriptionDiscard.Noisy, string.Create(CultureInfo.InvariantCulture, $"{voicedShare:P0} of loud frames voiced"));
    }
}
