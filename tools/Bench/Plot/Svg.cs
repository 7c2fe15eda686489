using System.Globalization;
using System.Security;
using System.Text;

namespace RaftTimers.Tools.Bench.Plot;

/// <summary>
/// The small SVG writer the charts share. What it writes is plain SVG 1.1 that GitHub's markdown preview shows as an
/// image: an explicit size and viewBox, a white background (the dark theme would otherwise put black text on a dark
/// page), the reader's system font, no scripts, styles or external references. Every number goes through
/// <see cref="N"/> or <see cref="Figure"/> (invariant culture), so a chart is the same whatever the machine's locale.
/// </summary>
public sealed class Svg
{
    public const int Width = 960, Height = 480;
    public const double PlotLeft = 84, PlotRight = Width - 28, PlotTop = 84, PlotBottom = Height - 64;

    private const string Font = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
    private readonly StringBuilder svg = new();
    private double legendAt = PlotLeft;

    public Svg(string title, string subtitle)
    {
        Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(Width)}\" height=\"{N(Height)}\" viewBox=\"0 0 {N(Width)} {N(Height)}\" font-family=\"{Font}\" font-size=\"12\" fill=\"#222\">");
        Append($"<title>{E(title)}</title>");
        Append($"<rect width=\"{N(Width)}\" height=\"{N(Height)}\" fill=\"#fff\"/>");
        Text(PlotLeft, 26, title, size: 16, weight: "600");
        Text(PlotLeft, 46, subtitle, fill: "#555");
    }

    public void Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null, string? cssClass = null)
        => Append($"<line{Class(cssClass)} x1=\"{N(x1)}\" y1=\"{N(y1)}\" x2=\"{N(x2)}\" y2=\"{N(y2)}\" stroke=\"{stroke}\" stroke-width=\"{N(width)}\"{Dash(dash)}/>");

    public void Rect(double x, double y, double width, double height, string fill, double opacity = 1, string? cssClass = null)
        => Append($"<rect{Class(cssClass)} x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(width)}\" height=\"{N(height)}\" fill=\"{fill}\"{(opacity < 1 ? $" fill-opacity=\"{N(opacity)}\"" : "")}/>");

    public void Polyline(IEnumerable<(double X, double Y)> points, string stroke, double width, string? cssClass = null)
        => Append($"<polyline{Class(cssClass)} points=\"{string.Join(' ', points.Select(p => N(p.X) + "," + N(p.Y)))}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{N(width)}\" stroke-linejoin=\"round\"/>");

    public void Text(double x, double y, string text, string anchor = "start", double size = 12, string? fill = null, string? weight = null, string? cssClass = null, double rotate = 0)
        => Append($"<text{Class(cssClass)} x=\"{N(x)}\" y=\"{N(y)}\""
                  + (anchor == "start" ? "" : $" text-anchor=\"{anchor}\"") + (size == 12 ? "" : $" font-size=\"{N(size)}\"")
                  + (fill is null ? "" : $" fill=\"{fill}\"") + (weight is null ? "" : $" font-weight=\"{weight}\"")
                  + (rotate == 0 ? "" : $" transform=\"rotate({N(rotate)} {N(x)} {N(y)})\"") + $">{E(text)}</text>");

    /// <summary>The horizontal axis under the plot: a tick and a label per tick value, and the axis's name below them.</summary>
    public void XAxis(Axis axis, string label)
    {
        Line(PlotLeft, PlotBottom, PlotRight, PlotBottom, "#444");
        foreach (var tick in axis.Ticks())
        {
            var x = axis.At(tick.Value);
            Line(x, PlotBottom, x, PlotBottom + (tick.Label is null ? 3 : 6), "#444");
            if (tick.Label is not null)
                Text(x, PlotBottom + 20, tick.Label, anchor: "middle", cssClass: "x-tick");
        }

        Text((PlotLeft + PlotRight) / 2, Height - 18, label, anchor: "middle", size: 13);
    }

    /// <summary>The vertical axis at the plot's left: labelled ticks with a grid line across the plot, the name turned up.</summary>
    public void YAxis(Axis axis, string label)
    {
        foreach (var tick in axis.Ticks())
        {
            var y = axis.At(tick.Value);
            Line(PlotLeft, y, PlotRight, y, tick.Label is null ? "#f0f0f0" : "#dcdcdc");
            if (tick.Label is not null)
                Text(PlotLeft - 8, y + 4, tick.Label, anchor: "end", cssClass: "y-tick");
        }

        Line(PlotLeft, PlotTop, PlotLeft, PlotBottom, "#444");
        Text(22, (PlotTop + PlotBottom) / 2, label, anchor: "middle", size: 13, rotate: -90);
    }

    /// <summary>One legend entry, left to right in the row between the subtitle and the plot: a short line in the series' stroke.</summary>
    public void Legend(string label, string colour, double width = 2, string? dash = null)
    {
        Line(legendAt, 66, legendAt + 22, 66, colour, width, dash);
        Text(legendAt + 28, 70, label);
        legendAt += 28 + (label.Length * 6.6) + 22;
    }

    public override string ToString() => svg + "</svg>\n";

    /// <summary>A number for an attribute: at most two decimals, invariant culture.</summary>
    public static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>A number for a reader: thousands grouped, <paramref name="decimals"/> decimals at most (adding 0.0 turns -0 into 0).</summary>
    public static string Figure(double value, int decimals = 0)
        => (value + 0.0).ToString(decimals == 0 ? "#,0" : "#,0." + new string('#', decimals), CultureInfo.InvariantCulture);

    private void Append(string text) => svg.Append(text);

    private static string Class(string? cssClass) => cssClass is null ? "" : $" class=\"{cssClass}\"";

    private static string Dash(string? dash) => dash is null ? "" : $" stroke-dasharray=\"{dash}\"";

    private static string E(string text) => SecurityElement.Escape(text);
}

