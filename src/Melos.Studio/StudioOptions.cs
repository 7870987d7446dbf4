namespace Melos.Studio;

/// <summary>How the studio is served.</summary>
/// <param name="ModelDirectory">The model folder (grid or note tokenizer) every request uses; loaded once when the app is built.</param>
public sealed record StudioOptions(string ModelDirectory)
{
    /// <summary>The default capacity of the inference queue.</summary>
    public const int DefaultQueueCapacity = 32;

    /// <summary>
    /// How many inference requests may wait for the model (1..10,000; default 32) beside the one it is working on; a
    /// request that finds the queue full is answered 503 with <c>Retry-After: 1</c> at once.
    /// </summary>
    public int QueueCapacity
    {
        get;
        init => field = value is >= 1 and <= 10_000 ? value : throw new ArgumentOutOfRangeException(nameof(QueueCapacity), value, "The queue capacity must be 1..10000.");
    } = DefaultQueueCapacity;

    /// <summary>The input limits (answered with 400 and a message naming the field).</summary>
    public StudioLimits Limits
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Limits));
    } = StudioLimits.Default;

    /// <summary>The folder of the single page's static files, or null to look for <c>wwwroot</c> beside the program, then in the source tree.</summary>
    public string? WebRoot { get; init; }

    /// <summary>The VAE folder for <c>POST /api/morph</c>, or null for <c>vae</c> beside the model folder (see <see cref="StudioMorph"/>).</summary>
    public string? VaeDirectory { get; init; }
}

/// <summary>The studio's input limits; every one is answered with 400 (413 for the body size) and a message naming the field.</summary>
public sealed record StudioLimits
{
    /// <summary>The contract's limits: 2,000 notes, 64 bars, answers of 1..16 bars, 256 KB bodies.</summary>
    public static StudioLimits Default { get; } = new();

    /// <summary>The most notes a melody may have.</summary>
    public int MaxNotes
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxNotes), value, "MaxNotes must be at least 1.");
    } = 2_000;

    /// <summary>The most bars a melody may have (the phrase and the answer together for <c>/api/continue</c>).</summary>
    public int MaxBars
    {
        get;
        init => field = value is >= 1 and <= 256 ? value : throw new ArgumentOutOfRangeException(nameof(MaxBars), value, "MaxBars must be 1..256.");
    } = 64;

    /// <summary>The longest answer of <c>/api/continue</c>, in bars.</summary>
    public int MaxAnswerBars
    {
        get;
        init => field = value is >= 1 and <= 256 ? value : throw new ArgumentOutOfRangeException(nameof(MaxAnswerBars), value, "MaxAnswerBars must be 1..256.");
    } = 16;

    /// <summary>The largest request body in bytes (larger bodies are answered 413).</summary>
    public long MaxBodyBytes
    {
        get;
        init => field = value >= 1024 ? value : throw new ArgumentOutOfRangeException(nameof(MaxBodyBytes), value, "MaxBodyBytes must be at least 1024.");
    } = 256 * 1024;

    /// <summary>The longest audio <c>/api/export?format=wav</c> renders, in seconds (a slow tempo makes 64 bars long).</summary>
    public int MaxAudioSeconds
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxAudioSeconds), value, "MaxAudioSeconds must be at least 1.");
    } = 300;
}
