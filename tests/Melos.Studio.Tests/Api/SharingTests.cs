using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Melos.Studio.Tests.Api;

/// <summary>Safe to share on a network: loopback unless a token, the token on every API call, same origin, security headers, Kestrel limits.</summary>
public sealed class SharingTests
{
    private const string Token = "a-token-for-the-tests-0123456789";

    [Theory]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("http://127.9.8.7:5000", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("https://127.0.0.1:0/", true)]
    [InlineData("http://0.0.0.0:5000", false)]
    [InlineData("http://*:5000", false)]
    [InlineData("http://+:5000", false)]
    [InlineData("http://[::]:5000", false)]
    [InlineData("http://192.168.1.20:5000", false)]
    [InlineData("http://studio.local:5000", false)]
    public void Only_loopback_addresses_serve_without_a_token(string url, bool loopback)
    {
        Assert.Equal(loopback, StudioSecurity.IsLoopback(url));
        if (loopback) StudioSecurity.CheckBinding(url, null);
        else
        {
            var e = Assert.Throws<StudioBindingException>(() => StudioSecurity.CheckBinding("http://127.0.0.1:1;" + url, null));
            Assert.Equal(url, e.Address);
            Assert.Contains("--token", e.Message, StringComparison.Ordinal);
        }
        StudioSecurity.CheckBinding(url, Token); // with a token every address serves
    }

    [Fact]
    public void Tokens_compare_whole_and_generated_tokens_differ()
    {
        Assert.True(StudioSecurity.TokenMatches(Token, Token));
        Assert.False(StudioSecurity.TokenMatches(Token[..^1], Token));
        Assert.False(StudioSecurity.TokenMatches(Token + "x", Token));
        Assert.False(StudioSecurity.TokenMatches(null, Token));
        Assert.False(StudioSecurity.TokenMatches("", Token));
        var a = StudioSecurity.GenerateToken();
        Assert.NotEqual(a, StudioSecurity.GenerateToken());
        Assert.Equal(43, a.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => new StudioOptions("m") { Token = "short" });
    }

