using System.Globalization;
using Melos.Generation;
using Melos.Models;
using Melos.Music;

namespace Melos.Bench;

/// <summary>
/// What 16-bit generation weights change: the same free requests (style, key, meter, length only; seeds 1..N) decoded
/// with float32 and with 16-bit weights, the share of melodies that come out token for token the same, and how far the
/// others run alike.
/// </summary>
public sealed class QuantizedBench : IBenchmark
{
    public string Name => "quantized";

    public string Description => "[model] [melodies]: float32 vs 16-bit generation weights: identical melodies";

    public int Run(string[] args)
    {
        var ci = CultureInfo.InvariantCulture;
        var dir = args.Length > 0 ? args[0] : Path.Combine(GenerateBench.FindRepoRoot(), "models", "default");
        int count = args.Length > 1 ? int.Parse(args[1], ci) : 60;
        using var generator = MelodyGenerator.Load(dir);
        if (generator.Model is not LstmModel lstm)
        {
            Console.Error.WriteLine("16-bit generation weights are an LSTM option; this model is not an LSTM.");
            return 2;
        }
        string[] styles = ["nottingham", "oneills1850", "ryans-mammoth", "airds-airs"];
        string[] keys = ["G", "D", "A", "Em", "C", "F"];
        int same = 0, tokens = 0, firstDiffTotal = 0, differing = 0;
        for (int i = 0; i < count; i++)
        {
            var request = new GenerationRequest
            {
                Bars = i % 2 == 0 ? 16 : 32, Key = Key.Parse(keys[i % keys.Length]), Meter = i % 3 == 0 ? TimeSignature.Parse("6/8") : TimeSignature.Parse("4/4"),
                Style = styles[i % styles.Length], Seed = i + 1,
            };
            lstm.QuantizedGeneration = false;
            var f = generator.Generate(request)[0].Tokens;
            lstm.QuantizedGeneration = true;
            var q = generator.Generate(request)[0].Tokens;
            tokens += f.Count;
            if (f.SequenceEqual(q)) same++;
            else
            {
                differing++;
                int k = 0;
                while (k < Math.Min(f.Count, q.Count) && f[k] == q[k]) k++;
                firstDiffTotal += k;
            }
        }
        lstm.QuantizedGeneration = false;
        string rest = differing > 0 ? string.Create(ci, $"; the others first differ after {firstDiffTotal / (double)differing:0} tokens on average") : "";
        Console.WriteLine(string.Create(ci, $"{count} free melodies (16 and 32 bars, {tokens} tokens): {same} identical token for token with 16-bit weights ({100.0 * same / count:0.0}%)") + rest);
        return 0;
    }
}
