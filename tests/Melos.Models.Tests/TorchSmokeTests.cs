using TorchSharp;
using static TorchSharp.torch;

namespace Melos.Models.Tests;

/// <summary>TorchSharp loads on this machine and a tiny LSTM learns a toy sequence.</summary>
public sealed class TorchSmokeTests
{
    [Fact]
    public void TinyLstmLearnsRepeatingSequenceWellBelowUniformLoss()
    {
        torch.manual_seed(1234);
        const int vocab = 6, hidden = 32, steps = 200;
        // The sequence 0 1 2 3 4 5 0 1 2 ... : each next token is fully determined by the current one.
        var seq = Enumerable.Range(0, 65).Select(i => (long)(i % vocab)).ToArray();
        using var x = tensor(seq[..^1]).unsqueeze(0);
        using var y = tensor(seq[1..]);
        using var embed = nn.Embedding(vocab, 16);
        using var lstm = nn.LSTM(16, hidden, batchFirst: true);
        using var head = nn.Linear(hidden, vocab);
        var parameters = embed.parameters().Concat(lstm.parameters()).Concat(head.parameters()).ToList();
        using var optimizer = optim.Adam(parameters, lr: 0.01);
        double uniform = Math.Log(vocab);
        double loss = double.NaN;
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var (output, _, _) = lstm.call(embed.call(x));
            var logits = head.call(output).squeeze(0);
            var l = nn.functional.cross_entropy(logits, y);
            l.backward();
            optimizer.step();
            loss = l.item<float>();
        }
        Assert.True(loss < 0.1 * uniform, $"loss {loss:0.0000} should fall well below the uniform-guess loss {uniform:0.0000}");
    }
}
