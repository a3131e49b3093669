// Helper of bench/gateway.sh: turns one run's raw files (meta.json, loadtest's open.json and sse.json, wrk's
// closed-<target>-<round>.txt, the CPU/RSS snapshots) into results.json and results.md, prints the markdown, and exits 1
// when a measured round had errors. Figures per load shape and target are medians over the rounds; "added" is the median of
// each round's difference to direct in that same round.
//   node report.mjs <results dir>
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
const read = (f) => fs.readFileSync(path.join(dir, f), 'utf8');
const exists = (f) => fs.existsSync(path.join(dir, f));
const meta = JSON.parse(read('meta.json'));
const hz = meta.clk_tck;
const TARGETS = meta.targets; // measured ones first, direct last
const OWN = { direct: ['stub'], proxy: ['proxy'], portkey: ['portkey'], intake: ['intake'] };
const PLATFORM = ['kafka', 'redis', 'billing', 'worker'];

// --- snapshots: "<shape> <stage> <target> <event> <ok> <time> <role> <pid> <ticks> <rss kB>" ---
const snaps = new Map();
for (const line of read('snapshots').split('\n')) {
  if (!line.trim()) continue;
  const [shape, stage, target, event, ok, t, role, pid, ticks, rss] = line.split(' ');
  const key = `${shape}|${stage}|${target}`;
  if (!snaps.has(key)) snaps.set(key, {});
  const g = snaps.get(key);
  g[event] ??= { t: Number(t), procs: [] };
  g[event].procs.push({ role, pid, ticks: ticks === 'dead' ? NaN : Number(ticks), rss: Number(rss) });
  if (event === 'end') g.ok = Number(ok);
}
const ticksOf = (snap, roles) => snap.procs.filter((p) => roles.includes(p.role)).reduce((s, p) => s + p.ticks, 0);
const cpuMs = (g, roles, from = 'start', to = 'end') => (g?.[from] && g?.[to] ? ((ticksOf(g[to], roles) - ticksOf(g[from], roles)) * 1000) / hz : NaN);
const rssMb = (g, roles) => (g?.end ? g.end.procs.filter((p) => roles.includes(p.role)).reduce((s, p) => s + p.rss, 0) / 1024 : NaN);

// --- one record per (shape, round, target) ---
const rows = []; // {shape, label, round, target, ok, errors, p50, p99, ttft50, ttft99, rps, lag, stage key}
function fromLoadtest(file, shapeOf) {
  if (!exists(file)) return;
  const report = JSON.parse(read(file));
  for (const s of report.stages) {
    const { shape, round } = shapeOf(s.stage);
    rows.push({ shape, snapShape: file.replace('.json', ''), stage: s.stage, round, target: s.target, sent: s.sent, ok: s.ok,
      errors: s.errors, errorsBy: s.errors_by_status, p50: s.latency_p50_ms, p99: s.latency_p99_ms, ttft50: s.ttft_p50_ms,
      ttft99: s.ttft_p99_ms, rps: s.achieved_rate, lag: s.max_send_lag_ms });
  }
}
const rates = meta.rates;
fromLoadtest('open.json', (i) => ({ shape: `open-${rates[(i - 1) % rates.length]}`, round: Math.floor((i - 1) / rates.length) + 1 }));
fromLoadtest('sse.json', (i) => ({ shape: 'sse', round: i }));
for (let round = 1; round <= meta.rounds; round++) {
  for (const target of TARGETS) {
    const f = `closed-${target}-${round}.txt`;
    if (!exists(f)) continue;
    const m = read(f).match(/^WRKJSON (.*)$/m);
    if (!m) { rows.push({ shape: 'closed', snapShape: 'closed', stage: round, round, target, ok: 0, errors: 1, errorsBy: { wrk_failed: 1 } }); continue; }
    const w = JSON.parse(m[1]);
    const socket = w.connect + w.read + w.write + w.timeout;
    rows.push({ shape: 'closed', snapShape: 'closed', stage: round, round, target, sent: w.requests, ok: w.requests - w.status,
      errors: w.status + socket, errorsBy: { non2xx: w.status, socket }, p50: w.p50_us / 1000, p99: w.p99_us / 1000,
      rps: (w.requests - w.status) / (w.duration_us / 1e6) });
  }
}

