using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Melos.Data.Tokenizers;
using Melos.Formats;
using Melos.Formats.MusicXml;
using Melos.Generation;
using Melos.Generation.Explanation;
using Melos.Music;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Melos.Studio;

/// <summary>
/// The JSON API under <c>/api/</c> (see docs/studio.md): stateless requests, one inference queue, 400 with a one-line
/// message and the field's JSON path for bad input, 500 with an error id (also in the server log) for a bug.
/// </summary>
public static class StudioApi
{
    /// <summary>The lowest temperature a request may ask for.</summary>
    public const double MinTemperature = 0.05;

    /// <summary>The highest temperature.</summary>
    public const double MaxTemperature = 5;

    /// <summary>The most infilling candidates per request.</summary>
    public const int MaxCandidates = 64;

    /// <summary>The export formats: the writable formats of <see cref="FormatRegistry.Default"/> (MIDI, ABC, MusicXML, WAV).</summary>
    public static IReadOnlyList<MelodyFormat> ExportFormats { get; } = [.. FormatRegistry.Default.Writable];

    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var api = app.MapGroup("/api").WithTags("studio");
        api.MapGet("/model", GetModel).WithName("GetModel").WithSummary("The model the studio serves: what it knows (keys, meters, styles, grid, operations) and the request limits.");
        api.MapPost("/chords", Chords).WithName("Chords").WithSummary("Lays out chord progression text over the bars of a meter, as melos generate --chords does.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        api.MapPost("/continue", Continue).WithName("Continue").WithSummary("The model answers a phrase with new bars after it.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPost("/infill", Infill).WithName("Infill").WithSummary("Regenerates the chosen bars so they join both neighbours; the other bars are kept note for note.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPost("/vary", Vary).WithName("Vary").WithSummary("Redraws about amount × notes of the melody's notes with the model.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPost("/explain", Explain).WithName("Explain").WithSummary("Every note's probability, rank, surprisal, entropy and alternatives under the model.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPost("/export", Export).WithName("Export").WithSummary("The melody as a file: mid (with a chord track), abc, musicxml or wav.")
            .Produces(StatusCodes.Status200OK, typeof(byte[]), ExportFormats[0].MediaType, [.. ExportFormats.Skip(1).Select(f => f.MediaType)])
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
    }

    private static Ok<ModelInfo> GetModel(StudioInference inference)
    {
        var g = inference.Generator;
        var tokenizer = g.Tokenizer.Config;
        var limits = inference.Options.Limits;
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(inference.Options.ModelDirectory)));
        return TypedResults.Ok(new ModelInfo(name, g.Model.Architecture, MelodyGenerator.TokenizerName(tokenizer), tokenizer.StepsPerQuarter,
            tokenizer.MinPitch, tokenizer.MaxPitch, [.. g.Vocabulary.Styles], StudioGrammar.Meters(g.Vocabulary), StudioGrammar.Keys(),
            StudioGrammar.NoteLengths(tokenizer.StepsPerQuarter), StudioGrammar.Operations(g), g.ContextTokens,
            new ModelLimits(limits.MaxNotes, limits.MaxBars, limits.MaxAnswerBars, limits.MaxBodyBytes, limits.MaxAudioSeconds,
                StudioMelodies.MinTempo, StudioMelodies.MaxTempo, MinTemperature, MaxTemperature, MaxCandidates, ProgressionChord.MaxBeats,
                inference.Options.Budgets.MaxBarCandidates, inference.Options.Budgets.RequestTime.TotalSeconds)));
    }

    private static Task<Results<Ok<ChordsResponse>, ProblemHttpResult>> Chords(ChordsRequest request, StudioInference inference, HttpContext http) =>
        Guard(http, () => Task.FromResult(StudioGrammar.LayoutChords(request, inference.Options.Limits)));

    private static Task<Results<Ok<ContinueResponse>, ProblemHttpResult>> Continue(ContinueRequest request, StudioInference inference, HttpContext http) =>
        Guard(http, async () =>
        {
            long started = Stopwatch.GetTimestamp();
            var limits = inference.Options.Limits;
            if (request.Melody is null) throw new StudioRequestException("melody", "is required");
            if (request.Bars < 1 || request.Bars > limits.MaxAnswerBars) throw new StudioRequestException("bars", $"the answer must be 1..{limits.MaxAnswerBars} bars, not {request.Bars}");
            int phraseBars = request.Melody.Bars;
            if (phraseBars >= 1 && phraseBars <= limits.MaxBars && phraseBars + request.Bars > limits.MaxBars)
                throw new StudioRequestException("bars", $"the phrase's {phraseBars} bars and the answer's {request.Bars} make {phraseBars + request.Bars}; at most {limits.MaxBars} bars are allowed");
            CheckBudget(http, inference, phraseBars + request.Bars, 1, "bars");
            var phrase = inference.Melodies.Read(request.Melody, chordBars: phraseBars + request.Bars);
            CheckSampling(request.Temperature, request.TopP);
            var grid = inference.Generator.Tokenizer.Config;
            var low = ParsePitch(request.Low, "low") ?? Pitch.FromMidi(grid.MinPitch);
            var high = ParsePitch(request.High, "high") ?? Pitch.FromMidi(grid.MaxPitch);
            if (low.Number > high.Number) throw new StudioRequestException("low", $"{low} is above high {high}");
            int from = Math.Max(low.Number, grid.MinPitch), to = Math.Min(high.Number, grid.MaxPitch);
            if (!Enumerable.Range(from, Math.Max(0, to - from + 1)).Any(p => request.Chromatic || phrase.Key!.Scale.Contains(p)))
                throw new StudioRequestException("low", $"no pitch{(request.Chromatic ? "" : $" of {phrase.Key}")} lies between {low} and {high} within the model's range {Pitch.FromMidi(grid.MinPitch)}-{Pitch.FromMidi(grid.MaxPitch)}");
            int seed = request.Seed ?? Random.Shared.Next();
            var full = Melody.Create(phrase.Notes, phrase.Key, phrase.Meters, phrase.Tempos, phrase.Chords, phrase.Info,
                phrase.Meter.BarLength * new Rational(phraseBars + request.Bars, 1));
            var answer = await Run(http, inference, (g, ct) =>
                StudioContinuation.Continue(g, full, phraseBars, request.Bars, request.Temperature, request.TopP, seed, low, high, request.Chromatic, ct));
            return new ContinueResponse(StudioMelodies.Write(answer.Melody, request.Explain ? answer.Probabilities : null), new BarRange(phraseBars + 1, phraseBars + request.Bars),
                answer.LogLikelihood, seed, Elapsed(started));
        });

    private static Task<Results<Ok<InfillResponse>, ProblemHttpResult>> Infill(InfillApiRequest request, StudioInference inference, HttpContext http) =>
        Guard(http, async () =>
        {
            long started = Stopwatch.GetTimestamp();
            var melody = inference.Melodies.Read(request.Melody);
            int bars = request.Melody!.Bars;
            if (request.FirstBar < 1 || request.FirstBar > bars) throw new StudioRequestException("firstBar", $"must be 1..{bars} (the melody's bars), not {request.FirstBar}");
            if (request.LastBar < request.FirstBar || request.LastBar > bars)
                throw new StudioRequestException("lastBar", $"must be {request.FirstBar}..{bars} (firstBar to the melody's last bar), not {request.LastBar}");
            CheckSampling(request.Temperature, request.TopP);
            if (request.Candidates < 1 || request.Candidates > MaxCandidates) throw new StudioRequestException("candidates", $"must be 1..{MaxCandidates}, not {request.Candidates}");
            CheckBudget(http, inference, bars, request.Candidates, "candidates");
            int seed = request.Seed ?? Random.Shared.Next();
            var infill = new InfillRequest(melody, request.FirstBar, request.LastBar)
            {
                Candidates = request.Candidates,
                Sampling = new SamplingSettings { Temperature = request.Temperature, TopP = request.TopP },
                Seed = seed,
            };
            var (result, probabilities) = await Run(http, inference, (g, ct) =>
            {
                var best = g.Infill(infill, ct)[0];
                return (best, request.Explain ? Probabilities(g, best.Melody) : null);
            });
            return new InfillResponse(StudioMelodies.Write(result.Melody, probabilities), seed, Elapsed(started));
        });

    private static Task<Results<Ok<VaryResponse>, ProblemHttpResult>> Vary(VaryApiRequest request, StudioInference inference, HttpContext http) =>
        Guard(http, async () =>
        {
            long started = Stopwatch.GetTimestamp();
            var melody = inference.Melodies.Read(request.Melody);
            if (!(request.Amount >= 0 && request.Amount <= 1)) throw new StudioRequestException("amount", Invariant($"must be 0..1, not {request.Amount}"));
            CheckSampling(request.Temperature, null);
            CheckBudget(http, inference, request.Melody!.Bars, 1, "melody");
            int seed = request.Seed ?? Random.Shared.Next();
            var (varied, changed, probabilities) = await Run(http, inference, (g, ct) =>
            {
                if (request.Amount == 0) return (melody, 0, request.Explain ? Probabilities(g, melody) : null);
                var variation = new VariationRequest(melody, request.Amount)
                {
                    Rhythm = request.Rhythm, Sampling = new SamplingSettings { Temperature = request.Temperature }, Seed = seed,
                };
                var v = g.Vary(variation, ct)[0];
                return (v.Melody, v.ChangedNotes, request.Explain ? Probabilities(g, v.Melody) : null);
            });
            return new VaryResponse(StudioMelodies.Write(varied, probabilities), changed, seed, Elapsed(started));
        });

    private static Task<Results<Ok<ExplainResponse>, ProblemHttpResult>> Explain(MelodyRequest request, StudioInference inference, HttpContext http) =>
        Guard(http, async () =>
        {
            long started = Stopwatch.GetTimestamp();
            var melody = inference.Melodies.Read(request.Melody);
            CheckBudget(http, inference, request.Melody!.Bars, 1, "melody");
            var explanation = await Run(http, inference, (g, _) =>
                new Explainer(g).Explain(melody, new ExplainOptions { Attribution = false, Influence = false, Alternatives = 5 }));
            var notes = explanation.Notes.Select(n =>
            {
                var note = melody.Notes[n.Index];
                return new ExplainedNote(n.Index, note.Pitch.Number, note.Start.ToQuarterDouble(), note.Length.ToQuarterDouble(), n.Probability, n.Rank,
                    n.SurprisalBits, n.EntropyBits, [.. n.Alternatives.Select(a => new AlternativeToken(a.Token, a.Probability))]);
            }).ToList();
            return new ExplainResponse(notes, notes.Count == 0 ? null : explanation.BitsPerNote, Elapsed(started));
        });

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Export(MelodyRequest request, [FromQuery] string? format, StudioInference inference, HttpContext http)
    {
        try
        {
            var kind = string.IsNullOrWhiteSpace(format) ? null : FormatRegistry.Default.Named(format);
            if (kind is null || !ExportFormats.Contains(kind))
            {
                var choices = string.Join(", ", ExportFormats.SkipLast(1).Select(f => f.Name)) + " or " + ExportFormats[^1].Name;
                throw new StudioRequestException("format", $"{(string.IsNullOrEmpty(format) ? "is required" : $"unknown format '{format}'")}; choose {choices}");
            }
            var melody = inference.Melodies.Read(request.Melody);
            if (kind == MelodyFormat.Wav) CheckAudioLength(melody, inference.Options.Limits);
            var bytes = await Task.Run(() => kind.Write(melody), http.RequestAborted);
            return TypedResults.File(bytes, kind.MediaType, "melos" + kind.Ending);
        }
        catch (Exception e) when (Problem(http, e) is { } problem)
        {
            return problem;
        }
    }

    /// <summary>Runs a job for the request's client, recording its timing for the request log.</summary>
    private static Task<T> Run<T>(HttpContext http, StudioInference inference, Func<MelodyGenerator, CancellationToken, T> work)
    {
        var timing = new JobTiming();
        StudioRequestLog.Of(http).Timing = timing;
        return inference.RunAsync(work, http.RequestAborted, StudioFairness.Client(http), timing);
    }

    /// <summary>
    /// The work budget, checked before any work: <paramref name="bars"/> (the bars the model hears) times
    /// <paramref name="candidates"/> may be at most <see cref="StudioBudgets.MaxBarCandidates"/>; the model steps of a bar
    /// are bounded by the tokenizer, so this bounds the model steps too. Over it: 400 naming <paramref name="field"/>.
    /// </summary>
    private static void CheckBudget(HttpContext http, StudioInference inference, int bars, int candidates, string field)
    {
        var log = StudioRequestLog.Of(http);
        (log.Bars, log.Candidates) = (bars, candidates);
        int max = inference.Options.Budgets.MaxBarCandidates;
        long work = (long)bars * candidates;
        if (work <= max) return;
        http.RequestServices.GetService<StudioMetrics>()?.Refused("budget");
        log.Outcome = "refused: budget";
        throw new StudioRequestException(field, $"{bars} bars × {candidates} candidate{(candidates == 1 ? "" : "s")} make {work} bar-candidates of model work; at most {max} are allowed per request");
    }

    private static void CheckAudioLength(Melody melody, StudioLimits limits)
    {
        double seconds = melody.Length.ToQuarterDouble() * 60 / (melody.Tempos.IsEmpty ? 120 : melody.Tempos[0].Bpm);
        if (seconds > limits.MaxAudioSeconds)
            throw new StudioRequestException("melody", Invariant($"lasts {seconds:0} s at its tempo; WAV export renders at most {limits.MaxAudioSeconds} s"));
    }

    /// <summary>Each note's probability under the model (the onset token's), for colouring.</summary>
    private static double[] Probabilities(MelodyGenerator generator, Melody melody) =>
        [.. new Explainer(generator).Explain(melody, new ExplainOptions { Attribution = false, Influence = false, Alternatives = 0 }).Notes.Select(n => n.Probability)];

    private static void CheckSampling(double temperature, double? topP)
    {
        if (!(temperature >= MinTemperature && temperature <= MaxTemperature))
            throw new StudioRequestException("temperature", Invariant($"must be {MinTemperature}..{MaxTemperature}, not {temperature}"));
        if (topP is { } p && !(p > 0 && p <= 1)) throw new StudioRequestException("topP", Invariant($"must be in (0, 1] or null, not {p}"));
    }

    private static Pitch? ParsePitch(string? text, string field)
    {
        if (text is null) return null;
        if (!Pitch.TryParse(text, out var pitch)) throw new StudioRequestException(field, $"'{text}' is not a pitch (e.g. C4, F#5 or a MIDI number)");
        return pitch;
    }

    private static double Elapsed(long started) => Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 3);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Runs a handler: bad input becomes 400 with a one-line detail and the field's JSON path, a full queue 503 with
    /// <c>Retry-After: 1</c>, anything else 500 with an error id that the server log also gives (see <see cref="Problem"/>).
    /// </summary>
    internal static async Task<Results<Ok<T>, ProblemHttpResult>> Guard<T>(HttpContext http, Func<Task<T>> body)
    {
        try
        {
            return TypedResults.Ok(await body());
        }
        catch (Exception e) when (Problem(http, e) is { } problem)
        {
            return problem;
        }
    }

    /// <summary>
    /// The problem a failure is answered with: 400 for the caller's mistakes (a <see cref="StudioRequestException"/> or
    /// an <see cref="InvalidRequestException"/>, with the field's JSON path as <c>field</c>), 503 for a full queue, and
    /// 500 for anything else: a bug, logged at Error level with an id that the problem's <c>errorId</c> repeats. Null only
    /// when the client has gone (its request was aborted): nobody is left to answer.
    /// </summary>
    internal static ProblemHttpResult? Problem(HttpContext http, Exception e)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(e);
        switch (e)
        {
            case OperationCanceledException when http.RequestAborted.IsCancellationRequested:
                return null;
            case RequestTimeBudgetException late:
                http.RequestServices.GetService<StudioMetrics>()?.Refused("time");
                StudioRequestLog.Of(http).Outcome = "stopped: time budget";
                return TypedResults.Problem(late.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "The request ran out of time",
                    extensions: new Dictionary<string, object?> { ["budgetSeconds"] = late.Budget.TotalSeconds });
            case InferenceQueueFullException full:
                http.RequestServices.GetService<StudioMetrics>()?.Refused("queue-full");
                StudioRequestLog.Of(http).Outcome = "refused: queue full";
                http.Response.Headers.RetryAfter = "1";
                return TypedResults.Problem(full.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "The model is busy");
            case StudioRequestException bad:
                return BadRequest(bad.Field, bad.Reason);
            case InvalidRequestException invalid:
                return BadRequest(JsonPath(invalid.Field), OneLine(invalid.Reason));
            case TokenizationException tokens:
                return BadRequest("melody", "the model cannot encode it: " + OneLine(tokens.Message));
            case MusicXmlNotationException notation:
                return BadRequest("melody", OneLine(notation.Message));
            default:
                return InternalError(http, e);
        }
    }

    /// <summary>
    /// The JSON path in the studio's request bodies of a request field: the request's own properties
    /// (<c>temperature</c>, <c>topP</c>, <c>firstBar</c>, <c>low</c>, …) and the melody's (<c>melody.key</c>,
    /// <c>melody.meter</c>, <c>melody.notes</c>, …).
    /// </summary>
    public static string JsonPath(RequestField field) => field switch
    {
        RequestField.Melody => "melody",
        RequestField.Key => "melody.key",
        RequestField.Meter => "melody.meter",
        RequestField.Style => "melody.style",
        RequestField.Chords => "melody.chords",
        RequestField.TempoBpm => "melody.tempo",
        RequestField.Primer => "melody.notes",
        _ => JsonNamingPolicy.CamelCase.ConvertName(field.ToString()),
    };

    /// <summary>The 400 for the caller's mistake: <c>field: reason</c> as the detail, and the field's JSON path as <c>field</c>.</summary>
    internal static ProblemHttpResult BadRequest(string field, string reason) =>
        TypedResults.Problem($"{field}: {reason}", statusCode: StatusCodes.Status400BadRequest, title: "The request cannot be served",
            extensions: new Dictionary<string, object?> { ["field"] = field });

    /// <summary>A 500 for a bug: the exception is logged at Error level under a new id, which the problem gives as <c>errorId</c>.</summary>
    private static ProblemHttpResult InternalError(HttpContext http, Exception e)
    {
        var errorId = Guid.NewGuid().ToString("N");
        var logger = http.RequestServices.GetService<ILoggerFactory>()?.CreateLogger(typeof(StudioApi).FullName!);
        logger?.LogError(e, "Internal error {ErrorId} answering {Method} {Path}", errorId, http.Request.Method, http.Request.Path);
        return TypedResults.Problem($"Something went wrong inside the studio (error {errorId}); the server log has the details.",
            statusCode: StatusCodes.Status500InternalServerError, title: "Internal error",
            extensions: new Dictionary<string, object?> { ["errorId"] = errorId });
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
