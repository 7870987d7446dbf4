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
await using var app = StudioApp.Build(new StudioOptions(model), [.. rest]);
await app.RunAsync();
return 0;

// models/default beside Melos.sln above the program, as the melos command finds it.
static string DefaultModel()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "Melos.sln"))) return Path.Combine(dir.FullName, "models", "default");
    return Path.Combine(AppContext.BaseDirectory, "models", "default");
}
