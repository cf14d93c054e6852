// Staff two-factor sign-in (B10) in a real browser against the real host: an
// administrator (a required role by default) is taken to the two-factor page
// after the password and sets it up with a code computed like an
// authenticator app (node's HMAC-SHA1); the next sign-in is two steps, the
// half-signed-in session reaches no API, a wrong code is refused with the
// panel's words, and a recovery code signs in once.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {Host, PASSWORD, launchBrowser, newPage, signedInPage, screenshotPath,
        totpCode} from './harness.js';

const operatorName = 'Оператор Ольга';

let host;
let browser;
let admin;

before(async () => {
  host = await Host.start();
  browser = await launchBrowser();
  admin = await signedInPage(browser, host, 'administrator', 'Адміністратор Тарас');
});
after(async () => {
  await admin?.context().close();
  await browser?.close();
  await host?.stop();
});

async function passwordStep(page) {
  await page.goto(host.url + '/panel/#/login');
  await page.fill('#login-form input[name=login]', admin.login);
  await page.fill('#login-form input[name=password]', PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#totp-form');
}

test('enrolment gave a 160-bit secret and ten recovery codes, and the page says it is on', async () => {
  assert.match(admin.totpSecret, /^[A-Z2-7]{32}$/);
  assert.equal(admin.recoveryCodes.length, 10);
  for (const c of admin.recoveryCodes) assert.match(c, /^[a-z2-7]{5}-[a-z2-7]{5}$/);
  await admin.click('#nav a[href="#/two-factor"]');
  await admin.waitForSelector('#totp-disable');
  await admin.screenshot({path: screenshotPath('two-factor-enabled.png')});
  assert.deepEqual(admin.problems, []);
});

test('sign-in is two steps; the pending session reaches no API; a wrong code is refused', async () => {
  const page = await newPage(browser);
  try {
    await passwordStep(page);
    assert.ok(await page.$('#top[hidden]'), 'not signed in yet');
    const probe = await page.evaluate(async () => {
      const r = await fetch('/api/v1/appeals', {credentials: 'same-origin'});
      return {status: r.status, body: await r.json()};
    });
    assert.equal(probe.status, 401);
    assert.equal(probe.body.error.code, 'second_factor_required');

    const good = totpCode(admin.totpSecret, 1);  // a step later than enrolment's
    await page.fill('#totp-form input[name=code]', good === '000000' ? '111111' : '000000');
    await page.click('#totp-form button[type=submit]');
    await page.waitForSelector('#totp-form .error:not([hidden])');
    assert.match(await page.textContent('#totp-form .error'), /Код неправильний/);
    await page.screenshot({path: screenshotPath('two-factor-second-step.png')});

    await page.fill('#totp-form input[name=code]', good);
    await page.click('#totp-form button[type=submit]');
    await page.waitForSelector('#top:not([hidden])');
    assert.match(await page.textContent('#who-name'), /Адміністратор Тарас/);
    assert.deepEqual(page.problems, []);
  } finally {
    await page.context().close();
  }
});

test('a recovery code signs in once', async () => {
  const page = await newPage(browser);
  try {
    await passwordStep(page);
    await page.click('#use-recovery');
    await page.fill('#totp-form input[name=recovery_code]', admin.recoveryCodes[0]);
    await page.click('#totp-form button[type=submit]');
    await page.waitForSelector('#top:not([hidden])');
    await page.click('#logout');
    await page.waitForSelector('#login-form');

    await passwordStep(page);
    await page.click('#use-recovery');
    await page.fill('#totp-form input[name=recovery_code]', admin.recoveryCodes[0]);
    await page.click('#totp-form button[type=submit]');
    await page.waitForSelector('#totp-form .error:not([hidden])');
    assert.ok(await page.$('#top[hidden]'), 'still signed out');
    assert.deepEqual(page.problems, []);
  } finally {
    await page.context().close();
  }
});

test('an operator may set it up from the menu and turn it off with password and code', async () => {
  const page = await signedInPage(browser, host, 'operator', operatorName);
  try {
    await page.click('#nav a[href="#/two-factor"]');
    await page.click('#totp-start');
    await page.waitForSelector('#totp-qr path');
    await page.screenshot({path: screenshotPath('two-factor-enrol.png')});
    const secret = await page.getAttribute('#totp-secret', 'data-secret');
    await page.fill('#totp-confirm input[name=code]', totpCode(secret));
    await page.click('#totp-confirm button[type=submit]');
    await page.waitForSelector('#recovery-codes li');
    await page.click('#totp-done');
    await page.click('#nav a[href="#/two-factor"]');
    await page.fill('#totp-disable input[name=password]', PASSWORD);
    await page.fill('#totp-disable input[name=code]', totpCode(secret, 1));
    await page.click('#totp-disable button[type=submit]');
    await page.waitForSelector('#totp-start');  // off again: the set-up button is back
    assert.deepEqual(page.problems, []);
  } finally {
    await page.context().close();
  }
});
