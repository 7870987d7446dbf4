using System.Globalization;
using Melos.Data.Tokenizers;
using Melos.Generation.Decoding;
using Melos.Models.Training;
using Melos.Models.Vae;
using Melos.Music;

namespace Melos.Generation;

/// <summary>One melody of an interpolation.</summary>
/// <param name="Position">Where it lies between A (0) and B (1).</param>
/// <param name="Melody">The decoded melody.</param>
/// <param name="Tokens">Its grid tokens (no BOS).</param>
public sealed record InterpolationStep(double Position, Melody Melody, IReadOnlyList<int> Tokens);

/// <summary>An interpolation from A to B and what was done to the inputs.</summary>
/// <param name="Steps">The melodies, A's reconstruction first and B's last.</param>
/// <param name="NotesA">What was done to A (first bars used, quantized ...).</param>
/// <param name="NotesB">What was done to B.</param>
public sealed record Interpolation(IReadOnlyList<InterpolationStep> Steps, IReadOnlyList<string> NotesA, IReadOnlyList<string> NotesB);

/// <summary>How an interpolation places its melodies on the path between A's and B's latents.</summary>
public enum InterpolationPath
{
    /// <summary>
    /// The path decoded at <see cref="LatentSpace.SmoothSubdivisions"/> points per step, each inner point greedily and
    /// <see cref="LatentSpace.SmoothSamples"/> times sampled; each inner step takes a melody decoded less than a step from
    /// its even position that keeps moving away from A and towards B (fewest tokens against that direction, then nearest
    /// the even positions, greedy decodings first).
    /// </summary>
    Smooth,

    /// <summary>The decodings of evenly spaced points, whatever their distances.</summary>
    Even,
}

/// <summary>A candidate melody for one step of a smooth interpolation (<see cref="LatentSpace.SmoothPath(IReadOnlyList{SmoothCandidate}, Func{int, int, bool}, int, int)"/>).</summary>
/// <param name="Point">The point of the path it was decoded from.</param>
/// <param name="ToA">Its distance to A (grid tokens that differ).</param>
/// <param name="ToB">Its distance to B.</param>
/// <param name="Penalty">Points of distance it counts as beside its own (a sampled decoding 1, the greedy one 0).</param>
public readonly record struct SmoothCandidate(int Point, int ToA, int ToB, int Penalty);

/// <summary>A corpus window near a query in latent space.</summary>
/// <param name="Index">The melody's index in the list searched.</param>
/// <param name="Bar">The window's first bar (0-based).</param>
/// <param name="Distance">Euclidean distance between the latent means.</param>
public sealed record Neighbour(int Index, int Bar, double Distance);

/// <summary>
/// What a trained <see cref="MelodyVae"/> does with melodies: encode them to latent means, decode latents through the one
/// <see cref="Decoder"/> loop and the grid grammar (so a request's constraints hold when sampling the prior), interpolate
/// two melodies along the great circle between their means (slerp), and find the corpus windows nearest to a melody.
/// </summary>
public sealed class LatentSpace : IDisposable
{
    private readonly bool _owns;

