// The Home (dashboard) and Reports pages and the Excel export (issue 6,
// R21/R27/R29) in a real browser against the real host: chart.js loads from
// Debian's package under the panel's strict CSP and draws; the figures are
// the viewer's (a moderator of "infra" sees only infra's appeals); a control
// report shows its tables; the export button downloads a workbook of the
// list's filters with the session cookie.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {Host, launchBrowser, signedInPage, screenshotPath, createAppeal} from './harness.js';

let host;
let browser;
let admin;
let moderator;

before(async () => {
  host = await Host.start();
  browser = await launchBrowser();
  await createAppeal(host);
  await createAppeal(host, {description: 'Не горить світло в під’їзді 3'});
  admin = await signedInPage(browser, host, 'administrator', 'Адміністратор Олена');
  moderator = await signedInPage(browser, host, 'moderator', 'Модератор Петро');
});
after(async () => {
  await admin?.context().close();
  await moderator?.context().close();
  await browser?.close();
  await host?.stop();
});

async function appealsIn(role) {
  const all = await host.api(role, 'GET', '/api/v1/appeals?limit=200');
  assert.equal(all.status, 200);
  return all.body.items.length;
}

test('the dashboard draws the period with chart.js, scoped to the viewer', async () => {
  await admin.click('#nav a[href="#/dashboard"]');
  await admin.waitForSelector('#dashboard #tile-appeals');
  assert.match(await admin.textContent('#tile-appeals'), new RegExp(`^${await appealsIn('administrator')}\\b`));
  // chart.js came from /panel/vendor (Debian's libjs-chart.js) and drew.
  assert.ok(await admin.evaluate(() => typeof window.Chart === 'function'), 'chart.js not loaded');
  assert.ok((await admin.$$('#dashboard canvas')).length >= 2, 'no charts drawn');
  assert.match(await admin.textContent('#dash-status'), /Нове|В роботі/);
  await admin.screenshot({path: screenshotPath('dashboard.png'), fullPage: true});
  assert.deepEqual(admin.problems, []);

  await moderator.click('#nav a[href="#/dashboard"]');
  await moderator.waitForSelector('#dashboard #tile-appeals');
  assert.match(await moderator.textContent('#tile-appeals'),
               new RegExp(`^${await appealsIn('moderator')}\\b`));
  assert.deepEqual(moderator.problems, []);
});

test('a control report shows its tables and downloads as a workbook', async () => {
  await admin.click('#nav a[href="#/reports"]');
  await admin.waitForSelector('#report-form');
  await admin.selectOption('#report-form select[name=kind]', 'analytics');
  await admin.click('#report-form button[type=submit]');
  await admin.waitForSelector('#report h2');
  assert.equal(await admin.$('#report .error'), null, await admin.textContent('#report'));
  await admin.waitForSelector('#section-categories');
  assert.match(await admin.textContent('#section-categories thead'), /Надійшло/);
  const href = await admin.getAttribute('#report-download', 'href');
  assert.match(href, /\/api\/v1\/reports\/analytics\?.*format=xlsx&lang=uk/);
  const file = await admin.request.get(host.url + href);
  assert.equal(file.status(), 200);
  assert.equal(file.headers()['content-type'],
               'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.equal((await file.body()).subarray(0, 2).toString(), 'PK', 'not an XLSX (zip) file');
  await admin.screenshot({path: screenshotPath('reports.png'), fullPage: true});
  assert.deepEqual(admin.problems, []);
});

test("the list's export button downloads the filtered appeals", async () => {
  await moderator.click('#nav a[href="#/appeals"]');
  await moderator.waitForSelector('#export-xlsx');
  const href = await moderator.getAttribute('#export-xlsx', 'href');
  assert.match(href, /^\/api\/v1\/appeals\/export\.xlsx\?.*lang=uk/);
  const file = await moderator.request.get(host.url + href);
  assert.equal(file.status(), 200);
  assert.match(file.headers()['content-disposition'], /filename\*=UTF-8''%D0%97/);
  // Another service by filter: refused, as on the list page.
  const other = await moderator.request.get(host.url + '/api/v1/appeals/export.xlsx?executor=vodokanal');
  assert.equal(other.status(), 403);
  // The Events page offers the same for its filters.
  await moderator.click('#nav a[href="#/events"]');
  await moderator.waitForSelector('#export-events');
  const events = await moderator.request.get(
    host.url + await moderator.getAttribute('#export-events', 'href'));
  assert.equal(events.status(), 200);
  assert.equal((await events.body()).subarray(0, 2).toString(), 'PK');
  assert.deepEqual(moderator.problems, []);
});
