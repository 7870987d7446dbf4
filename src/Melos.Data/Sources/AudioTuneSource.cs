using System.Globalization;
using Melos.Data.Corpus;
using Melos.Data.Transcription;
using Melos.Formats;
using Melos.Formats.Audio;

namespace Melos.Data.Sources;

/// <summary>
/// Reads one tune per recording (WAV, FLAC, MP3, Ogg Vorbis) by transcribing it (<see cref="Transcriber"/>). The melody's
/// <see cref="Music.MelodyInfo.Source"/> is the recording and its fields carry <c>transcription-confidence</c>,
/// <c>tuning-cents</c> and <c>quantization-error</c> (mean onset shift in quarters); a recording that cannot be decoded is
/// a <see cref="DiscardReason.ParseError"/>, one that is silent, noisy or polyphonic is discarded by that reason.
/// </summary>
public sealed class AudioTuneSource(TranscriptionSettings? settings = null) : ITuneSource
{
    private readonly TranscriptionSettings _settings = (settings ?? TranscriptionSettings.Default).Validate();

    /// <inheritdoc/>
    public bool CanRead(string path) => FormatRegistry.Default.IsAudio(path);

    /// <inheritdoc/>
    public IEnumerable<SourceTune> Read(string path, string relativeId)
    {
        Transcription.Transcription t;
        try
        {
            t = Transcriber.Transcribe(path, TranscriptionHints.None, _settings);
        }
        catch (AudioFormatException e)
        {
            return [SourceTune.Failed(relativeId, DiscardReason.ParseError, e.Message)];
        }
        catch (UnusableRecordingException e)
        {
            var reason = e.Reason switch
            {
                TranscriptionDiscard.Silent => DiscardReason.SilentRecording,
                TranscriptionDiscard.Noisy => DiscardReason.NoisyRecording,
                _ => DiscardReason.PolyphonicRecording,
            };
            return [SourceTune.Failed(relativeId, reason, e.Detail)];
        }
        var info = t.Melody.Info with
        {
            Fields = t.Melody.Info.Fields.SetItem("quantization-error", t.Quantization.MeanOnsetError.ToString("0.####", CultureInfo.InvariantCulture)),
        };
        return [SourceTune.Found(relativeId, t.Melody.WithInfo(info))];
    }
}
