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
import {join} from 'node:path';
import {BUILD_DIR, Host, launchBrowser, newPage, screenshotPath} from '../panel/harness.js';

const PLUGIN = process.env.VIKNO_WEB_SO || join(BUILD_DIR, 'plugins/web/vikno_web.so');
const WAIT = 20000;

function webChannel(dir) {
  return 'channels:\n' +
    '  - name: web\n' +
    `    library: ${PLUGIN}\n` +
    '    settings:\n' +
    '      secret: "e2e-web-chat-secret-0123456789"\n' +
    `      data_dir: ${join(dir, 'data')}\n` +
    // Short polls: a stopping host waits for the ones in flight.
    '      poll_timeout_s: 2\n';
}

// True when this `vikno serve` routes channel webhooks at all. Before the
// host wired the channels in, /hooks/ was no route ("no such resource"):
// the tests skip then. A host that routes /hooks/ but has no running web
// channel ("no such webhook": the plugin did not load) fails them.
async function hooksRouted(host) {
  const r = await fetch(host.url + '/hooks/web/session', {method: 'POST'});
  if (r.status !== 404) return true;
  const body = await r.json().catch(() => ({}));
  return !/no such resource/.test((body.error && body.error.message) || '');
}
const NO_HOOKS = 'this vikno serve does not route /hooks/<channel>/ (channel wiring not built in)';

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The chat as the resident sees it: waits for the bot's next message that
// matches, and presses the buttons on screen by their labels.
class Resident {
  constructor(page) {
    this.page = page;
    this.floor = 0;           // bot messages shown before the resident's last action
    this.consumed = new Set();  // bot messages already matched
  }

  // Waits for a bot message that came after the resident's last action,
  // matches `re` and was not matched before; returns its text. The replies
  // to one action are matched in any order.
  async expect(re) {
    const handle = await this.page.waitForFunction(([from, consumed, source, flags]) => {
      const re = new RegExp(source, flags);
      const bots = [...document.querySelectorAll('#log .msg.bot .text')];
      for (let i = from; i < bots.length; ++i)
        if (!consumed.includes(i) && re.test(bots[i].textContent))
          return {index: i, text: bots[i].textContent};
      return null;
    }, [this.floor, [...this.consumed], re.source, re.flags], {timeout: WAIT}).catch(async (e) => {
      const all = await this.page.locator('#log .msg').allTextContents();
      throw new Error(`no bot message matching ${re} after #${this.floor}; the chat:\n` +
                      all.join('\n---\n') + '\n' + e.message);
    });
    const {index, text} = await handle.jsonValue();
    this.consumed.add(index);
    return text;
  }

  async acted() {
    this.floor = await this.page.locator('#log .msg.bot').count();
  }

  // Presses the enabled button labelled exactly `label` (an inline button of
  // the newest message or a reply-keyboard button).
  async press(label) {
    const button = this.page.locator('#log .buttons button:enabled, #keys button')
      .filter({hasText: new RegExp('^' + escapeRe(label) + '$')}).last();
    await button.waitFor({timeout: WAIT}).catch(async (e) => {
      const html = await this.page.locator('#log').innerHTML();
      const keys = await this.page.locator('#keys').innerHTML();
      throw new Error(`no button "${label}" to press; the chat:\n${html}\nkeys: ${keys}\n` +
                      e.message);
    });
    await this.acted();
    await button.click();
  }

  // Types into the message box and sends with Enter, as a person would.
  async type(text) {
    await this.page.locator('#text').fill(text);
    await this.acted();
    await this.page.locator('#text').press('Enter');
  }
}

test('the web chat: register an address and file an appeal in Ukrainian', async (t) => {
  assert.ok(existsSync(PLUGIN), `the web-chat plugin is not built: ${PLUGIN}`);
  const host = await Host.start({extraConfig: webChannel});
  if (!(await hooksRouted(host))) {
    await host.stop();
    return t.skip(NO_HOOKS);
  }
  const browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await host.stop();
  });
  const page = await newPage(browser, {
    geolocation: {latitude: 50.90757, longitude: 34.77476},
    permissions: ['geolocation'],
  });
  const r = new Resident(page);

  const served = await page.goto(host.url + '/portal/');
  assert.equal(served.status(), 200);
  assert.match(served.headers()['content-security-policy'] || '', /default-src 'self'/);
  assert.equal(await page.locator('#text').getAttribute('placeholder'), 'Напишіть повідомлення…');

  // First contact: the greeting and the privacy notice with consent (R31).
  await r.expect(/згоду на обробку персональних даних/);
  await r.press('Погоджуюся');

  // R3: the address, typed the way people type: no "вул.", a Latin "i".
  await r.expect(/Вкажіть адресу/);
  await r.type('вул Петропавлiвська 12');
  await r.expect(/Це ваша адреса: .*Петропавлівська.*12\?/);
  await r.press('Так');
  await r.expect(/Адресу «.*Петропавлівська.*12.*» зареєстровано/);
  await r.expect(/Оберіть, що бажаєте зробити/);

  // A reload continues the same dialogue (the chat id is in localStorage).
  const shown = await page.locator('#log .msg').count();
  await page.reload();
  await page.locator('#log .msg').nth(shown - 1).waitFor({timeout: WAIT});
  assert.equal(await page.locator('#log .msg').count(), shown,
               'the conversation so far is shown again after a reload');

  // R4/R5: report a problem through the category menus.
  await r.press('Повідомити про проблему');
  await r.expect(/Оберіть категорію проблеми/);
  await r.press('Департамент інфраструктури міста');
  await r.expect(/уточніть/);
  await r.press('Квартира');
  await r.expect(/уточніть/);
  await r.press('Ліфт');
  await r.expect(/уточніть/);
  await r.press('Несправності в роботі');
  await r.expect(/Де виникла проблема\? Оберіть адресу/);
  await r.press((await page.locator('#log .buttons button:enabled').first().textContent()).trim());
  await r.expect(/Опишіть проблему/);
  const description = 'Ліфт у під’їзді 2 зупиняється між поверхами і скрипить';
  await r.type(description);
  await r.expect(/Додайте фото/);
  await r.press('Пропустити');
  await r.expect(/Надішліть місце проблеми на мапі/);
  await r.press('Надіслати місцезнаходження');  // the browser's geolocation
  const summary = await r.expect(/Перевірте звернення/);
  assert.match(summary, /Несправності в роботі/);
  assert.match(summary, /Петропавлівська/);
  assert.match(summary, new RegExp(escapeRe(description)));
  assert.match(summary, /Місце на мапі: додано/);
  await r.press('Надіслати');
  const registered = await r.expect(/зареєстровано за № \S+/);
  const number = registered.match(/№ (\S+)/)[1];
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

  assert.deepEqual(page.problems, [], 'no script errors or CSP violations');
});

test('the web chat refuses a forged token and needs no inline script', async (t) => {
  const host = await Host.start({extraConfig: webChannel});
  t.after(() => host.stop());
  if (!(await hooksRouted(host))) return t.skip(NO_HOOKS);
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
