// The residents' web chat in a real browser against the real `vikno serve`
// (temporary SQLite, the Sumy rules, the web-chat plugin on a free port):
// a resident opens /portal/, accepts the privacy notice, registers an
// address typed with a Latin "i" and without "вул.", reports a problem
// through the category buttons with a Ukrainian description, sends the
// location from the browser, confirms, and sees the appeal number; the
// appeal is then found through the REST API. Screenshots go to
// <build>/e2e-screenshots/.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {Host, launchBrowser, newPage, screenshotPath} from '../panel/harness.js';
import {PLUGIN, RESIDENT_CONTEXT, Resident, escapeRe, webChannel} from './resident.js';

test('the web chat: register an address and file an appeal in Ukrainian', async (t) => {
  assert.ok(existsSync(PLUGIN), `the web-chat plugin is not built: ${PLUGIN}`);
  const host = await Host.start({extraConfig: webChannel});
  const browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await host.stop();
  });
  const page = await newPage(browser, RESIDENT_CONTEXT);
  const r = new Resident(page);

  const served = await page.goto(host.url + '/portal/');
  assert.equal(served.status(), 200);
  assert.match(served.headers()['content-security-policy'] || '', /default-src 'self'/);
  assert.equal(await page.locator('#text').getAttribute('placeholder'), 'Напишіть повідомлення…');

  // First contact: the privacy notice with consent (R31), then the address
  // typed with a Latin "i" and without "вул." (R3).
  await r.registerAddress();

  // A reload continues the same dialogue (the chat id is in localStorage).
  const shown = await page.locator('#log .msg').count();
  await page.reload();
  await page.locator('#log .msg').nth(shown - 1).waitFor({timeout: 20000});
  assert.equal(await page.locator('#log .msg').count(), shown,
               'the conversation so far is shown again after a reload');

  // R4/R5: report a problem through the category menus.
  const description = 'Ліфт у під’їзді 2 зупиняється між поверхами і скрипить';
  const {number, summary} = await r.reportLiftFault(description);
  assert.match(summary, /Несправності в роботі/);
  assert.match(summary, /Петропавлівська/);
  assert.match(summary, new RegExp(escapeRe(description)));
  assert.match(summary, /Місце на мапі: додано/);
  await page.screenshot({path: screenshotPath('webchat-appeal.png'), fullPage: true});

  // The appeal is there for staff, through the REST API.
  const list = await host.api('administrator', 'GET', '/api/v1/appeals?limit=50');
  assert.equal(list.status, 200, JSON.stringify(list.body));
  const appeal = list.body.items.find((a) => a.number === number);
  assert.ok(appeal, `appeal ${number} not in ${JSON.stringify(list.body.items.map((a) => a.number))}`);
  assert.equal(appeal.channel, 'web');
  assert.equal(appeal.description, description);
  assert.match(appeal.address.street, /Петропавлівська/);
  assert.equal(appeal.address.house, '12');

  // R6 and the shortest path: another problem typed as words at once, then
  // "Надіслати": the registered address is used, the rules classify.
  const words = 'Не працює вуличний ліхтар біля під’їзду';
  const second = await r.reportInWords(words);
  assert.match(second.summary, /Петропавлівська/);
  assert.match(second.summary, /буде визначено за описом/);
  assert.notEqual(second.number, number);
  const again = await host.api('administrator', 'GET', '/api/v1/appeals?limit=50');
  const typed = again.body.items.find((a) => a.number === second.number);
  assert.ok(typed, `appeal ${second.number} not found`);
  assert.equal(typed.description, words);
  assert.match(typed.address.street, /Петропавлівська/);

  assert.deepEqual(page.problems, [], 'no script errors or CSP violations');
});

test('the web chat refuses a forged token and needs no inline script', async (t) => {
  const host = await Host.start({extraConfig: webChannel});
  t.after(() => host.stop());
  const session = await fetch(host.url + '/hooks/web/session', {method: 'POST'});
  assert.equal(session.status, 200);
  const {chat, token} = await session.json();
  const forged = token.slice(0, -1) + (token.endsWith('0') ? '1' : '0');
  const post = (body) => fetch(host.url + '/hooks/web/messages', {
    method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
  assert.equal((await post({chat, token: forged, id: 'e2e-msg-0001', text: 'привіт'})).status, 403);
  assert.equal((await post({chat, token, id: 'e2e-msg-0002', text: 'x'.repeat(20000)})).status, 413);
  const updates = await fetch(`${host.url}/hooks/web/updates?chat=${chat}&token=${forged}&after=0`);
  assert.equal(updates.status, 403);
  const html = await (await fetch(host.url + '/portal/')).text();
  assert.doesNotMatch(html, /<script>|<script [^>]*>[^<]+<\/script>|style=/,
                      'no inline script or style: the CSP forbids them');
});
