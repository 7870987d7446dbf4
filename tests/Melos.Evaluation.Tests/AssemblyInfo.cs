using System.Runtime.CompilerServices;

// Torch's random generator is process-wide: tests that seed it must not interleave.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Melos.Evaluation.Tests;

internal static class TorchTestSetup
{
    /// <summary>The test networks are tiny: one intra-op thread avoids oversubscribing a shared machine.</summary>
    [ModuleInitializer]
    internal static void OneThread() => TorchSharp.torch.set_num_threads(1);
}
