// The appeals list of R28 and the card, on appeals created through the API:
// text shown escaped (XSS), statuses in the R14 colours and words, filters,
// paging, overdue, the card's timeline; screenshots of both.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {Host, launchBrowser, signedInPage, screenshotPath, createAppeal} from './harness.js';

let host;
let browser;
let page;
let xss;
let worked;
const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>' +
            '"><b>bold</b>\' ${7*7} & <!-- Ліфт';

before(async () => {
  host = await Host.start();
  browser = await launchBrowser();
  // 55 appeals: more than one page of 50.
  for (let i = 0; i < 53; i++) {
    await createAppeal(host, {description: `Ліфт зупинився між поверхами, під’їзд ${i}`,
                              address: {street: 'вул. Соборна', house: String(i + 1)}});
  }
  xss = await createAppeal(host, {description: XSS,
                                  address: {street: '<i>Петропавлівська</i>', house: '7',
                                            flat: '"12"'}});
  worked = await createAppeal(host, {description: 'Скрипить ліфт',
                                     address: {street: 'вул. Харківська', house: '3'}});
  const moved = await host.api('moderator', 'POST', `/api/v1/appeals/${worked.id}/transitions`,
                               {action: 'take_into_work', note: ''});
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  page = await signedInPage(browser, host, 'moderator', 'Модератор Інфраструктури');
});
after(async () => {
  await page?.context().close();
  await browser?.close();
  await host?.stop();
});

const rowOf = (id) => `#appeals tr[data-id="${id}"]`;

test('the list shows R28 columns and the XSS description as plain text', async () => {
  await page.goto(host.url + '/panel/#/appeals');
  await page.waitForSelector(rowOf(xss.id));
  const headers = await page.$$eval('#appeals thead th', (ths) => ths.map((th) => th.textContent));
  assert.deepEqual(headers, ['Номер', 'Тип', 'Виконавець', 'Проблема', 'Адреса', 'Статус',
                             'Термін', 'Дії']);
  const description = await page.textContent(`${rowOf(xss.id)} .description`);
  assert.equal(description, XSS);
  const address = await page.textContent(`${rowOf(xss.id)} .address`);
  assert.equal(address, '<i>Петропавлівська</i>, 7, кв. "12"');
  assert.equal(await page.$$eval('#appeals img, #appeals script, #appeals b, #appeals i',
                                 (els) => els.length), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(page.problems, []);
});

test('statuses show the R14 words in the R14 colours', async () => {
  const statuses = (await host.api('moderator', 'GET', '/api/v1/statuses')).body.statuses;
  const colour = Object.fromEntries(statuses.map((s) => [s.code, s.colour]));
  const badge = async (id) => page.$eval(`${rowOf(id)} .status`, (el) => ({
    text: el.textContent,
    colour: el.style.getPropertyValue('--status-colour'),
    border: getComputedStyle(el).borderTopColor,
  }));
  const fresh = await badge(xss.id);
  assert.equal(fresh.text, 'Нове');
  assert.equal(fresh.colour, colour.new);
  const inWork = await badge(worked.id);
  assert.equal(inWork.text, 'В роботі');
  assert.equal(inWork.colour, colour.in_work);
  assert.notEqual(fresh.border, inWork.border);
  await page.screenshot({path: screenshotPath('list.png'), fullPage: true});
});

test('filters by status and address narrow the list and live in the URL', async () => {
  await page.selectOption('#filters select[name=status]', 'in_work');
  await page.click('#filters button[type=submit]');
  await page.waitForFunction(() => location.hash.includes('status=in_work'));
  await page.waitForSelector(rowOf(worked.id));
  const ids = await page.$$eval('#appeals tbody tr', (trs) => trs.map((tr) => tr.dataset.id));
  assert.deepEqual(ids, [String(worked.id)]);

  await page.goto(host.url + '/panel/#/appeals?street=' +
                  encodeURIComponent('<i>Петропавлівська</i>') + '&house=7');
  await page.waitForSelector(rowOf(xss.id));
  assert.equal(await page.$$eval('#appeals tbody tr', (trs) => trs.length), 1);

  // SQL metacharacters are just text to filter by.
  await page.goto(host.url + '/panel/#/appeals?street=' + encodeURIComponent("x' OR '1'='1"));
  await page.waitForSelector('#no-appeals');
  assert.equal(await page.$$eval('#appeals tbody tr', (trs) => trs.length), 0);

  await page.goto(host.url + '/panel/#/appeals?overdue=true');
  await page.waitForSelector('#appeals');
  assert.equal(await page.isChecked('#filters input[name=overdue]'), true);
  assert.deepEqual(page.problems, []);
});

test('paging moves by 50 and sorting by oldest starts with the first appeal', async () => {
  await page.goto(host.url + '/panel/#/appeals');
  await page.waitForSelector('#appeals tbody tr');
  assert.equal(await page.$$eval('#appeals tbody tr', (trs) => trs.length), 50);
  await page.click('#next-page');
  await page.waitForFunction(() => location.hash.includes('offset=50'));
  await page.waitForFunction(() => document.querySelectorAll('#appeals tbody tr').length === 5);
  assert.equal(await page.isDisabled('#next-page'), true);

  await page.goto(host.url + '/panel/#/appeals?sort=oldest');
  await page.waitForSelector('#appeals tbody tr');
  const first = await page.$eval('#appeals tbody tr', (tr) => tr.dataset.id);
  const all = (await host.api('moderator', 'GET', '/api/v1/appeals?sort=oldest&limit=1')).body;
  assert.equal(first, String(all.items[0].id));
});

test('the card shows the fields, the escaped text, the actions of the role and the timeline',
  async () => {
    const comment = await host.api('moderator', 'POST', `/api/v1/appeals/${xss.id}/comments`,
                                   {text: '<script>window.__xss=3</script> перевірити'});
    assert.equal(comment.status, 201);
    await page.goto(host.url + '/panel/#/appeals');
    await page.click(`${rowOf(xss.id)} .number a`);
    await page.waitForSelector('#timeline');
    assert.equal(await page.textContent('#description'), XSS);
    assert.match(await page.textContent('#comments'), /<script>window.__xss=3<\/script>/);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    // A moderator on a new appeal: take into work, reject, ask for details (R14 table).
    const actions = await page.$$eval('#actions button', (bs) => bs.map((b) => b.dataset.action));
    assert.deepEqual(actions.sort(), ['ask_details', 'reject', 'take_into_work']);
    const events = await page.$$eval('#timeline li', (lis) => lis.map((li) => li.dataset.action));
    assert.deepEqual(events, ['create', 'comment']);

    // Reject needs a reason: refused without one, done with one.
    await page.click('#actions button[data-action=reject]');
    await page.click('#action-forms button[type=submit]');
    assert.equal(await page.evaluate(
      () => document.querySelector('#action-forms textarea').validity.valueMissing), true);
    await page.fill('#action-forms textarea', 'Дублює звернення, причина: <b>тест</b>');
    await page.click('#action-forms button[type=submit]');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#timeline li')].some((li) => li.dataset.action === 'reject'));
    assert.equal(await page.textContent('.heading .status'), 'Відхилена');
    assert.match(await page.textContent('#timeline li[data-action=reject]'),
                 /Дублює звернення, причина: <b>тест<\/b>/);
    await page.screenshot({path: screenshotPath('card.png'), fullPage: true});
    assert.deepEqual(page.problems, []);
  });
