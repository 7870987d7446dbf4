using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Melos.Studio;

/// <summary>The studio would listen where other machines reach it without an access token: it refuses to start.</summary>
/// <param name="address">The address that is not loopback.</param>
public sealed class StudioBindingException(string address)
    : Exception($"{address} can be reached from other machines, so the studio needs an access token: give --token TOKEN (16 characters or more), "
        + $"set {StudioSecurity.TokenVariable}, or --token generate; or listen on http://127.0.0.1:PORT only")
{
    /// <summary>The address.</summary>
    public string Address { get; } = address;
}

/// <summary>
/// What makes the studio safe to share on a network: loopback unless there is a token, the token on every API call
/// (compared in constant time), same-origin requests only, and the security headers of every answer.
/// </summary>
public static class StudioSecurity
{
    /// <summary>The environment variable <c>melos serve</c> reads the token from when <c>--token</c> is not given.</summary>
    public const string TokenVariable = "MELOS_STUDIO_TOKEN";

    /// <summary>The shortest token accepted.</summary>
    public const int MinTokenLength = 16;

    /// <summary>
    /// The hash of the one style element the notation library inserts (abcjs's <c>.abcjs-dragging-in-progress</c> rule,
    /// fixed for the version package-lock.json pins; the browser tests fail on any style the policy blocks).
    /// </summary>
    public const string NotationStyleHash = "'sha256-BCpnf71gZdCsSCHDzyB1RsBbZ0qQdqseK6v+yJsgg30='";

    /// <summary>
    /// The content security policy of every answer: scripts, style sheets, fonts and connections from the studio only
    /// (no inline or evaluated script; no inline style element but the notation library's, by its hash; inline
    /// <c>style</c> attributes, which the piano roll and keyboard set, are allowed), no plugins, never framed.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self' " + NotationStyleHash + "; style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; "
        + "connect-src 'self'; media-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

    /// <summary>A new random token: 32 bytes as base64url (43 characters).</summary>
    public static string GenerateToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// Refuses addresses that other machines reach when there is no token: every address of <paramref name="urls"/>
    /// (semicolon-separated) must be loopback (<c>localhost</c>, 127.0.0.0/8, <c>::1</c>) unless <paramref name="token"/> is given.
    /// </summary>
    /// <exception cref="StudioBindingException">An address is not loopback and there is no token.</exception>
    public static void CheckBinding(string urls, string? token)
    {
        ArgumentNullException.ThrowIfNull(urls);
        if (token is not null) return;
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (!IsLoopback(url)) throw new StudioBindingException(url);
    }

    /// <summary>True when <paramref name="url"/> (such as <c>http://127.0.0.1:5000</c>) listens on loopback only; <c>*</c>, <c>+</c>, <c>0.0.0.0</c> and names are not.</summary>
    public static bool IsLoopback(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        int scheme = url.IndexOf("://", StringComparison.Ordinal);
        var rest = scheme >= 0 ? url[(scheme + 3)..] : url;
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0) rest = rest[..slash];
        string host;
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']', StringComparison.Ordinal);
            host = close > 0 ? rest[1..close] : rest;
        }
        else
        {
            int colon = rest.LastIndexOf(':');
            host = colon >= 0 ? rest[..colon] : rest;
        }
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
    }

    /// <summary>True when <paramref name="given"/> is <paramref name="expected"/>, in time that does not depend on where they differ or on their lengths.</summary>
    public static bool TokenMatches(string? given, string expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        // Hashing first makes both sides 32 bytes, so the comparison's time does not tell the token's length either.
        var a = SHA256.HashData(Encoding.UTF8.GetBytes(given ?? ""));
        var b = SHA256.HashData(Encoding.UTF8.GetBytes(expected));
        return CryptographicOperations.FixedTimeEquals(a, b) && given is not null;
    }

    /// <summary>Paths that need the token when there is one: the API, the OpenAPI document and the metrics.</summary>
    public static bool NeedsToken(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/openapi") || path.StartsWithSegments("/metrics");

    /// <summary>
    /// The first middleware: the security headers of every answer, and a cross-origin request (an <c>Origin</c> that is
    /// not this host) is 403.
    /// </summary>
    internal static async Task Headers(HttpContext context, RequestDelegate next, StudioMetrics metrics)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        if (context.Request.IsHttps) headers.StrictTransportSecurity = "max-age=31536000";
        if (context.Request.Headers.Origin is { Count: > 0 } origin && !SameOrigin(origin.ToString(), context.Request))
        {
            metrics.Refused("cross-origin");
            StudioRequestLog.Of(context).Outcome = "refused: cross-origin";
            await TypedResults.Problem($"Requests from {origin} are refused: the studio answers its own page only (same origin).",
                statusCode: StatusCodes.Status403Forbidden, title: "Cross-origin request").ExecuteAsync(context);
            return;
        }
        await next(context);
    }

    /// <summary>
    /// With a token, a protected path (<see cref="NeedsToken"/>) without <c>Authorization: Bearer TOKEN</c> is 401 (a
    /// token in the query string or another header counts as none: it would end in logs and histories).
    /// </summary>
    internal static async Task CheckToken(HttpContext context, RequestDelegate next, string? token, StudioMetrics metrics)
    {
        if (token is not null && NeedsToken(context.Request.Path))
        {
            var authorization = context.Request.Headers.Authorization.ToString();
            const string bearer = "Bearer ";
            bool given = authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase);
            if (!given || !TokenMatches(authorization[bearer.Length..].Trim(), token))
            {
                metrics.Refused("token");
                StudioRequestLog.Of(context).Outcome = given ? "refused: wrong token" : "refused: no token";
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"melos studio\"";
                string detail = given ? "The access token is wrong."
                    : "This studio needs its access token in the header Authorization: Bearer TOKEN (the page takes it from its address, #token=TOKEN, or asks).";
                await TypedResults.Problem(detail, statusCode: StatusCodes.Status401Unauthorized, title: "Access token needed").ExecuteAsync(context);
                return;
            }
        }
        await next(context);
    }

    private static bool SameOrigin(string origin, HttpRequest request) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
}