    [Fact]
    public async Task Every_api_call_needs_the_token_in_the_authorization_header_and_the_page_and_healthz_do_not()
    {
        await using var owner = new StudioServerOwner(new StudioOptions(StudioServer.ModelDirectory) { Token = Token, Budgets = new StudioBudgets { ClientRate = 1000, ClientBurst = 1000 } });
        var studio = owner.Studio;
        using var bare = new HttpClient { BaseAddress = studio.Address };
        var body = StudioServer.Body(fields: new { bars = 1, seed = 1 }).ToJsonString();
        HttpRequestMessage Request(string method, string path) =>
            new(new HttpMethod(method), path) { Content = method == "POST" ? new StringContent(body, Encoding.UTF8, "application/json") : null };
        var calls = new[] { ("GET", "/api/model"), ("POST", "/api/continue"), ("POST", "/api/infill"), ("POST", "/api/vary"), ("POST", "/api/explain"),
            ("POST", "/api/export?format=abc"), ("POST", "/api/chords"), ("GET", "/openapi/v1.json"), ("GET", "/metrics") };
        long ran = studio.Inference.Ran;
        foreach (var (method, path) in calls)
        {
            // No token, a wrong one, one in the query string, one in another header, another scheme: 401 each.
            var attempts = new List<HttpRequestMessage> { Request(method, path) };
            var wrong = Request(method, path);
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token[..^1] + "X");
            attempts.Add(wrong);
            attempts.Add(Request(method, path + (path.Contains('?') ? "&" : "?") + "access_token=" + Token));
            var header = Request(method, path);
            header.Headers.Add("X-Token", Token);
            attempts.Add(header);
            var basic = Request(method, path);
            basic.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("melos:" + Token)));
            attempts.Add(basic);
            foreach (var attempt in attempts)
            {
                using var response = await bare.SendAsync(attempt);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path}: {(int)response.StatusCode}");
                Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
                Assert.DoesNotContain(Token, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }
        Assert.Equal(ran, studio.Inference.Ran); // no refused call reached the model
        // With the token: served.
        using (var model = await studio.Http.GetAsync("/api/model")) Assert.Equal(HttpStatusCode.OK, model.StatusCode);
        var answer = await studio.Ok<ContinueResponse>("/api/continue", StudioServer.Body(fields: new { bars = 1, seed = 1 }));
        Assert.Equal(new BarRange(5, 5), answer.Answer);
        // The page, its scripts and the health check need no token (the page asks for it).
        foreach (var open in new[] { "/", "/js/api.js", "/healthz" })
        {
            using var response = await bare.GetAsync(open);
            Assert.True(response.StatusCode == HttpStatusCode.OK, open);
        }
        Assert.True(owner.Studio.App.Services.GetService(typeof(StudioMetrics)) is StudioMetrics m && m.Refusals("token") == calls.Length * 5);
    }

    [Fact]
    public async Task Answers_carry_the_security_headers_and_cross_origin_requests_are_refused()
    {
        await using var owner = new StudioServerOwner(new StudioOptions(StudioServer.ModelDirectory));
        var studio = owner.Studio;
        foreach (var path in new[] { "/", "/api/model", "/healthz" })
        {
            using var response = await studio.Http.GetAsync(path);
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("script-src 'self' 'unsafe-inline'", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        }
        // Another origin: 403, no CORS headers (a preflight too); the page's own origin is served.
        foreach (var method in new[] { HttpMethod.Post, HttpMethod.Options })
        {
            var request = new HttpRequestMessage(method, "/api/continue") { Content = new StringContent(StudioServer.Body(fields: new { bars = 1 }).ToJsonString(), Encoding.UTF8, "application/json") };
            request.Headers.Add("Origin", "http://evil.example");
            request.Headers.Add("Access-Control-Request-Method", "POST");
            using var response = await studio.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        }
        var own = new HttpRequestMessage(HttpMethod.Get, "/api/model");
        own.Headers.Add("Origin", studio.Address.GetLeftPart(UriPartial.Authority));
        using (var served = await studio.Http.SendAsync(own)) Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [Fact]
    public async Task Deeply_nested_json_is_a_400()
    {
        await using var owner = new StudioServerOwner(new StudioOptions(StudioServer.ModelDirectory));
        var nested = new StringBuilder("{\"melody\":");
        for (int i = 0; i < 200; i++) nested.Append("{\"notes\":[");
        var text = nested.ToString();
        using var response = await owner.Studio.Http.PostAsync("/api/continue", new StringContent(text, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var options = owner.Studio.App.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        Assert.Equal(StudioApp.MaxJsonDepth, options.MaxDepth);
        using var ok = await owner.Studio.Http.GetAsync("/api/model");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task A_client_sending_a_byte_a_second_is_cut_off_and_idle_connections_are_closed_while_others_are_served()
    {
        var connections = new StudioConnections { HeadersTimeout = TimeSpan.FromSeconds(2), KeepAlive = TimeSpan.FromSeconds(2) };
        await using var owner = new StudioServerOwner(new StudioOptions(StudioServer.ModelDirectory) { Connections = connections });
        var studio = owner.Studio;
        var port = studio.Address.Port;

        // 100 connections opened and left idle (no request) and one that sends its body a byte a second.
        var idle = new List<TcpClient>();
        for (int i = 0; i < 100; i++)
        {
            var c = new TcpClient();
            await c.ConnectAsync(IPAddress.Loopback, port);
            idle.Add(c);
        }
        using var slow = new TcpClient();
        await slow.ConnectAsync(IPAddress.Loopback, port);
        var stream = slow.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /api/continue HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n"));
        var trickle = Task.Run(async () =>
        {
            try
            {
                for (int i = 0; i < 60; i++)
                {
                    await stream.WriteAsync(new byte[] { (byte)' ' });
                    await Task.Delay(1000);
                }
                return false;
            }
            catch (IOException)
            {
                return true; // the server closed the connection
            }
        });

        // Everyone else is served meanwhile.
        var answer = await studio.Ok<ContinueResponse>("/api/continue", StudioServer.Body(fields: new { bars = 1, seed = 3 }));
        Assert.Equal(new BarRange(5, 5), answer.Answer);

        // The slow client gets 408 or a closed connection within Kestrel's grace period (5 s) and a heartbeat.
        var reply = new byte[256];
        var read = stream.ReadAsync(reply).AsTask();
        var first = await Task.WhenAny(read, trickle, Task.Delay(30_000));
        Assert.True(first == read || (first == trickle && await trickle), "the slow client was not cut off within 30 s");
        int replied = first == read && read.IsCompletedSuccessfully ? await read : 0;
        if (replied > 0) Assert.Contains(" 408 ", Encoding.ASCII.GetString(reply, 0, replied), StringComparison.Ordinal);

        // The idle connections are closed by the server (headers timeout) within seconds: a read returns 0 or fails.
        foreach (var c in idle)
        {
            var buffer = new byte[64];
            var closed = c.GetStream().ReadAsync(buffer).AsTask();
            var done = await Task.WhenAny(closed, Task.Delay(20_000));
            Assert.True(done == closed, "an idle connection was left open");
            c.Dispose();
        }
        using var after = await studio.Http.GetAsync("/api/model");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }
}
