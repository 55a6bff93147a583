// A time series chart (uPlot): one or more lines over unix-second timestamps.
import "uplot/dist/uPlot.min.css";
import { useEffect, useRef } from "react";
import uPlot from "uplot";

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  color: string;
}

export function TimeChart(props: { title: string; timestamps: number[]; series: ChartSeries[]; unit: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
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
        axes: [{}, { size: 50, values: (_u: uPlot, ticks: number[]) => ticks.map((t) => `${t}${props.unit}`) }],
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
  }, [props.timestamps, props.series, props.unit]);
  return (
    <figure className="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
