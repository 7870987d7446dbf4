using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Melos.Data.Tokenizers;
using TorchSharp;

namespace Melos.Models.Training;

/// <summary>What a checkpoint's <c>config.json</c> says.</summary>
/// <param name="Architecture">lstm, transformer or ngram.</param>
/// <param name="Model">The model configuration.</param>
/// <param name="Tokenizer">The tokenizer configuration.</param>
/// <param name="Conditioning">The conditioning vocabulary.</param>
/// <param name="VocabularySize">The number of token ids.</param>
/// <param name="Pad">The PAD id.</param>
/// <param name="Seed">The training seed.</param>
/// <param name="Training">The training configuration (null for the n-gram).</param>
/// <param name="State">The training state (null for the n-gram).</param>
/// <param name="Metrics">Free-form metrics (losses, counts).</param>
public sealed record CheckpointInfo(string Architecture, ModelConfig Model, TokenizerConfig Tokenizer, ConditioningVocabulary Conditioning,
    int VocabularySize, int Pad, int Seed, TrainingConfig? Training, TrainingState? State, JsonObject Metrics);

/// <summary>
/// Checkpoint folders: <c>config.json</c> (format version, architecture, model, tokenizer, conditioning vocabulary,
/// training configuration and state, seed, metrics), the weights (<c>weights.bin</c>, TorchSharp format, or
/// <c>ngram.json</c>), <c>best-weights.bin</c> (at the best validation so far, once one ran), <c>optimizer.bin</c>
/// (AdamW state) and <c>training-log.jsonl</c>. Folders are written to a
/// temporary sibling first and then renamed, so a reader never sees a half-written checkpoint.
/// </summary>
public static class Checkpoint
{
    /// <summary>The format version this code writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The configuration file name.</summary>
    public const string ConfigFile = "config.json";
    /// <summary>The torch weights file name.</summary>
    public const string WeightsFile = "weights.bin";
    /// <summary>The weights at the best validation loss so far (present once a validation ran).</summary>
    public const string BestWeightsFile = "best-weights.bin";
    /// <summary>The optimizer state file name.</summary>
    public const string OptimizerFile = "optimizer.bin";
    /// <summary>The n-gram counts file name.</summary>
    public const string NGramFile = "ngram.json";
    /// <summary>The training log file name (one JSON object per line).</summary>
    public const string LogFile = "training-log.jsonl";

    /// <summary>
    /// Writes a folder atomically: <paramref name="write"/> fills a temporary sibling (<c>.NAME.tmp-*</c>), which is renamed to
    /// <c>.NAME.ready-*</c> once complete and then swapped in for <paramref name="directory"/> (the previous folder is moved to
    /// <c>.NAME.old-*</c> and deleted). A process killed at any moment leaves either the previous folder or the new one at
    /// <paramref name="directory"/>, or, between the two renames of the swap, none but a complete copy beside it, which
    /// <see cref="Recover"/> puts back. A failure to write (disk full, read-only folder) leaves the previous folder as it was.
    /// </summary>
    /// <exception cref="CheckpointWriteException">The folder could not be written; the previous one is unchanged.</exception>
    public static void WriteAtomically(string directory, Action<string> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(full)!;
        var name = Path.GetFileName(full);
        try
        {
            Directory.CreateDirectory(parent);
            Recover(full);
            var temp = Path.Combine(parent, $".{name}.tmp-{Guid.NewGuid():N}");
            var ready = Path.Combine(parent, $".{name}.ready-{Guid.NewGuid():N}");
            try
            {
                Directory.CreateDirectory(temp);
                write(temp);
                Directory.Move(temp, ready);
            }
            catch
            {
                TryDelete(temp);
                throw;
            }
            if (Directory.Exists(full))
            {
                var old = Path.Combine(parent, $".{name}.old-{Guid.NewGuid():N}");
                Directory.Move(full, old);
                try
                {
                    Directory.Move(ready, full);
                }
                catch
                {
                    Directory.Move(old, full);
                    TryDelete(ready);
                    throw;
                }
                TryDelete(old);
            }
            else
            {
                Directory.Move(ready, full);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Runtime.InteropServices.ExternalException && e is not CheckpointWriteException)
        {
            throw new CheckpointWriteException(full, e);
        }
    }

    /// <summary>
    /// Finishes a checkpoint write that a killed process left between its two renames, and removes what interrupted writes left
    /// beside the folder. When <paramref name="directory"/> is missing, the newest complete copy beside it (a <c>.NAME.ready-*</c>
    /// written in full, else the previous <c>.NAME.old-*</c>) becomes it. Partial <c>.NAME.tmp-*</c> folders are deleted.
    /// </summary>
    /// <returns>True when a folder was put back at <paramref name="directory"/>.</returns>
    public static bool Recover(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var full = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(full)!;
        var name = Path.GetFileName(full);
        if (!Directory.Exists(parent)) return false;
        string[] Leftovers(string kind) => [.. Directory.GetDirectories(parent, $".{name}.{kind}-*").OrderByDescending(Directory.GetLastWriteTimeUtc)];
        var ready = Leftovers("ready");
        var old = Leftovers("old");
        var temp = Leftovers("tmp");
        bool restored = false;
        if (!Directory.Exists(full) && (ready.FirstOrDefault() ?? old.FirstOrDefault()) is { } pick)
        {
            Directory.Move(pick, full);
            restored = true;
        }
        foreach (var d in ready.Concat(old).Concat(temp))
            if (Directory.Exists(d)) TryDelete(d);
        return restored;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next Recover; the checkpoint itself is intact.
        }
    }

