using Melos.Data.Tokenizers;
using Melos.Music;

namespace Melos.Models;

/// <summary>How <see cref="Sampler"/> draws tokens.</summary>
public sealed record SamplingOptions
{
    /// <summary>Softmax temperature; 0 means greedy (always the most likely token).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep only the K most likely tokens before drawing (null: all).</summary>
    public int? TopK { get; init; }

    /// <summary>Stop after this many tokens (BOS not counted) when no EOS came.</summary>
    public int MaxTokens { get; init; } = 2048;

    /// <summary>Seeds the draws: the same model, options and seed give the same tokens.</summary>
    public int Seed { get; init; }

    /// <summary>Checks every field.</summary>
    /// <exception cref="InvalidConfigurationException">A field is impossible; the message names it.</exception>
    public void Validate()
    {
        InvalidConfigurationException.Require(Temperature >= 0 && double.IsFinite(Temperature), nameof(Temperature), $"{Temperature} must be finite and not negative");
        InvalidConfigurationException.Require(TopK is null or >= 1, nameof(TopK), $"{TopK} must be at least 1");
        InvalidConfigurationException.Require(MaxTokens >= 1, nameof(MaxTokens), $"{MaxTokens} must be at least 1");
    }
}

/// <summary>Generates token sequences from any <see cref="ISequenceModel"/> with its incremental state.</summary>
public static class Sampler
{
    /// <summary>
    /// Feeds BOS, then each drawn token, until EOS or <see cref="SamplingOptions.MaxTokens"/>. The conditioning of each
    /// predicted position comes from <paramref name="conditioning"/>, given the tokens so far (BOS included).
    /// </summary>
    /// <returns>The tokens, starting with BOS (and ending with EOS when one was drawn).</returns>
    public static IReadOnlyList<int> Sample(ISequenceModel model, int bos, int eos, Func<IReadOnlyList<int>, ConditionStep> conditioning, SamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(conditioning);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var rng = new Random(options.Seed);
        var tokens = new List<int> { bos };
        using var state = model.CreateState();
        while (tokens.Count - 1 < options.MaxTokens)
        {
            var logits = model.Step(state, tokens[^1], conditioning(tokens));
            int next = Draw(logits, options, rng);
            tokens.Add(next);
            if (next == eos) break;
        }
        return tokens;
    }

    /// <summary>
    /// Generates a melody with a <see cref="GridTokenizer"/> model, conditioned on the key, meters, chords and style of
    /// <paramref name="template"/> (its notes are ignored); returns the decoded notes.
    /// </summary>
    public static IReadOnlyList<Note> SampleGrid(ISequenceModel model, GridTokenizer tokenizer, ConditioningVocabulary vocabulary, Melody template, SamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var tokens = Sample(model, tokenizer.Bos, tokenizer.Eos, GridConditioning(template, vocabulary, tokenizer.GridConfig.StepsPerQuarter), options);
        return tokenizer.Decode(tokens);
    }

    /// <summary>
    /// Conditioning for grid sequences: with <c>n</c> tokens so far (BOS included) the predicted token is grid step
    /// <c>n - 1</c>, exactly as <see cref="GridTokenizer.Encode"/> times it.
    /// </summary>
    public static Func<IReadOnlyList<int>, ConditionStep> GridConditioning(Melody template, ConditioningVocabulary vocabulary, int stepsPerQuarter)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(vocabulary);
        return tokens => vocabulary.At(template, Duration.FromQuarters(tokens.Count - 1, stepsPerQuarter));
    }

    private static int Draw(float[] logits, SamplingOptions options, Random rng)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best]) best = i;
        if (options.Temperature == 0) return best;
        var order = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).ThenBy(i => i).ToArray();
        int keep = Math.Min(options.TopK ?? logits.Length, logits.Length);
        var weights = new double[keep];
        double max = logits[order[0]], sum = 0;
        for (int k = 0; k < keep; k++) sum += weights[k] = Math.Exp((logits[order[k]] - max) / options.Temperature);
        double u = rng.NextDouble() * sum;
        for (int k = 0; k < keep; k++)
        {
            u -= weights[k];
            if (u < 0) return order[k];
        }
        return order[keep - 1];
    }
}
