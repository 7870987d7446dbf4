using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Melos.Data.Tokenizers;
using Melos.Generation.Decoding;
using Melos.Models;
using Melos.Models.Training;
using Melos.Music;
using TorchSharp;
using static TorchSharp.torch;

namespace Melos.Generation.Tuning;

/// <summary>
/// RL Tuner (after Jaques et al. 2017): fine-tunes a model (any tokenizer with a generation grammar) with REINFORCE on a <see cref="Reward"/> of
/// musical rules, held near a frozen copy of the pretrained model (the prior) by a KL penalty.
/// </summary>
/// <remarks>
/// Each step samples <see cref="TuningConfig.BatchSize"/> melodies from the current policy with
/// <see cref="MelodyGenerator"/> (requests drawn from a pool, seeds from the tuning seed and the step), scores them, and
/// runs one teacher-forced pass of the policy (with gradients) and of the prior (without) over the batch. With the
/// sampling mask of each step applied to both (the tokens the generator could draw there, replayed through the request's
/// grammar, <see cref="Grammars.For"/>: a token the form forced is the only one allowed), the loss per melody is
/// <c>-Σₜ Aₜ log π(xₜ) + β Σₜ KL(π(·|x&lt;ₜ) ‖ prior(·|x&lt;ₜ))</c>, where the advantage Aₜ is the reward to go of token t
/// (see <see cref="Advantages"/>) minus that of the other melodies of the batch, and the KL is exact over the
/// vocabulary; the batch mean, divided by the mean melody length, is minimised with Adam. The LSTM generates from a managed copy of its weights that <see cref="ISequenceModel.CreateState"/> refreshes,
/// so each step samples from the weights the previous step left. Both models run without dropout.
/// </remarks>
public sealed class RlTuner : IDisposable
{
    /// <summary>The tuning file of a checkpoint folder.</summary>
    public const string TuningFile = "tuning.json";

    /// <summary>The optimizer state of a tuning checkpoint.</summary>
    public const string OptimizerFile = "tuning-optimizer.bin";

    /// <summary>The log of a tuning checkpoint (one JSON object per step).</summary>
    public const string LogFile = "tuning-log.jsonl";

    private readonly TorchSharp.Modules.Adam _optimizer;
    private readonly MelodyGenerator _generator;
    private readonly List<string> _log = [];
    private readonly bool _ownsModels;

