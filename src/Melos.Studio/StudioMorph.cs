using System.Diagnostics;
using Melos.Generation;
using Melos.Models.Training;
using Melos.Models.Vae;
using Melos.Music;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Melos.Studio;

/// <summary><c>POST /api/morph</c>: a morph from phrase A to phrase B through the VAE's latent space.</summary>
/// <param name="A">The first phrase.</param>
/// <param name="B">The second phrase (same meter as A).</param>
/// <param name="Steps">Melodies from A to B, both ends included (2..16).</param>
/// <param name="FirstBarA">The first bar of A to use (1-based); the VAE reads its bars from there.</param>
/// <param name="FirstBarB">The first bar of B to use (1-based).</param>
/// <param name="Even">Decode exactly evenly spaced points (by default each inner step may move less than a step to keep the morph moving away from A and towards B).</param>
public sealed record MorphRequest(StudioMelody? A, StudioMelody? B, int Steps = 9, int FirstBarA = 1, int FirstBarB = 1, bool Even = false);

/// <summary>One melody of a morph.</summary>
/// <param name="Position">Where it lies between A (0) and B (1).</param>
/// <param name="Melody">The melody (the VAE's bars, in A's key and meter).</param>
public sealed record MorphStep(double Position, StudioMelody Melody);

/// <summary>The morph.</summary>
/// <param name="Steps">The melodies, A's reconstruction first and B's last; play them one after another, bar by bar.</param>
/// <param name="Bars">Bars per melody (the VAE's window).</param>
/// <param name="Notes">What was done to the inputs (bars used, quantized, padded).</param>
/// <param name="Model">The VAE folder's name.</param>
/// <param name="ElapsedMs">Time spent.</param>
public sealed record MorphResponse(IReadOnlyList<MorphStep> Steps, int Bars, IReadOnlyList<string> Notes, string Model, double ElapsedMs);

/// <summary>
/// The studio's morph between two phrases through a VAE (<see cref="StudioOptions.VaeDirectory"/>, by default the
/// <c>vae</c> folder beside the served model's folder), loaded on first use; one morph at a time.
/// </summary>
public sealed class StudioMorph : IDisposable
{
    /// <summary>The most melodies one morph returns.</summary>
    public const int MaxSteps = 16;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lazy<LatentSpace?> _space;

    /// <summary>Creates the service for the studio's options.</summary>
    public StudioMorph(StudioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory = VaeDirectory(options);
        _space = new Lazy<LatentSpace?>(() => Directory is null ? null : LatentSpace.Load(Directory));
    }

    /// <summary>The VAE folder, or null when there is none.</summary>
    public string? Directory { get; }

    /// <summary>The VAE folder of <paramref name="options"/>: the one given, else <c>vae</c> beside the model folder when it holds a checkpoint.</summary>
    public static string? VaeDirectory(StudioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.VaeDirectory is { } given) return given;
        var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.ModelDirectory)));
        var sibling = parent is null ? null : Path.Combine(parent, "vae");
        return sibling is not null && File.Exists(Path.Combine(sibling, Checkpoint.ConfigFile)) ? sibling : null;
    }

    /// <summary>Maps <c>POST /api/morph</c>.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/api/morph", Morph).WithTags("studio").WithName("Morph")
            .WithSummary("Morphs phrase A into phrase B through the VAE's latent space: A's and B's reconstructions at the ends, slerp between them.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
    }

    private static Task<Results<Ok<MorphResponse>, ProblemHttpResult>> Morph(MorphRequest request, StudioMorph morph, StudioInference inference, HttpContext http) =>
        StudioApi.Guard(http, async () =>
        {
            long started = Stopwatch.GetTimestamp();
            if (request.Steps < 2 || request.Steps > MaxSteps) throw new StudioRequestException("steps", $"must be 2..{MaxSteps}, not {request.Steps}");
            var a = Cut(inference.Melodies.Read(request.A, "a"), request.FirstBarA, request.A!.Bars, "firstBarA");
            var b = Cut(inference.Melodies.Read(request.B, "b"), request.FirstBarB, request.B!.Bars, "firstBarB");
            if (a.Meter != b.Meter) throw new StudioRequestException("b.meter", $"is {b.Meter} but a is in {a.Meter}; a morph needs two phrases of one meter");
            var space = morph._space.Value ?? throw new StudioRequestException("model", "the studio has no VAE (train one with melos train --arch vae into a vae folder beside the model's)");
            await morph._gate.WaitAsync(http.RequestAborted);
            Interpolation result;
            try
            {
                result = space.Interpolate(a, b, request.Steps, null, "a", "b", http.RequestAborted, request.Even ? InterpolationPath.Even : InterpolationPath.Smooth);
            }
            catch (VaeInputException e)
            {
                throw new StudioRequestException(e.What, e.Reason);
            }
            finally
            {
                morph._gate.Release();
            }
            var notes = result.NotesA.Select(n => "a: " + n).Concat(result.NotesB.Select(n => "b: " + n)).ToList();
            var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(morph.Directory!)));
            return new MorphResponse([.. result.Steps.Select(s => new MorphStep(s.Position, StudioMelodies.Write(s.Melody)))], space.Bars, notes, name,
                Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 3));
        });

    /// <summary>The melody from bar <paramref name="firstBar"/> (1-based) on.</summary>
    private static Melody Cut(Melody melody, int firstBar, int bars, string field)
    {
        if (firstBar < 1 || firstBar > bars) throw new StudioRequestException(field, $"must be 1..{bars} (the phrase's bars), not {firstBar}");
        if (firstBar == 1) return melody;
        var start = melody.BarStart(firstBar - 1);
        var notes = melody.Notes.Where(n => n.Start >= start).Select(n => n with { Start = n.Start - start });
        return Melody.Create(notes, melody.Key, [new MeterChange(Duration.Zero, melody.Meter)], melody.Tempos.Take(1).Select(t => new TempoChange(Duration.Zero, t.MicrosecondsPerQuarter)),
            melody.Chords.Where(c => c.At >= start).Select(c => c with { At = c.At - start }), melody.Info, melody.Length - start);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_space.IsValueCreated) _space.Value?.Dispose();
        _gate.Dispose();
    }
}
