/**
 * A run's report as an SVG picture: latency by percentile (log scale
 * towards the tail, as HdrHistogram's plotter draws it) and requests per
 * second over time. Plain SVG text, no dependency, viewable in a browser.
 *
 * @module
 */

import { type BenchReport, formatMs } from './report.js';

const WIDTH = 800;
const PANEL = 280;
const MARGIN = { left: 70, right: 20, top: 40, bottom: 40 };

/** Escapes text for SVG. */
function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** "Nines" scale: 0 at 0%, 1 at 90%, 2 at 99%, … capped at 5 (99.999%). */
function nines(percentile: number): number {
  if (percentile >= 99.999) return 5;
  return Math.min(5, Math.log10(100 / (100 - percentile)));
}

/** A round step for about `count` ticks up to `max`. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

function axes(
  top: number,
  title: string,
  yTicks: Array<[number, string]>,
  xTicks: Array<[number, string]>,
): string {
  const left = MARGIN.left;
  const right = WIDTH - MARGIN.right;
  const bottom = top + PANEL - MARGIN.bottom;
  let out = `<text x="${left}" y="${top + 22}" font-size="15" font-weight="bold">${esc(title)}</text>\n`;
  out += `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333"/>\n`;
  out += `<line x1="${left}" y1="${top + MARGIN.top}" x2="${left}" y2="${bottom}" stroke="#333"/>\n`;
  for (const [y, label] of yTicks) {
    out += `<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="#ddd"/>`;
    out += `<text x="${left - 6}" y="${y + 4}" font-size="11" text-anchor="end">${esc(label)}</text>\n`;
  }
  for (const [x, label] of xTicks) {
    out += `<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 4}" stroke="#333"/>`;
    out += `<text x="${x}" y="${bottom + 17}" font-size="11" text-anchor="middle">${esc(label)}</text>\n`;
  }
  return out;
}

function latencyPanel(report: BenchReport, top: number): string {
  const left = MARGIN.left;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotTop = top + MARGIN.top;
  const bottom = top + PANEL - MARGIN.bottom;
  const series: Array<[string, string, Array<[number, number]>]> = [];
  if (report.latency !== null) {
    series.push([
      report.uncorrectedLatency === null ? 'latency' : 'corrected (from when due)',
      '#1f6feb',
      report.latency.distribution,
    ]);
  }
  if (report.uncorrectedLatency !== null) {
    series.push([
      'uncorrected (from when sent)',
      '#d1242f',
      report.uncorrectedLatency.distribution,
    ]);
  }
  const max = Math.max(0.001, ...series.flatMap(([, , d]) => d.map(([, ms]) => ms)));
  const step = niceStep(max, 5);
  const yMax = Math.ceil(max / step) * step;
  const x = (p: number) => left + (nines(p) / 5) * plotWidth;
  const y = (ms: number) => bottom - (ms / yMax) * (bottom - plotTop);
  const yTicks: Array<[number, string]> = [];
  for (let v = 0; v <= yMax + step / 2; v += step) yTicks.push([y(v), v === 0 ? '0' : formatMs(v)]);
  const xTicks: Array<[number, string]> = [
    [x(0), '0%'],
    [x(90), '90%'],
    [x(99), '99%'],
    [x(99.9), '99.9%'],
    [x(99.99), '99.99%'],
    [x(99.999), '99.999%+'],
  ];
  let out = axes(top, 'Latency by percentile', yTicks, xTicks);
  if (series.length === 0) {
    out += `<text x="${left + 20}" y="${plotTop + 40}" font-size="13">no request was answered</text>\n`;
  }
  series.forEach(([label, colour, distribution], i) => {
    const points = distribution
      .map(([p, ms]) => `${x(p).toFixed(1)},${y(ms).toFixed(1)}`)
      .join(' ');
    out += `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points}"/>\n`;
    out += `<text x="${left + 10}" y="${plotTop + 14 + i * 16}" font-size="12" fill="${colour}">${esc(label)}</text>\n`;
  });
  return out;
}

function ratePanel(report: BenchReport, top: number): string {
  const left = MARGIN.left;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotTop = top + MARGIN.top;
  const bottom = top + PANEL - MARGIN.bottom;
  // Requests that were in flight at the deadline complete after it (milliseconds, or more on a
  // busy machine), in a slot of their own; they belong to the last second of the run, not to a
  // second after it. A last part-second under half a second is folded into the one before:
  // a 5.01 s or 5.4 s run is drawn as five seconds, a 5.6 s one as six.
  const seconds = Math.max(1, Math.ceil(report.duration - 0.5));
  const timeline = report.timeline.slice(0, seconds);
  for (const n of report.timeline.slice(seconds))
    timeline[timeline.length - 1] = (timeline.at(-1) ?? 0) + n;
  // Some headroom above the tallest bar, so a steady rate does not look clipped.
  const max = Math.max(1, ...timeline) * 1.1;
  const step = niceStep(max, 5);
  const yMax = Math.ceil(max / step) * step;
  const y = (n: number) => bottom - (n / yMax) * (bottom - plotTop);
  const slots = Math.max(1, timeline.length);
  const barWidth = plotWidth / slots;
  const yTicks: Array<[number, string]> = [];
  for (let v = 0; v <= yMax + step / 2; v += step) yTicks.push([y(v), String(v)]);
  const xStep = Math.max(1, Math.ceil(slots / 10));
  const xTicks: Array<[number, string]> = [];
  for (let s = 0; s <= slots; s += xStep) xTicks.push([left + s * barWidth, `${s}s`]);
  let out = axes(top, 'Requests per second', yTicks, xTicks);
  timeline.forEach((n, s) => {
    const x0 = left + s * barWidth + Math.min(2, barWidth * 0.1);
    const w = Math.max(1, barWidth - 2 * Math.min(2, barWidth * 0.1));
    out += `<rect x="${x0.toFixed(1)}" y="${y(n).toFixed(1)}" width="${w.toFixed(1)}" height="${(bottom - y(n)).toFixed(1)}" fill="#2da44e"><title>${s}s: ${n}</title></rect>\n`;
  });
  return out;
}

/**
 * The SVG text of a report's two plots: latency by percentile (log scale towards the tail) and
 * requests per second over time. Save it as a `.svg` and open it in a browser.
 *
 * @example Plotting a run
 * ```ts
 * import { bench, plotReport } from 'socketkit/bench';
 * const report = await bench({ target: 'http://127.0.0.1:8080/', requests: 100 });
 * const svg = plotReport(report);
 * console.log(svg.startsWith('<svg'), svg.includes('Requests per second')); // true true
 * ```
 */
export function plotReport(report: BenchReport): string {
  const height = PANEL * 2 + 30;
  const caption = `socketkit bench: ${report.mode} ${report.target}, ${report.connections} connections, ${report.requests} requests in ${report.duration.toFixed(2)}s`;
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">
<title>${esc(`${caption}: latency by percentile, and requests per second over time`)}</title>
<rect width="100%" height="100%" fill="white"/>
<text x="${MARGIN.left}" y="18" font-size="12" fill="#555">${esc(caption)}</text>
${latencyPanel(report, 20)}${ratePanel(report, 20 + PANEL)}</svg>
`;
}
