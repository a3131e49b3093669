// The billing page: reads billing's own JSON API every few seconds and renders it (no library).
// Money arrives as exact decimals of at most 9 places and is shown to the nano-dollar, so the page shows what the API says.
'use strict';

const REFRESH_MS = 5000;
const API = 'v1/billing/';
const SVG = 'http://www.w3.org/2000/svg';
const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#0891b2', '#db2777', '#65a30d', '#475569'];
const LEVELS = ['OK', 'LOW', 'CRITICAL', 'DEPLETED'];
const LEVEL_COLOURS = ['#1e7b34', '#d97706', '#c2410c', '#b3261e'];

const plain = { useGrouping: false };

/** USD to the nano-dollar (the ledger's unit), at least 2 decimals: 0.01242353 → "$0.01242353". */
function usd(value) {
  if (value === null || value === undefined) {
    return '—';
  }
  return '$' + Number(value).toLocaleString('en-US', { ...plain, minimumFractionDigits: 2, maximumFractionDigits: 9 });
}

/** A rate or a duration, 4 significant digits. */
function approx(value) {
  return Number(value).toLocaleString('en-US', { ...plain, maximumSignificantDigits: 4 });
}

function setText(id, text) {
  document.getElementById(id).textContent = text;
}

// Billing needs an API key: the admin key (FLEET_ADMIN_KEY in .fleet/env) or a tenant's key. The page asks once and
// keeps it in this tab's sessionStorage; '#key=…' in the address hands it over without a prompt (a fragment never
// reaches a server or its logs) and is removed from the address at once.
const KEY_ITEM = 'llm-fleet-billing-key';

function apiKey() {
  const handed = new URLSearchParams(location.hash.slice(1)).get('key');
  if (handed) {
    sessionStorage.setItem(KEY_ITEM, handed);
    history.replaceState(null, '', location.pathname + location.search);
  }
  let key = sessionStorage.getItem(KEY_ITEM);
  if (!key) {
    key = (prompt('API key for billing: FLEET_ADMIN_KEY from .fleet/env, or a tenant key (it sees its own spend only)') || '').trim();
    if (key) {
      sessionStorage.setItem(KEY_ITEM, key);
    }
  }
  return key;
}

/** The JSON of a billing path; null when the key may not see it (403: balance and alerts are the admin's). */
async function getJson(path) {
  const response = await fetch(API + path, { cache: 'no-store', headers: { Authorization: 'Bearer ' + apiKey() } });
  if (response.status === 401) {
    sessionStorage.removeItem(KEY_ITEM);
    throw new Error('the API key was refused; the page asks for another');
  }
  if (response.status === 403) {
    return null;
  }
  if (!response.ok) {
    throw new Error(path + ' answered ' + response.status);
  }
  return response.json();
}

function svg(name, attributes, parent) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) {
    element.setAttribute(key, value);
  }
  parent.appendChild(element);
  return element;
}

/** A half-circle in four bands, OK to DEPLETED, with the needle on the current level. */
function renderGauge(level) {
  const gauge = document.getElementById('gauge');
  gauge.replaceChildren();
  const cx = 100, cy = 100, r = 80;
  const point = (fraction, radius) => [cx - radius * Math.cos(Math.PI * fraction), cy - radius * Math.sin(Math.PI * fraction)];
  LEVELS.forEach((name, i) => {
    const [x1, y1] = point(i / LEVELS.length, r);
    const [x2, y2] = point((i + 1) / LEVELS.length, r);
    svg('path', { d: `M ${x1} ${y1} A ${r} ${r} 0 0 1 ${x2} ${y2}`, stroke: LEVEL_COLOURS[i], 'stroke-width': 18, fill: 'none',
      opacity: name === level ? 1 : 0.35 }, gauge);
  });
  const index = LEVELS.indexOf(level);
  if (index >= 0) {
    const [x, y] = point((index + 0.5) / LEVELS.length, r - 22);
    svg('line', { x1: cx, y1: cy, x2: x, y2: y, stroke: '#1d2330', 'stroke-width': 3, 'stroke-linecap': 'round' }, gauge);
    svg('circle', { cx, cy, r: 5, fill: '#1d2330' }, gauge);
  }
}

function renderBalance(balance) {
  setText('balance-usd', usd(balance.balance_usd));
  const level = document.getElementById('level');
  level.textContent = balance.level;
  level.className = 'level-' + balance.level;
  setText('as-of', balance.as_of === null ? 'no reading yet' : balance.as_of);
  setText('burn-rate', approx(balance.burn_rate_usd_per_hour));
  setText('runway', balance.runway_hours === null ? '∞' : approx(balance.runway_hours));
  setText('runway-unit', balance.runway_hours === null ? 'nothing is being spent' : 'h');
  renderGauge(balance.level);
}

