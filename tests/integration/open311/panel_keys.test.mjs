// The panel's Open311 key page (B1) in Debian's chromium through
// playwright-core (tests/e2e): an administrator signs in through the login
// form, issues a key and sees its secret once, the key then files a request,
// the administrator revokes it and it is refused with 403. A moderator has no
// Open311 page. Labels with markup stay text.
import {spawn} from 'node:child_process';
import {mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync} from 'node:fs';
import {createRequire} from 'node:module';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {fileURLToPath} from 'node:url';

const SOURCE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BUILD_DIR = resolve(process.env.VIKNO_BUILD_DIR || join(SOURCE_DIR, 'build'));
const {chromium} = createRequire(join(SOURCE_DIR, 'tests/e2e/package.json'))('playwright-core');

let dir, child, base, adminPassword, browser;
let output = '';

before(async () => {
  const binary = join(BUILD_DIR, 'vikno');
  assert.ok(existsSync(binary), `no vikno binary at ${binary}`);
  dir = mkdtempSync(join(tmpdir(), 'vikno-open311-panel-'));
  mkdirSync(join(dir, 'data'));
  const port = await new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); });
  });
  base = `http://127.0.0.1:${port}`;
  const config = join(dir, 'vikno.yaml');
  writeFileSync(config,
    `data_dir: ${join(dir, 'data')}\nrules_dir: ${join(SOURCE_DIR, 'rules/sumy')}\n` +
    `messages_dir: ${join(SOURCE_DIR, 'config/messages')}\nlanguage: uk\nlog_level: warning\n` +
    // The administrator signs in with a password only: the second factor has
    // its own tests (tests/integration/http/two_factor_test.cc, tests/e2e/panel).
    `accounts:\n  two_factor:\n    required_roles: []\n` +
    `http:\n  listen: "127.0.0.1:${port}"\n  web_dir: ${join(SOURCE_DIR, 'web')}\n`);
  child = spawn(binary, ['serve', '--config', config], {stdio: ['ignore', 'pipe', 'pipe']});
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const until = Date.now() + 30000;
  while (!/login admin password (\S+)/.test(output)) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`no host: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  adminPassword = /login admin password (\S+)/.exec(output)[1];
  browser = await chromium.launch({executablePath: process.env.VIKNO_CHROMIUM || '/usr/bin/chromium',
                                   args: ['--no-sandbox', '--disable-dev-shm-usage']});
});

after(async () => {
  if (browser) await browser.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, {recursive: true, force: true});
});

async function signIn(login, password) {
  const page = await browser.newPage();
  await page.goto(base + '/panel/#/login');
  await page.fill('#login-form input[name=login]', login);
  await page.fill('#login-form input[name=password]', password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#top:not([hidden])');
  return page;
}

async function file(secret) {
  const form = new URLSearchParams({api_key: secret, service_code: 'infra/flat/lift/stopped',
                                    description: 'Ліфт стоїть', address_string: 'Соборна 10'});
  const r = await fetch(base + '/open311/v2/requests.json', {method: 'POST', body: form});
  return {status: r.status, body: await r.json()};
}

test('an administrator issues a key, it files, they revoke it, it is refused', async () => {
  const page = await signIn('admin', adminPassword);
  await page.click('#nav a[href="#/open311"]');
  await page.waitForSelector('#new-open311-key');
  assert.equal(await page.textContent('h1'), 'Ключі API Open311');
  const label = 'FixMyStreet <img src=x onerror=alert(1)>';
  await page.fill('#new-open311-key input[name=label]', label);
  await page.click('#new-open311-key button[type=submit]');
  await page.waitForSelector('#open311-secret-value');
  const secret = await page.textContent('#open311-secret-value');
  assert.match(secret, /^o311_/);
  assert.equal((await file(secret)).status, 200);

  await page.reload();
  await page.waitForSelector('#open311-keys');
  assert.equal(await page.$('#open311-secret-value'), null, 'the secret is not shown again');
  const row = page.locator('#open311-keys tbody tr').first();
  assert.equal(await row.locator('td').first().textContent(), label);  // text, not markup
  assert.equal(await page.$('#open311-keys img'), null);
  page.once('dialog', (d) => d.accept());
  await row.locator('button').click();
  await page.waitForFunction(
    () => document.querySelector('#open311-keys tbody tr td:nth-child(2)')?.textContent === 'Відкликано');
  const refused = await file(secret);
  assert.equal(refused.status, 403);
  assert.equal(refused.body[0].code, 403);
  await page.close();
});

test('a moderator has no Open311 page', async () => {
  const admin = await browser.newPage();
  // Create the moderator through the administrators' API with the admin's session.
  const login = await fetch(base + '/api/v1/session', {method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({login: 'admin', password: adminPassword})});
  const session = await login.json();
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const made = await fetch(base + '/api/v1/users', {method: 'POST',
    headers: {'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': session.csrf_token},
    body: JSON.stringify({login: 'mod-open311', name: 'Модератор', role: 'moderator',
                          services: ['infra'], password: 'moderator-correct-horse'})});
  assert.equal(made.status, 201);
  await admin.close();
  const page = await signIn('mod-open311', 'moderator-correct-horse');
  assert.equal(await page.$('#nav a[href="#/open311"]'), null);
  await page.goto(base + '/panel/#/open311');
  await page.waitForSelector('#view p.empty');
  assert.equal(await page.$('#new-open311-key'), null);
  await page.close();
});
