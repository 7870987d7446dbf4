using Microsoft.AspNetCore.Builder;

namespace Melos.Studio;

/// <summary>Builds the studio's web application: the single page, the JSON API under /api/ and its OpenAPI document.</summary>
public static class StudioApp
{
    /// <summary>Builds the app (not started); <paramref name="args"/> are ASP.NET Core's (for example <c>--urls</c>).</summary>
    public static WebApplication Build(StudioOptions options, string[]? args = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args ?? [], ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddOpenApi();
        var app = builder.Build();
        app.MapOpenApi();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        return app;
    }
}