function renderTotals(summary) {
  setText('total-usd', usd(summary.total_usd));
  setText('requests', String(summary.requests));
  setText('cost-per-request', usd(summary.cost_per_request_usd));
  setText('cache-hits', String(summary.cache_hits));
  setText('saved-usd', usd(summary.saved_usd));
  setText('unattributed-usd', usd(summary.unattributed_usd));
}

/** Colours by group, in the summary's order (most spent first); the palette's last colour for the rest. */
function colours(summary, by) {
  const out = new Map();
  summary.groups.forEach((group, i) => out.set(group[by], PALETTE[Math.min(i, PALETTE.length - 1)]));
  return out;
}

function renderGroups(summary, by, colour) {
  const body = document.getElementById('by-' + by);
  body.replaceChildren();
  for (const group of summary.groups) {
    const row = document.createElement('tr');
    row.dataset.key = group[by];
    const name = document.createElement('td');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = colour.get(group[by]);
    name.append(swatch, group[by]);
    const spent = document.createElement('td');
    spent.dataset.field = 'total_usd';
    spent.textContent = usd(group.total_usd);
    const requests = document.createElement('td');
    requests.dataset.field = 'requests';
    requests.textContent = String(group.requests);
    row.append(name, spent, requests);
    body.appendChild(row);
  }
}

/** Stacked bars, one per bucket of the series, one segment per group. */
function renderChart(series, by, colour) {
  const chart = document.getElementById('chart-' + by);
  chart.replaceChildren();
  const width = 720, height = 180, top = 22, bottom = 18, left = 4;
  const slot = (width - left) / series.buckets.length;
  const max = Math.max(0, ...series.buckets.map(b => Number(b.total_usd)));
  if (max === 0) {
    svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle' }, chart).textContent = 'nothing spent in the last 24 hours';
    return;
  }
  svg('text', { x: left, y: 13 }, chart).textContent = usd(max) + ' in the busiest hour';
  const scale = (height - top - bottom) / max;
  series.buckets.forEach((bucket, i) => {
    const x = left + i * slot;
    let y = height - bottom;
    for (const group of bucket.groups) {
      const h = Number(group.total_usd) * scale;
      if (h <= 0) {
        continue;
      }
      y -= h;
      const bar = svg('rect', { x: x + 1, y, width: slot - 2, height: h, fill: colour.get(group[by]) || PALETTE[PALETTE.length - 1],
        'data-bucket': bucket.start, 'data-key': group[by], 'data-usd': usd(group.total_usd) }, chart);
      svg('title', {}, bar).textContent = `${bucket.start.slice(11, 16)} UTC ${group[by]}: ${usd(group.total_usd)}`;
    }
    if (i % 6 === 0) {
      svg('text', { x, y: height - 4 }, chart).textContent = bucket.start.slice(11, 16);
    } else if (i === series.buckets.length - 1) {
      svg('text', { x: x + slot, y: height - 4, 'text-anchor': 'end' }, chart).textContent = bucket.start.slice(11, 16) + ' UTC';
    }
  });
}

function renderAlerts(alerts) {
  const list = document.getElementById('alerts');
  list.replaceChildren();
  if (alerts.data.length === 0) {
    const none = document.createElement('li');
    none.className = 'none';
    none.textContent = 'No alerts.';
    list.appendChild(none);
  }
  for (const alert of alerts.data) {
    const item = document.createElement('li');
    item.dataset.alertId = alert.alert_id;
    item.dataset.kind = alert.kind;
    const time = document.createElement('time');
    time.textContent = alert.raised_at;
    const kind = document.createElement('span');
    kind.className = 'kind';
    kind.textContent = alert.kind;
    const level = document.createElement('span');
    level.className = 'level-' + alert.level;
    level.textContent = alert.level;
    item.append(time, ' ', kind, ' ', level, ' ', alert.message || '');
    list.appendChild(item);
  }
}

async function refresh() {
  try {
    const [balance, byFeature, byModel, seriesByFeature, seriesByModel, alerts] = await Promise.all([
      getJson('balance'), getJson('summary?window=24h&by=feature'), getJson('summary?window=24h&by=model'),
      getJson('series?window=24h&by=feature'), getJson('series?window=24h&by=model'), getJson('alerts?limit=10')]);
    if (balance) {
      renderBalance(balance);
    }
    renderTotals(byFeature);
    const featureColours = colours(byFeature, 'feature');
    const modelColours = colours(byModel, 'model');
    renderGroups(byFeature, 'feature', featureColours);
    renderGroups(byModel, 'model', modelColours);
    renderChart(seriesByFeature, 'feature', featureColours);
    renderChart(seriesByModel, 'model', modelColours);
    if (alerts) {
      renderAlerts(alerts);
    }
    const now = new Date().toISOString();
    setText('refreshed-at', now.slice(11, 19) + ' UTC');
    document.body.dataset.refreshedAt = now;
    document.getElementById('error').hidden = true;
  } catch (e) {
    const error = document.getElementById('error');
    error.textContent = 'Could not refresh: ' + e.message;
    error.hidden = false;
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
