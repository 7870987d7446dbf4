using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Melos.Data.Tokenizers;
using Melos.Models.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Melos.Models.Interop;

/// <summary>What <see cref="PyTorchInterop.Export"/> wrote.</summary>
/// <param name="Directory">The export folder.</param>
/// <param name="Architecture">lstm or transformer.</param>
/// <param name="Tensors">The number of tensors.</param>
/// <param name="Parameters">The number of weights.</param>
/// <param name="WeightsBytes">The size of <c>model.safetensors</c>.</param>
public sealed record ExportResult(string Directory, string Architecture, int Tensors, long Parameters, long WeightsBytes);

/// <summary>What <see cref="PyTorchInterop.Import"/> wrote.</summary>
/// <param name="Directory">The Melos model folder.</param>
/// <param name="Architecture">lstm or transformer.</param>
/// <param name="Tensors">The number of tensors checked and loaded.</param>
/// <param name="Parameters">The number of weights.</param>
/// <param name="Sha256">The SHA-256 of the imported <c>model.safetensors</c> (recorded as provenance).</param>
public sealed record ImportResult(string Directory, string Architecture, int Tensors, long Parameters, string Sha256);

/// <summary>
/// Moves torch models between Melos and PyTorch. An exchange folder holds <c>config.json</c> (a Melos checkpoint
/// configuration: architecture, model, tokenizer, conditioning vocabulary, vocabulary size, PAD) and
/// <c>model.safetensors</c>, whose tensor names are the models' state-dict keys in both worlds (the Python package
/// <c>interop/pytorch/melos_torch</c> names its modules as <see cref="LstmModel"/> and <see cref="TransformerModel"/> do).
/// </summary>
public static class PyTorchInterop
{
    /// <summary>The weights file of an exchange folder.</summary>
    public const string WeightsFile = "model.safetensors";

    /// <summary>The safetensors metadata key holding the architecture.</summary>
    public const string ArchitectureKey = "melos.architecture";

    /// <summary>The safetensors metadata key naming what wrote the file.</summary>
    public const string ProducerKey = "melos.producer";

