// A stub OpenAI-compatible upstream for bench/gateway.sh: answers POST /v1/chat/completions after a fixed delay, the same
// small answer every time, as JSON (with usage) or, for "stream": true, as SSE (a role chunk, a few content chunks, the
// finish, a usage chunk, [DONE], each event chunk-gap-ms apart). Like Model Database it sends X-MDB-Charged-USD and
// X-MDB-Balance-USD (up front, the simulator's default "header" mode), the balance falling by exactly each charge.
// Nothing else: no validation, no state but counters, so its CPU per request is the floor every path pays.
//   node stub-upstream.mjs --port 18790 --delay-ms 50 [--chunks 4 --chunk-gap-ms 5]
//   POST /admin/config {"delay_ms": 0}   changes the delay (the max-throughput round uses 0); GET /admin/totals
import http from 'node:http';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const port = Number(arg('port', 18790));
let delayMs = Number(arg('delay-ms', 50));
const chunks = Number(arg('chunks', 4)); // the answer's 8 pieces, ceil(8 / chunks) per content chunk
const chunkGapMs = Number(arg('chunk-gap-ms', 5));

// gpt-4o-mini list prices: 12 prompt tokens x $0.15/M + 9 completion tokens x $0.60/M = $0.0000072, in nano-dollars
const PROMPT_TOKENS = 12, COMPLETION_TOKENS = 9, CHARGE_NANOS = 7200n;
const CHARGED = '0.0000072';
let balanceNanos = 1_000_000n * 1_000_000_000n;
let requests = 0, streams = 0, inFlight = 0;
const PIECES = ['Hello', ' there', ',', ' nice', ' to', ' meet', ' you', '.'];
const usage = { prompt_tokens: PROMPT_TOKENS, completion_tokens: COMPLETION_TOKENS, total_tokens: PROMPT_TOKENS + COMPLETION_TOKENS };

const usd = (nanos) => {
  const s = nanos.toString().padStart(10, '0');
  return `${s.slice(0, -9)}.${s.slice(-9)}`.replace(/0+$/, '').replace(/\.$/, '');
};
const charge = () => { balanceNanos -= CHARGE_NANOS; return usd(balanceNanos); };

function complete(res, model) {
  const balance = charge();
  const body = JSON.stringify({
    id: `chatcmpl-stub${requests}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model,
    choices: [{ index: 0, message: { role: 'assistant', content: PIECES.join('') }, finish_reason: 'stop' }], usage,
  });
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body),
    'X-MDB-Charged-USD': CHARGED, 'X-MDB-Balance-USD': balance });
  res.end(body);
  inFlight--;
}

function stream(res, model) {
  streams++;
  const balance = charge();
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache',
    'X-MDB-Charged-USD': CHARGED, 'X-MDB-Balance-USD': balance });
  const id = `chatcmpl-stub${requests}`, created = Math.floor(Date.now() / 1000);
  const chunk = (delta, finish) => `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model,
    choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const events = [chunk({ role: 'assistant', content: '' }, null)];
  const per = Math.ceil(PIECES.length / chunks);
  for (let i = 0; i < PIECES.length; i += per) events.push(chunk({ content: PIECES.slice(i, i + per).join('') }, null));
  events.push(chunk({}, 'stop'));
  events.push(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`);
  events.push('data: [DONE]\n\n');
  let i = 0;
  const next = () => {
    if (res.destroyed) { inFlight--; return; }
    res.write(events[i++]);
    if (i < events.length) setTimeout(next, chunkGapMs);
    else { res.end(); inFlight--; }
  };
  next();
}

function json(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    const url = req.url.split('?')[0];
    if (req.method === 'POST' && url === '/v1/chat/completions') {
      let request;
      try { request = JSON.parse(Buffer.concat(parts).toString('utf8')); } catch {
        return json(res, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error', code: 'invalid_json' } });
      }
      requests++; inFlight++;
      const model = typeof request.model === 'string' ? request.model : 'openai/gpt-4o-mini';
      const answer = () => (request.stream === true ? stream(res, model) : complete(res, model));
      if (delayMs > 0) setTimeout(answer, delayMs); else answer();
    } else if (req.method === 'GET' && url === '/v1/models') {
      json(res, 200, { object: 'list', data: [{ id: 'openai/gpt-4o-mini', object: 'model', owned_by: 'stub' }] });
    } else if (req.method === 'GET' && url === '/admin/totals') {
      json(res, 200, { requests, streams, in_flight: inFlight, delay_ms: delayMs, balance_usd: usd(balanceNanos) });
    } else if (req.method === 'POST' && url === '/admin/config') {
      try {
        const change = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}');
        if (change.delay_ms !== undefined) {
          if (!(Number.isFinite(change.delay_ms) && change.delay_ms >= 0)) throw new Error('delay_ms must be a number >= 0');
          delayMs = change.delay_ms;
        }
        json(res, 200, { delay_ms: delayMs });
      } catch (e) { json(res, 400, { error: { message: String(e.message) } }); }
    } else {
      json(res, 404, { error: { message: `no route ${req.method} ${url}`, type: 'invalid_request_error' } });
    }
  });
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.listen(port, '127.0.0.1', () => console.log(`stub upstream on http://127.0.0.1:${port}/v1 (delay ${delayMs} ms)`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
