// Browser test of the chat page served by `bitnet serve` at `/`: Debian's Chromium driven by
// playwright-core against servers on loopback running the demo model.
// Run: npm ci && npm test   (BITNET = the launcher, CHROMIUM = the browser, SCREENSHOT = a PNG path)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const launcher = process.env.BITNET ?? path.resolve(here, "../../../../bitnet");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const screenshot = process.env.SCREENSHOT;

/** Starts `bitnet serve` on an ephemeral loopback port; resolves once it prints its address. */
function startServer(extraArgs = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(launcher, ["serve", "--host", "127.0.0.1", "--port", "0", "--parallel", "2", ...extraArgs],
      { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error("server did not start:\n" + output)); }, 60000);
    const onData = (data) => {
      output += data.toString();
      const match = output.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[0], child, output: () => output });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (d) => { output += d.toString(); });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error("server exited with " + code + ":\n" + output)); });
  });
}

function stopServer(server) {
  return new Promise((resolve) => {
    if (!server || server.child.exitCode !== null) return resolve();
    server.child.removeAllListeners("exit");
    server.child.on("exit", () => resolve());
    server.child.kill("SIGTERM");
    setTimeout(() => { server.child.kill("SIGKILL"); }, 10000).unref();
  });
}

/** The value of a Prometheus sample whose name matches `pattern` (first match), from GET /metrics. */
async function metric(url, pattern, headers = {}) {
  const text = await (await fetch(url + "/metrics", { headers })).text();
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const [name, value] = line.trim().split(/\s+/);
    if (name && pattern.test(name)) return Number(value);
  }
  throw new Error("no metric matching " + pattern + " in:\n" + text);
}

async function waitFor(check, what, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error("timed out waiting for " + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let server, keyed, browser;

before(async () => {
  // a context far beyond the demo model's 256 trained positions, so that the Stop test's answer (end-of-text
  // tokens banned) keeps streaming for many seconds even on a fast machine
  [server, keyed] = await Promise.all([startServer(["--ctx", "65536"]), startServer(["--api-key", "right-key"])]);
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  await Promise.all([stopServer(server), stopServer(keyed)]);
});

async function openPage(url, viewport = { width: 1100, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(url + "/");
  return { page, context, errors };
}

async function setSetting(page, id, value) {
  if (await page.locator("#settings").isHidden()) await page.click("#toggle-settings");
  await page.fill("#" + id, String(value));
  await page.dispatchEvent("#" + id, "change");
  await page.click("#close-settings");
}

/**
 * Makes the page's chat requests go out with the end-of-text tokens banned (logit_bias -100, as OpenAI defines it).
 * The demo model writes a few hundred tokens about a millisecond apart and then ends its answer, so on
 * a fast machine an answer could be over before a test sees it stream or clicks Stop; with the ban (and the
 * server's context far beyond the model's 256 trained positions) it streams for as long as max_tokens says.
 */
async function banEndOfText(page) {
  const response = await fetch(server.url + "/tokenize", {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ content: "<|eot_id|><|end_of_text|>", parse_special: true }),
  });
  const endTokens = (await response.json()).tokens;
  assert.equal(endTokens.length, 2, "the demo model has both end-of-text tokens: " + endTokens);
  await page.route("**/v1/chat/completions", async (route) => {
    const body = JSON.parse(route.request().postData());
    body.logit_bias = Object.fromEntries(endTokens.map((id) => [String(id), -100]));
    await route.continue({ postData: JSON.stringify(body) });
  });
}

test("shows the model, streams an answer as it grows, then its stats", async () => {
  const { page, context, errors } = await openPage(server.url);
  await waitFor(async () => (await page.textContent("#model")).includes("demo"), "the model name");
  await banEndOfText(page);
  await setSetting(page, "max_tokens", 1500);
  await setSetting(page, "seed", 7);
  await page.fill("#input", "The old man said");
  await page.click("#send");
  const answer = page.locator(".message.assistant").last();
  // the text is observed at several lengths while it streams
  const lengths = new Set();
  await waitFor(async () => {
    lengths.add((await answer.locator(".content").textContent()).length);
    return (await answer.getAttribute("data-finish")) !== null;
  }, "the answer to finish", 60000);
  assert.ok([...lengths].filter((n) => n > 0).length >= 2, "saw the text grow: " + [...lengths]);
  const stats = await answer.locator(".stats").textContent();
  assert.match(stats, /\d+ tokens · [\d.]+ tok\/s · [\d.]+ s · finish: length/);
  assert.equal(await page.locator(".message.user").last().textContent(), "The old man said");
  if (screenshot) await page.screenshot({ path: screenshot });
  assert.deepEqual(errors, []);
  await context.close();
});

test("Stop cancels the request and the generation ends on the server", async () => {
  const { page, context } = await openPage(server.url);
  await banEndOfText(page);
  await setSetting(page, "max_tokens", 100000);
  await page.fill("#input", "Once upon a time");
  await page.click("#send");
  const answer = page.locator(".message.assistant").last();
  await waitFor(async () => (await answer.locator(".content").textContent()).length > 20, "streamed text");
  assert.equal(await metric(server.url, /active/), 1, "one stream active on the server while it streams");
  assert.equal(await page.isEnabled("#stop"), true, "Stop is enabled while the answer streams");
  await page.click("#stop");
  await waitFor(async () => (await answer.getAttribute("data-finish")) === "stopped", "the page to show the stop");
  await waitFor(async () => (await metric(server.url, /active/)) === 0, "the server to end the generation", 10000);
  const textAtStop = await answer.locator(".content").textContent();
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await answer.locator(".content").textContent(), textAtStop, "no text after Stop");
  assert.equal(await page.isEnabled("#send"), true);
  await context.close();
});

