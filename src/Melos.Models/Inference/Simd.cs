using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Melos.Models.Inference;

/// <summary>
/// Single-threaded float32 kernels for generation on the CPU: matrix times a few vectors, and the LSTM nonlinearities.
/// They work on managed arrays, so one generation step costs no allocation and no native call.
/// </summary>
internal static class Simd
{
    /// <summary>
    /// <c>y[b, r] = (accumulate ? y[b, r] : bias[r]) + Σ_k w[r, k] · x[b, k]</c> for <paramref name="rows"/> rows of a
    /// row-major matrix whose rows are <paramref name="ldw"/> apart (so a column block of a wider matrix can be used), and
    /// <paramref name="batch"/> input rows of <paramref name="cols"/> values <paramref name="ldx"/> apart; outputs are
    /// <paramref name="ldy"/> apart. With <paramref name="accumulate"/> the bias is not added.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MatMul(ReadOnlySpan<float> w, int ldw, int rows, int cols, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> x, int ldx, int batch, Span<float> y, int ldy, bool accumulate)
    {
        if (rows == 0 || batch == 0) return;
        if (w.Length < (long)(rows - 1) * ldw + cols || x.Length < (long)(batch - 1) * ldx + cols || y.Length < (long)(batch - 1) * ldy + rows)
            throw new ArgumentException("A span is too short for the shapes given.");
        if (!accumulate && bias.Length < rows) throw new ArgumentException("The bias is shorter than the rows.", nameof(bias));
        ref float wr = ref MemoryMarshal.GetReference(w);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float br = ref MemoryMarshal.GetReference(bias);
        int r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            int b = 0;
            for (; b + 4 <= batch; b += 4) Tile4x4(ref wr, ldw, r, cols, ref xr, ldx, b, ref yr, ldy, ref br, accumulate);
            for (; b < batch; b++) Tile4x1(ref wr, ldw, r, cols, ref Unsafe.Add(ref xr, b * ldx), ref Unsafe.Add(ref yr, b * ldy + r), ref br, accumulate);
        }
        for (; r < rows; r++)
            for (int b = 0; b < batch; b++)
            {
                float s = Dot(ref Unsafe.Add(ref wr, r * ldw), ref Unsafe.Add(ref xr, b * ldx), cols);
                ref float o = ref Unsafe.Add(ref yr, b * ldy + r);
                o = (accumulate ? o : Unsafe.Add(ref br, r)) + s;
            }
    }

    /// <summary>
    /// Products of fewer multiply-adds than this run on the calling thread: below it, handing rows to another thread
    /// costs more than it saves.
    /// </summary>
    public const long ParallelWork = 1 << 18;

    /// <summary>How many parts a product of <paramref name="rows"/> rows and <paramref name="work"/> multiply-adds is split into.</summary>
    private static int Parts(int rows, long work, int threads) => work < ParallelWork ? 1 : Math.Max(1, Math.Min(threads, rows / 64));

    /// <summary>
    /// Runs <paramref name="body"/>(first row, row count) over <paramref name="rows"/> rows in <paramref name="parts"/>
    /// parts (<see cref="Parts"/>) on as many threads. The parts start on the kernels' 4-row tiles and every output is
    /// computed by the same arithmetic on any thread, so the result is identical bit for bit; only the time changes. A
    /// step of a 2x512 LSTM is bound by how fast one core streams its weights, and two cores stream them about twice as
    /// fast.
    /// </summary>
    private static void SplitRows(int rows, int parts, Action<int, int> body)
    {
        int chunk = ((rows + parts - 1) / parts + 3) & ~3;
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, p =>
        {
            int r0 = p * chunk, n = Math.Min(chunk, rows - r0);
            if (n > 0) body(r0, n);
        });
    }

    /// <summary>
    /// <see cref="MatMul(ReadOnlySpan{float}, int, int, int, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, Span{float}, int, bool)"/>
    /// with its rows split between up to <paramref name="threads"/> threads when the product is large enough
    /// (<see cref="ParallelWork"/>; the same result bit for bit).
    /// </summary>
    public static void MatMul(ReadOnlyMemory<float> w, int ldw, int rows, int cols, ReadOnlyMemory<float> bias,
        ReadOnlyMemory<float> x, int ldx, int batch, Memory<float> y, int ldy, bool accumulate, int threads)
    {
        int parts = Parts(rows, (long)rows * cols * batch, threads);
        if (parts == 1) MatMul(w.Span, ldw, rows, cols, bias.Span, x.Span, ldx, batch, y.Span, ldy, accumulate);
        else FloatSplit(w, ldw, rows, cols, bias, x, ldx, batch, y, ldy, accumulate, parts);
    }

    // The closures live in methods of their own, so that the MatMul overloads allocate nothing on one thread.
    private static void FloatSplit(ReadOnlyMemory<float> w, int ldw, int rows, int cols, ReadOnlyMemory<float> bias,
        ReadOnlyMemory<float> x, int ldx, int batch, Memory<float> y, int ldy, bool accumulate, int parts) =>
        SplitRows(rows, parts, (r0, n) =>
            MatMul(w.Span[(r0 * ldw)..], ldw, n, cols, accumulate ? default : bias.Span[r0..], x.Span, ldx, batch, y.Span[r0..], ldy, accumulate));

    /// <summary>Whether this processor runs the 16-bit weight kernels (AVX2 and FMA).</summary>
    public static bool QuantizedSupported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>
    /// <c>y[b, r] = (accumulate ? y[b, r] : bias[r]) + scale[r] · Σ_k q[r, first + k] · x[b, k]</c> over the rows of a
    /// 16-bit matrix (<see cref="QuantizedRows"/>), columns <paramref name="first"/> to <paramref name="first"/> +
    /// <paramref name="cols"/>, rows split between up to <paramref name="threads"/> threads when large enough. Half the
    /// bytes of the float32 weights to stream per product. Needs <see cref="QuantizedSupported"/>.
    /// </summary>
    public static void MatMul(QuantizedRows w, int first, int cols, ReadOnlyMemory<float> bias,
        ReadOnlyMemory<float> x, int ldx, int batch, Memory<float> y, int ldy, bool accumulate, int threads)
    {
        if (!QuantizedSupported) throw new PlatformNotSupportedException("The 16-bit weight kernels need AVX2 and FMA.");
        if (first < 0 || cols < 0 || first + cols > w.Cols) throw new ArgumentOutOfRangeException(nameof(cols), "The columns lie outside the matrix.");
        if (w.Rows == 0 || batch == 0) return;
        if (x.Length < (long)(batch - 1) * ldx + cols || y.Length < (long)(batch - 1) * ldy + w.Rows)
            throw new ArgumentException("A span is too short for the shapes given.");
        if (!accumulate && bias.Length < w.Rows) throw new ArgumentException("The bias is shorter than the rows.", nameof(bias));
        int parts = Parts(w.Rows, (long)w.Rows * cols * batch, threads);
        if (parts == 1) QuantizedRange(w, first, cols, bias.Span, x.Span, ldx, batch, y.Span, ldy, accumulate, 0, w.Rows);
        else QuantizedSplit(w, first, cols, bias, x, ldx, batch, y, ldy, accumulate, parts);
    }

    private static void QuantizedSplit(QuantizedRows w, int first, int cols, ReadOnlyMemory<float> bias,
        ReadOnlyMemory<float> x, int ldx, int batch, Memory<float> y, int ldy, bool accumulate, int parts) =>
        SplitRows(w.Rows, parts, (r0, n) => QuantizedRange(w, first, cols, bias.Span, x.Span, ldx, batch, y.Span, ldy, accumulate, r0, n));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void QuantizedRange(QuantizedRows w, int first, int cols, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, int ldx, int batch,
        Span<float> y, int ldy, bool accumulate, int r0, int n)
    {
        ref short q = ref MemoryMarshal.GetArrayDataReference(w.Values);
        ref float scale = ref MemoryMarshal.GetArrayDataReference(w.Scales);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float br = ref MemoryMarshal.GetReference(bias);
        int ld = w.Cols, r = r0, end = r0 + n;
        for (; r + 4 <= end; r += 4)
        {
            ref short q0 = ref Unsafe.Add(ref q, r * ld + first);
            int b = 0;
            for (; b + 4 <= batch; b += 4) QuantizedTile4x4(ref q0, ld, cols, ref xr, ldx, b, ref yr, ldy, r, ref scale, ref br, accumulate);
            for (; b < batch; b++) QuantizedTile4x1(ref q0, ld, cols, ref Unsafe.Add(ref xr, b * ldx), ref Unsafe.Add(ref yr, b * ldy), r, ref scale, ref br, accumulate);
        }
        for (; r < end; r++)
            for (int b = 0; b < batch; b++)
            {
                ref short qr = ref Unsafe.Add(ref q, r * ld + first);
                ref float xb = ref Unsafe.Add(ref xr, b * ldx);
                var a = Vector256<float>.Zero;
                int k = 0;
                for (; k + 8 <= cols; k += 8) a = Fma.MultiplyAdd(Widen(ref qr, k), Vector256.LoadUnsafe(ref xb, (nuint)k), a);
                float s = Vector256.Sum(a);
                for (; k < cols; k++) s += Unsafe.Add(ref qr, k) * Unsafe.Add(ref xb, k);
                StoreScaled(ref Unsafe.Add(ref yr, b * ldy), r, s, accumulate, ref scale, ref br);
            }
    }

    /// <summary>Eight 16-bit weights from <paramref name="k"/> on as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen(ref short q, int k) =>
        Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref q, (nuint)k)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreScaled(ref float y, int r, float s, bool accumulate, ref float scale, ref float bias)
    {
        ref float o = ref Unsafe.Add(ref y, r);
        o = (accumulate ? o : Unsafe.Add(ref bias, r)) + s * Unsafe.Add(ref scale, r);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void QuantizedTile4x1(ref short q0, int ld, int cols, ref float x, ref float y, int r, ref float scale, ref float bias, bool accumulate)
    {
        ref short q1 = ref Unsafe.Add(ref q0, ld);
        ref short q2 = ref Unsafe.Add(ref q1, ld);
        ref short q3 = ref Unsafe.Add(ref q2, ld);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int k = 0;
        for (; k + 8 <= cols; k += 8)
        {
            var xv = Vector256.LoadUnsafe(ref x, (nuint)k);
            a0 = Fma.MultiplyAdd(Widen(ref q0, k), xv, a0);
            a1 = Fma.MultiplyAdd(Widen(ref q1, k), xv, a1);
            a2 = Fma.MultiplyAdd(Widen(ref q2, k), xv, a2);
            a3 = Fma.MultiplyAdd(Widen(ref q3, k), xv, a3);
        }
        float s0 = Vector256.Sum(a0), s1 = Vector256.Sum(a1), s2 = Vector256.Sum(a2), s3 = Vector256.Sum(a3);
        for (; k < cols; k++)
        {
            float xv = Unsafe.Add(ref x, k);
            s0 += Unsafe.Add(ref q0, k) * xv;
            s1 += Unsafe.Add(ref q1, k) * xv;
            s2 += Unsafe.Add(ref q2, k) * xv;
            s3 += Unsafe.Add(ref q3, k) * xv;
        }
        StoreScaled(ref y, r, s0, accumulate, ref scale, ref bias);
        StoreScaled(ref y, r + 1, s1, accumulate, ref scale, ref bias);
        StoreScaled(ref y, r + 2, s2, accumulate, ref scale, ref bias);
        StoreScaled(ref y, r + 3, s3, accumulate, ref scale, ref bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void QuantizedTile4x4(ref short q0, int ld, int cols, ref float x, int ldx, int b, ref float y, int ldy, int r, ref float scale, ref float bias, bool accumulate)
    {
        ref short q1 = ref Unsafe.Add(ref q0, ld);
        ref short q2 = ref Unsafe.Add(ref q1, ld);
        ref short q3 = ref Unsafe.Add(ref q2, ld);
        ref float x0 = ref Unsafe.Add(ref x, b * ldx);
        ref float x1 = ref Unsafe.Add(ref x0, ldx);
        ref float x2 = ref Unsafe.Add(ref x1, ldx);
        ref float x3 = ref Unsafe.Add(ref x2, ldx);
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector256<float> a30 = default, a31 = default, a32 = default, a33 = default;
        int k = 0;
        for (; k + 8 <= cols; k += 8)
        {
            var v0 = Vector256.LoadUnsafe(ref x0, (nuint)k);
            var v1 = Vector256.LoadUnsafe(ref x1, (nuint)k);
            var v2 = Vector256.LoadUnsafe(ref x2, (nuint)k);
            var v3 = Vector256.LoadUnsafe(ref x3, (nuint)k);
            var m = Widen(ref q0, k);
            a00 = Fma.MultiplyAdd(m, v0, a00); a01 = Fma.MultiplyAdd(m, v1, a01); a02 = Fma.MultiplyAdd(m, v2, a02); a03 = Fma.MultiplyAdd(m, v3, a03);
            m = Widen(ref q1, k);
            a10 = Fma.MultiplyAdd(m, v0, a10); a11 = Fma.MultiplyAdd(m, v1, a11); a12 = Fma.MultiplyAdd(m, v2, a12); a13 = Fma.MultiplyAdd(m, v3, a13);
            m = Widen(ref q2, k);
            a20 = Fma.MultiplyAdd(m, v0, a20); a21 = Fma.MultiplyAdd(m, v1, a21); a22 = Fma.MultiplyAdd(m, v2, a22); a23 = Fma.MultiplyAdd(m, v3, a23);
            m = Widen(ref q3, k);
            a30 = Fma.MultiplyAdd(m, v0, a30); a31 = Fma.MultiplyAdd(m, v1, a31); a32 = Fma.MultiplyAdd(m, v2, a32); a33 = Fma.MultiplyAdd(m, v3, a33);
        }
        // s[4 * row + input]
        Span<float> s =
        [
            Vector256.Sum(a00), Vector256.Sum(a01), Vector256.Sum(a02), Vector256.Sum(a03),
            Vector256.Sum(a10), Vector256.Sum(a11), Vector256.Sum(a12), Vector256.Sum(a13),
            Vector256.Sum(a20), Vector256.Sum(a21), Vector256.Sum(a22), Vector256.Sum(a23),
            Vector256.Sum(a30), Vector256.Sum(a31), Vector256.Sum(a32), Vector256.Sum(a33),
        ];
        for (; k < cols; k++)
            for (int i = 0; i < 4; i++)
            {
                float wv = Unsafe.Add(ref Unsafe.Add(ref q0, i * ld), k);
                for (int j = 0; j < 4; j++) s[4 * i + j] += wv * Unsafe.Add(ref Unsafe.Add(ref x0, j * ldx), k);
            }
        for (int j = 0; j < 4; j++)
        {
            ref float yj = ref Unsafe.Add(ref y, (b + j) * ldy);
            for (int i = 0; i < 4; i++) StoreScaled(ref yj, r + i, s[4 * i + j], accumulate, ref scale, ref bias);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot(ref float a, ref float b, int n)
    {
        int k = 0;
        float s = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; k + 8 <= n; k += 8)
                acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)k), Vector256.LoadUnsafe(ref b, (nuint)k), acc);
            s = Vector256.Sum(acc);
        }
        for (; k < n; k++) s += Unsafe.Add(ref a, k) * Unsafe.Add(ref b, k);
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x1(ref float w, int ldw, int r, int cols, ref float x, ref float y, ref float bias, bool accumulate)
    {
        ref float w0 = ref Unsafe.Add(ref w, r * ldw);
        ref float w1 = ref Unsafe.Add(ref w0, ldw);
        ref float w2 = ref Unsafe.Add(ref w1, ldw);
        ref float w3 = ref Unsafe.Add(ref w2, ldw);
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int k = 0;
        if (Vector256.IsHardwareAccelerated && cols >= 8)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; k + 8 <= cols; k += 8)
            {
                var xv = Vector256.LoadUnsafe(ref x, (nuint)k);
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w0, (nuint)k), xv, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w1, (nuint)k), xv, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w2, (nuint)k), xv, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w3, (nuint)k), xv, a3);
            }
            (s0, s1, s2, s3) = (Vector256.Sum(a0), Vector256.Sum(a1), Vector256.Sum(a2), Vector256.Sum(a3));
        }
        for (; k < cols; k++)
        {
            float xv = Unsafe.Add(ref x, k);
            s0 += Unsafe.Add(ref w0, k) * xv;
            s1 += Unsafe.Add(ref w1, k) * xv;
            s2 += Unsafe.Add(ref w2, k) * xv;
            s3 += Unsafe.Add(ref w3, k) * xv;
        }
        Store(ref y, 0, s0, accumulate, ref bias, r);
        Store(ref y, 1, s1, accumulate, ref bias, r);
        Store(ref y, 2, s2, accumulate, ref bias, r);
        Store(ref y, 3, s3, accumulate, ref bias, r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref float y, int i, float s, bool accumulate, ref float bias, int r)
    {
        ref float o = ref Unsafe.Add(ref y, i);
        o = (accumulate ? o : Unsafe.Add(ref bias, r + i)) + s;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x4(ref float w, int ldw, int r, int cols, ref float x, int ldx, int b, ref float y, int ldy, ref float bias, bool accumulate)
    {
        ref float w0 = ref Unsafe.Add(ref w, r * ldw);
        ref float w1 = ref Unsafe.Add(ref w0, ldw);
        ref float w2 = ref Unsafe.Add(ref w1, ldw);
        ref float w3 = ref Unsafe.Add(ref w2, ldw);
        ref float x0 = ref Unsafe.Add(ref x, b * ldx);
        ref float x1 = ref Unsafe.Add(ref x0, ldx);
        ref float x2 = ref Unsafe.Add(ref x1, ldx);
        ref float x3 = ref Unsafe.Add(ref x2, ldx);
        Span<float> s = stackalloc float[16];
        s.Clear();
        int k = 0;
        if (Vector256.IsHardwareAccelerated && cols >= 8)
        {
            Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
            Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
            Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default;
            Vector256<float> a30 = default, a31 = default, a32 = default, a33 = default;
            for (; k + 8 <= cols; k += 8)
            {
                var v0 = Vector256.LoadUnsafe(ref x0, (nuint)k);
                var v1 = Vector256.LoadUnsafe(ref x1, (nuint)k);
                var v2 = Vector256.LoadUnsafe(ref x2, (nuint)k);
                var v3 = Vector256.LoadUnsafe(ref x3, (nuint)k);
                var m = Vector256.LoadUnsafe(ref w0, (nuint)k);
                a00 = Vector256.FusedMultiplyAdd(m, v0, a00); a01 = Vector256.FusedMultiplyAdd(m, v1, a01);
                a02 = Vector256.FusedMultiplyAdd(m, v2, a02); a03 = Vector256.FusedMultiplyAdd(m, v3, a03);
                m = Vector256.LoadUnsafe(ref w1, (nuint)k);
                a10 = Vector256.FusedMultiplyAdd(m, v0, a10); a11 = Vector256.FusedMultiplyAdd(m, v1, a11);
                a12 = Vector256.FusedMultiplyAdd(m, v2, a12); a13 = Vector256.FusedMultiplyAdd(m, v3, a13);
                m = Vector256.LoadUnsafe(ref w2, (nuint)k);
                a20 = Vector256.FusedMultiplyAdd(m, v0, a20); a21 = Vector256.FusedMultiplyAdd(m, v1, a21);
                a22 = Vector256.FusedMultiplyAdd(m, v2, a22); a23 = Vector256.FusedMultiplyAdd(m, v3, a23);
                m = Vector256.LoadUnsafe(ref w3, (nuint)k);
                a30 = Vector256.FusedMultiplyAdd(m, v0, a30); a31 = Vector256.FusedMultiplyAdd(m, v1, a31);
                a32 = Vector256.FusedMultiplyAdd(m, v2, a32); a33 = Vector256.FusedMultiplyAdd(m, v3, a33);
            }
            // s[4 * row + input]
            s[0] = Vector256.Sum(a00); s[1] = Vector256.Sum(a01); s[2] = Vector256.Sum(a02); s[3] = Vector256.Sum(a03);
            s[4] = Vector256.Sum(a10); s[5] = Vector256.Sum(a11); s[6] = Vector256.Sum(a12); s[7] = Vector256.Sum(a13);
            s[8] = Vector256.Sum(a20); s[9] = Vector256.Sum(a21); s[10] = Vector256.Sum(a22); s[11] = Vector256.Sum(a23);
            s[12] = Vector256.Sum(a30); s[13] = Vector256.Sum(a31); s[14] = Vector256.Sum(a32); s[15] = Vector256.Sum(a33);
        }
        for (; k < cols; k++)
            for (int i = 0; i < 4; i++)
            {
                float wv = Unsafe.Add(ref Unsafe.Add(ref w0, i * ldw), k);
                for (int j = 0; j < 4; j++) s[4 * i + j] += wv * Unsafe.Add(ref Unsafe.Add(ref x0, j * ldx), k);
            }
        for (int j = 0; j < 4; j++)
        {
            ref float yj = ref Unsafe.Add(ref y, (b + j) * ldy + r);
            for (int i = 0; i < 4; i++) Store(ref yj, i, s[4 * i + j], accumulate, ref bias, r);
        }
    }

    /// <summary><c>y += x</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length != y.Length) throw new ArgumentException("The spans differ in length.", nameof(y));
        int k = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        if (Vector256.IsHardwareAccelerated)
            for (; k + 8 <= x.Length; k += 8)
                (Vector256.LoadUnsafe(ref yr, (nuint)k) + Vector256.LoadUnsafe(ref xr, (nuint)k)).StoreUnsafe(ref yr, (nuint)k);
        for (; k < x.Length; k++) Unsafe.Add(ref yr, k) += Unsafe.Add(ref xr, k);
    }

    /// <summary>The logistic function in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sigmoid(Span<float> v)
    {
        int k = 0;
        ref float p = ref MemoryMarshal.GetReference(v);
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256<float>.One;
            for (; k + 8 <= v.Length; k += 8)
            {
                var x = Vector256.LoadUnsafe(ref p, (nuint)k);
                (one / (one + Vector256.Exp(-x))).StoreUnsafe(ref p, (nuint)k);
            }
        }
        for (; k < v.Length; k++) Unsafe.Add(ref p, k) = 1f / (1f + MathF.Exp(-Unsafe.Add(ref p, k)));
    }

    /// <summary>The hyperbolic tangent in place, as <c>1 - 2 / (exp(2x) + 1)</c> (absolute error about 1e-7).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tanh(Span<float> v)
    {
        int k = 0;
        ref float p = ref MemoryMarshal.GetReference(v);
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256<float>.One;
            var two = Vector256.Create(2f);
            for (; k + 8 <= v.Length; k += 8)
            {
                var x = Vector256.LoadUnsafe(ref p, (nuint)k);
                (one - two / (Vector256.Exp(x + x) + one)).StoreUnsafe(ref p, (nuint)k);
            }
        }
        for (; k < v.Length; k++) Unsafe.Add(ref p, k) = MathF.Tanh(Unsafe.Add(ref p, k));
    }

    /// <summary>The LSTM cell update from activated gates [i, f, g, o] (each <paramref name="h"/>.Length wide): c = f·c + i·g, h = o·tanh(c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CellUpdate(ReadOnlySpan<float> gates, Span<float> c, Span<float> h)
    {
        int n = h.Length;
        var i = gates[..n];
        var f = gates.Slice(n, n);
        var g = gates.Slice(2 * n, n);
        var o = gates.Slice(3 * n, n);
        for (int k = 0; k < n; k++) c[k] = f[k] * c[k] + i[k] * g[k];
        c.CopyTo(h);
        Tanh(h);
        for (int k = 0; k < n; k++) h[k] *= o[k];
    }
}

