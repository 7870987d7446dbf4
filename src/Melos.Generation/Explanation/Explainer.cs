using Melos.Data.Tokenizers;
using Melos.Generation.Decoding;
using Melos.Models;
using Melos.Music;

namespace Melos.Generation.Explanation;

/// <summary>What <see cref="Explainer.Explain"/> computes beyond the per-note probabilities.</summary>
public sealed record ExplainOptions
{
    /// <summary>Gradient-times-input saliency (and attention rollout for Transformers) over earlier notes.</summary>
    public bool Attribution { get; init; } = true;

    /// <summary>Re-score with each condition removed to measure its influence.</summary>
    public bool Influence { get; init; } = true;

    /// <summary>How many alternatives to list per note (0..20).</summary>
    public int Alternatives
    {
        get;
        init => field = value is >= 0 and <= 20 ? value : throw new ArgumentOutOfRangeException(nameof(Alternatives), value, "Alternatives must be 0..20.");
    } = 5;

    /// <summary>How many earlier notes to list per attribution (1..50).</summary>
    public int TopAttributions
    {
        get;
        init => field = value is >= 1 and <= 50 ? value : throw new ArgumentOutOfRangeException(nameof(TopAttributions), value, "TopAttributions must be 1..50.");
    } = 5;
}

/// <summary>
/// Explains a melody under a model of any tokenizer: for every note the probability the model gave the token that
/// decided it (its NOTE_ON or PITCH, or the COPY of a repeated bar), its rank,
/// surprisal and the entropy of the distribution at that step, the alternatives; which earlier notes it drew on
/// (gradient × input saliency for torch models, attention rollout for Transformers); how much the chord, key and style
/// conditioning moved each step; and which bars repeat earlier ones.
/// </summary>
public sealed class Explainer
{
    private readonly ISequenceModel _model;
    private readonly ITokenizer _tokenizer;
    private readonly ConditioningVocabulary _vocabulary;

