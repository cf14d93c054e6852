// The residents' web cabinet in a real browser (issue 8 done-when): a
// resident signs up with a one-time code, files an appeal with a photo, sees
// its number and status; a moderator takes it into work and sends it for
// confirmation through the staff API; the resident sees the answer, confirms
// and rates. A second resident who puts the first one's appeal id into the
// URL gets "not found".
//
// The code is read the way the resident would get it: from the real outbox
// row the host queued for the e-mail channel, in the host's SQLite database
// (sqlite3 CLI). The "email" channel is configured without a plugin library,
// so the row stays queued and nothing leaves the machine; a sent row would
// no longer hold the code (the store erases params.secret when it is sent).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {join} from 'node:path';
import {Host, launchBrowser, newPage, screenshotPath} from '../panel/harness.js';

const SQLITE3 = process.env.VIKNO_SQLITE3 || 'sqlite3';

// The smallest PNG (1x1): the file store sniffs it by its magic bytes.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000a49444154789c6300010000050001' +
  '0d0a2db40000000049454e44ae426082', 'hex');

function codeFor(host, address) {
  const db = join(host.dir, 'data', 'vikno.sqlite');
  // Parameterised through sqlite3's .parameter, so the address is data, not SQL.
  const out = execFileSync(SQLITE3, [db,
    '.parameter init',
    `.parameter set @a '${address.replace(/'/g, "''")}'`,
    "SELECT params FROM outbox WHERE text_key = 'cabinet.code.message' AND address = @a " +
      'ORDER BY id DESC LIMIT 1;'], {encoding: 'utf8'}).trim();
  assert.ok(out, `no code queued for ${address}`);
  return JSON.parse(out).secret;
}

async function signUp(page, host, email, name) {
  await page.goto(host.url + '/portal/cabinet.html');
  await page.waitForSelector('#auth:not([hidden])');
  assert.equal(await page.textContent('h1'), 'Особистий кабінет заявника');  // Ukrainian by default
  await page.fill('#login', email);
  await page.click('#send-code');
  await page.waitForSelector('#verify-form:not([hidden])');
  await page.fill('#code', codeFor(host, email));
  await page.click('#verify');
  // No account yet: the privacy notice and the consent box (R31).
  await page.waitForSelector('#sign-up:not([hidden])');
  assert.match(await page.textContent('#privacy'), /персональних даних/);
  await page.fill('#name', name);
  await page.check('#consent');
  await page.click('#verify');
  await page.waitForSelector('#app:not([hidden])');
}

test('a resident signs up, files with a photo, confirms and rates; another gets not found', async () => {
  const host = await Host.start({extraConfig: () => 'channels:\n  - name: email\n'});
  const browser = await launchBrowser();
  try {
    const page = await newPage(browser);
    await signUp(page, host, 'olena.koval@example.com', 'Олена Коваль');

    // File an appeal with a photo (R5: the number at once).
    await page.click('a[href="#new"]');
    await page.waitForSelector('#view-new:not([hidden])');
    await page.waitForSelector('#category option[value="infra/flat/lift/faults"]', {state: 'attached'});
    await page.selectOption('#category', 'infra/flat/lift/faults');
    await page.fill('#description', 'Не працює ліфт у під’їзді 2, застрягають люди');
    await page.fill('#address', 'вул. Соборна');
    await page.fill('#house', '10');
    await page.fill('#flat', '5');
    await page.click('#picker', {position: {x: 200, y: 60}});
    assert.ok(await page.inputValue('#lat'), 'the picker set a latitude');
    await page.setInputFiles('#files', {name: 'lift.png', mimeType: 'image/png', buffer: PNG});
    await page.click('#submit-appeal');
    await page.waitForSelector('#filed:not([hidden])');
    const filed = await page.textContent('#filed');
    const number = filed.split(': ').pop().trim();
    assert.ok(number.length > 0, filed);
    assert.equal(await page.textContent('#status'), '', 'the photo was accepted');

    // My appeals: the new one with its status.
    await page.click('a[href="#open"]');
    await page.waitForSelector('#appeal-rows tr');
    assert.equal(await page.textContent('#appeal-rows tr td a'), number);
    await page.click('#appeal-rows tr td a');
    await page.waitForSelector('#card-number');
    assert.equal(await page.textContent('#card-status'), 'Нове');
    assert.match(await page.textContent('#card-files'), /lift\.png/);
    const id = Number(new URL(page.url()).hash.split('/')[1]);
    await page.screenshot({path: screenshotPath('cabinet-card-new.png'), fullPage: true});

    // A moderator of the service acts through the staff API.
    const into = await host.api('moderator', 'POST', `/api/v1/appeals/${id}/transitions`,
                                {action: 'take_into_work'});
    assert.equal(into.status, 200, JSON.stringify(into.body));
    const sent = await host.api('moderator', 'POST', `/api/v1/appeals/${id}/transitions`,
                                {action: 'send_for_confirmation', note: 'Ліфт відремонтовано'});
    assert.equal(sent.status, 200, JSON.stringify(sent.body));

    await page.reload();
    await page.waitForSelector('#card-number');
    assert.equal(await page.textContent('#card-status'), 'Очікує підтвердження');
    assert.match(await page.textContent('#timeline'), /Ліфт відремонтовано/);
    await page.click('button[data-action=confirm]');
    await page.waitForFunction(() => document.querySelector('#card-status')?.textContent === 'Завершена');
    await page.check('#rate-form input[value="5"]');
    await page.fill('#rate-comment', 'Дякую, швидко');
    await page.click('#rate-form button[type=submit]');
    await page.waitForSelector('#rated');
    assert.match(await page.textContent('#rated'), /5/);
    await page.screenshot({path: screenshotPath('cabinet-card-rated.png'), fullPage: true});

    // Closed: in the archive.
    await page.click('a[href="#archive"]');
    await page.waitForSelector('#appeal-rows tr');
    assert.equal(await page.textContent('#appeal-rows tr td a'), number);

    // Another resident changes the id in the URL: not found (not forbidden).
    const other = await newPage(browser);
    await signUp(other, host, 'petro@example.com', 'Петро');
    await other.goto(`${host.url}/portal/cabinet.html#appeal/${id}`);
    await other.waitForSelector('#not-found');
    assert.equal(await other.textContent('#not-found'), 'Звернення не знайдено.');
    assert.ok(!(await other.content()).includes('Ліфт відремонтовано'));
    const raw = await other.evaluate(async (appealId) =>
      (await fetch(`/api/v1/cabinet/appeals/${appealId}`)).status, id);
    assert.equal(raw, 404);

    // The same page in English, from the messages file's en translation.
    await page.click('#lang');
    await page.waitForFunction(() => document.querySelector('h1').textContent === "Residents' cabinet");
    assert.equal(await page.textContent('a[href="#archive"]'), 'Archive');

    assert.deepEqual(page.problems, []);
    assert.deepEqual(other.problems, []);
  } finally {
    await browser.close();
    await host.stop();
  }
});
