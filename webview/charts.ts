/** Hand-drawn SVG charts in VS Code theme colours (no library, no network). */

const SVG_NS = 'http://www.w3.org/2000/svg';

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

export interface BarDatum {
  label: string;
  /** The full bar (e.g. tokens before) and the highlighted part (e.g. tokens saved). */
  total: number;
  value: number;
  title: string;
}

/** Vertical bars over time: the whole bar is tokens before, the coloured part tokens saved. */
export function columnChart(data: BarDatum[], format: (n: number) => string, ariaLabel: string): SVGSVGElement {
  const width = 560;
  const height = 180;
  const pad = { left: 48, right: 8, top: 10, bottom: 28 };
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': ariaLabel, class: 'chart chart-columns' });
  const max = Math.max(1, ...data.map((d) => Math.max(d.total, d.value)));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  for (const f of [0, 0.5, 1]) {
    const y = pad.top + plotH * (1 - f);
    svg.append(el('line', { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: 'grid' }));
    svg.append(el('text', { x: pad.left - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' }, format(max * f)));
  }
  const slot = plotW / Math.max(1, data.length);
  const barW = Math.max(2, Math.min(36, slot * 0.7));
  data.forEach((d, i) => {
    const x = pad.left + slot * i + (slot - barW) / 2;
    const hTotal = (plotH * d.total) / max;
    const hValue = (plotH * d.value) / max;
    const g = el('g', { class: 'bar' });
    g.append(el('title', {}, d.title));
    g.append(el('rect', { x, y: pad.top + plotH - hTotal, width: barW, height: Math.max(0, hTotal), class: 'bar-total' }));
    g.append(el('rect', { x, y: pad.top + plotH - hValue, width: barW, height: Math.max(0, hValue), class: 'bar-value' }));
    svg.append(g);
    // Label every bar when few, else every few so labels do not collide.
    const every = Math.ceil(data.length / 8);
    if (i % every === 0) svg.append(el('text', { x: x + barW / 2, y: height - 8, 'text-anchor': 'middle', class: 'axis' }, d.label));
  });
  if (data.length === 0) svg.append(el('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'axis' }, 'No requests yet'));
  return svg;
}

/** Horizontal bars for a breakdown (by kind, model, agent). */
export function barList(data: BarDatum[], format: (n: number) => string, ariaLabel: string): SVGSVGElement {
  const rows = data.slice(0, 8);
  const width = 360;
  const rowH = 22;
  const labelW = 120;
  const valueW = 56;
  const height = Math.max(1, rows.length) * rowH + 4;
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': ariaLabel, class: 'chart chart-bars' });
  const max = Math.max(1, ...rows.map((d) => Math.max(d.total, d.value)));
  const plotW = width - labelW - valueW;
  rows.forEach((d, i) => {
    const y = i * rowH + 2;
    const g = el('g', { class: 'bar' });
    g.append(el('title', {}, d.title));
    const label = d.label.length > 18 ? d.label.slice(0, 17) + '…' : d.label;
    g.append(el('text', { x: labelW - 6, y: y + 14, 'text-anchor': 'end', class: 'label' }, label));
    g.append(el('rect', { x: labelW, y: y + 3, width: (plotW * d.total) / max, height: rowH - 8, class: 'bar-total' }));
    g.append(el('rect', { x: labelW, y: y + 3, width: Math.max(d.value > 0 ? 1 : 0, (plotW * d.value) / max), height: rowH - 8, class: 'bar-value' }));
    g.append(el('text', { x: width - 2, y: y + 14, 'text-anchor': 'end', class: 'axis' }, format(d.value)));
    svg.append(g);
  });
  if (rows.length === 0) svg.append(el('text', { x: width / 2, y: 16, 'text-anchor': 'middle', class: 'axis' }, 'Nothing yet'));
  return svg;
}