    /// <summary>Prepares a run.</summary>
    /// <param name="policy">The model to tune (changed in place).</param>
    /// <param name="prior">The frozen pretrained model (never changed; same architecture and vocabulary).</param>
    /// <param name="info">The pretrained checkpoint's description (tokenizer, conditioning, training settings).</param>
    /// <param name="reward">The reward.</param>
    /// <param name="requests">
    /// The requests melodies are sampled for (key, meter, chords, style, bars); each must sample plainly: temperature 1,
    /// no top-k/top-p, best-of or beam, no primer. Set <see cref="PitchConstraints.Chromatic"/> so the policy may leave
    /// the key (else the in-key rule has nothing to learn).
    /// </param>
    /// <param name="config">The run's settings.</param>
    /// <param name="ownsModels">Dispose both models with the tuner.</param>
    /// <exception cref="ArgumentException">A request the generator refuses or that does not sample plainly.</exception>
    public RlTuner(TorchSequenceModel policy, TorchSequenceModel prior, CheckpointInfo info, Reward reward, IReadOnlyList<GenerationRequest> requests,
        TuningConfig config, bool ownsModels = false)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(prior);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(reward);
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (ReferenceEquals(policy, prior)) throw new ArgumentException("The prior must be a separate copy of the model.", nameof(prior));
        var tokenizer = info.Tokenizer.Create();
        if (policy.VocabularySize != prior.VocabularySize) throw new ArgumentException("The policy and the prior have different vocabularies.", nameof(prior));
        if (requests.Count == 0) throw new ArgumentException("At least one request is needed.", nameof(requests));
        Policy = policy;
        Prior = prior;
        Info = info;
        Reward = reward;
        Requests = [.. requests];
        Config = config;
        Tokenizer = tokenizer;
        _ownsModels = ownsModels;
        _generator = new MelodyGenerator(policy, tokenizer, info.Conditioning, ownsModel: false, info.Training?.MaxSequenceLength);
        for (int i = 0; i < Requests.Count; i++)
        {
            var r = Requests[i];
            if (r.Sampling.Temperature != 1 || r.Sampling.TopK is not null || r.Sampling.TopP is not null || r.BestOf is not null || r.BeamWidth is not null || !r.Primer.IsEmpty)
                throw new ArgumentException($"Request {i} does not sample plainly from the model: tuning needs temperature 1 and no top-k, top-p, best-of, beam or primer.", nameof(requests));
            _generator.Check(r);
        }
        prior.eval();
        foreach (var p in prior.parameters()) p.requires_grad = false;
        _optimizer = optim.Adam(policy.parameters(), lr: config.LearningRate);
    }

    /// <summary>The model being tuned.</summary>
    public TorchSequenceModel Policy { get; }

    /// <summary>The frozen pretrained model.</summary>
    public TorchSequenceModel Prior { get; }

    /// <summary>The pretrained checkpoint's description.</summary>
    public CheckpointInfo Info { get; }

    /// <summary>The reward.</summary>
    public Reward Reward { get; }

    /// <summary>The request pool.</summary>
    public IReadOnlyList<GenerationRequest> Requests { get; }

    /// <summary>The run's settings.</summary>
    public TuningConfig Config { get; private set; }

    /// <summary>The model's tokenizer.</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>Where the run is.</summary>
    public TuningState State { get; private set; } = new();

    /// <summary>The folder of the pretrained model, recorded in <c>tuning.json</c> (for resuming).</summary>
    public string? PriorDirectory { get; init; }

    /// <summary>Extra top-level fields copied into the checkpoint's <c>config.json</c> (e.g. the corpus identity).</summary>
    public JsonObject? ConfigExtras { get; set; }

    /// <summary>Called after every step.</summary>
    public Action<TuningProgress>? Progress { get; set; }

    /// <summary>The log lines so far (JSON objects), as written to <c>tuning-log.jsonl</c>.</summary>
    public IReadOnlyList<string> Log => _log;

    /// <summary>Loads the pretrained checkpoint twice (policy and frozen prior) and prepares a run; the tuner owns both.</summary>
    public static RlTuner Start(string priorDirectory, Reward reward, IReadOnlyList<GenerationRequest> requests, TuningConfig config)
    {
        var info = Checkpoint.ReadInfo(priorDirectory);
        if (info.Architecture == "ngram") throw new ArgumentException("The n-gram model has no gradients to tune; use an lstm or transformer model.", nameof(priorDirectory));
        var policy = Checkpoint.LoadTorchModel(priorDirectory, info);
        var prior = Checkpoint.LoadTorchModel(priorDirectory, info);
        try
        {
            return new RlTuner(policy, prior, info, reward, requests, config, ownsModels: true) { PriorDirectory = Path.GetFullPath(priorDirectory) };
        }
        catch
        {
            policy.Dispose();
            prior.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Continues the run saved in <paramref name="directory"/>: its weights, Adam state, step and log; the prior is loaded
    /// from <paramref name="priorDirectory"/> (or the folder <c>tuning.json</c> names). The same step count gives the same
    /// weights as a run that never stopped.
    /// </summary>
    /// <param name="directory">The tuning checkpoint.</param>
    /// <param name="priorDirectory">The pretrained model, or null for the one recorded.</param>
    /// <param name="reward">The reward; must equal the recorded one.</param>
    /// <param name="requests">The request pool; must be the one the run started with.</param>
    /// <param name="steps">A new step budget, or null to keep the recorded one.</param>
    /// <exception cref="IncompatibleFormatException">Not a tuning checkpoint, or another format version.</exception>
    /// <exception cref="RewardSpecException">Another reward than the recorded one.</exception>
    public static RlTuner Resume(string directory, string? priorDirectory, Reward reward, IReadOnlyList<GenerationRequest> requests, int? steps = null)
    {
        ArgumentNullException.ThrowIfNull(reward);
        var path = Path.Combine(directory, TuningFile);
        if (!File.Exists(path)) Checkpoint.Recover(directory);
        if (!File.Exists(path)) throw new IncompatibleFormatException("tuning", $"a tuning checkpoint with {TuningFile}", "none");
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var config = root["config"]!.Deserialize<TuningConfig>(ModelConfig.JsonOptions)!;
        if (config.FormatVersion != 1) throw new IncompatibleFormatException("tuning.formatVersion", "1", config.FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var state = root["state"]!.Deserialize<TuningState>(ModelConfig.JsonOptions)!;
        string recordedReward = root["reward"]!.GetValue<string>();
        if (recordedReward != reward.Spec) throw new RewardSpecException(reward.Spec, reward.Spec, $"the run in '{directory}' was tuned for the reward '{recordedReward}'; resume it with that reward");
        priorDirectory ??= root["prior"]?.GetValue<string>() ?? throw new ArgumentException($"'{directory}' does not record its prior; give it.", nameof(priorDirectory));
        if (steps is { } s) config = config with { Steps = s };
        var info = Checkpoint.ReadInfo(priorDirectory);
        var policy = Checkpoint.LoadTorchModel(directory, Checkpoint.ReadInfo(directory, info.Architecture));
        var prior = Checkpoint.LoadTorchModel(priorDirectory, info);
        RlTuner tuner;
        try
        {
            tuner = new RlTuner(policy, prior, info, reward, requests, config, ownsModels: true)
            {
                PriorDirectory = Path.GetFullPath(priorDirectory),
                ConfigExtras = root["configExtras"] as JsonObject is { } extras ? (JsonObject)extras.DeepClone() : null,
            };
        }
        catch
        {
            policy.Dispose();
            prior.Dispose();
            throw;
        }
        tuner.State = state with { StopReason = state.Step >= config.Steps ? "max-steps" : null };
        tuner._optimizer.load_state_dict(Path.Combine(directory, OptimizerFile));
        var log = Path.Combine(directory, LogFile);
        if (File.Exists(log)) tuner._log.AddRange(File.ReadAllLines(log).Where(l => l.Length > 0));
        return tuner;
    }

    /// <summary>The requests and seeds sampled at step <paramref name="step"/> (a function of the seed and the step only).</summary>
    public IReadOnlyList<(int Request, int Seed)> Draws(int step)
    {
        var rng = new Random(unchecked(Config.Seed * 1_000_003 + step));
        return [.. Enumerable.Range(0, Config.BatchSize).Select(_ => (rng.Next(Requests.Count), rng.Next()))];
    }

    /// <summary>Samples one melody per draw from the current policy.</summary>
    public IReadOnlyList<GeneratedMelody> Sample(IReadOnlyList<(int Request, int Seed)> draws, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(draws);
        return [.. draws.Select(d => _generator.Generate(Requests[d.Request] with { Count = 1, Seed = d.Seed }, cancellation)[0])];
    }

    /// <summary>Tunes until <see cref="TuningConfig.Steps"/> or cancellation, checkpointing into <paramref name="checkpointDirectory"/> when given.</summary>
    /// <param name="checkpointDirectory">The output folder, or null for none.</param>
    /// <param name="cancellation">Stops after the current step; a checkpoint is still written.</param>
    /// <returns>The state when it stopped.</returns>
    public TuningState Train(string? checkpointDirectory = null, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        int runSteps = 0;
        while (State.Step < Config.Steps)
        {
            if (cancellation.IsCancellationRequested)
            {
                State = State with { StopReason = "cancelled" };
                break;
            }
            var (loss, reward, kl) = TrainStep(State.Step, cancellation);
            runSteps++;
            State = State with { Step = State.Step + 1, Reward = reward, Kl = kl, Loss = loss, StopReason = null };
            var elapsed = clock.Elapsed;
            var eta = TimeSpan.FromSeconds(elapsed.TotalSeconds / runSteps * (Config.Steps - State.Step));
            _log.Add(new JsonObject { ["step"] = State.Step, ["reward"] = reward, ["kl"] = kl, ["loss"] = loss, ["seconds"] = Math.Round(elapsed.TotalSeconds, 2) }.ToJsonString());
            Progress?.Invoke(new TuningProgress(State.Step, Config.Steps, reward, kl, loss, elapsed, eta));
            if (checkpointDirectory is not null && State.Step % Config.CheckpointEvery == 0 && State.Step < Config.Steps) SaveCheckpoint(checkpointDirectory);
        }
        if (State.Step >= Config.Steps) State = State with { StopReason = "max-steps" };
        if (checkpointDirectory is not null) SaveCheckpoint(checkpointDirectory);
        return State;
    }

    /// <summary>One step: sample, score, one policy-gradient update. Returns the loss, mean reward and mean KL per token.</summary>
    private (double Loss, double Reward, double Kl) TrainStep(int step, CancellationToken cancellation)
    {
        var draws = Draws(step);
        var samples = Sample(draws, cancellation);
        var rewards = samples.Select(s => Reward.Score(s.Melody)).ToArray();
        int n = rewards.Length;

        Policy.eval();
        using var scope = NewDisposeScope();
        _optimizer.zero_grad();
        var (batch, disallowed, times) = Batch([.. draws.Select(d => Requests[d.Request])], samples);
        var advantages = Advantages(samples, times, rewards, batch.Length);
        var (logp, priorLogp, valid) = LogProbabilities(batch, disallowed);
        var targets = tensor(batch.Targets.Select(t => t < 0 ? 0L : t).ToArray(), [batch.BatchSize, batch.Length, 1], int64, Policy.Device);
        var tokenLogp = logp.gather(-1, targets).squeeze(-1) * valid;
        var kl = (logp.exp() * (logp - priorLogp)).sum(-1) * valid;
        var adv = tensor(advantages, [n, batch.Length], float32, Policy.Device);
        double meanLength = (double)batch.TargetCount / n;
        var loss = (-(adv * tokenLogp).sum(1) + Config.Kl * kl.sum(1)).mean() / meanLength;
        loss.backward();
        if (Config.GradientClip > 0) nn.utils.clip_grad_norm_(Policy.parameters(), Config.GradientClip);
        _optimizer.step();
        double klPerToken = kl.sum().to(float64).item<double>() / batch.TargetCount;
        return (loss.to(float64).item<double>(), rewards.Average(), klPerToken);
    }

    /// <summary>
    /// The advantage of every sampled token [melody, position]: its reward to go, the melody's reward minus the reward of
    /// the notes already complete before that token (a function of the past only, so subtracting it biases nothing and
    /// leaves each token the part of the reward it can still change), minus the mean reward to go of the other melodies
    /// of the batch at the same position.
    /// </summary>
    internal float[] Advantages(IReadOnlyList<GeneratedMelody> samples, IReadOnlyList<Duration[]> times, double[] rewards, int length)
    {
        int n = samples.Count;
        var toGo = new double[n, length];
        var real = new bool[n, length];
        for (int b = 0; b < n; b++)
        {
            var melody = samples[b].Melody;
            var notes = melody.Notes;
            int complete = 0;
            double past = Reward.Score(melody.WithNotes([]));
            int positions = Math.Min(length, samples[b].Tokens.Count - 1);
            for (int t = 0; t < positions; t++)
            {
                // Target t is chosen at times[b][t]: notes that ended before it were decided by earlier tokens.
                var now = times[b][t];
                int done = complete;
                while (done < notes.Length && notes[done].End < now) done++;
                if (done != complete)
                {
                    complete = done;
                    past = Reward.Score(melody.WithNotes(notes.Take(complete)));
                }
                toGo[b, t] = rewards[b] - past;
                real[b, t] = true;
            }
        }
        var result = new float[n * length];
        for (int t = 0; t < length; t++)
        {
            double sum = 0;
            int count = 0;
            for (int b = 0; b < n; b++)
                if (real[b, t]) { sum += toGo[b, t]; count++; }
            for (int b = 0; b < n; b++)
            {
                if (!real[b, t]) continue;
                double baseline = count > 1 ? (sum - toGo[b, t]) / (count - 1) : 0;
                result[b * length + t] = (float)(toGo[b, t] - baseline);
            }
        }
        return result;
    }

    /// <summary>
    /// The mean KL(π ‖ prior) per token (nats) over the positions of melodies the policy generated for
    /// <paramref name="requests"/> (one request per melody), with each request's sampling mask applied to both models: how far
    /// the tuned distribution is from the pretrained one where the policy goes.
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length.</exception>
    public double MeanKl(IReadOnlyList<GenerationRequest> requests, IReadOnlyList<GeneratedMelody> samples)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(samples);
        if (requests.Count != samples.Count) throw new ArgumentException($"{requests.Count} requests but {samples.Count} melodies.", nameof(samples));
        double sum = 0;
        long count = 0;
        const int Chunk = 16;
        for (int start = 0; start < samples.Count; start += Chunk)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var (batch, disallowed, _) = Batch([.. requests.Skip(start).Take(Chunk)], [.. samples.Skip(start).Take(Chunk)]);
            var (logp, priorLogp, valid) = LogProbabilities(batch, disallowed);
            sum += ((logp.exp() * (logp - priorLogp)).sum(-1) * valid).sum().to(float64).item<double>();
            count += batch.TargetCount;
        }
        return count == 0 ? 0 : sum / count;
    }

    /// <summary>Masked log-softmax of the policy (with gradients when enabled) and of the prior (without), and the [B, T] mask of real targets.</summary>
    private (Tensor Policy, Tensor Prior, Tensor Valid) LogProbabilities(TokenBatch batch, bool[] disallowed)
    {
        Policy.eval();
        int b = batch.BatchSize, t = batch.Length, v = Policy.VocabularySize;
        var mask = tensor(disallowed, [b, t, v], device: Policy.Device);
        var logp = Policy.Logits(batch).to(float32).masked_fill(mask, -1e9f).log_softmax(-1);
        Tensor priorLogp;
        using (no_grad()) priorLogp = Prior.Logits(batch).to(float32).to(Policy.Device).masked_fill(mask, -1e9f).log_softmax(-1);
        var valid = tensor(batch.Targets.Select(x => x < 0 ? 0f : 1f).ToArray(), [b, t], float32, Policy.Device);
        return (logp, priorLogp, valid);
    }

    /// <summary>
    /// The teacher-forcing batch of the samples, per target the tokens the generator could not draw there, and the time
    /// each target was chosen at: each sample's tokens are replayed through its request's grammar, which gives the
    /// conditioning and the mask of every step exactly as the decoder saw them.
    /// </summary>
    private (TokenBatch Batch, bool[] Disallowed, List<Duration[]> Times) Batch(IReadOnlyList<GenerationRequest> requests, IReadOnlyList<GeneratedMelody> samples)
    {
        int v = Policy.VocabularySize;
        var sequences = new List<EncodedSequence>(samples.Count);
        var masks = new List<bool[][]>(samples.Count);
        var times = new List<Duration[]>(samples.Count);
        var allowed = new bool[v];
        for (int i = 0; i < samples.Count; i++)
        {
            var tokens = samples[i].Tokens;
            var grammar = Grammars.For(Tokenizer, requests[i], Info.Conditioning, out _);
            var conditioning = new ConditionStep[tokens.Count];
            var mask = new bool[tokens.Count - 1][];
            var at = new Duration[tokens.Count - 1];
            conditioning[0] = grammar.Condition;
            for (int k = 1; k < tokens.Count; k++)
            {
                conditioning[k] = grammar.Condition;
                at[k - 1] = grammar.Time;
                grammar.Allow(allowed, out _);
                if (grammar.FormCandidate is { } offered && allowed[offered])
                {
                    // The decoder takes the form's offer whenever it is allowed: nothing else could be drawn.
                    Array.Clear(allowed);
                    allowed[offered] = true;
                }
                else grammar.RefuseFormCandidate();
                mask[k - 1] = (bool[])allowed.Clone();
                grammar.Feed(tokens[k]);
            }
            sequences.Add(new EncodedSequence([.. tokens], [.. conditioning], samples[i].Melody.Notes.Length, ""));
            masks.Add(mask);
            times.Add(at);
        }
        var batch = TokenBatch.Create(sequences, Policy.Pad);
        var disallowed = new bool[batch.BatchSize * batch.Length * v];
        for (int i = 0; i < samples.Count; i++)
            for (int step = 0; step < masks[i].Length; step++)
            {
                int offset = (i * batch.Length + step) * v;
                for (int id = 0; id < v; id++) disallowed[offset + id] = !masks[i][step][id];
            }
        return (batch, disallowed, times);
    }

    /// <summary>
    /// Writes the tuned model as a checkpoint folder (atomically, like <see cref="Trainer.SaveCheckpoint"/>): a
    /// <c>config.json</c> any command loads (<see cref="Checkpoint.LoadModel"/>), <c>weights.bin</c>, and for resuming
    /// <c>tuning.json</c> (settings, state, reward, prior), <c>tuning-optimizer.bin</c> and <c>tuning-log.jsonl</c>.
    /// </summary>
    public void SaveCheckpoint(string directory)
    {
        var tuning = new JsonObject
        {
            ["formatVersion"] = 1,
            ["prior"] = PriorDirectory,
            ["reward"] = Reward.Spec,
            ["config"] = JsonSerializer.SerializeToNode(Config, ModelConfig.JsonOptions),
            ["state"] = JsonSerializer.SerializeToNode(State, ModelConfig.JsonOptions),
            ["configExtras"] = ConfigExtras?.DeepClone(),
        };
        var metrics = new JsonObject { ["tuningStep"] = State.Step, ["reward"] = State.Reward, ["kl"] = State.Kl };
        var config = Checkpoint.ConfigJson(Policy.Config, Info.Tokenizer, Info.Conditioning, Policy.VocabularySize, Policy.Pad, Info.Seed, Info.Training, Info.State, metrics);
        if (ConfigExtras is not null)
            foreach (var (key, value) in ConfigExtras)
                if (!config.ContainsKey(key)) config[key] = value?.DeepClone();
        config["tuning"] = new JsonObject { ["prior"] = PriorDirectory, ["reward"] = Reward.Spec, ["kl"] = Config.Kl, ["step"] = State.Step };
        var indented = new JsonSerializerOptions { WriteIndented = true };
        Checkpoint.WriteAtomically(directory, dir =>
        {
            File.WriteAllText(Path.Combine(dir, Checkpoint.ConfigFile), config.ToJsonString(indented));
            Policy.save(Path.Combine(dir, Checkpoint.WeightsFile));
            _optimizer.save_state_dict(Path.Combine(dir, OptimizerFile));
            File.WriteAllText(Path.Combine(dir, TuningFile), tuning.ToJsonString(indented));
            File.WriteAllLines(Path.Combine(dir, LogFile), _log);
        });
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _optimizer.Dispose();
        _generator.Dispose();
        if (_ownsModels)
        {
            Policy.Dispose();
            Prior.Dispose();
        }
    }
}
