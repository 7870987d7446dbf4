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
        for (int i = 0; i < latents.Count; i++)
        {
            var grammar = Grammars.For(Tokenizer, request, Vocabulary, out var forced);
            var loop = new Decoder(decoder, grammar, forced, policy, rng);
            var notes = loop.Run(cancellation).ToList();
            var template = MelodyGenerator.Template(request, i + 1);
            var melody = Melody.Create(notes, template.Key, template.Meters, template.Tempos, template.Chords, template.Info, request.Length);
            result.Add(new GeneratedMelody(melody, loop.LogLikelihood, [.. loop.Grammar.Tokens], loop.FallbackSteps));
        }
        return result;
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
    /// at evenly spaced positions and decoded greedily, so the first is A's reconstruction and the last B's. Written in
    /// <paramref name="key"/> (default A's key, else C major).
    /// </summary>
    /// <exception cref="VaeInputException">A melody the VAE cannot read (another meter: the two must share the VAE's meter).</exception>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 2 steps.</exception>
    public Interpolation Interpolate(Melody a, Melody b, int steps, Key? key = null, string nameA = "A", string nameB = "B", CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
        if (a.Meter != b.Meter)
            throw new VaeInputException(nameB, $"is in {b.Meter} but {nameA} is in {a.Meter}; interpolation needs two melodies of one meter");
        var inA = Prepare(a, nameA);
        var inB = Prepare(b, nameB);
        var mu = Encode([inA.Tokens, inB.Tokens]);
        var latents = new float[steps][];
        for (int i = 0; i < steps; i++) latents[i] = Slerp(mu[0], mu[1], i / (double)(steps - 1));
        var tempo = a.Tempos.IsEmpty ? 120 : a.Tempos[0].Bpm;
        var decoded = Decode(latents, RequestFor(key ?? a.Key ?? Key.CMajor, tempo), greedy: true, new Random(0), cancellation);
        var result = new InterpolationStep[steps];
        for (int i = 0; i < steps; i++)
        {
            var m = decoded[i].Melody;
            var info = m.Info with { Title = string.Create(CultureInfo.InvariantCulture, $"{nameA} to {nameB}, step {i + 1} of {steps}") };
            result[i] = new InterpolationStep(i / (double)(steps - 1), Melody.Create(m.Notes, m.Key, m.Meters, m.Tempos, m.Chords, info, m.Length), [.. decoded[i].Tokens.Skip(1)]);
        }
        return new Interpolation(result, inA.Notes, inB.Notes);
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
