'use strict';
// The Stoke dashboard: polls the management API (docs/api.md) once a second with the caller's key and redraws.
// History for the charts is kept here, in the page, from the samples it has seen.
(() => {
  const POLL_MS = 1000;
  const HISTORY = 120; // samples per chart: two minutes
  const KEY_STORAGE = 'stoke.dashboard.key';
  const state = { key: sessionStorage.getItem(KEY_STORAGE) || '', selected: null, history: new Map(), specs: new Map() };
  const $ = id => document.getElementById(id);

  // A DOM element with text or child nodes; text goes through textContent, so API strings are never parsed as HTML.
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    for (const child of children) node.append(child instanceof Node ? child : String(child));
    return node;
  }

  const num = (value, digits = 0) => el('td', { class: 'num' }, Number(value ?? 0).toFixed(digits));
  const nameOf = key => key.slice(key.indexOf('/') + 1); // status names functions "tenant/name"
  const mib = bytes => `${(bytes / 1048576).toFixed(1)} MiB`;
  const live = instance => instance.phase !== 'Gone';

  async function api(path) {
    const response = await fetch(path, { headers: state.key ? { Authorization: `Bearer ${state.key}` } : {}, cache: 'no-store' });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(`${path}: ${response.status} ${body.error || response.statusText}`);
    }
    return body;
  }

  function showError(message) {
    $('error').hidden = !message;
    $('error').textContent = message ? `Cannot read the API: ${message}` : '';
  }

  async function poll() {
    try {
      const [status, usage, specs] = await Promise.all([api('/api/status'), api('/api/usage'), api('/api/functions')]);
      showError(null);
      specs.forEach(spec => state.specs.set(spec.name, spec));
      record(status.functions);
      render(status, usage);
    } catch (error) {
      showError(error.message);
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  // One sample per function version per poll, for the charts.
  function record(functions) {
    for (const f of functions) {
      const key = `${nameOf(f.function)} v${f.version}`;
      const samples = state.history.get(key) || [];
      const count = phase => f.instances.filter(i => i.phase === phase).length;
      samples.push({ loading: count('Loading'), ready: count('Ready'), draining: count('Draining'),
        rps: f.requestsPerSecond, p50: f.p50Ms, p99: f.p99Ms, batch: f.meanBatchSize });
      if (samples.length > HISTORY) samples.shift();
      state.history.set(key, samples);
    }
  }

  function render(status, usage) {
    const store = status.store ? ` · store ${status.store.backend} ${status.store.status}` : '';
    $('scope').textContent = `tenant ${usage.tenant} (this key's functions only) · served by ${status.servedBy}${store} · updated ${new Date().toLocaleTimeString()}`;
    renderFunctions(status.functions);
    renderCharts();
    renderColdStarts(status.functions);
    renderDecisions(status.functions);
    renderUsage(usage);
    renderNodes(status.nodes);
  }

  function renderFunctions(functions) {
    const keys = functions.map(f => `${nameOf(f.function)} v${f.version}`);
    if (!keys.includes(state.selected)) state.selected = keys[keys.length - 1] ?? null;
    $('functions').tBodies[0].replaceChildren(...functions.map((f, index) => {
      const name = nameOf(f.function);
      const instances = f.instances.filter(live);
      const phases = ['Loading', 'Ready', 'Draining'].map(p => `${instances.filter(i => i.phase === p).length} ${p.toLowerCase()}`).join(' · ');
      const spec = state.specs.get(name);
      const row = el('tr', { 'data-function': name, 'data-version': f.version, class: keys[index] === state.selected ? 'selected' : '' },
        el('td', {}, name), num(f.version), el('td', {}, spec ? spec.engine : ''),
        el('td', { class: 'num instances' }, instances.length), el('td', {}, f.unavailable || phases),
        num(f.desiredInstances), num(f.held), num(f.requestsPerSecond, 1), num(f.p50Ms, 1), num(f.p99Ms, 1),
        num(f.meanBatchSize, 1), num(f.requests), el('td', {}, f.controllerNode || ''));
      row.addEventListener('click', () => { state.selected = keys[index]; renderFunctions(functions); renderCharts(); });
      return row;
    }));
  }

  function renderCharts() {
    $('chart-function').textContent = state.selected || 'no function yet';
    const samples = state.history.get(state.selected) || [];
    const series = (name, color, pick) => ({ name, color, values: samples.map(pick) });
    StokeCharts.line($('chart-instances'), [series('ready', '#10b981', s => s.ready),
      series('loading', '#f59e0b', s => s.loading), series('draining', '#9ca3af', s => s.draining)], HISTORY);
    StokeCharts.line($('chart-rps'), [series('req/s', '#3b82f6', s => s.rps)], HISTORY);
    StokeCharts.line($('chart-latency'), [series('p50', '#3b82f6', s => s.p50), series('p99', '#ef4444', s => s.p99)], HISTORY);
    StokeCharts.line($('chart-batch'), [series('batch', '#8b5cf6', s => s.batch)], HISTORY);
  }

  function renderColdStarts(functions) {
    const tiers = {};
    functions.forEach(f => Object.entries(f.coldStartsByTier || {}).forEach(([tier, n]) => { tiers[tier] = (tiers[tier] || 0) + n; }));
    const byTier = Object.entries(tiers).map(([tier, n]) => `${tier}: ${n}`).join(' · ');
    $('tiers').textContent = `Instance starts by tier: ${byTier || 'none yet'}. Phases: fetch (orange), session create (blue), first run (green).`;
    const started = functions.flatMap(f => f.instances.filter(i => i.coldStart).map(i => ({ f, i })));
    const scale = Math.max(1, ...started.map(({ i }) => i.coldStart.fetchMs + i.coldStart.sessionCreateMs + i.coldStart.firstRunMs));
    $('coldstarts').tBodies[0].replaceChildren(...started.map(({ f, i }) => {
      const c = i.coldStart;
      return el('tr', {}, el('td', {}, `${nameOf(f.function)} v${f.version}`), el('td', {}, i.instanceId), el('td', {}, i.nodeId),
        el('td', {}, c.tier), num(c.fetchMs, 1), num(c.sessionCreateMs, 1), num(c.firstRunMs, 1),
        num(c.fetchMs + c.sessionCreateMs + c.firstRunMs, 1), el('td', {}, StokeCharts.phases(c, scale)));
    }));
  }

  function renderDecisions(functions) {
    const decisions = functions.flatMap(f => f.recentDecisions.map(d => ({ ...d, fn: `${nameOf(f.function)} v${f.version}` })))
      .sort((a, b) => b.at.localeCompare(a.at)).slice(0, 50);
    $('decisions').tBodies[0].replaceChildren(...decisions.map(d =>
      el('tr', {}, el('td', {}, new Date(d.at).toLocaleTimeString()), el('td', {}, d.fn), el('td', {}, d.kind), el('td', { class: 'detail' }, d.detail))));
  }

  function renderUsage(usage) {
    const row = (u, label) => el('tr', {}, el('td', {}, label ?? u.function), el('td', { class: 'num' }, label ? '' : u.version), num(u.requests), num(u.failures),
      num(u.coldStarts), num(u.queueMs, 1), num(u.computeMs, 1), num(u.memoryMbSeconds, 1),
      el('td', { class: 'num' }, `${u.inputTokens} / ${u.outputTokens}`), num(u.cost, 6));
    $('usage').tBodies[0].replaceChildren(...usage.functions.map(u => row(u)), row(usage.total, 'total'));
  }

  function renderNodes(nodes) {
    $('nodes').replaceChildren(...nodes.map(n => {
      const used = n.memoryCapacityBytes ? 100 * n.memoryUsedBytes / n.memoryCapacityBytes : 0;
      const fill = el('div');
      fill.style.width = `${used.toFixed(1)}%`; // through the CSSOM, which the page's CSP allows (style attributes it does not)
      const bar = el('div', { class: 'bar' }, fill);
      const labels = Object.entries(n.labels || {}).map(([k, v]) => `${k}=${v}`).join(', ') || 'none';
      return el('div', { class: 'node', 'data-node': n.nodeId }, el('strong', {}, n.nodeId),
        el('div', {}, `memory ${mib(n.memoryUsedBytes)} of ${mib(n.memoryCapacityBytes)} (reclaimable ${mib(n.reclaimableBytes)})`), bar,
        el('div', {}, `memory tier: ${n.memoryTierArtifacts.length} artifacts, ${mib(n.memoryTierUsedBytes)}`),
        el('div', {}, `disk tier: ${n.diskTierArtifacts.length} artifacts, ${mib(n.diskTierUsedBytes)}`),
        el('div', {}, `instances: ${n.instances.filter(live).length} of this tenant · labels: ${labels}`));
    }));
  }

  $('key').value = state.key;
  $('key-form').addEventListener('submit', event => {
    event.preventDefault();
    state.key = $('key').value.trim();
    sessionStorage.setItem(KEY_STORAGE, state.key);
    state.history.clear(); // another key may be another tenant
  });
  poll();
})();
