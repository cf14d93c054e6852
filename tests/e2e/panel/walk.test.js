// Whole appeals walked through the panel by the people who do the work
// (issue 5, done-when): an operator enters a phone appeal, a moderator takes
// it into work, an executor asks for an extension, a decision maker approves
// it, the executor sends it for confirmation, the resident confirms (by phone
// in the first walk; on the web chat, /portal/ in chromium, in the second),
// and the card's timeline shows each step. Staff sign in through the login
// form as users made through the API; screenshots of the list and the card
// go to <build>/e2e-screenshots/.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {Host, launchBrowser, newPage, signedInPage, screenshotPath} from './harness.js';
import {PLUGIN, RESIDENT_CONTEXT, Resident, escapeRe, webChannel} from '../webchat/resident.js';

assert.ok(existsSync(PLUGIN), `the web-chat plugin is not built: ${PLUGIN}`);
// The host runs the residents' web chat too: the resident of the whole walk
// files and confirms there (R18).
const host = await Host.start({extraConfig: webChannel});
const browser = await launchBrowser();
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

// "2026-12-01T10:00" for <input type=datetime-local>, in this machine's zone
// (the browser's and node's are the same).
function localInput(date) {
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

// The walk. A phone appeal cannot reach a resident on the web chat,
// so the resident who confirms on the web chat files there first; the
// operator's phone appeal is its own step, taken into work like it; the
// web-chat appeal then goes the whole way: into work, an extension asked and
// approved, sent for confirmation, confirmed by the resident on /portal/.
test('the whole appeal: web chat and phone entry, into work, extension asked and approved, ' +
     'sent, confirmed by the resident on the web chat', async () => {
  // The resident on the web chat (R31 consent, R3 address, R4/R5 report).
  const residentPage = await newPage(browser, RESIDENT_CONTEXT);
  pages.resident = residentPage;
  const resident = new Resident(residentPage);
  await residentPage.goto(host.url + '/portal/');
  await resident.registerAddress();
  const {number} = await resident.reportLiftFault('Ліфт не працює, зламані двері кабіни');
  const list = await host.api('moderator', 'GET', '/api/v1/appeals?limit=50');
  const filed = list.body.items.find((a) => a.number === number);
  assert.ok(filed, `appeal ${number} is in the moderator's list`);
  assert.equal(filed.channel, 'web');
  assert.equal(filed.executor, 'infra');
  const id = filed.id;

  // The operator enters a phone appeal from a call.
  const phoneId = await operatorEntersPhoneAppeal(pages.operator, 'Не світить ліхтар біля ліфта');
  assert.notEqual(phoneId, id);

  // The moderator takes both into work.
  await act(pages.moderator, phoneId, 'take_into_work');
  await act(pages.moderator, id, 'take_into_work');
  assert.equal(await pages.moderator.textContent('.heading .status'), 'В роботі');

  // The executor asks for more time (R16) past the current deadline.
  const before = (await host.api('executor', 'GET', `/api/v1/appeals/${id}`)).body;
  assert.ok(before.resolve_due, 'the appeal has a deadline to extend');
  const wanted = new Date(Date.parse(before.resolve_due) + 7 * 24 * 3600 * 1000);
  const ex = pages.executor;
  await openCard(ex, id);
  await ex.click('#more-actions button[data-action=extension]');
  await ex.fill('#action-forms input[name=proposed_due]', localInput(wanted));
  await ex.fill('#action-forms textarea[name=reason]', 'Потрібна заміна дверного приводу');
  await ex.click('#action-forms button[type=submit]');
  await ex.waitForSelector('#requests li[data-kind=extension][data-state=pending], ' +
                           '#action-forms .error:not([hidden])');
  assert.equal(await ex.$('#action-forms .error:not([hidden])'), null,
               `the extension request was refused: ${
                 await ex.textContent('#action-forms .error').catch(() => '')}`);
  assert.equal(await ex.$('#requests button[data-decide]'), null,
               'an executor does not decide on extensions');
  assert.equal(await ex.$('#more-actions button[data-action=extension]'), null,
               'no second extension is offered while one waits (the server refuses it)');

  // The decision maker approves it on the card; the deadline moves.
  const dm = pages.decision_maker;
  await openCard(dm, id);
  await dm.waitForSelector('#requests li[data-kind=extension][data-state=pending]');
  await dm.click('#requests button[data-decide=approve]');
  await dm.fill('#requests textarea[name=note]', 'Погоджено');
  await dm.click('#requests form button[type=submit]');
  await dm.waitForSelector('#requests li[data-kind=extension][data-state=approved]');
  const extended = (await host.api('decision_maker', 'GET', `/api/v1/appeals/${id}`)).body;
  assert.ok(Date.parse(extended.resolve_due) > Date.parse(before.resolve_due),
            `deadline moved from ${before.resolve_due} to ${extended.resolve_due}`);

  // The executor sends it for confirmation; the resident is asked on the web chat.
  await resident.acted();
  await act(ex, id, 'send_for_confirmation', 'Двері відремонтовано, привід замінено');
  assert.equal(await ex.textContent('.heading .status'), 'Очікує підтвердження');
  const question = await resident.expect(/Чи справді проблему усунуто\?/);
  assert.ok(question.includes(number), `the question names appeal ${number}: ${question}`);
  const chat = (await residentPage.locator('#log .msg.bot').allTextContents()).join('\n');
  assert.match(chat, /Двері відремонтовано, привід замінено/, 'the executor\'s answer is shown');
  await resident.press('Так, усунуто');
  await resident.expect(new RegExp(`Звернення № ${escapeRe(number)} завершено`));
  await residentPage.screenshot({path: screenshotPath('walk-webchat.png'), fullPage: true});

  // The card's timeline shows each step, in order, by whom.
  const dmCard = await timelineOf(dm, id);
  assert.deepEqual(dmCard.filter((s) => s !== 'comment'),
                   ['create', 'take_into_work', 'request_extension', 'approve_extension',
                    'send_for_confirmation', 'confirm']);
  assert.equal(await dm.textContent('.heading .status'), 'Завершена');
  assert.match(await dm.textContent('#timeline li[data-action=confirm] .who'), /Заявник/);
  assert.match(await dm.textContent('#timeline li[data-action=request_extension] .what'),
               /продовження строку/i);
  // The request's details are in words, its time local, no raw keys.
  const asked = await dm.textContent('#timeline li[data-action=request_extension]');
  assert.match(asked, /запропонований строк: /);
  assert.match(asked, /продовження №: 1/);
  assert.doesNotMatch(asked, /proposed_due|ordinal|approver|needs_head_knowledge|\dT\d/);
  // A completed appeal offers neither request: the server refuses both.
  assert.equal(await dm.$('#more-actions button[data-action=extension]'), null);
  assert.equal(await dm.$('#more-actions button[data-action=executor_change]'), null);
  await dm.screenshot({path: screenshotPath('walk-card.png'), fullPage: true});

  await dm.goto(host.url + '/panel/#/appeals');
  await dm.waitForSelector(`#appeals tr[data-id="${id}"]`);
  await dm.waitForSelector(`#appeals tr[data-id="${phoneId}"]`);
  assert.equal(await dm.textContent(`#appeals tr[data-id="${id}"] .status`), 'Завершена');
  assert.equal(await dm.textContent(`#appeals tr[data-id="${phoneId}"] .status`), 'В роботі');
  await dm.screenshot({path: screenshotPath('walk-list.png'), fullPage: true});
  for (const [role, p] of Object.entries(pages)) assert.deepEqual(p.problems, [], role);
});