    /// <summary>
    /// Writes a Melos torch model folder as an exchange folder for PyTorch. The folder is written atomically and must not
    /// exist unless <paramref name="force"/> is set.
    /// </summary>
    /// <exception cref="IOException">The output folder exists and <paramref name="force"/> is not set.</exception>
    /// <exception cref="IncompatibleFormatException">The model is an n-gram, or its files do not load.</exception>
    public static ExportResult Export(string modelDirectory, string outDirectory, bool force = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        ArgumentException.ThrowIfNullOrEmpty(outDirectory);
        RefuseExisting(outDirectory, force);
        var info = Checkpoint.ReadInfo(modelDirectory);
        if (info.Architecture == "ngram") throw new IncompatibleFormatException("architecture", "lstm|transformer", "ngram (an n-gram has no weights for PyTorch)");
        using var model = Checkpoint.LoadTorchModel(modelDirectory, info);
        var tensors = StateDict(model);
        var configText = File.ReadAllText(Path.Combine(modelDirectory, Checkpoint.ConfigFile));
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            [ArchitectureKey] = info.Architecture,
            [ProducerKey] = "melos model export",
            ["melos.source"] = Path.GetFileName(Path.GetFullPath(modelDirectory).TrimEnd(Path.DirectorySeparatorChar)),
        };
        long bytes = 0;
        Checkpoint.WriteAtomically(outDirectory, dir =>
        {
            File.WriteAllText(Path.Combine(dir, Checkpoint.ConfigFile), configText);
            var weights = Path.Combine(dir, WeightsFile);
            using (var fs = new FileStream(weights, FileMode.CreateNew, FileAccess.Write))
                SafeTensors.Write(fs, tensors, metadata);
            bytes = new FileInfo(weights).Length;
        });
        return new ExportResult(outDirectory, info.Architecture, tensors.Count, tensors.Sum(t => (long)t.Values.Length), bytes);
    }

    /// <summary>A model's state dict as float32 arrays with shapes, in the model's order.</summary>
    public static List<(string Name, long[] Shape, float[] Values)> StateDict(TorchSequenceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return [.. model.state_dict().Select(kv => (kv.Key, kv.Value.shape, kv.Value.detach().to(float32).cpu().contiguous().data<float>().ToArray()))];
    }

    /// <summary>
    /// Makes a Melos model folder from an exchange folder (a PyTorch-trained checkpoint): reads its <c>config.json</c>,
    /// checks every tensor of <c>model.safetensors</c> against the model that configuration builds (present, no extra
    /// ones, same shape, float, finite), then writes <c>config.json</c> with a <c>provenance</c> record, <c>weights.bin</c>
    /// and <c>model-card.md</c> atomically. Nothing is written when a check fails.
    /// </summary>
    /// <exception cref="InteropFormatException">A missing, extra, misshapen or non-finite tensor, another architecture, a truncated file; the message names the tensor.</exception>
    /// <exception cref="IncompatibleFormatException">The configuration is of another format version, or an n-gram.</exception>
    /// <exception cref="IOException">The output folder exists and <paramref name="force"/> is not set.</exception>
    public static ImportResult Import(string exchangeDirectory, string outDirectory, bool force = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(exchangeDirectory);
        ArgumentException.ThrowIfNullOrEmpty(outDirectory);
        RefuseExisting(outDirectory, force);
        var weightsPath = Path.Combine(exchangeDirectory, WeightsFile);
        var configPath = Path.Combine(exchangeDirectory, Checkpoint.ConfigFile);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"'{exchangeDirectory}' has no {Checkpoint.ConfigFile}; nothing was written", configPath);
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"'{exchangeDirectory}' has no {WeightsFile}; nothing was written", weightsPath);
        CheckpointInfo info;
        try
        {
            info = Checkpoint.ReadInfo(exchangeDirectory);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or NullReferenceException or KeyNotFoundException or FormatException)
        {
            throw new InteropFormatException(configPath, null, $"is not a Melos model configuration ({e.Message.TrimEnd('.')})");
        }
        if (info.Architecture == "ngram") throw new IncompatibleFormatException("architecture", "lstm|transformer", "ngram");
        var (entries, metadata, dataStart) = SafeTensors.ReadHeader(weightsPath);
        if (metadata.TryGetValue(ArchitectureKey, out var declared) && declared != info.Architecture)
            throw new InteropFormatException(weightsPath, null, $"holds a {declared} checkpoint but {Checkpoint.ConfigFile} describes a {info.Architecture}");
        var byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        using var model = ModelFactory.Create(info.Model, info.VocabularySize, info.Pad, info.Conditioning, info.Seed);
        var expected = model.state_dict();
        string Describe() => $"{info.Architecture} {JsonNode.Parse(info.Model.ToJson())!.ToJsonString()}";
        foreach (var e in entries)
            if (!expected.ContainsKey(e.Name))
                throw new InteropFormatException(weightsPath, e.Name, $"is not a weight of the {Describe()} that {Checkpoint.ConfigFile} describes (another architecture or configuration?)");
        long parameters = 0;
        using (no_grad())
        {
            foreach (var (name, target) in expected)
            {
                if (!byName.TryGetValue(name, out var entry))
                    throw new InteropFormatException(weightsPath, name, $"is missing; the {Describe()} needs it with shape {SafeTensorEntry.ShapeToText(target.shape)}");
                if (!entry.Shape.SequenceEqual(target.shape))
                    throw new InteropFormatException(weightsPath, name, $"has shape {entry.ShapeText}, expected {SafeTensorEntry.ShapeToText(target.shape)} for the {Describe()}");
                var values = SafeTensors.ReadFloats(weightsPath, entry, dataStart);
                int bad = Array.FindIndex(values, v => !float.IsFinite(v));
                if (bad >= 0)
                    throw new InteropFormatException(weightsPath, name, string.Create(CultureInfo.InvariantCulture, $"holds a non-finite value ({values[bad]}) at flat index {bad}"));
                using var scope = NewDisposeScope();
                target.copy_(tensor(values, target.shape, float32, CPU).to(target.dtype).to(target.device));
                parameters += values.Length;
            }
        }
        string sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(weightsPath)));
        var source = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        var config = Checkpoint.ConfigJson(info.Model, info.Tokenizer, info.Conditioning, info.VocabularySize, info.Pad, info.Seed, info.Training, info.State, info.Metrics);
        var provenance = new JsonObject
        {
            ["importedFrom"] = Path.GetFullPath(exchangeDirectory),
            ["importedUtc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["weightsSha256"] = sha,
            ["producer"] = metadata.GetValueOrDefault(ProducerKey, "unknown"),
            ["tensors"] = entries.Count,
            ["parameters"] = parameters,
        };
        foreach (var key in new[] { "pytorch", "corpus" })
            if (source[key] is JsonNode node) provenance[key] = node.DeepClone();
        config["provenance"] = provenance;
        if (source["corpus"] is JsonNode corpus) config["corpus"] = corpus.DeepClone();
        Checkpoint.WriteAtomically(outDirectory, dir =>
        {
            File.WriteAllText(Path.Combine(dir, Checkpoint.ConfigFile), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            model.save(Path.Combine(dir, Checkpoint.WeightsFile));
            File.WriteAllText(Path.Combine(dir, ModelCard.FileName), CardText(info, provenance, exchangeDirectory));
        });
        return new ImportResult(outDirectory, info.Architecture, entries.Count, parameters, sha);
    }

    /// <summary>
    /// Writes a Melos model folder (config.json, weights.bin) for a model that was not trained by <see cref="Trainer"/>,
    /// for example freshly initialised weights to export.
    /// </summary>
    public static void SaveModelFolder(string directory, TorchSequenceModel model, TokenizerConfig tokenizer, int seed, TrainingConfig? training = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var config = Checkpoint.ConfigJson(model.Config, tokenizer, model.ConditioningVocabulary, model.VocabularySize, model.Pad, seed, training, null, null);
        Checkpoint.WriteAtomically(directory, dir =>
        {
            File.WriteAllText(Path.Combine(dir, Checkpoint.ConfigFile), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            model.save(Path.Combine(dir, Checkpoint.WeightsFile));
        });
    }

    private static void RefuseExisting(string outDirectory, bool force)
    {
        if (!force && (Directory.Exists(outDirectory) || File.Exists(outDirectory)))
            throw new IOException($"{outDirectory} exists; use --force to replace it");
    }

    private static string CardText(CheckpointInfo info, JsonObject provenance, string exchangeDirectory)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine($"# Model card: {info.Architecture} imported from PyTorch").AppendLine();
        sb.AppendLine("## Provenance").AppendLine();
        sb.AppendLine($"- Imported with `melos model import` from `{Path.GetFullPath(exchangeDirectory)}` on {provenance["importedUtc"]}.");
        sb.AppendLine($"- Weights: `{WeightsFile}`, SHA-256 {provenance["weightsSha256"]}, written by {provenance["producer"]}; {provenance["tensors"]} tensors, {provenance["parameters"]} weights, every one checked for shape and finiteness.");
        if (provenance["pytorch"] is JsonObject py)
            sb.AppendLine($"- PyTorch training record (from the exchange folder's `config.json`): `{py.ToJsonString()}`.");
        if (info.State is { } s)
            sb.AppendLine(string.Create(ci, $"- Training state: step {s.Step}, last training loss {s.TrainLoss?.ToString("0.0000", ci) ?? "n/a"} nats per token."));
        sb.AppendLine().AppendLine("## Model").AppendLine();
        sb.AppendLine($"- Architecture: {info.Architecture}; configuration in `config.json` (`model`, `tokenizer`, `conditioning`).");
        sb.AppendLine().AppendLine("## Data").AppendLine();
        sb.AppendLine(provenance["corpus"] is JsonObject c
            ? $"Trained on the corpus recorded in `config.json`: `{c.ToJsonString()}`. Check its licences before redistributing outputs."
            : "The exchange folder does not record the training corpus: check the data and its licences before redistributing outputs.");
        sb.AppendLine().AppendLine("## Intended use").AppendLine();
        sb.AppendLine("Generating melody ideas in the style of the training data, and research on melody models. Measure it with `melos evaluate --model <this folder> --corpus CORPUS` before relying on it.");
        return sb.ToString();
    }
}
