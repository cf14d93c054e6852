// The residents' web chat as a person uses it in chromium: the channel's
// settings for the temporary `vikno serve`, and a Resident who waits for the
// bot's messages and presses the buttons on screen by their labels. Shared by
// the web-chat test and the panel's whole-appeal walk (the resident confirms
// "fixed?" on the web chat, R18).
import {join} from 'node:path';
import {BUILD_DIR} from '../panel/harness.js';

export const PLUGIN = process.env.VIKNO_WEB_SO || join(BUILD_DIR, 'plugins/web/vikno_web.so');
export const WAIT = 20000;

// The `channels:` YAML of a host with the web chat, given its temporary folder.
export function webChannel(dir) {
  return 'channels:\n' +
    '  - name: web\n' +
    `    library: ${PLUGIN}\n` +
    '    settings:\n' +
    '      secret: "e2e-web-chat-secret-0123456789"\n' +
    `      data_dir: ${join(dir, 'data')}\n` +
    // Short polls: a stopping host waits for the ones in flight.
    '      poll_timeout_s: 2\n';
}

export const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class Resident {
  constructor(page) {
    this.page = page;
    this.floor = 0;           // bot messages shown before the resident's last action
    this.consumed = new Set();  // bot messages already matched
  }

  // Waits for a bot message that came after the resident's last action,
  // matches `re` and was not matched before; returns its text. The replies
  // to one action are matched in any order.
  async expect(re, timeout = WAIT) {
    const handle = await this.page.waitForFunction(([from, consumed, source, flags]) => {
      const re = new RegExp(source, flags);
      const bots = [...document.querySelectorAll('#log .msg.bot .text')];
      for (let i = from; i < bots.length; ++i)
        if (!consumed.includes(i) && re.test(bots[i].textContent))
          return {index: i, text: bots[i].textContent};
      return null;
    }, [this.floor, [...this.consumed], re.source, re.flags], {timeout}).catch(async (e) => {
      const all = await this.page.locator('#log .msg').allTextContents();
      throw new Error(`no bot message matching ${re} after #${this.floor}; the chat:\n` +
                      all.join('\n---\n') + '\n' + e.message);
    });
    const {index, text} = await handle.jsonValue();
    this.consumed.add(index);
    return text;
  }

  // Marks everything shown so far as before the resident's next action.
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

  // First contact on /portal/: accepts the privacy notice (R31) and registers
  // the address typed the way people type it (no "вул.", a Latin "i", R3).
  async registerAddress() {
    await this.expect(/згоду на обробку персональних даних/);
    await this.press('Погоджуюся');
    await this.expect(/Вкажіть адресу/);
    await this.type('вул Петропавлiвська 12');
    await this.expect(/Це ваша адреса: .*Петропавлівська.*12\?/);
    await this.press('Так');
    await this.expect(/Адресу «.*Петропавлівська.*12.*» зареєстровано/);
    await this.expect(/Оберіть, що бажаєте зробити/);
  }

  // R4/R5: a lift fault reported through the category menus with
  // `description`, the browser's location added from the summary, and sent;
  // the resident's only address is used without a question. Returns
  // {number, summary}.
  async reportLiftFault(description) {
    await this.press('Повідомити про проблему');
    await this.expect(/Оберіть категорію проблеми/);
    await this.press('Департамент інфраструктури міста');
    await this.expect(/уточніть/);
    await this.press('Квартира');
    await this.expect(/уточніть/);
    await this.press('Ліфт');
    await this.expect(/уточніть/);
    await this.press('Несправності в роботі');
    await this.expect(/Опишіть проблему/);
    await this.type(description);
    await this.expect(/Перевірте звернення/);
    await this.press('Додати геолокацію');
    await this.expect(/Надішліть місце проблеми на мапі/);
    await this.press('Надіслати місцезнаходження');  // the browser's geolocation
    const summary = await this.expect(/Перевірте звернення/);
    await this.press('Надіслати');
    const registered = await this.expect(/зареєстровано за № \S+/);
    return {number: registered.match(/№ (\S+)/)[1], summary};
  }

  // The shortest path: the problem typed at the main menu, then "Надіслати"
  // on the summary. Returns {number, summary}.
  async reportInWords(description) {
    await this.type(description);
    const summary = await this.expect(/Перевірте звернення/);
    await this.press('Надіслати');
    const registered = await this.expect(/зареєстровано за № \S+/);
    return {number: registered.match(/№ (\S+)/)[1], summary};
  }
}

// A page for the resident with the browser's location in Sumy.
export const RESIDENT_CONTEXT = {
  geolocation: {latitude: 50.90757, longitude: 34.77476},
  permissions: ['geolocation'],
};
