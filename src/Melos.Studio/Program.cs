using Melos.Studio;

// `dotnet run --project src/Melos.Studio [--urls URL] [--model DIR]`: the studio alone. `melos serve` runs the same app
// inside the melos command (the composition root).
string? model = null;
var rest = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--model" && i + 1 < args.Length) model = args[++i];
    else rest.Add(args[i]);
}
model ??= DefaultModel();
if (!File.Exists(Path.Combine(model, "config.json")))
{
    Console.Error.WriteLine($"error: {model} is not a model folder (no config.json); pass --model DIR");
    return 1;
}
if (!rest.Contains("--urls") && !rest.Any(a => a.StartsWith("--urls=", StringComparison.Ordinal))) rest.AddRange(["--urls", "http://127.0.0.1:5000"]);
var token = Environment.GetEnvironmentVariable(StudioSecurity.TokenVariable) is { Length: > 0 } t ? t : null;
int urlsAt = rest.IndexOf("--urls");
var urls = urlsAt >= 0 && urlsAt + 1 < rest.Count ? rest[urlsAt + 1] : rest.FirstOrDefault(a => a.StartsWith("--urls=", StringComparison.Ordinal))?["--urls=".Length..] ?? "";
try
{
    StudioSecurity.CheckBinding(urls, token);
}
catch (StudioBindingException e)
{
    Console.Error.WriteLine($"error: the studio does not start: {e.Message}");
    return 1;
}
await using var app = StudioApp.Build(new StudioOptions(model) { Token = token }, [.. rest]);
await app.RunAsync();
return 0;

// models/default beside Melos.sln above the program, as the melos command finds it.
static string DefaultModel()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "Melos.sln"))) return Path.Combine(dir.FullName, "models", "default");
    return Path.Combine(AppContext.BaseDirectory, "models", "default");
}
