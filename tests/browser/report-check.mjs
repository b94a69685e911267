// Opens an actdoc HTML report in the system Chromium with every network request blocked, and
// checks that the page needs nothing outside itself: no request leaves the file, nothing is
// logged as an error, and the four charts are there and drawn. Never downloads a browser.
//
// Usage: node tests/browser/report-check.mjs REPORT.html SCREENSHOT.png
// Prints one JSON line; exits 0 when every check passes, 1 when one fails, 2 on bad usage.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const CHARTS = ['chart-errors-by-code', 'chart-products-by-state', 'chart-timeline', 'chart-kms-count'];
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const [reportArg, screenshotArg] = process.argv.slice(2);
if (!reportArg || !screenshotArg) {
  console.error('usage: node tests/browser/report-check.mjs REPORT.html SCREENSHOT.png');
  process.exit(2);
}
if (!existsSync(reportArg)) {
  console.error(`report-check: no such file: ${reportArg}`);
  process.exit(2);
}
if (!existsSync(CHROMIUM)) {
  console.error(`report-check: no browser at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM)`);
  process.exit(2);
}
const reportUrl = pathToFileURL(resolve(reportArg)).href;

const outside = new Set(); // every URL the page asked for, other than the report itself
const failedRequests = [];
const consoleErrors = [];
const pageErrors = [];
const problems = [];

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
let summary;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
  // Routing catches what Chromium lets Playwright intercept; the request event sees the rest
  // (file:// subresources among them), so both feed the same list.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url === reportUrl) return route.continue();
    outside.add(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('request', (request) => {
    if (request.url() !== reportUrl) outside.add(request.url());
  });
  page.on('requestfailed', (request) => failedRequests.push(`${request.url()} (${request.failure()?.errorText})`));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(String(error)));

  await page.goto(reportUrl, { waitUntil: 'load' });
  // Give late requests (favicons, lazy resources) a moment to show up.
  await page.waitForTimeout(500);

  let chartsDrawn = 0;
  for (const id of CHARTS) {
    const chart = page.locator(`#${id}`);
    if ((await chart.count()) !== 1) {
      problems.push(`#${id}: found ${await chart.count()} elements, want 1`);
      continue;
    }
    const tag = await chart.evaluate((el) => el.tagName.toLowerCase());
    const role = await chart.getAttribute('role');
    const label = (await chart.getAttribute('aria-label')) ?? '';
    const box = await chart.boundingBox();
    if (tag !== 'svg' || role !== 'img' || label === '') {
      problems.push(`#${id}: <${tag} role=${role}> with aria-label "${label}", want an <svg role="img"> with a label`);
    } else if (!(await chart.isVisible()) || !box || box.width <= 0 || box.height <= 0) {
      problems.push(`#${id}: not visible (box ${JSON.stringify(box)})`);
    } else {
      chartsDrawn += 1;
    }
  }
  const scripts = await page.locator('script').count();
  if (scripts > 0) problems.push(`${scripts} <script> elements`);
  if (outside.size > 0) problems.push(`requests outside the file: ${[...outside].join(', ')}`);
  if (failedRequests.length > 0) problems.push(`failed requests: ${failedRequests.join(', ')}`);
  if (consoleErrors.length > 0) problems.push(`console errors: ${consoleErrors.join(' | ')}`);
  if (pageErrors.length > 0) problems.push(`page errors: ${pageErrors.join(' | ')}`);

  await page.screenshot({ path: screenshotArg, fullPage: true });
  summary = {
    requests_blocked: outside.size,
    requests_failed: failedRequests.length,
    console_errors: consoleErrors.length,
    page_errors: pageErrors.length,
    charts: chartsDrawn,
    scripts,
    lang: await page.evaluate(() => document.documentElement.lang),
    title: await page.title(),
    screenshot: screenshotArg,
    browser: `${browser.browserType().name()} ${browser.version()}`,
  };
} catch (error) {
  problems.push(`could not check the page: ${error?.message ?? error}`);
} finally {
  await browser.close();
}

if (summary) console.log(JSON.stringify({ ok: problems.length === 0, ...summary }));
for (const problem of problems) console.error(`report-check: ${problem}`);
process.exit(problems.length === 0 ? 0 : 1);