    /// <summary>Wraps a VAE, its tokenizer and its conditioning vocabulary.</summary>
    public LatentSpace(MelodyVae model, GridTokenizer tokenizer, ConditioningVocabulary vocabulary, bool ownsModel = false)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        Vocabulary = vocabulary ?? throw new ArgumentNullException(nameof(vocabulary));
        _owns = ownsModel;
        Meter = TimeSignature.Parse(model.Config.Meter);
    }

    /// <summary>Loads a VAE checkpoint folder.</summary>
    /// <exception cref="ModelKindException">The folder holds an autoregressive model.</exception>
    public static LatentSpace Load(string directory)
    {
        var loaded = LoadedVae.Load(directory);
        return new LatentSpace(loaded.Model, loaded.Tokenizer, loaded.Info.Conditioning, ownsModel: true);
    }

    /// <summary>The VAE.</summary>
    public MelodyVae Model { get; }

    /// <summary>Its grid tokenizer.</summary>
    public GridTokenizer Tokenizer { get; }

    /// <summary>Its conditioning vocabulary (for the grammar's template).</summary>
    public ConditioningVocabulary Vocabulary { get; }

    /// <summary>The VAE's meter.</summary>
    public TimeSignature Meter { get; }

    /// <summary>Bars per window.</summary>
    public int Bars => Model.Config.Bars;

    /// <summary>A melody as the VAE's input window (<see cref="VaeWindows.Prepare"/>).</summary>
    /// <exception cref="VaeInputException">Another meter, no notes, or a pitch outside the VAE's range.</exception>
    public VaeInput Prepare(Melody melody, string what) => VaeWindows.Prepare(melody, Model.Config, Tokenizer, what);

    /// <summary>The latent means of token windows.</summary>
    public float[][] Encode(IReadOnlyList<int[]> windows) => Model.EncodeWindows(windows).Mu;

    /// <summary>Spherical interpolation between <paramref name="a"/> and <paramref name="b"/> at <paramref name="t"/> (linear when they are nearly parallel).</summary>
    public static float[] Slerp(IReadOnlyList<float> a, IReadOnlyList<float> b, double t)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count) throw new ArgumentException($"Latents of {a.Count} and {b.Count} dimensions.", nameof(b));
        double na = 0, nb = 0, dot = 0;
        for (int i = 0; i < a.Count; i++)
        {
            na += a[i] * (double)a[i];
            nb += b[i] * (double)b[i];
            dot += a[i] * (double)b[i];
        }
        double cos = na == 0 || nb == 0 ? 1 : Math.Clamp(dot / Math.Sqrt(na * nb), -1, 1);
        double omega = Math.Acos(cos);
        double wa, wb;
        if (Math.Sin(omega) < 1e-6) (wa, wb) = (1 - t, t);
        else (wa, wb) = (Math.Sin((1 - t) * omega) / Math.Sin(omega), Math.Sin(t * omega) / Math.Sin(omega));
        var result = new float[a.Count];
        for (int i = 0; i < a.Count; i++) result[i] = (float)(wa * a[i] + wb * b[i]);
        return result;
    }

    /// <summary>
    /// Decodes latents into melodies with the one decoder loop over the grid grammar of <paramref name="request"/>
    /// (its bars must be the VAE's; its key, range and other constraints bind), greedily or by sampling with the request's settings.
    /// </summary>
    /// <exception cref="InvalidRequestException">The request's bars or meter are not the VAE's, or it asks for a beam or best-of-N.</exception>
    public IReadOnlyList<GeneratedMelody> Decode(IReadOnlyList<float[]> latents, GenerationRequest request, bool greedy, Random rng, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(rng);
        Check(request);
        var decoder = Model.Decoder(latents);
        var policy = greedy ? new DecodingPolicy(true) : DecodingPolicy.Of(request);
        var result = new List<GeneratedMelody>(latents.Count);
        for (int i = 0; i < latents.Count; i++) result.Add(DecodeOne(decoder, request, policy, rng, i + 1, cancellation));
        return result;
    }

    /// <summary>One melody (number <paramref name="number"/> of the request) from the next state of <paramref name="decoder"/>, through the request's grid grammar.</summary>
    private GeneratedMelody DecodeOne(LatentDecoder decoder, GenerationRequest request, DecodingPolicy policy, Random rng, int number, CancellationToken cancellation)
    {
        var grammar = Grammars.For(Tokenizer, request, Vocabulary, out var forced);
        var loop = new Decoder(decoder, grammar, forced, policy, rng);
        var notes = loop.Run(cancellation).ToList();
        var template = MelodyGenerator.Template(request, number);
        var melody = Melody.Create(notes, template.Key, template.Meters, template.Tempos, template.Chords, template.Info, request.Length);
        return new GeneratedMelody(melody, loop.LogLikelihood, [.. loop.Grammar.Tokens], loop.FallbackSteps);
    }

    /// <summary>Refuses a request the VAE cannot serve (other bars or meter, beam search, best-of-N).</summary>
    /// <exception cref="InvalidRequestException">The field and why.</exception>
    public void Check(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        if (request.Bars != Bars) throw new InvalidRequestException(RequestField.Bars, string.Create(CultureInfo.InvariantCulture, $"this VAE writes {Bars} bars, not {request.Bars}"));
        if (request.Meter != Meter) throw new InvalidRequestException(RequestField.Meter, $"this VAE writes {Meter} only, not {request.Meter}");
        if (request.BeamWidth is not null) throw new InvalidRequestException(RequestField.BeamWidth, "a VAE samples from its prior; beam search needs an autoregressive model");
        if (request.BestOf is not null) throw new InvalidRequestException(RequestField.BestOf, "a VAE samples from its prior; best-of-N needs an autoregressive model");
    }

    /// <summary>Samples <see cref="GenerationRequest.Count"/> latents from the prior N(0, I) and decodes them under the request (all randomness from its seed).</summary>
    public IReadOnlyList<GeneratedMelody> SamplePrior(GenerationRequest request, CancellationToken cancellation = default)
    {
        Check(request);
        var rng = new Random(request.Seed);
        var latents = new float[request.Count][];
        for (int i = 0; i < latents.Length; i++) latents[i] = Gaussian(rng, Model.Config.LatentSize);
        return Decode(latents, request, greedy: false, rng, cancellation);
    }

    private static float[] Gaussian(Random rng, int n)
    {
        var z = new float[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            z[i] = (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return z;
    }

    /// <summary>The request the interpolation decodes under: the VAE's bars and meter, the key given, chromatic, the whole range.</summary>
    public GenerationRequest RequestFor(Key key, double tempoBpm = 120) => new()
    {
        Bars = Bars,
        Meter = Meter,
        Key = key,
        TempoBpm = tempoBpm,
        Pitches = new PitchConstraints { Chromatic = true },
    };

    /// <summary>
    /// <paramref name="steps"/> melodies from A to B: the latent means of A's and B's windows (<see cref="Prepare"/>), slerped
    /// and decoded greedily, so the first is A's reconstruction and the last B's. Written in <paramref name="key"/> (default
    /// A's key, else C major). With <see cref="InterpolationPath.Even"/> the melodies are the decodings of evenly spaced
    /// points; with <see cref="InterpolationPath.Smooth"/> (the default) the path is decoded at
    /// <see cref="SmoothSubdivisions"/> points per step (each inner point greedily and <see cref="SmoothSamples"/> times
    /// sampled at <see cref="SmoothSampleTemperature"/>, with fixed seeds) and each inner step takes, from the melodies
    /// decoded less than a step from its even position, the one that keeps the morph moving away from A and towards B
    /// (<see cref="SmoothPath(IReadOnlyList{SmoothCandidate}, Func{int, int, bool}, int, int)"/>); each step's
    /// <see cref="InterpolationStep.Position"/> is the point it was decoded from. The candidates are decoded on up to 4 threads.
    /// </summary>
    /// <exception cref="VaeInputException">A melody the VAE cannot read (another meter: the two must share the VAE's meter).</exception>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 2 steps.</exception>
    public Interpolation Interpolate(Melody a, Melody b, int steps, Key? key = null, string nameA = "A", string nameB = "B", CancellationToken cancellation = default,
        InterpolationPath path = InterpolationPath.Smooth)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
        if (a.Meter != b.Meter)
            throw new VaeInputException(nameB, $"is in {b.Meter} but {nameA} is in {a.Meter}; interpolation needs two melodies of one meter");
        var inA = Prepare(a, nameA);
        var inB = Prepare(b, nameB);
        var mu = Encode([inA.Tokens, inB.Tokens]);
        int sub = path == InterpolationPath.Smooth && steps > 2 ? SmoothSubdivisions : 1;
        int points = (steps - 1) * sub + 1;
        var latents = new float[points][];
        for (int i = 0; i < points; i++) latents[i] = Slerp(mu[0], mu[1], i / (double)(points - 1));
        var tempo = a.Tempos.IsEmpty ? 120 : a.Tempos[0].Bpm;
        var request = RequestFor(key ?? a.Key ?? Key.CMajor, tempo);
        // Every point decoded greedily; on a smooth path each inner point also sampled SmoothSamples times (fixed seeds).
        var jobs = new List<(int Point, int Sample)>();
        for (int k = 0; k < points; k++) jobs.Add((k, 0));
        if (sub > 1)
            for (int r = 1; r <= SmoothSamples; r++)
                for (int k = 1; k < points - 1; k++) jobs.Add((k, r));
        var decoded = DecodeParallel(latents, request, jobs, cancellation);
        var tokens = decoded.Select(d => d.Tokens.Skip(1).ToArray()).ToList();
        int[] chosen;
        if (sub == 1) chosen = [.. Enumerable.Range(0, steps)];
        else
        {
            var candidates = jobs.Select((j, c) => new SmoothCandidate(j.Point, Hamming(tokens[c], inA.Tokens), Hamming(tokens[c], inB.Tokens), j.Sample == 0 ? 0 : 1)).ToList();
            chosen = SmoothPath(candidates, (x, y) => tokens[x].AsSpan().SequenceEqual(tokens[y]), steps, sub);
        }
        var result = new InterpolationStep[steps];
        for (int i = 0; i < steps; i++)
        {
            var m = decoded[chosen[i]].Melody;
            var info = m.Info with { Title = string.Create(CultureInfo.InvariantCulture, $"{nameA} to {nameB}, step {i + 1} of {steps}") };
            result[i] = new InterpolationStep(jobs[chosen[i]].Point / (double)(points - 1), Melody.Create(m.Notes, m.Key, m.Meters, m.Tempos, m.Chords, info, m.Length), tokens[chosen[i]]);
        }
        return new Interpolation(result, inA.Notes, inB.Notes);
    }

    /// <summary>Points decoded per step of a smooth interpolation.</summary>
    public const int SmoothSubdivisions = 4;

    /// <summary>Samples drawn at each inner point of a smooth interpolation, beside its greedy decoding.</summary>
    public const int SmoothSamples = 2;

    /// <summary>The temperature of those samples.</summary>
    public const double SmoothSampleTemperature = 0.5;

    /// <summary>
    /// Decodes job <c>j</c> = (point, sample) from <c>latents[point]</c>: greedily when sample is 0, else sampled at
    /// <see cref="SmoothSampleTemperature"/> with a generator seeded by (point, sample), so the result does not depend
    /// on the threads (up to 4) the jobs run on.
    /// </summary>
    private List<GeneratedMelody> DecodeParallel(IReadOnlyList<float[]> latents, GenerationRequest request, IReadOnlyList<(int Point, int Sample)> jobs, CancellationToken cancellation)
    {
        Check(request);
        var decoder = Model.Decoder(latents);
        var greedy = new DecodingPolicy(true);
        var sampled = new DecodingPolicy(false, SmoothSampleTemperature);
        var result = new GeneratedMelody[jobs.Count];
        Parallel.For(0, jobs.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(Environment.ProcessorCount, 1, 4), CancellationToken = cancellation }, c =>
        {
            var (point, sample) = jobs[c];
            result[c] = DecodeOne(decoder.Single(point), request, sample == 0 ? greedy : sampled, new Random(point * 1009 + sample), c + 1, cancellation);
        });
        return [.. result];
    }

    /// <summary>
    /// The points a smooth interpolation takes, one per step, when each point has one candidate melody (its greedy
    /// decoding): <see cref="SmoothPath(IReadOnlyList{SmoothCandidate}, Func{int, int, bool}, int, int)"/> with
    /// candidate <c>k</c> at point <c>k</c>.
    /// </summary>
    /// <param name="toA">Each point's distance to A.</param>
    /// <param name="toB">Each point's distance to B.</param>
    /// <param name="same">Whether two points decode to the same melody.</param>
    /// <param name="steps">Steps (at least 2).</param>
    /// <param name="sub">Points per step; there are <c>(steps - 1) * sub + 1</c>.</param>
    public static int[] SmoothPath(IReadOnlyList<int> toA, IReadOnlyList<int> toB, Func<int, int, bool> same, int steps, int sub)
    {
        ArgumentNullException.ThrowIfNull(toA);
        ArgumentNullException.ThrowIfNull(toB);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(sub, 1);
        int points = (steps - 1) * sub + 1;
        if (toA.Count != points || toB.Count != points) throw new ArgumentException($"{steps} steps of {sub} points need {points} distances, not {toA.Count} and {toB.Count}.", nameof(toA));
        return SmoothPath([.. Enumerable.Range(0, points).Select(k => new SmoothCandidate(k, toA[k], toB[k], 0))], same, steps, sub);
    }

    /// <summary>
    /// The candidates a smooth interpolation takes, one per step: a candidate at the first point for the first step, at
    /// the last point for the last, and for inner step <c>i</c> one at a point less than a step from <c>i * sub</c>, the
    /// points rising strictly. Of all such paths it takes the one where the distance to A falls and the distance to B
    /// rises by the fewest tokens in all (none where such a path exists), then the one whose candidates lie nearest
    /// their even positions (in points, plus each candidate's <see cref="SmoothCandidate.Penalty"/>), a step that repeats
    /// the melody before it counting as half a step away. Ties go to the earlier candidate.
    /// </summary>
    /// <param name="candidates">The candidate melodies: their points, distances and penalties.</param>
    /// <param name="same">Whether two candidates (by index) are the same melody.</param>
    /// <param name="steps">Steps (at least 2).</param>
    /// <param name="sub">Points per step; there are <c>(steps - 1) * sub + 1</c>.</param>
    /// <returns>The index of the candidate taken at each step.</returns>
    /// <exception cref="ArgumentException">No candidate for a step, one outside the points, or no path of rising points.</exception>
    public static int[] SmoothPath(IReadOnlyList<SmoothCandidate> candidates, Func<int, int, bool> same, int steps, int sub)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(same);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(sub, 1);
        int points = (steps - 1) * sub + 1;
        if (candidates.Any(c => c.Point < 0 || c.Point >= points)) throw new ArgumentException($"A candidate lies outside points 0..{points - 1}.", nameof(candidates));
        // The candidates each step may take, and the cost of the best path to each: (tokens against the direction, away).
        var options = new int[steps][];
        for (int i = 0; i < steps; i++)
        {
            int step = i;
            options[i] = i == 0 ? [.. Enumerable.Range(0, candidates.Count).Where(c => candidates[c].Point == 0).Take(1)]
                : i == steps - 1 ? [.. Enumerable.Range(0, candidates.Count).Where(c => candidates[c].Point == points - 1).Take(1)]
                : [.. Enumerable.Range(0, candidates.Count).Where(c => candidates[c].Point > 0 && candidates[c].Point < points - 1 && Math.Abs(candidates[c].Point - step * sub) < sub)];
            if (options[i].Length == 0) throw new ArgumentException($"No candidate for step {i} of {steps}.", nameof(candidates));
        }
        var cost = new (long Against, long Away)[steps][];
        var from = new int[steps][];
        cost[0] = [(0, candidates[options[0][0]].Penalty)];
        from[0] = [-1];
        for (int i = 1; i < steps; i++)
        {
            cost[i] = new (long, long)[options[i].Length];
            from[i] = new int[options[i].Length];
            for (int o = 0; o < options[i].Length; o++)
            {
                var k = candidates[options[i][o]];
                (long, long) best = (long.MaxValue, long.MaxValue);
                int bestFrom = -1;
                for (int p = 0; p < options[i - 1].Length; p++)
                {
                    var j = candidates[options[i - 1][p]];
                    if (j.Point >= k.Point || cost[i - 1][p].Against == long.MaxValue) continue;
                    long against = cost[i - 1][p].Against + Math.Max(0, j.ToA - k.ToA) + Math.Max(0, k.ToB - j.ToB);
                    long away = cost[i - 1][p].Away + Math.Abs(k.Point - i * sub) + k.Penalty + (same(options[i - 1][p], options[i][o]) ? (sub + 1) / 2 : 0);
                    if (against < best.Item1 || (against == best.Item1 && away < best.Item2)) { best = (against, away); bestFrom = p; }
                }
                cost[i][o] = best;
                from[i][o] = bestFrom;
            }
        }
        if (cost[steps - 1][0].Against == long.MaxValue) throw new ArgumentException("No path of rising points joins the candidates of the first and the last step.", nameof(candidates));
        var path = new int[steps];
        int at = 0;
        for (int i = steps - 1; i >= 0; i--)
        {
            path[i] = options[i][at];
            if (i > 0) at = from[i][at];
        }
        return path;
    }

    private static int Hamming(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        int d = Math.Abs(a.Count - b.Count);
        for (int i = 0; i < Math.Min(a.Count, b.Count); i++) if (a[i] != b[i]) d++;
        return d;
    }

    /// <summary>The greedy decoding of a melody's mean latent (what <see cref="Interpolate"/> puts at its ends).</summary>
    public InterpolationStep Reconstruct(Melody melody, Key? key = null, string what = "melody")
    {
        ArgumentNullException.ThrowIfNull(melody);
        var input = Prepare(melody, what);
        var decoded = Decode(Encode([input.Tokens]), RequestFor(key ?? melody.Key ?? Key.CMajor), greedy: true, new Random(0))[0];
        return new InterpolationStep(0, decoded.Melody, [.. decoded.Tokens.Skip(1)]);
    }

    /// <summary>
    /// The <paramref name="top"/> melodies of <paramref name="corpus"/> nearest to <paramref name="query"/>: each melody's
    /// distance is that of its nearest window (one starting at every bar), between the latent means. Melodies the VAE
    /// cannot read (another meter ...) are counted in <paramref name="skipped"/>.
    /// </summary>
    public IReadOnlyList<Neighbour> Similar(Melody query, IReadOnlyList<Melody> corpus, int top, out int skipped, string what = "melody",
        IProgress<(int Done, int Total)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        var q = Encode([Prepare(query, what).Tokens])[0];
        var set = VaeWindows.Extract(corpus, Model.Config, Tokenizer, distinct: false);
        skipped = corpus.Count - set.Origins.Select(o => o.Melody).Distinct().Count();
        var best = new Dictionary<int, Neighbour>();
        const int Chunk = 512;
        for (int start = 0; start < set.Windows.Count; start += Chunk)
        {
            var part = set.Windows.Skip(start).Take(Chunk).ToList();
            var mu = Encode(part);
            for (int i = 0; i < part.Count; i++)
            {
                double d = 0;
                for (int k = 0; k < q.Length; k++) d += (mu[i][k] - q[k]) * (double)(mu[i][k] - q[k]);
                d = Math.Sqrt(d);
                var (m, bar) = set.Origins[start + i];
                if (!best.TryGetValue(m, out var current) || d < current.Distance) best[m] = new Neighbour(m, bar, d);
            }
            progress?.Report((Math.Min(start + Chunk, set.Windows.Count), set.Windows.Count));
        }
        return [.. best.Values.OrderBy(n => n.Distance).ThenBy(n => n.Index).Take(top)];
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_owns) Model.Dispose();
    }
}
