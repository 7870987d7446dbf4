using ScottPlot;

namespace Melos.Reports;

/// <summary>The font of every chart's text.</summary>
internal static class ReportFont
{
    /// <summary>Text in every chart uses DejaVu Sans (Debian's fonts-dejavu-core): without a font, charts lose their text silently.</summary>
    internal static void Use() => Fonts.Default = "DejaVu Sans";
}
