using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Melos.Models.Polyphonic;

/// <summary>
/// A piano-roll model: from the frames before each position (<c>input</c> [B, T, 88], 0/1) the logits of each key of
/// the next frame (<c>target</c> [B, T, 88]); only <see cref="FrameArchitecture.Nade"/> reads the target, and then only
/// the keys below the one it predicts.
/// </summary>
public abstract class FrameModel : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>The number of keys.</summary>
    public const int Keys = 88;

    /// <summary>Creates the base.</summary>
    protected FrameModel(string name, FrameModelConfig config) : base(name)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
    }

    /// <summary>The configuration.</summary>
    public FrameModelConfig Config { get; }

    /// <summary>How many earlier frames the model can see (for windowed evaluation), or null for all of them.</summary>
    public virtual int? Context => null;

    /// <summary>Creates the model for a configuration (seed torch first for reproducible weights).</summary>
    public static FrameModel Create(FrameModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Architecture switch
        {
            FrameArchitecture.Lstm => new FrameLstm(config),
            FrameArchitecture.Transformer => new FrameTransformer(config),
            FrameArchitecture.Nade => new FrameNade(config),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.Architecture, "Unknown architecture."),
        };
    }
}

/// <summary>An LSTM over frames with 88 independent sigmoid outputs.</summary>
public sealed class FrameLstm : FrameModel
{
    private readonly Dropout inputDropout, dropout;
    private readonly LSTM lstm;
    private readonly Linear head;

    /// <summary>Creates the model.</summary>
    public FrameLstm(FrameModelConfig config) : base(nameof(FrameLstm), config)
    {
        inputDropout = nn.Dropout(config.InputDropout);
        lstm = nn.LSTM(Keys, config.Hidden, config.Layers, batchFirst: true, dropout: config.Layers > 1 ? config.Dropout : 0);
        dropout = nn.Dropout(config.Dropout);
        head = nn.Linear(config.Hidden, Keys);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input, Tensor target)
    {
        var (output, _, _) = lstm.call(inputDropout.call(input));
        return head.call(dropout.call(output));
    }
}

/// <summary>A relative-attention Transformer decoder over frames with 88 independent sigmoid outputs.</summary>
public sealed class FrameTransformer : FrameModel
{
    private readonly Linear embed;
    private readonly Dropout inputDropout, dropout;
    private readonly ModuleList<RelativeDecoderLayer> layers;
    private readonly LayerNorm norm;
    private readonly Linear head;

    /// <summary>Creates the model.</summary>
    public FrameTransformer(FrameModelConfig config) : base(nameof(FrameTransformer), config)
    {
        var layer = new TransformerConfig
        {
            Layers = config.Layers, Width = config.Hidden, Heads = config.Heads, FeedForward = config.FeedForward,
            Dropout = config.Dropout, MaxRelativeDistance = config.MaxRelativeDistance,
        };
        layer.Validate();
        inputDropout = nn.Dropout(config.InputDropout);
        embed = nn.Linear(Keys, config.Hidden);
        dropout = nn.Dropout(config.Dropout);
        layers = nn.ModuleList([.. Enumerable.Range(0, config.Layers).Select(_ => new RelativeDecoderLayer(layer))]);
        norm = nn.LayerNorm(config.Hidden);
        head = nn.Linear(config.Hidden, Keys);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override int? Context => Config.MaxRelativeDistance;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input, Tensor target)
    {
        var x = dropout.call(embed.call(inputDropout.call(input)));
        foreach (var layer in layers)
        {
            using var scope = NewDisposeScope();
            x = layer.call(x).MoveToOuterDisposeScope();
        }
        return head.call(norm.call(x));
    }
}

/// <summary>
/// An LSTM over frames (as <see cref="FrameLstm"/>) whose output conditions a MADE (Germain et al. 2015) over the 88
/// keys of the predicted frame: key i's logit depends on the earlier frames and on keys 0..i-1 of its own frame only,
/// through masked weights (hidden unit k has a degree m(k) in 1..87, sees keys below m(k), and feeds keys above it),
/// plus direct lower-triangular connections between keys. The frame's probability is the product of the keys'
/// conditionals, so the NLL is still a sum of Bernoulli terms; sampling goes key by key from low to high.
/// </summary>
public sealed class FrameNade : FrameModel
{
    private readonly Dropout inputDropout, dropout;
    private readonly LSTM lstm;
    private readonly Linear hiddenFromState, biasFromState, inToHidden, hiddenToOut, direct;
    private readonly Tensor inMask, outMask, directMask;

    /// <summary>Creates the model.</summary>
    public FrameNade(FrameModelConfig config) : base(nameof(FrameNade), config)
    {
        int m = config.NadeHidden;
        inputDropout = nn.Dropout(config.InputDropout);
        lstm = nn.LSTM(Keys, config.Hidden, config.Layers, batchFirst: true, dropout: config.Layers > 1 ? config.Dropout : 0);
        dropout = nn.Dropout(config.Dropout);
        hiddenFromState = nn.Linear(config.Hidden, m);
        biasFromState = nn.Linear(config.Hidden, Keys);
        inToHidden = nn.Linear(Keys, m, hasBias: false);
        hiddenToOut = nn.Linear(m, Keys, hasBias: false);
        direct = nn.Linear(Keys, Keys, hasBias: false);
        // Degrees: key i has degree i + 1; hidden unit k has degree 1 + k mod 87, so every degree 1..87 is used.
        var hiddenDegree = Enumerable.Range(0, m).Select(k => 1 + k % (Keys - 1)).ToArray();
        var inM = new float[m * Keys];
        var outM = new float[Keys * m];
        var dirM = new float[Keys * Keys];
        for (int k = 0; k < m; k++)
            for (int i = 0; i < Keys; i++)
            {
                if (hiddenDegree[k] >= i + 1) inM[k * Keys + i] = 1;  // unit k sees key i when i < m(k)
                if (i + 1 > hiddenDegree[k]) outM[i * m + k] = 1;     // key i hears unit k when m(k) <= i
            }
        for (int i = 0; i < Keys; i++)
            for (int j = 0; j < i; j++) dirM[i * Keys + j] = 1;
        inMask = tensor(inM, [m, Keys]);
        outMask = tensor(outM, [Keys, m]);
        directMask = tensor(dirM, [Keys, Keys]);
        register_buffer("inMask", inMask, persistent: false);
        register_buffer("outMask", outMask, persistent: false);
        register_buffer("directMask", directMask, persistent: false);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input, Tensor target)
    {
        var (output, _, _) = lstm.call(inputDropout.call(input));
        var state = dropout.call(output);
        var hidden = nn.functional.relu(hiddenFromState.call(state) + nn.functional.linear(target, inToHidden.weight! * inMask));
        return biasFromState.call(state)
            + nn.functional.linear(hidden, hiddenToOut.weight! * outMask)
            + nn.functional.linear(target, direct.weight! * directMask);
    }
}
