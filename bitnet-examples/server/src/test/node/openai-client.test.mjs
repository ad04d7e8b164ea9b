// The npm `openai` client (v6) against `bitnet serve` with the demo model, on loopback.
// Starts the server itself through the launcher (build the CLI jar first), on a free port, with an API key;
// ends it with SIGTERM and expects a clean exit. Run: npm ci && npm test
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import OpenAI from 'openai';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');
const launcher = path.join(root, 'bitnet-examples', 'bitnet');
const KEY = 'node-test-key';
let server;
let exited;
let baseURL;
let client;
let stderr = '';

before(async () => {
  server = spawn(launcher, ['serve', '--port', '0', '--parallel', '2', '--api-key', KEY, '--ctx', '4096'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve({ code, signal })));
  server.stderr.on('data', (d) => { stderr += d; });
  baseURL = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('server did not start:\n' + stderr)), 120_000);
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${stderr}`)));
  });
  client = new OpenAI({ baseURL: baseURL + '/v1', apiKey: KEY, maxRetries: 0 });
});

after(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    const { code, signal } = await exited;
    // the JVM runs its shutdown hooks (the server closes) and then exits with 128 + 15
    assert.ok(code === 143 || code === 0 || signal === 'SIGTERM', `exit ${code} ${signal}`);
    assert.match(stderr, /server stopped/);
  }
});

const ask = (extra = {}) => ({
  model: 'bitnet-demo',
  messages: [{ role: 'user', content: 'Tell me a story about a cat.' }],
  max_tokens: 16,
  seed: 7,
  temperature: 0.9,
  ...extra,
});

test('models lists the demo model', async () => {
  const list = await client.models.list();
  assert.deepEqual(list.data.map((m) => m.id), ['bitnet-demo']);
});

test('chat completion has text, usage and a finish reason', async () => {
  const c = await client.chat.completions.create(ask());
  assert.match(c.id, /^chatcmpl-/);
  assert.equal(c.object, 'chat.completion');
  assert.equal(c.choices.length, 1);
  assert.equal(c.choices[0].message.role, 'assistant');
  assert.ok(['stop', 'length'].includes(c.choices[0].finish_reason));
  assert.ok(c.usage.prompt_tokens > 0);
  assert.ok(c.usage.completion_tokens >= 1 && c.usage.completion_tokens <= 16);
  assert.equal(c.usage.total_tokens, c.usage.prompt_tokens + c.usage.completion_tokens);
});

test('streaming gives the same text as a plain request, then usage', async () => {
  const plain = await client.chat.completions.create(ask());
  const stream = await client.chat.completions.create(ask({ stream: true, stream_options: { include_usage: true } }));
  let text = '';
  let role;
  let finish;
  let usage;
  for await (const chunk of stream) {
    for (const choice of chunk.choices) {
      role ??= choice.delta.role;
      text += choice.delta.content ?? '';
      finish ??= choice.finish_reason ?? undefined;
    }
    usage ??= chunk.usage ?? undefined;
  }
  assert.equal(role, 'assistant');
  assert.equal(text, plain.choices[0].message.content);
  assert.equal(finish, plain.choices[0].finish_reason);
  assert.equal(usage.completion_tokens, plain.usage.completion_tokens);
});

test('the same seed gives the same text', async () => {
  const a = await client.chat.completions.create(ask({ seed: 3 }));
  const b = await client.chat.completions.create(ask({ seed: 3 }));
  assert.equal(a.choices[0].message.content, b.choices[0].message.content);
});

test('text completions', async () => {
  const c = await client.completions.create({ model: 'bitnet-demo', prompt: 'Once upon a time', max_tokens: 8, seed: 1 });
  assert.equal(c.object, 'text_completion');
  assert.ok(c.choices[0].text.length > 0);
});

test('aborting a stream cancels its generation on the server', async () => {
  const metric = async (name) => {
    const text = await (await fetch(baseURL + '/metrics', { headers: { Authorization: `Bearer ${KEY}` } })).text();
    return Number(text.match(new RegExp(`^${name} (\\S+)$`, 'm'))[1]);
  };
  // a stream far longer than the socket buffers: the server notices the hang-up when a write fails
  const special = await (await fetch(baseURL + '/tokenize', {
    method: 'POST', headers: { Authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ content: '<|eot_id|><|end_of_text|>' }),
  })).json();
  const noStops = Object.fromEntries(special.tokens.map((id) => [String(id), -100]));
  const before = await metric('bitnet_cancelled_generations_total');
  const stream = await client.chat.completions.create(ask({ stream: true, max_tokens: 3500, logit_bias: noStops }));
  let pieces = 0;
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta?.content && ++pieces === 2) break; // leaving the loop aborts the request
  }
  assert.equal(pieces, 2);
  const deadline = Date.now() + 30_000;
  while ((await metric('bitnet_cancelled_generations_total')) === before && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(await metric('bitnet_cancelled_generations_total'), before + 1);
  assert.equal(await metric('bitnet_active_generations'), 0);
});

test('tools: a required call comes back as tool_calls, streamed and not', async () => {
  const tools = [{
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'The weather in a city now',
      parameters: {
        type: 'object', additionalProperties: false, required: ['city'],
        properties: { city: { type: 'string', enum: ['Paris', 'Rome', 'Oslo'] } },
      },
    },
  }];
  const request = ask({ messages: [{ role: 'user', content: 'Weather in Rome?' }], tools, tool_choice: 'required',
    max_tokens: 60 });
  const c = await client.chat.completions.create(request);
  assert.equal(c.choices[0].finish_reason, 'tool_calls');
  assert.equal(c.choices[0].message.content, null);
  assert.equal(c.choices[0].message.tool_calls.length, 1);
  const call = c.choices[0].message.tool_calls[0];
  assert.equal(call.type, 'function');
  assert.equal(call.function.name, 'get_weather');
  assert.ok(['Paris', 'Rome', 'Oslo'].includes(JSON.parse(call.function.arguments).city));

  const stream = await client.chat.completions.create({ ...request, stream: true });
  const calls = [];
  let finish;
  for await (const chunk of stream) {
    for (const choice of chunk.choices) {
      assert.ok(!choice.delta.content, 'no content deltas for a call');
      for (const t of choice.delta.tool_calls ?? []) {
        calls[t.index] = t;
      }
      finish ??= choice.finish_reason ?? undefined;
    }
  }
  assert.equal(finish, 'tool_calls');
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0].function, call.function);

  const next = await client.chat.completions.create(ask({
    messages: [{ role: 'user', content: 'Weather in Rome?' }, c.choices[0].message,
      { role: 'tool', tool_call_id: call.id, content: 'sunny' }],
    tools, tool_choice: 'none', max_tokens: 8,
  }));
  assert.equal(typeof next.choices[0].message.content, 'string');
});

test('errors are OpenAI errors', async () => {
  await assert.rejects(client.chat.completions.create(ask({ n: 2 })),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'n');
  await assert.rejects(client.chat.completions.create(ask({ temperature: 9 })),
    (e) => e.status === 400 && e.param === 'temperature' && e.type === 'invalid_request_error');
  const wrongKey = new OpenAI({ baseURL: baseURL + '/v1', apiKey: 'nope', maxRetries: 0 });
  await assert.rejects(wrongKey.models.list(), (e) => e instanceof OpenAI.AuthenticationError);
  const health = await fetch(baseURL + '/health');
  assert.equal(health.status, 200);
});