// CPU, RSS and the platform's share for every row
for (const r of rows) {
  const g = snaps.get(`${r.snapShape}|${r.stage}|${r.target}`);
  r.cpuMsPerReq = cpuMs(g, OWN[r.target]) / r.ok;
  r.stubMsPerReq = cpuMs(g, ['stub']) / r.ok;
  r.rssMb = rssMb(g, OWN[r.target]);
  if (r.target === 'intake') {
    // Kafka, Redis, billing, worker from the stage's start until they were idle again, minus their idle rate (measured
    // while direct ran in the same round, when the platform had no traffic)
    const d = snaps.get(`${r.snapShape}|${r.stage}|direct`);
    const to = g?.settled ? 'settled' : 'end';
    const idlePerS = d?.start && d?.end ? cpuMs(d, PLATFORM) / (d.end.t - d.start.t) : 0;
    const raw = cpuMs(g, PLATFORM, 'start', to);
    const seconds = g?.[to] && g?.start ? g[to].t - g.start.t : NaN;
    r.platformRawMsPerReq = raw / r.ok;
    r.platformIdleMsPerS = idlePerS;
    r.platformIdleByRoleMsPerS = Object.fromEntries(PLATFORM.map((role) => [role, d?.start && d?.end ? cpuMs(d, [role]) / (d.end.t - d.start.t) : null]));
    r.platformSettleSeconds = g?.settled && g?.end ? g.settled.t - g.end.t : null;
    r.platformMsPerReq = Math.max(0, raw - idlePerS * seconds) / r.ok;
    r.platformRssMb = rssMb(g, PLATFORM);
    // Kafka, Redis, billing and worker one by one (net of nothing), for the curious
    r.platformByRole = Object.fromEntries(PLATFORM.map((role) => [role, cpuMs(g, [role], 'start', to) / r.ok]));
  }
  if (r.target === 'portkey' || r.target === 'proxy' || r.target === 'direct' || r.target === 'intake') {
    // a process that died shows as NaN ticks: the run is not valid
    if (g && [g.start, g.end].some((s) => s && s.procs.some((p) => Number.isNaN(p.ticks)))) r.dead = true;
  }
}

// --- medians over rounds ---
const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const shapes = [...new Set(rows.map((r) => r.shape))];
const summary = {};
for (const shape of shapes) {
  summary[shape] = {};
  const direct = (round) => rows.find((r) => r.shape === shape && r.round === round && r.target === 'direct');
  for (const target of TARGETS) {
    const mine = rows.filter((r) => r.shape === shape && r.target === target);
    if (!mine.length) continue;
    const added = (field) => median(mine.map((r) => (direct(r.round) && r[field] != null && direct(r.round)[field] != null ? r[field] - direct(r.round)[field] : null)));
    const proxyRound = (round) => rows.find((r) => r.shape === shape && r.round === round && r.target === 'proxy');
    summary[shape][target] = {
      rounds: mine.length, sent: mine.reduce((s, r) => s + (r.sent ?? 0), 0), errors: mine.reduce((s, r) => s + (r.errors ?? 0), 0),
      p50_ms: median(mine.map((r) => r.p50)), p99_ms: median(mine.map((r) => r.p99)),
      added_p50_ms: target === 'direct' ? null : added('p50'), added_p99_ms: target === 'direct' ? null : added('p99'),
      ttfb_p50_ms: median(mine.map((r) => r.ttft50)), ttfb_p99_ms: median(mine.map((r) => r.ttft99)),
      added_ttfb_p50_ms: target === 'direct' ? null : added('ttft50'), added_ttfb_p99_ms: target === 'direct' ? null : added('ttft99'),
      ok_per_s: median(mine.map((r) => r.rps)),
      share_of_proxy: target === 'proxy' ? null : median(mine.map((r) => (proxyRound(r.round)?.rps ? r.rps / proxyRound(r.round).rps : null))),
      cpu_ms_per_req: median(mine.map((r) => r.cpuMsPerReq)), stub_cpu_ms_per_req: median(mine.map((r) => r.stubMsPerReq)),
      rss_mb: median(mine.map((r) => r.rssMb)), max_send_lag_ms: median(mine.map((r) => r.lag)),
      platform_cpu_ms_per_req: target === 'intake' ? median(mine.map((r) => r.platformMsPerReq)) : null,
      platform_cpu_raw_ms_per_req: target === 'intake' ? median(mine.map((r) => r.platformRawMsPerReq)) : null,
      platform_idle_ms_per_s: target === 'intake' ? median(mine.map((r) => r.platformIdleMsPerS)) : null,
      platform_by_role_ms_per_req: target === 'intake'
        ? Object.fromEntries(PLATFORM.map((role) => [role, median(mine.map((r) => r.platformByRole?.[role]))])) : null,
      platform_idle_by_role_ms_per_s: target === 'intake'
        ? Object.fromEntries(PLATFORM.map((role) => [role, median(mine.map((r) => r.platformIdleByRoleMsPerS?.[role]))])) : null,
      platform_settle_s: target === 'intake' ? median(mine.map((r) => r.platformSettleSeconds)) : null,
      platform_rss_mb: target === 'intake' ? median(mine.map((r) => r.platformRssMb)) : null,
      dead: mine.some((r) => r.dead),
    };
  }
}

