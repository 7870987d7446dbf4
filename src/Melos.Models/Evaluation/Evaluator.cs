using Melos.Data.Tokenizers;
using Melos.Music;

namespace Melos.Models;

/// <summary>Totals over scored tokens, and the metrics derived from them.</summary>
/// <param name="Sequences">The number of sequences.</param>
/// <param name="Tokens">The number of predicted tokens (every token after BOS, EOS included).</param>
/// <param name="Notes">The number of notes those tokens write.</param>
/// <param name="TotalNll">The summed negative log-likelihood in nats.</param>
/// <param name="Correct">How many tokens were the model's most likely next token.</param>
public sealed record EvaluationMetrics(int Sequences, long Tokens, long Notes, double TotalNll, long Correct)
{
    /// <summary>Mean negative log-likelihood per token, in nats.</summary>
    public double NllPerToken => Tokens == 0 ? double.NaN : TotalNll / Tokens;

    /// <summary>Total negative log-likelihood in bits divided by the number of notes.</summary>
    public double BitsPerNote => Notes == 0 ? double.NaN : TotalNll / Math.Log(2) / Notes;

    /// <summary>exp(NLL per token).</summary>
    public double Perplexity => Math.Exp(NllPerToken);

    /// <summary>Next-token accuracy (argmax equals the target).</summary>
    public double Accuracy => Tokens == 0 ? double.NaN : (double)Correct / Tokens;

    /// <summary>Sums two totals.</summary>
    public static EvaluationMetrics operator +(EvaluationMetrics a, EvaluationMetrics b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(a.Sequences + b.Sequences, a.Tokens + b.Tokens, a.Notes + b.Notes, a.TotalNll + b.TotalNll, a.Correct + b.Correct);
    }

    /// <summary>No tokens.</summary>
    public static EvaluationMetrics Empty { get; } = new(0, 0, 0, 0, 0);
}

/// <summary>Metrics over all sequences and per group (the <see cref="EncodedSequence.Group"/> labels, ordinal order).</summary>
/// <param name="Overall">Over every sequence.</param>
/// <param name="ByGroup">Per group label.</param>
public sealed record EvaluationReport(EvaluationMetrics Overall, IReadOnlyDictionary<string, EvaluationMetrics> ByGroup);

/// <summary>Scores a model on held-out sequences: NLL per token (nats), bits per note, perplexity and accuracy.</summary>
public static class Evaluator
{
    /// <summary>
    /// The default scoring window in predicted tokens. Attention memory grows with the square of the window (a 4-layer,
    /// 8-head Transformer at 2048 tokens and batch 8 needs several GB per layer), so long tunes are scored in windows of this
    /// size, the same for every architecture so that their figures compare.
    /// </summary>
    public const int DefaultWindow = 1024;

    /// <summary>Scores every sequence and breaks the totals down by group.</summary>
    /// <param name="model">The model (torch models are switched to evaluation mode for the call).</param>
    /// <param name="sequences">Sequences of at least two tokens; shorter ones are skipped.</param>
    /// <param name="batchSize">Sequences scored together (sorted by length to limit padding).</param>
    /// <param name="maxLength">
    /// Sequences predicting more tokens than this are scored in consecutive windows (each window starts without the
    /// earlier context), which bounds memory for Transformers; every token is still scored exactly once.
    /// </param>
    public static EvaluationReport Evaluate(ISequenceModel model, IReadOnlyList<EncodedSequence> sequences, int batchSize = 8, int maxLength = DefaultWindow)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        var byGroup = new SortedDictionary<string, EvaluationMetrics>(StringComparer.Ordinal);
        var overall = EvaluationMetrics.Empty;
        // Notes are counted once per sequence, on its first window.
        var ordered = sequences.Where(s => s.Tokens.Length >= 2).SelectMany(s => Windows(s, maxLength)).OrderBy(s => s.Tokens.Length).ToList();
        for (int start = 0; start < ordered.Count; start += batchSize)
        {
            var chunk = ordered.GetRange(start, Math.Min(batchSize, ordered.Count - start));
            var batch = TokenBatch.Create(chunk, 0); // PAD is 0 in every tokenizer; padding is never scored.
            var logits = model.Forward(batch);
            for (int b = 0; b < chunk.Count; b++)
            {
                var (window, first) = (chunk[b], chunk[b].NoteCount >= 0);
                var m = Score(logits, batch, b, Math.Max(window.NoteCount, 0));
                if (!first) m = m with { Sequences = 0 };
                overall += m;
                byGroup[window.Group] = byGroup.GetValueOrDefault(window.Group, EvaluationMetrics.Empty) + m;
            }
        }
        return new EvaluationReport(overall, byGroup);
    }

    /// <summary>Encodes melodies (those that do not fit the tokenizer are skipped) and scores them, grouped by <paramref name="group"/>.</summary>
    public static EvaluationReport Evaluate(ISequenceModel model, ITokenizer tokenizer, ConditioningVocabulary vocabulary, IEnumerable<Melody> melodies,
        Func<Melody, string>? group, out int skipped, int batchSize = 8, int maxLength = DefaultWindow) =>
        Evaluate(model, EncodedSequence.EncodeAll(tokenizer, vocabulary, melodies, group, out skipped), batchSize, maxLength);

    /// <summary>Windows predicting at most <paramref name="maxLength"/> tokens each; later windows carry NoteCount -1 (not counted again).</summary>
    private static IEnumerable<EncodedSequence> Windows(EncodedSequence s, int maxLength)
    {
        for (int start = 0; start + 1 < s.Tokens.Length; start += maxLength)
        {
            int count = Math.Min(maxLength + 1, s.Tokens.Length - start);
            yield return start == 0 && count == s.Tokens.Length ? s
                : s with { Tokens = s.Tokens.Slice(start, count), Conditioning = s.Conditioning.Slice(start, count), NoteCount = start == 0 ? s.NoteCount : -1 };
        }
    }

    private static EvaluationMetrics Score(LogitsBatch logits, TokenBatch batch, int b, int notes)
    {
        long tokens = 0, correct = 0;
        double nll = 0;
        for (int t = 0; t < batch.Length; t++)
        {
            long target = batch.Targets[b * batch.Length + t];
            if (target == TokenBatch.IgnoreTarget) continue;
            var row = logits.At(b, t);
            double max = double.NegativeInfinity;
            int argmax = 0;
            for (int v = 0; v < row.Length; v++)
                if (row[v] > max) { max = row[v]; argmax = v; }
            double sum = 0;
            for (int v = 0; v < row.Length; v++) sum += Math.Exp(row[v] - max);
            nll += -(row[(int)target] - max - Math.Log(sum));
            tokens++;
            if (argmax == target) correct++;
        }
        return new EvaluationMetrics(1, tokens, notes, nll, correct);
    }
}
