/**
 * Hand-made SVG charts (decision 0093): a line chart and a grouped bar chart, drawn on a fixed
 * viewBox that scales with its container. Each is an `img` with a title and a one-sentence summary
 * for screen readers; the numbers themselves are in the data table rendered beside every chart.
 */
import { useId } from "react";
import { formatInt } from "./data-table";

export type Series = { name: string; values: number[]; color: string };
type ChartProps = { title: string; labels: string[]; series: Series[]; format?: (n: number) => string };

const W = 640;
const H = 220;
const PAD = { l: 56, r: 12, t: 12, b: 28 };
const plainNumber = (n: number) => formatInt(n);

function scale(series: Series[]) {
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  // A "nice" top: 1, 2 or 5 × a power of ten.
  const pow = 10 ** Math.floor(Math.log10(max));
  const top = [1, 2, 5, 10].map((m) => m * pow).find((v) => v >= max) ?? max;
  return { top, y: (v: number) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / top) };
}

function summary(series: Series[], labels: string[], format: (n: number) => string) {
  return series
    .map((s) => {
      const total = s.values.reduce((a, b) => a + b, 0);
      const peak = Math.max(0, ...s.values);
      const at = s.values.indexOf(peak);
      return `${s.name}: total ${format(total)}${peak > 0 ? `, highest ${format(peak)} on ${labels[at]}` : ""}`;
    })
    .join("; ");
}

function Axes({ top, format, labels }: { top: number; format: (n: number) => string; labels: string[] }) {
  const ticks = [0, 0.5, 1].map((f) => f * top);
  const step = Math.max(1, Math.ceil(labels.length / 6));
  const x = (i: number) => PAD.l + ((W - PAD.l - PAD.r) * (i + 0.5)) / Math.max(1, labels.length);
  return (
    <g className="text-slate-500" fontSize="11" fill="currentColor">
      {ticks.map((t) => {
        const y = PAD.t + (H - PAD.t - PAD.b) * (1 - t / top);
        return (
          <g key={t}>
            <line x1={PAD.l} x2={W - PAD.r} y1={y} y2={y} stroke="#e2e8f0" />
            <text x={PAD.l - 6} y={y + 4} textAnchor="end">
              {format(t)}
            </text>
          </g>
        );
      })}
      {labels.map((l, i) =>
        i % step === 0 ? (
          <text key={l} x={x(i)} y={H - 8} textAnchor="middle">
            {l.length === 10 ? l.slice(5) : l}
          </text>
        ) : null,
      )}
    </g>
  );
}

function Legend({ series }: { series: Series[] }) {
  return (
    <ul className="flex flex-wrap gap-4 text-xs text-slate-600" aria-hidden="true">
      {series.map((s) => (
        <li key={s.name} className="flex items-center gap-1.5">
          <span className="inline-block h-2.5 w-2.5 rounded-sm" style={{ background: s.color }} />
          {s.name}
        </li>
      ))}
    </ul>
  );
}

export function LineChart({ title, labels, series, format = plainNumber }: ChartProps) {
  const id = useId();
  const { top, y } = scale(series);
  const x = (i: number) => PAD.l + ((W - PAD.l - PAD.r) * (i + 0.5)) / Math.max(1, labels.length);
  return (
    <figure className="space-y-2">
      <svg viewBox={`0 0 ${W} ${H}`} className="h-auto w-full" role="img" aria-labelledby={`${id}-t ${id}-d`}>
        <title id={`${id}-t`}>{title}</title>
        <desc id={`${id}-d`}>{summary(series, labels, format)}</desc>
        <Axes top={top} format={format} labels={labels} />
        {series.map((s) => (
          <polyline
            key={s.name}
            fill="none"
            stroke={s.color}
            strokeWidth="2.5"
            strokeLinejoin="round"
            points={s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ")}
          />
        ))}
        {labels.length <= 40
          ? series.map((s) => s.values.map((v, i) => <circle key={`${s.name}${i}`} cx={x(i)} cy={y(v)} r="2.5" fill={s.color} />))
          : null}
      </svg>
      <Legend series={series} />
    </figure>
  );
}

export function BarChart({ title, labels, series, format = plainNumber }: ChartProps) {
  const id = useId();
  const { y } = scale(series);
  const { top } = scale(series);
  const band = (W - PAD.l - PAD.r) / Math.max(1, labels.length);
  const barW = Math.max(1, (band * 0.8) / series.length);
  return (
    <figure className="space-y-2">
      <svg viewBox={`0 0 ${W} ${H}`} className="h-auto w-full" role="img" aria-labelledby={`${id}-t ${id}-d`}>
        <title id={`${id}-t`}>{title}</title>
        <desc id={`${id}-d`}>{summary(series, labels, format)}</desc>
        <Axes top={top} format={format} labels={labels} />
        {labels.map((l, i) =>
          series.map((s, j) => {
            const v = s.values[i] ?? 0;
            const top = y(v);
            return (
              <rect
                key={`${l}${s.name}`}
                x={PAD.l + band * i + band * 0.1 + barW * j}
                y={top}
                width={barW}
                height={Math.max(0, H - PAD.b - top)}
                fill={s.color}
                rx="1.5"
              />
            );
          }),
        )}
      </svg>
      <Legend series={series} />
    </figure>
  );
}