// --- the two targets of the performance issue ---
const at500 = summary['open-500']?.intake;
const closed = summary.closed;
const verdict = {
  overhead_500: at500 ? { added_p50_ms: at500.added_p50_ms, added_p99_ms: at500.added_p99_ms, limit_p50_ms: 0.5, limit_p99_ms: 1,
    met: at500.added_p50_ms != null && at500.added_p50_ms <= 0.5 && at500.added_p99_ms <= 1 } : null,
  // the ratio of each round (intake and the proxy ran back to back), median over rounds, as "added" is for latency
  throughput_64: closed?.intake && closed?.proxy ? { intake_per_s: closed.intake.ok_per_s, proxy_per_s: closed.proxy.ok_per_s,
    ratio: closed.intake.share_of_proxy, ratio_of_medians: closed.intake.ok_per_s / closed.proxy.ok_per_s, limit_ratio: 0.5,
    met: closed.intake.share_of_proxy >= 0.5 } : null,
};
const totalErrors = rows.reduce((s, r) => s + (r.errors ?? 0), 0);
const anyDead = rows.some((r) => r.dead);

// --- markdown ---
const f = (x, d = 1) => (x == null || !Number.isFinite(x) ? '–' : x.toFixed(d));
const signed = (x, d = 2) => (x == null || !Number.isFinite(x) ? '–' : (x >= 0 ? '+' : '−') + Math.abs(x).toFixed(d));
const int = (x) => (x == null || !Number.isFinite(x) ? '–' : Math.round(x).toLocaleString('en-US'));
const cpu = (s) => f(s.cpu_ms_per_req, 3);
const platform = (s) => (s.platform_cpu_ms_per_req == null ? '–' : f(s.platform_cpu_ms_per_req, 3));
const md = [];
md.push(`Run ${meta.started} → ${meta.finished} on commit \`${meta.commit}\`; ${meta.machine}; ${meta.node}, ${meta.java}, ${meta.wrk};`);
md.push(`load average (1/5/15 min) before ${meta.load_before}, after ${meta.load_after}. Everything (load generator, stub, proxy, Portkey`);
md.push(`${meta.portkey_version}, intake with Kafka, Redis, billing and worker) on this machine. Body: \`${meta.body}\`.`);
md.push(`Warm-up (not measured): per target wrk ${meta.connections} connections ${meta.warmup_seconds} s JSON + ${meta.warmup_seconds} s streamed (stub at 0 ms), then loadtest ${meta.warmup}.`);
md.push('');
const table = (title, head, body) => { md.push(`**${title}**`, '', `| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`), ''); };
for (const rate of rates) {
  const s = summary[`open-${rate}`];
  if (!s) continue;
  table(`Open loop, ${rate} req/s × ${meta.stage_seconds} s, stub delay ${meta.delay_ms} ms (latency from the scheduled send; median of ${meta.rounds} rounds)`,
    ['target', 'p50 ms', 'p99 ms', 'added p50 ms', 'added p99 ms', 'ok/s', 'CPU ms/req', 'platform ms/req', 'stub ms/req', 'RSS MB', 'errors'],
    TARGETS.filter((t) => s[t]).map((t) => [t, f(s[t].p50_ms, 2), f(s[t].p99_ms, 2), signed(s[t].added_p50_ms), signed(s[t].added_p99_ms),
      f(s[t].ok_per_s), cpu(s[t]), platform(s[t]), f(s[t].stub_cpu_ms_per_req, 3), f(s[t].rss_mb, 0), String(s[t].errors)]));
}
if (summary.sse) {
  const s = summary.sse;
  table(`SSE, ${meta.sse_rate} req/s × ${meta.sse_seconds} s, stub delay ${meta.delay_ms} ms: time to the first streamed byte (median of ${meta.rounds} rounds)`,
    ['target', 'TTFB p50 ms', 'TTFB p99 ms', 'added TTFB p50 ms', 'added TTFB p99 ms', 'whole stream p50 ms', 'CPU ms/req', 'platform ms/req', 'RSS MB', 'errors'],
    TARGETS.filter((t) => s[t]).map((t) => [t, f(s[t].ttfb_p50_ms, 2), f(s[t].ttfb_p99_ms, 2), signed(s[t].added_ttfb_p50_ms),
      signed(s[t].added_ttfb_p99_ms), f(s[t].p50_ms, 2), cpu(s[t]), platform(s[t]), f(s[t].rss_mb, 0), String(s[t].errors)]));
}
if (closed) {
  table(`Closed loop, wrk ${meta.connections} connections × ${meta.closed_seconds} s, stub delay ${meta.closed_delay_ms} ms: max throughput (median of ${meta.rounds} rounds)`,
    ['target', 'req/s', 'share of proxy (per round)', 'p50 ms', 'p99 ms', 'CPU ms/req', 'platform ms/req', 'stub ms/req', 'RSS MB', 'errors'],
    TARGETS.filter((t) => closed[t]).map((t) => [t, int(closed[t].ok_per_s), closed[t].share_of_proxy == null ? '–' : `${f(closed[t].share_of_proxy * 100, 0)} %`,
      f(closed[t].p50_ms, 2), f(closed[t].p99_ms, 2), cpu(closed[t]), platform(closed[t]), f(closed[t].stub_cpu_ms_per_req, 3), f(closed[t].rss_mb, 0), String(closed[t].errors)]));
}
md.push('CPU ms/req: user + system time of the target\'s own process(es) over its stage / its successful answers (direct: the stub; proxy, Portkey:');
md.push('their node process; intake: the intake JVM). Platform ms/req (intake only): Kafka, Redis, billing and worker from the stage\'s start');
md.push('until they were idle again, minus their idle rate. Stub ms/req: the upstream\'s CPU, which every path pays. RSS: VmRSS after the stage.');
md.push('');
md.push('**Targets**');
md.push('');
if (verdict.overhead_500) {
  const v = verdict.overhead_500;
  md.push(`- Intake overhead at 500 req/s ≤ +0.5 ms p50 and ≤ +1 ms p99: **${v.met ? 'met' : 'not met'}** (added p50 ${signed(v.added_p50_ms)} ms, p99 ${signed(v.added_p99_ms)} ms).`);
}
if (verdict.throughput_64) {
  const v = verdict.throughput_64;
  md.push(`- Intake's max throughput at ${meta.connections} connections ≥ half the bare proxy's: **${v.met ? 'met' : 'not met'}** (median of the rounds' ratios ${f(v.ratio * 100, 0)} %; medians ${int(v.intake_per_s)} vs ${int(v.proxy_per_s)} req/s = ${f(v.ratio_of_medians * 100, 0)} %).`);
}
md.push('');
if (totalErrors || anyDead) md.push(`**Failure:** ${totalErrors} errors in the measured rounds${anyDead ? ', and a process died' : ''} (see results.json).`, '');

const perRound = ['', '<details><summary>Per round</summary>', '', '| shape | round | target | p50 ms | p99 ms | TTFB p50 ms | ok/s | CPU ms/req | platform ms/req | RSS MB | errors | send lag ms |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |'];
for (const r of rows) {
  perRound.push(`| ${r.shape} | ${r.round} | ${r.target} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${f(r.ttft50, 2)} | ${f(r.rps)} | ${f(r.cpuMsPerReq, 3)} | ${r.platformMsPerReq == null ? '–' : f(r.platformMsPerReq, 3)} | ${f(r.rssMb, 0)} | ${r.errors ?? 0} | ${f(r.lag)} |`);
}
perRound.push('', '</details>', '');

fs.writeFileSync(path.join(dir, 'results.md'), md.concat(perRound).join('\n'));
fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ meta, summary, verdict, errors: totalErrors, process_died: anyDead, rounds: rows }, null, 2));
console.log(md.join('\n'));
process.exit(totalErrors || anyDead ? 1 : 0);
