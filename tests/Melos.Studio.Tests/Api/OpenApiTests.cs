using System.Net;
using System.Text.Json;
using Melos.Studio;
using Melos.Tests;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Melos.Studio.Tests.Api;

public sealed class OpenApiTests
{
    [Fact]
    public async Task The_openapi_document_is_served_as_json()
    {
        var app = StudioApp.Build(new StudioOptions(Path.Combine(Datasets.RepoRoot, "models", "default")), ["--urls", "http://127.0.0.1:0"]);
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(address) };
            var response = await http.GetAsync("/openapi/v1.json");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.StartsWith("3.", doc.RootElement.GetProperty("openapi").GetString());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
