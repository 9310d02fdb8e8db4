'use strict';
// Small SVG charts for the dashboard: no library and no build step, so the node can serve them offline.
const StokeCharts = (() => {
  const NS = 'http://www.w3.org/2000/svg';
  const PAD = { left: 36, right: 6, top: 16, bottom: 6 };

  function svgNode(name, attributes, text) {
    const node = document.createElementNS(NS, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const short = v => (v >= 100 || Number.isInteger(v) ? Math.round(v).toString() : v.toFixed(1));

  // Draws each series ({name, color, values}) as a line; the newest sample sits at the right edge, so the
  // chart scrolls left as samples arrive. y runs from 0 to the largest value shown (at least 1).
  function line(svg, series, capacity) {
    const width = svg.clientWidth || 400, height = svg.clientHeight || 140;
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.replaceChildren();
    const max = Math.max(1, ...series.flatMap(s => s.values));
    const x = i => PAD.left + (width - PAD.left - PAD.right) * i / Math.max(1, capacity - 1);
    const y = v => height - PAD.bottom - (height - PAD.top - PAD.bottom) * v / max;
    svg.append(svgNode('line', { x1: PAD.left, y1: y(0), x2: width - PAD.right, y2: y(0), stroke: '#d8dce3' }));
    svg.append(svgNode('line', { x1: PAD.left, y1: y(max), x2: width - PAD.right, y2: y(max), stroke: '#eceef2' }));
    svg.append(svgNode('text', { x: PAD.left - 4, y: y(0), 'text-anchor': 'end' }, '0'));
    svg.append(svgNode('text', { x: PAD.left - 4, y: y(max) + 4, 'text-anchor': 'end' }, short(max)));
    series.forEach((s, index) => {
      const offset = capacity - s.values.length;
      const points = s.values.map((v, i) => `${x(i + offset).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      svg.append(svgNode('polyline', { points, fill: 'none', stroke: s.color, 'stroke-width': 1.5 }));
      const last = s.values.length ? short(s.values[s.values.length - 1]) : '-';
      svg.append(svgNode('text', { x: PAD.left + 4 + index * 110, y: 11, fill: s.color }, `${s.name}: ${last}`));
    });
  }

  // A horizontal bar of a cold start's phases, scaled so that scaleMs fills the bar.
  function phases(report, scaleMs) {
    const width = 180, height = 12;
    const svg = svgNode('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'phases' });
    svg.style.height = `${height}px`;
    svg.style.width = `${width}px`;
    let left = 0;
    for (const [ms, color, name] of [[report.fetchMs, PHASE_COLORS.fetch, 'fetch'],
      [report.sessionCreateMs, PHASE_COLORS.session, 'session create'], [report.firstRunMs, PHASE_COLORS.firstRun, 'first run']]) {
      const w = width * ms / Math.max(scaleMs, 1e-9);
      const rect = svgNode('rect', { x: left, y: 0, width: Math.max(w, 0), height, fill: color });
      rect.append(svgNode('title', {}, `${name}: ${ms.toFixed(1)} ms`));
      svg.append(rect);
      left += w;
    }
    return svg;
  }

  const PHASE_COLORS = { fetch: '#f59e0b', session: '#3b82f6', firstRun: '#10b981' };

  return { line, phases, PHASE_COLORS };
})();
