// The Events page (issue 6, R22) in a real browser against the real host: a
// moderator of "infra" creates emergency works at a building picked from the
// address registry, sees them green "in work" with their notices; works that
// ended show grey "completed"; another service's event is not listed and its
// form is refused; copy opens a prefilled draft; delete asks and removes the
// row. A reason with markup is shown as text.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {Host, launchBrowser, signedInPage, screenshotPath} from './harness.js';

let host;
let browser;
let page;
let building;
let foreign;

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

before(async () => {
  host = await Host.start();
  browser = await launchBrowser();
  const found = await host.api('operator', 'GET',
    '/api/v1/registry/addresses?q=' + encodeURIComponent('Соборна 3'));
  assert.equal(found.status, 200, JSON.stringify(found.body));
  building = found.body.items[0];
  // Finished works of the same service, and works of another service.
  const ended = await host.api('administrator', 'POST', '/api/v1/events', {
    kind: 'emergency', reason: 'Ремонт освітлення', executor_id: 'infra',
    starts_at: iso(Date.now() - 5 * 3600e3), ends_at: iso(Date.now() - 3600e3),
    addresses: [{registry_id: building.registry_id, whole_street: true}]});
  assert.equal(ended.status, 201, JSON.stringify(ended.body));
  const other = await host.api('administrator', 'POST', '/api/v1/events', {
    kind: 'emergency', reason: 'Заміна засувки', executor_id: 'vodokanal',
    starts_at: iso(Date.now()), ends_at: iso(Date.now() + 5 * 3600e3),
    addresses: [{registry_id: building.registry_id, whole_street: false}]});
  assert.equal(other.status, 201, JSON.stringify(other.body));
  foreign = other.body.event;
  page = await signedInPage(browser, host, 'moderator', 'Модератор Ірина');
});
after(async () => {
  await page?.context().close();
  await browser?.close();
  await host?.stop();
});

test('a moderator creates works at a registry building and sees them in work', async () => {
  await page.click('#nav a[href="#/events"]');
  await page.waitForSelector('#events');
  // Only their service: the finished infra works, not vodokanal's.
  assert.equal(await page.$$eval('#events tbody tr', (rows) => rows.length), 1);
  assert.equal(await page.$(`#events tr[data-id="${foreign.id}"]`), null);
  assert.match(await page.textContent('#events tbody tr'), /Завершено/);

  await page.click('#new-event');
  await page.waitForSelector('#event-form');
  await page.selectOption('#event-form select[name=kind]', 'emergency');
  await page.fill('#event-form textarea[name=reason]', 'Прорив труби <img src=x onerror=alert(1)>');
  const start = new Date(Date.now() - 10 * 60e3);
  const end = new Date(Date.now() + 4 * 3600e3);
  const local = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-` +
    `${String(d.getDate()).padStart(2, '0')}T${String(d.getHours()).padStart(2, '0')}:` +
    `${String(d.getMinutes()).padStart(2, '0')}`;
  await page.fill('#event-form input[name=starts_at]', local(start));
  await page.fill('#event-form input[name=ends_at]', local(end));
  await page.fill('#event-form input[name=address_search]', 'Соборна 3');
  await page.click(`#address-results button[data-registry-id="${building.registry_id}"]`);
  assert.match(await page.textContent('#event-addresses'), /Соборна, 3/);
  await page.click('#event-form button[type=submit]');
  await page.waitForSelector('#events');
  const rows = await page.$$eval('#events tbody tr', (trs) => trs.map((tr) => tr.textContent));
  assert.equal(rows.length, 2);
  assert.match(rows[0], /В роботі.*Аварійні.*Прорив труби <img src=x onerror=alert\(1\)>/s);
  assert.equal(await page.$('#events img'), null, 'markup stays text');
  await page.screenshot({path: screenshotPath('events-list.png'), fullPage: true});
  assert.deepEqual(page.problems, []);
});

test("another service's event cannot be opened for editing", async () => {
  await page.goto(host.url + `/panel/#/event/${foreign.id}`);
  await page.waitForSelector('#view .error');
  assert.equal(await page.$('#event-form'), null);
});

test('copy opens a prefilled draft and delete removes the row', async () => {
  await page.goto(host.url + '/panel/#/events?status=in_work');
  await page.waitForSelector('#events');
  const id = await page.$eval('#events tbody tr', (tr) => tr.dataset.id);
  await page.click(`#events tr[data-id="${id}"] button:has-text("Копіювати")`);
  await page.waitForSelector('#event-form');
  assert.match(await page.inputValue('#event-form textarea[name=reason]'), /Прорив труби/);
  assert.equal(await page.$$eval('#event-addresses li', (lis) => lis.length), 1);
  await page.goto(host.url + '/panel/#/events?status=in_work');
  await page.waitForSelector(`#events tr[data-id="${id}"]`);
  page.once('dialog', (d) => d.accept());
  await page.click(`#events tr[data-id="${id}"] button:has-text("Видалити")`);
  await page.waitForFunction((x) => !document.querySelector(`#events tr[data-id="${x}"]`), id);
  const gone = await host.api('administrator', 'GET', `/api/v1/events/${id}`);
  assert.equal(gone.status, 404);
  assert.deepEqual(page.problems, []);
});
