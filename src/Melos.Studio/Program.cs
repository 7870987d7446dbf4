using Melos.Studio;

var model = args.SkipWhile(a => a != "--model").Skip(1).FirstOrDefault() ?? Path.Combine(AppContext.BaseDirectory, "models", "default");
var app = StudioApp.Build(new StudioOptions(model), args);
await app.RunAsync();