    /// <summary>Wraps a model with its tokenizer and conditioning vocabulary (the caller keeps owning the model).</summary>
    public Explainer(ISequenceModel model, ITokenizer tokenizer, ConditioningVocabulary vocabulary)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _vocabulary = vocabulary ?? throw new ArgumentNullException(nameof(vocabulary));
    }

    /// <summary>Wraps the model of a generator.</summary>
    public Explainer(MelodyGenerator generator)
        : this((generator ?? throw new ArgumentNullException(nameof(generator))).Model, generator.Tokenizer, generator.Vocabulary)
    {
    }

    /// <summary>Explains <paramref name="melody"/>.</summary>
    /// <exception cref="TokenizationException">The melody does not fit the model's tokenizer (pitch range or grid).</exception>
    public MelodyExplanation Explain(Melody melody, ExplainOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(melody);
        options ??= new ExplainOptions();
        var tokenized = _tokenizer.Encode(melody);
        var tokens = tokenized.Tokens;
        var conditioning = _vocabulary.Encode(melody, tokenized);
        var sequence = new EncodedSequence(tokens, conditioning, melody.Notes.Length, "");
        var batch = TokenBatch.Create([sequence], 0);
        // The decoder's forced prefill over the melody's own tokens: the same scoring every generation path uses.
        using var scored = DecoderStart.Prefill(_model, new ForcedGrammar(tokens, conditioning, tokenized.Times), tokens[1..], options.Alternatives, _tokenizer.Pad);
        var choices = scored.ForcedChoices!;

        // The token that decided each note, and which note each input position belongs to (-1: BOS or rest).
        var onset = _tokenizer.NoteTokenIndices(tokens).ToList();
        var noteOfInput = new int[tokens.Length];
        int open = -1, next = 0;
        for (int k = 0; k < tokens.Length; k++)
        {
            int id = tokens[k];
            if (_tokenizer is GridTokenizer)
            {
                if (_tokenizer.PitchOf(id) is not null) open = next++;
                else if (id != GridTokenizer.HoldId) open = -1;
            }
            else
                while (next < onset.Count && onset[next] <= k) open = next++;
            noteOfInput[k] = open;
        }
        if (onset.Count != melody.Notes.Length)
            throw new InvalidOperationException($"The tokenizer wrote {onset.Count} onsets for {melody.Notes.Length} notes.");

        // Distributions and token surprisal.
        var probabilities = new double[tokens.Length][];
        var surprisal = new List<(double, double)>();
        double totalBits = 0;
        var tokenBits = new double[tokens.Length];
        for (int k = 1; k < tokens.Length; k++)
        {
            probabilities[k] = TokenSampling.Softmax(scored.Prefilled.At(0, k - 1));
            tokenBits[k] = -Math.Log2(choices[k - 1].Probability);
            totalBits += tokenBits[k];
            surprisal.Add((tokenized.Times[k].ToQuarterDouble(), tokenBits[k]));
        }

        double[][]? saliency = null;
        if (options.Attribution && _model is TorchSequenceModel torchModel && onset.Count > 0)
            saliency = torchModel.Saliency(batch, [.. onset.Select(k => k - 1)]);
        double[][]? rollout = null;
        if (options.Attribution && _model is TransformerModel transformer && onset.Count > 0)
            rollout = Rollout(transformer.AttentionWeights(batch), [.. onset.Select(k => k - 1)]);

        var influence = options.Influence ? Influences(probabilities, conditioning, tokens, onset, melody) : null;

        var notes = new List<NoteExplanation>();
        for (int i = 0; i < onset.Count; i++)
        {
            int k = onset[i];
            var choice = choices[k - 1];
            var alternatives = choice.Alternatives.Select(a => new Alternative(TokenLabel(a.Token), a.Probability)).ToList();
            var note = melody.Notes[i];
            notes.Add(new NoteExplanation(i, note.Pitch, note.Start.ToQuarterDouble(), melody.BarOf(note.Start).Bar + 1, choice.Probability, choice.Rank, tokenBits[k], choice.EntropyBits,
                alternatives,
                saliency is null ? null : ToNotes(saliency[i], noteOfInput, options.TopAttributions),
                rollout is null ? null : ToNotes(rollout[i], noteOfInput, options.TopAttributions),
                influence?[i]));
        }

        int barCount = Math.Max(1, melody.BarCount);
        var bars = Enumerable.Range(1, barCount).Select(b =>
        {
            var inBar = notes.Where(n => n.Bar == b).ToList();
            double tokenSum = 0;
            for (int k = 1; k < tokens.Length; k++)
            {
                var time = tokenized.Times[k] >= melody.Length && !melody.Length.IsZero ? melody.Length - Duration.FromQuarters(1, 1_000_000) : tokenized.Times[k];
                if (Math.Min(melody.BarOf(time).Bar + 1, barCount) == b) tokenSum += tokenBits[k];
            }
            return new BarExplanation(b, inBar.Count, inBar.Sum(n => n.SurprisalBits), tokenSum);
        }).ToList();

        var mostSurprising = notes.OrderByDescending(n => n.SurprisalBits).ThenBy(n => n.Index).Select(n => n.Index).ToList();
        double[][]? attentionByNote = rollout is null ? null : NoteMatrix(rollout, noteOfInput, onset.Count);
        double[][]? saliencyByNote = saliency is null ? null : NoteMatrix(saliency, noteOfInput, onset.Count);
        var repetitions = RepetitionFinder.Find(melody, saliencyByNote);
        return new MelodyExplanation(_model.Architecture, notes, bars, tokens.Length - 1, totalBits, mostSurprising, repetitions, surprisal, attentionByNote);
    }

    /// <summary>A token's display name: the pitch (e.g. <c>D5</c>), <c>hold</c>, <c>rest</c> or <c>end</c> (grid), else the tokenizer's name (<c>COPY(8)</c>).</summary>
    public string TokenLabel(int id) => _tokenizer.PitchOf(id) is { } pitch ? Pitch.FromMidi(pitch).ToString()
        : _tokenizer is not GridTokenizer ? (id == _tokenizer.Eos ? "end" : _tokenizer.TokenName(id))
        : id switch { GridTokenizer.HoldId => "hold", GridTokenizer.NoteOffId => "rest", GridTokenizer.EosId => "end", _ => _tokenizer.TokenName(id) };

    /// <summary>Shares of an attribution row per earlier note, largest first.</summary>
    private static List<Attribution> ToNotes(double[] row, int[] noteOfInput, int top)
    {
        double total = row.Sum();
        if (!(total > 0)) return [];
        var byNote = new Dictionary<int, double>();
        for (int t = 0; t < row.Length && t < noteOfInput.Length; t++)
            if (noteOfInput[t] >= 0) byNote[noteOfInput[t]] = byNote.GetValueOrDefault(noteOfInput[t]) + row[t] / total;
        return [.. byNote.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Take(top).Select(kv => new Attribution(kv.Key, kv.Value))];
    }

    /// <summary>[i][j]: the share of note i's attribution that fell on note j.</summary>
    private static double[][] NoteMatrix(double[][] rows, int[] noteOfInput, int notes)
    {
        var m = new double[notes][];
        for (int i = 0; i < notes; i++)
        {
            m[i] = new double[notes];
            double total = rows[i].Sum();
            if (!(total > 0)) continue;
            for (int t = 0; t < rows[i].Length && t < noteOfInput.Length; t++)
                if (noteOfInput[t] >= 0) m[i][noteOfInput[t]] += rows[i][t] / total;
        }
        return m;
    }

    /// <summary>
    /// Attention rollout (Abnar and Zuidema 2020): per layer the heads' mean attention with the residual path
    /// (0.5 A + 0.5 I), multiplied from the top layer down; one row per predicted position.
    /// </summary>
    public static double[][] Rollout(float[][][][] attention, IReadOnlyList<int> positions)
    {
        ArgumentNullException.ThrowIfNull(attention);
        ArgumentNullException.ThrowIfNull(positions);
        int layers = attention.Length;
        if (layers == 0) return [.. positions.Select(_ => Array.Empty<double>())];
        int t = attention[0][0].Length;
        var mean = new double[layers][][];
        for (int l = 0; l < layers; l++)
        {
            int heads = attention[l].Length;
            mean[l] = new double[t][];
            for (int i = 0; i < t; i++)
            {
                var row = mean[l][i] = new double[t];
                for (int h = 0; h < heads; h++)
                {
                    var a = attention[l][h][i];
                    for (int j = 0; j <= i; j++) row[j] += 0.5 * a[j] / heads;
                }
                row[i] += 0.5;
            }
        }
        var result = new double[positions.Count][];
        for (int n = 0; n < positions.Count; n++)
        {
            var r = new double[t];
            r[positions[n]] = 1;
            for (int l = layers - 1; l >= 0; l--)
            {
                var next = new double[t];
                for (int i = 0; i < t; i++)
                {
                    if (r[i] == 0) continue;
                    var row = mean[l][i];
                    for (int j = 0; j <= i; j++) next[j] += r[i] * row[j];
                }
                r = next;
            }
            result[n] = r;
        }
        return result;
    }

    // probabilities: the distributions with every condition, per token index, as Explain already computed them.
    private ControlInfluence[] Influences(double[][] probabilities, IReadOnlyList<ConditionStep> conditioning, IReadOnlyList<int> tokens, List<int> onset, Melody melody)
    {
        double[]? Shift(Func<ConditionStep, ConditionStep> change, bool applies)
        {
            if (!applies) return null;
            var changed = new EncodedSequence([.. tokens], [.. conditioning.Select(change)], 0, "");
            var other = _model.Forward(TokenBatch.Create([changed], 0));
            return [.. onset.Select(k => KlBits(probabilities[k], TokenSampling.Softmax(other.At(0, k - 1))))];
        }
        var chord = Shift(c => c with { Chord = 0 }, conditioning.Any(c => c.Chord != 0));
        var key = Shift(c => c with { Key = 0 }, conditioning.Any(c => c.Key != 0));
        var style = Shift(c => c with { Style = 0 }, conditioning.Any(c => c.Style != 0));
        var scale = melody.Key?.Scale;
        return [.. onset.Select((k, i) =>
        {
            var p = probabilities[k];
            double? outside = null;
            if (scale is not null)
            {
                outside = 0;
                for (int id = 0; id < p.Length; id++)
                    if (_tokenizer.PitchOf(id) is { } pitch && !scale.Contains(pitch % 12)) outside += p[id];
            }
            return new ControlInfluence(chord?[i], key?[i], style?[i], outside);
        })];
    }

    private static double KlBits(double[] p, double[] q)
    {
        double kl = 0;
        for (int i = 0; i < p.Length; i++)
            if (p[i] > 0) kl += p[i] * Math.Log2(p[i] / Math.Max(q[i], 1e-300));
        return Math.Max(0, kl);
    }
}
