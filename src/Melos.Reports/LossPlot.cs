using ScottPlot;

namespace Melos.Reports;

/// <summary>Draws a training run's loss curves (training and validation loss against step) as a PNG.</summary>
public static class LossPlot
{
    /// <summary>Writes the plot; <paramref name="validation"/> may be empty.</summary>
    public static void Write(string path, IReadOnlyList<(int Step, double Loss)> training, IReadOnlyList<(int Step, double Loss)> validation, string title)
    {
        ReportFont.Use();
        var plot = new Plot();
        if (training.Count > 0)
        {
            var s = plot.Add.Scatter(training.Select(p => (double)p.Step).ToArray(), training.Select(p => p.Loss).ToArray());
            s.LegendText = "training";
            s.MarkerSize = 0;
        }
        if (validation.Count > 0)
        {
            var v = plot.Add.Scatter(validation.Select(p => (double)p.Step).ToArray(), validation.Select(p => p.Loss).ToArray());
            v.LegendText = "validation";
            v.MarkerSize = 6;
        }
        plot.ShowLegend(Alignment.UpperRight);
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel("loss (nats per token)");
        plot.SavePng(path, 900, 450);
    }
}
