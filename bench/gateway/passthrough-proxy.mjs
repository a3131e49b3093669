// The floor for bench/gateway.sh: a bare HTTP pass-through proxy in Node, nothing but forwarding. Every request goes to
// the upstream unchanged (method, path, headers but hop-by-hop ones), the answer comes back streamed as it arrives
// (SSE too), over a keep-alive pool. No parsing, no logging, no retries.
//   node passthrough-proxy.mjs --port 18791 --upstream http://127.0.0.1:18790
import http from 'node:http';

const arg = (name, fallback) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : fallback; };
const port = Number(arg('port', 18791));
const upstream = new URL(arg('upstream', 'http://127.0.0.1:18790'));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);

const server = http.createServer((req, res) => {
  const headers = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k)) headers[k] = v;
  const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent }, (up) => {
    const back = {};
    for (const [k, v] of Object.entries(up.headers)) if (!HOP.has(k)) back[k] = v;
    res.writeHead(up.statusCode, back);
    up.pipe(res);
  });
  out.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
  req.pipe(out);
});
server.keepAliveTimeout = 120_000; // as the stub and Portkey: idle client connections survive the other targets' rounds
server.headersTimeout = 125_000;
server.listen(port, '127.0.0.1', () => console.log(`pass-through proxy on http://127.0.0.1:${port} -> ${upstream.origin}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