/// <summary>
/// A matrix of weights stored as 16-bit integers with one scale per row: <c>w[r, k] ≈ Values[r, k] · Scales[r]</c>, the
/// scale being the row's largest magnitude over 32767, so every weight is within half a step (1/65534 of its row's
/// largest) of its float32 value. Generation reads half the bytes per step.
/// </summary>
internal sealed class QuantizedRows
{
    /// <summary>Quantizes <paramref name="rows"/> rows of <paramref name="cols"/> values, <paramref name="ldw"/> apart.</summary>
    public QuantizedRows(ReadOnlySpan<float> w, int ldw, int rows, int cols)
    {
        Rows = rows;
        Cols = cols;
        Values = new short[rows * cols];
        Scales = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            var row = w.Slice(r * ldw, cols);
            float max = 0;
            foreach (float v in row) max = Math.Max(max, Math.Abs(v));
            if (!float.IsFinite(max)) throw new ArgumentException($"Row {r} holds a weight that is not a finite number.", nameof(w));
            if (max == 0) continue;
            Scales[r] = max / 32767f;
            float inverse = 32767f / max;
            for (int k = 0; k < cols; k++) Values[r * cols + k] = (short)Math.Clamp(MathF.Round(row[k] * inverse), -32767f, 32767f);
        }
    }

    /// <summary>Row count.</summary>
    public int Rows { get; }

    /// <summary>Column count (the stride of <see cref="Values"/>).</summary>
    public int Cols { get; }

    /// <summary>The weights over their row's scale, row-major.</summary>
    public short[] Values { get; }

    /// <summary>Per row, the value of one step.</summary>
    public float[] Scales { get; }
}