    /// <summary>The <c>config.json</c> object of a checkpoint.</summary>
    public static JsonObject ConfigJson(ModelConfig model, TokenizerConfig tokenizer, ConditioningVocabulary conditioning, int vocabularySize, int pad,
        int seed, TrainingConfig? training, TrainingState? state, JsonObject? metrics)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(conditioning);
        var root = new JsonObject
        {
            ["formatVersion"] = CurrentFormatVersion,
            ["architecture"] = model.Architecture,
            ["vocabularySize"] = vocabularySize,
            ["pad"] = pad,
            ["seed"] = seed,
            ["model"] = JsonNode.Parse(model.ToJson()),
            ["tokenizer"] = JsonNode.Parse(tokenizer.ToJson()),
            ["conditioning"] = JsonNode.Parse(conditioning.ToJson()),
            ["training"] = training is null ? null : JsonSerializer.SerializeToNode(training, ModelConfig.JsonOptions),
            ["state"] = state is null ? null : JsonSerializer.SerializeToNode(state, ModelConfig.JsonOptions),
            ["metrics"] = metrics?.DeepClone() ?? new JsonObject(),
            ["savedUtc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
        return root;
    }

    /// <summary>Reads a checkpoint's <c>config.json</c>.</summary>
    /// <param name="directory">The checkpoint folder.</param>
    /// <param name="expectedArchitecture">When given, the architecture the caller needs.</param>
    /// <exception cref="IncompatibleFormatException">Another format version or architecture; the exception names the field.</exception>
    /// <exception cref="FileNotFoundException">The folder has no <c>config.json</c>.</exception>
    public static CheckpointInfo ReadInfo(string directory, string? expectedArchitecture = null)
    {
        var path = Path.Combine(directory, ConfigFile);
        if (!File.Exists(path) && !Directory.Exists(directory)) Recover(directory);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{directory}' is not a checkpoint: it has no {ConfigFile}.", path);
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        int version = root["formatVersion"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : -1;
        if (version != CurrentFormatVersion)
            throw new IncompatibleFormatException("formatVersion", CurrentFormatVersion.ToString(CultureInfo.InvariantCulture), version < 0 ? null : version.ToString(CultureInfo.InvariantCulture));
        string? architecture = root["architecture"]?.GetValue<string>();
        if (expectedArchitecture is not null && architecture != expectedArchitecture)
            throw new IncompatibleFormatException("architecture", expectedArchitecture, architecture);
        var model = ModelConfig.FromJson(root["model"]!.ToJsonString());
        if (model.Architecture != architecture) throw new IncompatibleFormatException("model.architecture", architecture ?? "(missing)", model.Architecture);
        return new CheckpointInfo(
            architecture!,
            model,
            TokenizerConfig.FromJson(root["tokenizer"]!.ToJsonString()),
            ConditioningVocabulary.FromJson(root["conditioning"]!.ToJsonString()),
            root["vocabularySize"]!.GetValue<int>(),
            root["pad"]!.GetValue<int>(),
            root["seed"]?.GetValue<int>() ?? 0,
            root["training"] is JsonObject t ? t.Deserialize<TrainingConfig>(ModelConfig.JsonOptions) : null,
            root["state"] is JsonObject s ? s.Deserialize<TrainingState>(ModelConfig.JsonOptions) : null,
            root["metrics"] as JsonObject ?? []);
    }

    /// <summary>Saves a fitted n-gram model as a checkpoint (no torch involved).</summary>
    public static void SaveNGram(string directory, NGramModel model, TokenizerConfig tokenizer, ConditioningVocabulary conditioning, JsonObject? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = ConfigJson(model.Config, tokenizer, conditioning, model.VocabularySize, 0, 0, null, null, metrics);
        WriteAtomically(directory, dir =>
        {
            File.WriteAllText(Path.Combine(dir, ConfigFile), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            File.WriteAllText(Path.Combine(dir, NGramFile), model.ToJson());
        });
    }

    /// <summary>Loads an n-gram checkpoint without touching torch.</summary>
    /// <exception cref="IncompatibleFormatException">Another format version, or not an n-gram checkpoint.</exception>
    public static NGramModel LoadNGram(string directory)
    {
        var info = ReadInfo(directory, "ngram");
        var tokenizer = info.Model is NGramConfig { Unit: NGramUnit.Event } ? info.Tokenizer.Create() : null;
        return NGramModel.FromJson(File.ReadAllText(Path.Combine(directory, NGramFile)), tokenizer);
    }

    /// <summary>Loads any checkpoint's model for evaluation or generation (torch models on the best device).</summary>
    /// <exception cref="IncompatibleFormatException">Another format version or, when given, another architecture.</exception>
    /// <exception cref="Vae.ModelKindException">A VAE checkpoint (not a next-token model).</exception>
    public static ISequenceModel LoadModel(string directory, string? expectedArchitecture = null)
    {
        var info = ReadInfo(directory, expectedArchitecture);
        return info.Architecture == "ngram" ? LoadNGram(directory) : LoadTorchModel(directory, info);
    }

    /// <summary>Loads a torch checkpoint's model with its weights.</summary>
    /// <exception cref="Vae.ModelKindException">A VAE checkpoint (not a next-token model).</exception>
    public static TorchSequenceModel LoadTorchModel(string directory, CheckpointInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.Model is Vae.VaeConfig)
            throw new Vae.ModelKindException(directory, "vae", "an autoregressive model (lstm, transformer or ngram); a VAE is for interpolate, similar and generate");
        var model = ModelFactory.Create(info.Model, info.VocabularySize, info.Pad, info.Conditioning, info.Seed);
        try
        {
            model.load(Path.Combine(directory, WeightsFile));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            model.Dispose();
            throw new IncompatibleFormatException("weights", $"weights of {info.Architecture} {info.Model.ToJson()}", e.Message);
        }
        return model;
    }
}

/// <summary>A checkpoint folder could not be written (disk full, read-only or missing permissions); the previous checkpoint there is unchanged.</summary>
public sealed class CheckpointWriteException(string directory, Exception inner)
    : IOException($"cannot write the checkpoint '{directory}': {inner.Message.TrimEnd('.', ' ')}. The previous checkpoint there, if any, is unchanged.", inner)
{
    /// <summary>The checkpoint folder.</summary>
    public string Directory { get; } = directory;
}

/// <summary>Builds models from configurations.</summary>
public static class ModelFactory
{
    /// <summary>A torch model with fresh weights drawn after seeding torch with <paramref name="seed"/>, on the best device.</summary>
    /// <exception cref="InvalidConfigurationException">A field is impossible; the message names it.</exception>
    /// <exception cref="ArgumentException">An n-gram configuration (use <see cref="FitNGram"/>).</exception>
    public static TorchSequenceModel Create(ModelConfig config, int vocabularySize, int pad, ConditioningVocabulary conditioning, int seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        TorchSharp.torch.manual_seed(seed);
        TorchSequenceModel model = config switch
        {
            LstmConfig l => new LstmModel(l, vocabularySize, pad, conditioning),
            TransformerConfig t => new TransformerModel(t, vocabularySize, pad, conditioning),
            _ => throw new ArgumentException($"'{config.Architecture}' is not a torch model; fit it with NGramModel.Fit.", nameof(config)),
        };
        var device = TorchRuntime.DefaultDevice;
        if (device.type != TorchSharp.DeviceType.CPU) model.to(device);
        return model;
    }

    /// <summary>A torch model for <paramref name="tokenizer"/>'s vocabulary.</summary>
    /// <exception cref="InvalidConfigurationException">
    /// A field is impossible, or LSTM lookback is asked for with a conditioning vocabulary whose grid differs from the
    /// tokenizer's (bar lengths in tokens would be wrong).
    /// </exception>
    public static TorchSequenceModel Create(ModelConfig config, ITokenizer tokenizer, ConditioningVocabulary conditioning, int seed)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(conditioning);
        if (config is LstmConfig { Lookback: true })
            InvalidConfigurationException.Require(tokenizer.Config.StepsPerQuarter == conditioning.StepsPerQuarter, nameof(ConditioningVocabulary.StepsPerQuarter),
                $"lookback needs the conditioning grid ({conditioning.StepsPerQuarter} steps per quarter) to match the tokenizer's ({tokenizer.Config.StepsPerQuarter})");
        return Create(config, tokenizer.VocabularySize, tokenizer.Pad, conditioning, seed);
    }

    /// <summary>Fits an n-gram model on encoded sequences (in tokens or in <paramref name="tokenizer"/>'s events, as the configuration says).</summary>
    public static NGramModel FitNGram(NGramConfig config, ITokenizer tokenizer, IEnumerable<EncodedSequence> sequences)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(sequences);
        return NGramModel.Fit(config, tokenizer, sequences.Select(s => (IReadOnlyList<int>)s.Tokens));
    }
}
