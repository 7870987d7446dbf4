using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Melos.Bench;

/// <summary>Scratch: forward+backward time of relative-attention variants at batch 64, length 256.</summary>
public sealed class AttentionBench : IBenchmark
{
    public string Name => "attention";

    public string Description => "scratch: relative attention variants, forward+backward";

    public int Run(string[] args)
    {
        var ci = CultureInfo.InvariantCulture;
        int b = 64, t = 256, heads = args.Length > 0 ? int.Parse(args[0], ci) : 8, d = 256 / heads;
        var variants = new (string, Func<Tensor, Tensor, Tensor, Tensor, Tensor>)[]
        {
            ("no-pad+inplace", NoPad), ("chunk8", (q, k, v, e) => Chunked(q, k, v, e, 8)), ("chunk16", (q, k, v, e) => Chunked(q, k, v, e, 16)), ("onematmul", OneMatmul), ("content-only", ContentOnly),
        };
        var best = new double[variants.Length];
        Array.Fill(best, double.MaxValue);
        for (int rep = 0; rep < 4; rep++)
            for (int i = 0; i < variants.Length; i++)
            {
                using var scope = NewDisposeScope();
                var q = randn(b, heads, t, d).requires_grad_();
                var k = randn(b, heads, t, d).requires_grad_();
                var v = randn(b, heads, t, d).requires_grad_();
                var er = randn(t, d).requires_grad_();
                var g = randn(b, heads, t, d);
                var sw = Stopwatch.StartNew();
                var o = variants[i].Item2(q, k, v, er);
                o.backward([g]);
                best[i] = Math.Min(best[i], sw.Elapsed.TotalMilliseconds);
            }
        for (int i = 0; i < variants.Length; i++) Console.WriteLine(string.Create(ci, $"{variants[i].Item1,-16} {best[i],8:0} ms"));
        return 0;
    }

    private static Tensor Current(Tensor q, Tensor k, Tensor v, Tensor er)
    {
        long b = q.shape[0], h = q.shape[1], t = q.shape[2], d = q.shape[3];
        var qe = q.matmul(er.t());
        var srel = nn.functional.pad(qe, [1, 0]).reshape(b, h, t + 1, t).narrow(2, 1, t);
        var scores = (q.matmul(k.transpose(-2, -1)) + srel) / Math.Sqrt(d);
        var mask = ones(t, t, @bool).triu(1);
        scores = scores.masked_fill(mask, float.NegativeInfinity);
        return scores.softmax(-1).matmul(v);
    }

    private static Tensor NoPad(Tensor q, Tensor k, Tensor v, Tensor er)
    {
        long b = q.shape[0], h = q.shape[1], t = q.shape[2], d = q.shape[3];
        q = q * (1.0 / Math.Sqrt(d));
        var er1 = cat([zeros(1, d), er], 0); // [T+1, d]; row 0 gives the zero column the skew needs
        var padded = q.matmul(er1.t()); // [B,H,T,T+1]
        var srel = padded.view(b, h, t + 1, t).narrow(2, 1, t);
        var scores = q.matmul(k.transpose(-2, -1));
        scores = scores.add_(srel);
        var mask = ones(t, t, @bool).triu(1);
        scores = scores.masked_fill_(mask, float.NegativeInfinity);
        return scores.softmax(-1).matmul(v);
    }

    private static Tensor Chunked(Tensor q, Tensor k, Tensor v, Tensor er, int chunk)
    {
        var outs = new List<Tensor>();
        for (long s = 0; s < q.shape[0]; s += chunk)
        {
            long n = Math.Min(chunk, q.shape[0] - s);
            outs.Add(NoPad(q.narrow(0, s, n), k.narrow(0, s, n), v.narrow(0, s, n), er));
        }
        return cat(outs, 0);
    }

    private static Tensor OneMatmul(Tensor q, Tensor k, Tensor v, Tensor er)
    {
        long b = q.shape[0], h = q.shape[1], t = q.shape[2], d = q.shape[3];
        q = q * (1.0 / Math.Sqrt(d));
        var keys = cat([k, cat([zeros(1, d), er], 0).expand(b, h, t + 1, d)], 2); // [B,H,2T+1,d]
        var all = q.matmul(keys.transpose(-2, -1)); // [B,H,T,2T+1]
        var content = all.narrow(3, 0, t);
        var rel = all.narrow(3, t, t + 1).contiguous().view(b, h, t + 1, t).narrow(2, 1, t);
        var scores = content + rel;
        var mask = ones(t, t, @bool).triu(1);
        scores = scores.masked_fill_(mask, float.NegativeInfinity);
        return scores.softmax(-1).matmul(v);
    }

    private static Tensor Sdpa(Tensor q, Tensor k, Tensor v, Tensor er)
    {
        long b = q.shape[0], h = q.shape[1], t = q.shape[2], d = q.shape[3];
        var er1 = cat([zeros(1, d), er], 0);
        var padded = (q * (1.0 / Math.Sqrt(d))).matmul(er1.t());
        var srel = padded.view(b, h, t + 1, t).narrow(2, 1, t);
        var mask = ones(t, t, @bool).triu(1);
        var bias = srel.masked_fill(mask, float.NegativeInfinity);
        return nn.functional.scaled_dot_product_attention(q, k, v, bias);
    }

    private static Tensor ContentOnly(Tensor q, Tensor k, Tensor v, Tensor er)
        => nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true);
}
