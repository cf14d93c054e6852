// The operator's window (R4, R1 phone, R8, R13, R3) against the shapes the
// server really answers: the knowledge base (GET /api/v1/kb items with
// title/body/tags), a consultation recorded from it, the caller's earlier
// appeals by phone (GET /api/v1/residents with their appeals), the directory
// of services (GET /api/v1/executors) and the address registry look-up
// (GET /api/v1/registry/addresses) that makes a phone appeal's address exact.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {Host, launchBrowser, signedInPage, screenshotPath} from './harness.js';

let host;
let browser;
let page;
let entry;
let earlier;
const PHONE = '+380671234567';

before(async () => {
  host = await Host.start();
  browser = await launchBrowser();
  const made = await host.api('administrator', 'POST', '/api/v1/kb', {
    title: 'Графік вивезення сміття', body: 'Контейнери вивозять щовівторка до 10:00.',
    tags: ['сміття', 'вивезення'], state_body: 'КП «Сумижилкомсервіс»'});
  assert.equal(made.status, 201, JSON.stringify(made.body));
  entry = made.body;
  const appeal = await host.api('operator', 'POST', '/api/v1/appeals', {
    channel: 'phone', description: 'Не працює ліфт у під’їзді 1',
    address: {street: 'вул. Соборна', house: '2'},
    resident: {name: 'Коваль Степан', phone: PHONE},
    consent: {text_version: 'privacy.notice/uk/phone'}});
  assert.equal(appeal.status, 201, JSON.stringify(appeal.body));
  earlier = appeal.body;
  page = await signedInPage(browser, host, 'operator', 'Оператор Олена');
});
after(async () => {
  await page?.context().close();
  await browser?.close();
  await host?.stop();
});

test('the knowledge base is searched and a consultation recorded for the caller', async () => {
  await page.goto(host.url + '/panel/#/operator');
  await page.waitForSelector(`#kb li[data-id="${entry.id}"]`);
  await page.fill('input[name=phone]', PHONE);
  await page.fill('input[type=search]', 'вивезення');
  await page.click(`#kb li[data-id="${entry.id}"] summary`);
  assert.match(await page.textContent(`#kb li[data-id="${entry.id}"]`),
               /щовівторка до 10:00.*Сумижилкомсервіс/s);
  await page.click(`#kb li[data-id="${entry.id}"] button`);
  await page.waitForSelector('.flash:not([hidden])');
  const list = await host.api('operator', 'GET',
                              '/api/v1/consultations?phone=' + encodeURIComponent(PHONE));
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.equal(list.body.items.length, 1);
  assert.equal(list.body.items[0].kb_id, entry.id);
  await page.fill('input[type=search]', 'немає такого');
  assert.equal(await page.$$eval('#kb li', (lis) => lis.length), 0);
  assert.deepEqual(page.problems, []);
});

test('the caller\'s earlier appeals are found by phone number', async () => {
  await page.goto(host.url + '/panel/#/operator');
  await page.waitForSelector('#find-caller');
  await page.fill('input[name=phone]', PHONE);
  await page.click('#find-caller');
  await page.waitForSelector('#caller-history .resident');
  const text = await page.textContent('#caller-history .resident');
  assert.match(text, /Коваль Степан/);
  assert.match(text, new RegExp(earlier.number));
  assert.equal(await page.getAttribute('#caller-history .resident a', 'href'),
               `#/appeal/${earlier.id}`);
  await page.fill('input[name=phone]', '+380500000001');
  await page.click('#find-caller');
  await page.waitForSelector('#caller-history .empty');
  assert.deepEqual(page.problems, []);
});

test('the directory lists the services with their contacts', async () => {
  const services = (await host.api('operator', 'GET', '/api/v1/executors')).body.items;
  assert.ok(services.length > 0);
  await page.goto(host.url + '/panel/#/operator');
  await page.waitForSelector('table.directory tr');
  const rows = await page.$$eval('table.directory tr',
                                 (trs) => trs.map((tr) => tr.firstChild.textContent));
  assert.deepEqual(rows, services.map((s) => s.name || s.id));
});

test('a registry address picked while typing goes with the phone appeal', async () => {
  await page.goto(host.url + '/panel/#/operator');
  await page.waitForSelector('#phone-appeal');
  await page.fill('input[name=phone]', '+380501112244');
  await page.fill('#phone-appeal input[name=name]', 'Ткаченко Ольга');
  await page.type('#phone-appeal input[name=street]', 'Соборна');
  await page.type('#phone-appeal input[name=house]', '2');
  await page.waitForSelector('#registry-matches button');
  assert.match(await page.textContent('#registry-matches button'), /Соборна, 2\b/);
  await page.click('#registry-matches button');
  await page.waitForSelector('#registry-note:not(:empty)');
  assert.equal(await page.inputValue('#phone-appeal input[name=street]'), 'вулиця Соборна');
  assert.equal(await page.$$eval('#registry-matches button', (bs) => bs.length), 0);
  await page.fill('#phone-appeal textarea[name=description]', 'Яма на тротуарі біля під’їзду');
  await page.check('#phone-appeal input[name=consent]');
  await page.click('#phone-appeal button[type=submit]');
  await page.waitForFunction(() => /^#\/appeal\/\d+$/.test(location.hash));
  const id = Number((await page.evaluate(() => location.hash)).split('/').pop());
  const card = (await host.api('operator', 'GET', `/api/v1/appeals/${id}`)).body;
  assert.ok(card.address.registry_id > 0, JSON.stringify(card.address));
  assert.equal(card.address.street, 'вулиця Соборна');
  assert.equal(card.address.house, '2');
  await page.goto(host.url + '/panel/#/operator');
  await page.waitForSelector('#phone-appeal');
  await page.screenshot({path: screenshotPath('operator.png'), fullPage: true});
  assert.deepEqual(page.problems, []);
});