/// <summary>A tick: its value, and its label, or none for a minor tick.</summary>
public readonly record struct Tick(double Value, string? Label);

/// <summary>Values to pixels along one side of the plot: <c>From</c> is the pixel of <see cref="Min"/>, <c>To</c> that of <see cref="Max"/>.</summary>
public abstract class Axis(double min, double max, double from, double to)
{
    public double Min { get; } = min;

    public double Max { get; } = max;

    /// <summary>The pixel of <paramref name="value"/>; values outside the axis sit at its ends.</summary>
    public double At(double value) => from + (Math.Clamp(Fraction(value), 0, 1) * (to - from));

    protected abstract double Fraction(double value);

    public abstract IEnumerable<Tick> Ticks();

    public static Axis X(double min, double max, bool log = false) => log ? new LogAxis(min, max, Svg.PlotLeft, Svg.PlotRight) : new LinearAxis(min, max, Svg.PlotLeft, Svg.PlotRight);

    public static Axis Y(double min, double max, bool log = false) => log ? new LogAxis(min, max, Svg.PlotBottom, Svg.PlotTop) : new LinearAxis(min, max, Svg.PlotBottom, Svg.PlotTop);

    /// <summary>The round step (1, 2 or 5 times a power of ten) that cuts <paramref name="span"/> into at most <paramref name="count"/> parts.</summary>
    public static double Step(double span, int count = 8)
    {
        if (span <= 0)
            return 1;
        var power = Math.Pow(10, Math.Floor(Math.Log10(span / count)));
        return new[] { 1.0, 2, 5, 10 }.Select(m => m * power).First(s => span / s <= count);
    }

    /// <summary>The top of an axis from zero: <paramref name="max"/> rounded up to the next step, and never zero.</summary>
    public static double RoundUp(double max) => max <= 0 ? 1 : Math.Ceiling(max / Step(max) - 1e-9) * Step(max);
}

/// <summary>A linear axis, labelled at round steps.</summary>
public sealed class LinearAxis(double min, double max, double from, double to) : Axis(min, max, from, to)
{
    protected override double Fraction(double value) => Max > Min ? (value - Min) / (Max - Min) : 0;

    public override IEnumerable<Tick> Ticks()
    {
        var step = Step(Max - Min);
        var decimals = Math.Max(0, (int)-Math.Floor(Math.Log10(step)));
        for (var i = Math.Ceiling(Min / step - 1e-9); i * step <= Max + (step * 1e-9); i++)
            yield return new Tick(i * step, Svg.Figure(i * step, decimals));
    }
}

/// <summary>A log axis: a labelled tick at every power of ten, and at its 2× and 5× too when the axis spans few decades.</summary>
public sealed class LogAxis(double min, double max, double from, double to) : Axis(min, max, from, to)
{
    protected override double Fraction(double value)
        => value <= 0 ? 0 : (Math.Log10(value) - Math.Log10(Min)) / (Math.Log10(Max) - Math.Log10(Min));

    public override IEnumerable<Tick> Ticks()
    {
        var labelMinor = Math.Log10(Max / Min) <= 3.5;
        for (var decade = Math.Pow(10, Math.Floor(Math.Log10(Min))); decade <= Max * 1.0001; decade *= 10)
        {
            foreach (var (value, major) in new[] { (decade, true), (decade * 2, false), (decade * 5, false) })
            {
                if (value >= Min * 0.9999 && value <= Max * 1.0001)
                    yield return new Tick(value, major || labelMinor ? Svg.Figure(value, decimals: 3) : null);
            }
        }
    }
}
