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

    /// <summary>The default number of decoding slots (<see cref="Workers"/>).</summary>
    public const int DefaultWorkers = 24;

    /// <summary>
    /// How many requests decode at once (1..256; default 24): each has a thread of its own, and their model steps run
    /// together as batched steps on the one model thread. Requests past these wait in the queue, taken in turn client by
    /// client.
    /// </summary>
    public int Workers
    {
        get;
        init => field = value is >= 1 and <= 256 ? value : throw new ArgumentOutOfRangeException(nameof(Workers), value, "The workers must be 1..256.");
    } = DefaultWorkers;

    /// <summary>
    /// The access token every API call must carry (<c>Authorization: Bearer TOKEN</c>), or null for none (only allowed
    /// on loopback addresses: see <see cref="StudioSecurity.CheckBinding"/>). At least 16 characters.
    /// </summary>
    public string? Token
    {
        get;
        init => field = value is null || value.Length >= StudioSecurity.MinTokenLength ? value
            : throw new ArgumentOutOfRangeException(nameof(Token), "The token must have at least " + StudioSecurity.MinTokenLength + " characters.");
    }

    /// <summary>How requests are shared out between clients (per-client rate and concurrency, the work and time budgets).</summary>
    public StudioBudgets Budgets
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Budgets));
    } = StudioBudgets.Default;

    /// <summary>How connections are limited (count, keep-alive, header timeout).</summary>
    public StudioConnections Connections
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Connections));
    } = StudioConnections.Default;

    /// <summary>A PKCS#12 (.pfx) certificate file for HTTPS addresses, or null (Kestrel's own configuration still applies).</summary>
    public string? Certificate { get; init; }

    /// <summary>The certificate file's password, or null.</summary>
    public string? CertificatePassword { get; init; }

    /// <summary>Write the logs as JSON lines (one object per event, the request log's fields as properties).</summary>
    public bool JsonLogs { get; init; }

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

/// <summary>
/// The work a request may ask for and how requests are shared out between clients (a client is a remote IP address).
/// </summary>
public sealed record StudioBudgets
{
    /// <summary>The defaults: 512 bar-candidates, 30 s per request, 4 requests at once and 20 a second (bursts of 40) per client.</summary>
    public static StudioBudgets Default { get; } = new();

    /// <summary>
    /// The most work one request may ask for, in bar-candidates: the bars of the melody the model hears (the phrase and
    /// the answer for <c>/api/continue</c>) times the candidates it decodes and scores (1 but for <c>/api/infill</c>).
    /// A request over it is refused before any work with a 400 naming the field and the limit.
    /// </summary>
    public int MaxBarCandidates
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxBarCandidates), value, "MaxBarCandidates must be at least 1.");
    } = 512;

    /// <summary>The longest a request may take from its arrival to its answer; past it, it is stopped and answered 503.</summary>
    public TimeSpan RequestTime
    {
        get;
        init => field = value > TimeSpan.Zero && value <= TimeSpan.FromHours(1) ? value : throw new ArgumentOutOfRangeException(nameof(RequestTime), value, "RequestTime must be more than 0 and at most an hour.");
    } = TimeSpan.FromSeconds(30);

    /// <summary>The most API requests one client may have in progress at once; more are answered 429.</summary>
    public int ClientConcurrency
    {
        get;
        init => field = value is >= 1 and <= 10_000 ? value : throw new ArgumentOutOfRangeException(nameof(ClientConcurrency), value, "ClientConcurrency must be 1..10000.");
    } = 4;

    /// <summary>The API requests per second one client may make on average (a token bucket of <see cref="ClientBurst"/>); more are answered 429.</summary>
    public int ClientRate
    {
        get;
        init => field = value is >= 1 and <= 100_000 ? value : throw new ArgumentOutOfRangeException(nameof(ClientRate), value, "ClientRate must be 1..100000.");
    } = 20;

    /// <summary>The most API requests one client may make at once after a pause (the bucket's size).</summary>
    public int ClientBurst
    {
        get;
        init => field = value is >= 1 and <= 100_000 ? value : throw new ArgumentOutOfRangeException(nameof(ClientBurst), value, "ClientBurst must be 1..100000.");
    } = 40;
}

/// <summary>Connection limits (Kestrel's): slow or idle clients are closed, and the server holds so many connections at most.</summary>
public sealed record StudioConnections
{
    /// <summary>The defaults: 1,000 connections, 30 s keep-alive, 10 s for the headers.</summary>
    public static StudioConnections Default { get; } = new();

    /// <summary>The most connections open at once; more are closed at once.</summary>
    public long MaxConnections
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxConnections), value, "MaxConnections must be at least 1.");
    } = 1000;

    /// <summary>How long an idle connection stays open.</summary>
    public TimeSpan KeepAlive
    {
        get;
        init => field = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(KeepAlive), value, "KeepAlive must be positive.");
    } = TimeSpan.FromSeconds(30);

    /// <summary>How long a client may take to send a request's headers.</summary>
    public TimeSpan HeadersTimeout
    {
        get;
        init => field = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(HeadersTimeout), value, "HeadersTimeout must be positive.");
    } = TimeSpan.FromSeconds(10);
}
