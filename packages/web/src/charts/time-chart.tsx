// A time series chart (uPlot): one or more lines over unix-second timestamps.
import "uplot/dist/uPlot.min.css";
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import { useAppliedTheme } from "../components/theme-toggle.js";
import { cssColor } from "../theme.js";

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  color: string;
}

export function TimeChart(props: {
  title: string;
  timestamps: number[];
  series: ChartSeries[];
  unit: string;
  /** A fixed y range (0–100 for percentages), so a flat line does not look like a swing. */
  range?: [number, number];
}) {
  const box = useRef<HTMLDivElement>(null);
  const theme = useAppliedTheme();
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    // The theme's colours: axes and grid stay readable in light and dark.
    element.dataset.theme = theme;
    const axis = cssColor("--muted");
    const grid = cssColor("--line");
    const plot = new uPlot(
      {
        width: element.clientWidth,
        height: 180,
        series: [
          {},
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 1.5,
            value: (_u: uPlot, v: number | null) => (v === null ? "–" : `${v.toFixed(1)}${props.unit}`),
          })),
        ],
        ...(props.range ? { scales: { y: { auto: false, range: props.range } } } : {}),
        axes: [
          { stroke: axis, grid: { stroke: grid }, ticks: { stroke: grid } },
          {
            stroke: axis,
            grid: { stroke: grid },
            ticks: { stroke: grid },
            size: 56,
            values: (_u: uPlot, ticks: number[]) => ticks.map((t) => `${Number(t.toFixed(1))}${props.unit}`),
          },
        ],
        legend: { live: true },
      },
      [props.timestamps, ...props.series.map((s) => s.values)],
      element,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: element.clientWidth, height: 180 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.timestamps, props.series, props.unit, props.range, theme]);
  return (
    <figure className="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