test("a message with HTML in it is shown as literal text and runs no script", async () => {
  const { page, context } = await openPage(server.url);
  await setSetting(page, "max_tokens", 5);
  const hostile = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
  await page.fill("#input", hostile);
  await page.click("#send");
  await waitFor(async () => (await page.locator(".message.assistant").last().getAttribute("data-finish")) !== null, "answer");
  assert.equal(await page.locator(".message.user").last().textContent(), hostile);
  assert.equal(await page.locator("#conversation img, #conversation script").count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  await context.close();
});

test("settings are kept in local storage across reloads", async () => {
  const { page, context } = await openPage(server.url);
  await setSetting(page, "system", "Be brief.");
  await setSetting(page, "temperature", 0.3);
  await page.reload();
  assert.equal(await page.inputValue("#system"), "Be brief.");
  assert.equal(await page.inputValue("#temperature"), "0.3");
  await context.close();
});

test("New chat clears the conversation", async () => {
  const { page, context } = await openPage(server.url);
  await setSetting(page, "max_tokens", 3);
  await page.fill("#input", "Hello");
  await page.click("#send");
  await waitFor(async () => (await page.locator(".message.assistant").last().getAttribute("data-finish")) !== null, "answer");
  await page.click("#new-chat");
  assert.equal(await page.locator(".message").count(), 0);
  await context.close();
});

test("with --api-key: a wrong key shows a clear error, the right one works", async () => {
  const { page, context } = await openPage(keyed.url);
  await setSetting(page, "api_key", "wrong-key");
  await setSetting(page, "max_tokens", 3);
  await page.fill("#input", "Hello");
  await page.click("#send");
  await waitFor(async () => (await page.textContent("#error")).includes("API key"), "the API key error");
  assert.match(await page.textContent("#error"), /rejected the API key \(401\)/);
  await setSetting(page, "api_key", "right-key");
  await waitFor(async () => (await page.textContent("#model")).includes("demo"), "the model name with the right key");
  await page.fill("#input", "Hello");
  await page.click("#send");
  await waitFor(async () => (await page.locator(".message.assistant").last().getAttribute("data-finish")) === "length"
      || (await page.locator(".message.assistant").last().getAttribute("data-finish")) === "stop", "an answer with the key");
  await context.close();
});

test("readable in a phone-sized window", async () => {
  const { page, context } = await openPage(server.url, { width: 375, height: 667 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, "no horizontal scrolling: " + width);
  assert.ok(await page.isVisible("#send"));
  assert.ok(await page.isVisible("#input"));
  await context.close();
});
