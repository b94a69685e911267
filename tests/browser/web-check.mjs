// Drives the system Chromium through `actdoc serve` as a helpdesk user would: search c004f074,
// land on the code page, switch to 中文 and read the Chinese resolution, upload an EVTX file and
// see a finding. Only the server under test is reachable: every other request is blocked and
// counted. Saves a screenshot of each step. Never downloads a browser.
//
// Usage: node tests/browser/web-check.mjs BASE_URL EVTX_FILE SCREENSHOT_DIR
// Prints one JSON line; exits 0 when every step passes, 1 when one fails, 2 on bad usage.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const [base, evtx, shots] = process.argv.slice(2);
if (!base || !evtx || !shots || !existsSync(evtx) || !existsSync(CHROMIUM)) {
  console.error('usage: node tests/browser/web-check.mjs BASE_URL EVTX_FILE SCREENSHOT_DIR (needs /usr/bin/chromium)');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const origin = new URL(base).origin;

const outside = new Set();
const consoleErrors = [];
const steps = [];
const fail = (message) => {
  throw new Error(message);
};

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let ok = false;
let error = null;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin)) return route.continue();
    outside.add(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  // 1. Search, as typed from a ticket.
  await page.goto(base);
  await page.fill('input#q[name=q]', 'c004f074');
  // A code alone keeps the spelling typed in the address; the page names the canonical code.
  await Promise.all([page.waitForURL(/\/codes\/(0x)?c004f074/i), page.press("input#q[name=q]", "Enter")]);
  const body = await page.textContent('body');
  if (!body.includes('SL_E_VL_BINDING_SERVICE_UNAVAILABLE')) fail('the code page does not name SL_E_VL_BINDING_SERVICE_UNAVAILABLE');
  if ((await page.locator('ol.steps li').count()) < 3) fail('the code page lists fewer than 3 resolution steps');
  await page.screenshot({ path: join(shots, '1-code-en.png'), fullPage: true });
  if (!body.includes('0xC004F074')) fail('the code page does not show the canonical code');
  steps.push('search -> code page');

  // 2. Switch to Chinese; the choice is remembered on the next page.
  await Promise.all([page.waitForLoadState('load'), page.click('a[hreflang=zh-CN]')]);
  const zh = await page.textContent('ol.steps');
  if (!zh.includes('12288') || !/[\u4e00-\u9fff]/.test(zh)) fail('the Chinese resolution is missing');
  if (!zh.includes('先找出真实错误')) fail('the Chinese resolution is not the knowledge base text');
  await page.screenshot({ path: join(shots, '2-code-zh.png'), fullPage: true });
  await page.goto(`${base.replace(/\/$/, '')}/codes/0xC004F06C`);
  if (!/[\u4e00-\u9fff]/.test(await page.textContent('ol.steps'))) fail('the language choice was not remembered');
  steps.push('中文 switch, remembered');

  // 3. Upload a real event log and read the finding.
  await page.goto(`${base.replace(/\/$/, '')}/analyze?lang=en`);
  await page.setInputFiles('input#files[name=files]', resolve(evtx));
  await Promise.all([page.waitForURL(/\/analyze\/[0-9a-f]+/, { timeout: 60000 }), page.click('form.analyze button[type=submit]')]);
  const findings = await page.locator('ol.findings li.finding').allTextContents();
  if (!findings.some((f) => f.includes('0x80072EE7'))) fail(`no 0x80072EE7 finding after the upload: ${findings.join(' | ')}`);
  await page.screenshot({ path: join(shots, '3-analyze.png'), fullPage: true });
  steps.push('upload -> finding 0x80072EE7');

  if (outside.size > 0) fail(`requests left the server: ${[...outside].join(', ')}`);
  if (consoleErrors.length > 0) fail(`console errors: ${consoleErrors.join(' | ')}`);
  ok = true;
} catch (e) {
  error = String(e.message ?? e);
} finally {
  await browser.close();
}
console.log(JSON.stringify({ ok, steps, requests_blocked: outside.size, console_errors: consoleErrors.length, error }));
process.exit(ok ? 0 : 1);
