// Drives an OpenAI-compatible endpoint (the provider simulator, or LLM Fleet's intake) with the official
// OpenAI Node SDK: one plain and one streamed chat completion, the model list and an error. Exits
// non-zero on the first mismatch. The prompt carries a nonce, so no cache can answer it for free.
// Usage: MDB_BASE_URL=http://127.0.0.1:8090/v1 [MDB_API_KEY=...] node sdk-check.mjs
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = process.env.MDB_BASE_URL;
if (!baseURL) {
  console.error('MDB_BASE_URL is not set (e.g. http://127.0.0.1:8090/v1)');
  process.exit(2);
}
const client = new OpenAI({ baseURL, apiKey: process.env.MDB_API_KEY ?? 'mdb_sdk_check', maxRetries: 0, timeout: 15_000 });
const model = 'openai/gpt-4o-mini';
const messages = [
  { role: 'system', content: 'You are a concise assistant.' },
  { role: 'user', content: `Say something about caching (check ${process.pid}-${Date.now()}).` },
];

async function plain() {
  const { data, response } = await client.chat.completions.create({ model, messages, max_tokens: 60 }).withResponse();
  assert.equal(data.object, 'chat.completion');
  assert.match(data.id, /^chatcmpl-/);
  assert.equal(data.model, model);
  assert.equal(data.choices[0].message.role, 'assistant');
  assert.ok(data.choices[0].message.content.length > 0, 'empty content');
  assert.ok(['stop', 'length'].includes(data.choices[0].finish_reason));
  assert.equal(data.usage.total_tokens, data.usage.prompt_tokens + data.usage.completion_tokens);
  const charged = response.headers.get('x-mdb-charged-usd');
  assert.ok(Number(charged) > 0, `charge header missing or zero: ${charged}`);
  assert.ok(response.headers.get('x-mdb-balance-usd') !== null, 'balance header missing');
  return `plain: ${data.usage.completion_tokens} tokens, charged ${charged} USD`;
}

async function streamed() {
  const stream = await client.chat.completions.create({
    model, messages, max_tokens: 40, stream: true, stream_options: { include_usage: true },
  });
  let text = '';
  let finish = null;
  let usage = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      text += choice.delta?.content ?? '';
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  assert.ok(text.length > 0, 'streamed no content');
  assert.ok(finish !== null, 'no finish_reason');
  assert.ok(usage && usage.completion_tokens > 0 && usage.completion_tokens <= 40, 'no usage chunk');
  return `stream: ${chunks} chunks, ${usage.completion_tokens} tokens, finish ${finish}`;
}

async function models() {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.ok(ids.includes(model), `model list lacks ${model}`);
  return `models: ${ids.length}`;
}

async function unknownModel() {
  await assert.rejects(
    client.chat.completions.create({ model: 'nonexistent/model-x', messages }),
    (err) => err instanceof OpenAI.NotFoundError && err.code === 'model_not_found',
  );
  return 'unknown model: NotFoundError(model_not_found)';
}

try {
  for (const check of [plain, streamed, models, unknownModel]) {
    console.log(`ok ${await check()}`);
  }
  console.log('openai sdk check passed');
} catch (err) {
  console.error('openai sdk check FAILED:', err);
  process.exit(1);
}
