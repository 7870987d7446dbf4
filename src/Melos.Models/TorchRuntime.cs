using TorchSharp;

namespace Melos.Models;

/// <summary>Chooses the compute device: CUDA when present, else CPU.</summary>
public static class TorchRuntime
{
    /// <summary>The best available device.</summary>
    public static torch.Device DefaultDevice => torch.cuda.is_available() ? torch.CUDA : torch.CPU;
}
