// Whole appeals walked through the panel by the people who do the work
// (issue 5, done-when): an operator enters a phone appeal, a moderator takes
// it into work, an executor asks for an extension, a decision maker approves
// it, the executor sends it for confirmation, the resident confirms, and the
// card's timeline shows each step.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {Host, launchBrowser, signedInPage, screenshotPath} from './harness.js';

const host = await Host.start();
const browser = await launchBrowser();
// Deadline extensions are the appeal endpoints of another engineer (P3);
// until the server routes them, the walk that needs them is reported skipped.
const hasExtensions = await host.hasRoute('POST', '/api/v1/appeals/1/extension-requests');
const pages = {};

before(async () => {
  pages.operator = await signedInPage(browser, host, 'operator', 'Оператор Олена');
  pages.moderator = await signedInPage(browser, host, 'moderator', 'Модератор Максим');
  pages.executor = await signedInPage(browser, host, 'executor', 'Виконавець Іван');
  pages.decision_maker = await signedInPage(browser, host, 'decision_maker', 'Відповідальна Ганна');
});
after(async () => {
  for (const p of Object.values(pages)) await p.context().close();
  await browser.close();
  await host.stop();
});

async function operatorEntersPhoneAppeal(page, description) {
  await page.goto(host.url + '/panel/#/operator');
  await page.waitForSelector('#phone-appeal');
  await page.fill('input[name=phone]', '+380501112233');
  await page.fill('#phone-appeal input[name=name]', 'Петренко Марія');
  await page.fill('#phone-appeal input[name=street]', 'вул. Соборна');
  await page.fill('#phone-appeal input[name=house]', '10');
  await page.fill('#phone-appeal input[name=flat]', '45');
  await page.fill('#phone-appeal textarea[name=description]', description);
  await page.fill('#phone-appeal textarea[name=notes]', 'Телефонувала двічі');
  await page.check('#phone-appeal input[name=consent]');
  await page.click('#phone-appeal button[type=submit]');
  await page.waitForFunction(() => /^#\/appeal\/\d+$/.test(location.hash));
  await page.waitForSelector('#timeline');
  const id = Number((await page.evaluate(() => location.hash)).split('/').pop());
  assert.ok(id > 0);
  assert.equal(await page.textContent('#description'), description);
  return id;
}

// Shows the card afresh (a same-hash goto would keep the page as it was).
async function openCard(page, id) {
  const url = host.url + `/panel/#/appeal/${id}`;
  if (page.url() === url) await page.reload();
  else await page.goto(url);
}

// Opens the card and takes a status action, writing `note` when it needs one.
async function act(page, id, action, note) {
  await openCard(page, id);
  await page.waitForSelector(`#actions button[data-action=${action}]`);
  await page.click(`#actions button[data-action=${action}]`);
  if (note) await page.fill('#action-forms textarea[name=note]', note);
  await page.click('#action-forms button[type=submit]');
  await page.waitForFunction((a) =>
    [...document.querySelectorAll('#timeline li')].some((li) => li.dataset.action === a), action);
}

async function timelineOf(page, id) {
  await openCard(page, id);
  await page.waitForSelector('#timeline');
  return page.$$eval('#timeline li', (lis) => lis.map((li) => li.dataset.action));
}

test('operator, moderator, executor and a confirming call walk an appeal to completion',
  async () => {
    const id = await operatorEntersPhoneAppeal(pages.operator, 'Ліфт не працює третій день');
    const card = (await host.api('operator', 'GET', `/api/v1/appeals/${id}`)).body;
    assert.equal(card.channel, 'phone');
    assert.equal(card.executor, 'infra');
    assert.equal(card.comments[0].text, 'Телефонувала двічі');

    await act(pages.moderator, id, 'take_into_work');
    assert.equal(await pages.moderator.textContent('.heading .status'), 'В роботі');
    await act(pages.executor, id, 'send_for_confirmation', 'Ліфт відремонтовано, замінено реле');
    assert.equal(await pages.executor.textContent('.heading .status'), 'Очікує підтвердження');
    await act(pages.operator, id, 'confirm_by_phone', 'Заявниця підтвердила, ліфт працює');
    assert.equal(await pages.operator.textContent('.heading .status'), 'Завершена');

    const steps = await timelineOf(pages.moderator, id);
    assert.deepEqual(steps.filter((s) => s !== 'comment'),
                     ['create', 'take_into_work', 'send_for_confirmation', 'confirm_by_phone']);
    assert.match(await pages.moderator.textContent('#timeline li[data-action=confirm_by_phone]'),
                 /Заявниця підтвердила/);
    for (const [role, p] of Object.entries(pages)) assert.deepEqual(p.problems, [], role);
  });

test('the whole appeal: phone entry, into work, extension asked and approved, sent, confirmed',
  {skip: !hasExtensions && 'the server has no /api/v1/appeals/{id}/extension-requests yet (P3)'},
  async () => {
    const id = await operatorEntersPhoneAppeal(pages.operator, 'Ліфт не працює, зламані двері');
    await act(pages.moderator, id, 'take_into_work');

    const ex = pages.executor;
    await openCard(ex, id);
    await ex.click('#more-actions button[data-action=extension]');
    const due = new Date(Date.now() + 10 * 24 * 3600 * 1000);
    const local = new Date(due.getTime() - due.getTimezoneOffset() * 60000)
      .toISOString().slice(0, 16);
    await ex.fill('#action-forms input[name=proposed_due]', local);
    await ex.fill('#action-forms textarea[name=reason]', 'Потрібна заміна дверного приводу');
    await ex.click('#action-forms button[type=submit]');
    await ex.waitForSelector('.flash:not([hidden])');

    const dm = pages.decision_maker;
    await openCard(dm, id);
    await dm.waitForSelector('#requests li[data-kind=extension][data-state=pending]');
    await dm.click('#requests button[data-decide=approve]');
    await dm.fill('#requests textarea[name=note]', 'Погоджено');
    await dm.click('#requests form button[type=submit]');
    await dm.waitForSelector('#requests li[data-kind=extension]:not([data-state=pending])');

    await act(ex, id, 'send_for_confirmation', 'Двері відремонтовано');
    await act(pages.operator, id, 'confirm_by_phone', 'Заявниця підтвердила');
    const steps = await timelineOf(pages.decision_maker, id);
    for (const step of ['create', 'take_into_work', 'send_for_confirmation', 'confirm_by_phone'])
      assert.ok(steps.includes(step), `${step} in ${steps}`);
    assert.ok(steps.some((s) => /extension/.test(s)), `an extension step in ${steps}`);
    await dm.screenshot({path: screenshotPath('walk-card.png'), fullPage: true});
    await dm.goto(host.url + '/panel/#/appeals');
    await dm.waitForSelector('#appeals tbody tr');
    await dm.screenshot({path: screenshotPath('walk-list.png'), fullPage: true});
  });

test('the resident confirms the completed work on the web chat and the card shows it', {
  todo: 'the web-chat channel (plugins/web) is another engineer\'s; until it lands the walk ' +
        'ends with the operator\'s confirm_by_phone above',
}, () => {
  // Deliberately empty: node:test reports a todo test as todo, never as passed.
});
