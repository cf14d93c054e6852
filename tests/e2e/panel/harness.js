// The browser-test harness: starts the real `vikno serve` from the build
// folder on a temporary SQLite database with the Sumy rules and a free port,
// drives Debian's chromium through playwright-core, and stops both.
//
// The build folder comes from VIKNO_BUILD_DIR (ctest sets it; see
// CMakeLists.txt); screenshots go to <build>/e2e-screenshots/.
import {spawn} from 'node:child_process';
import {createHmac} from 'node:crypto';
import {mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';

export const SOURCE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BUILD_DIR = resolve(process.env.VIKNO_BUILD_DIR || join(SOURCE_DIR, 'build'));
export const SCREENSHOTS = join(BUILD_DIR, 'e2e-screenshots');
const CHROMIUM = process.env.VIKNO_CHROMIUM || '/usr/bin/chromium';

// API keys of the temporary host, one per role, for setting up data through
// the REST API (the panel itself only signs in with a password).
export const KEYS = {
  administrator: {secret: 'e2e-admin-key-0123456789abcdef', services: []},
  operator: {secret: 'e2e-operator-key-0123456789abcd', services: []},
  moderator: {secret: 'e2e-moderator-key-0123456789ab', services: ['infra']},
  executor: {secret: 'e2e-executor-key-0123456789abc', services: ['infra']},
  decision_maker: {secret: 'e2e-dm-key-0123456789abcdefgh', services: []},
};

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address();
      s.close(() => ok(port));
    });
  });
}

export class Host {
  // `options.extraConfig(dir)`: more YAML for the temporary config (e.g. a
  // `channels:` list), given the temporary folder.
  static async start(options = {}) {
    const binary = join(BUILD_DIR, 'vikno');
    if (!existsSync(binary)) throw new Error(`no vikno binary at ${binary}: build it first`);
    const dir = mkdtempSync(join(tmpdir(), 'vikno-e2e-'));
    mkdirSync(join(dir, 'data'));
    const port = await freePort();
    const keys = Object.entries(KEYS).map(([role, k]) =>
      `  - name: e2e-${role}\n    role: ${role}\n    services: [${k.services.join(', ')}]\n` +
      `    secret: "${k.secret}"\n`).join('');
    const config = join(dir, 'vikno.yaml');
    writeFileSync(config,
      `data_dir: ${join(dir, 'data')}\n` +
      `rules_dir: ${join(SOURCE_DIR, 'rules/sumy')}\n` +
      `messages_dir: ${join(SOURCE_DIR, 'config/messages')}\n` +
      `language: uk\nlog_level: warning\n` +
      `http:\n  listen: "127.0.0.1:${port}"\n  threads: 8\n  web_dir: ${join(SOURCE_DIR, 'web')}\n` +
      `api_keys:\n${keys}` + (options.extraConfig ? options.extraConfig(dir) : ''));
    const child = spawn(binary, ['serve', '--config', config],
                        {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env}});
    const host = new Host(child, dir, `http://127.0.0.1:${port}`);
    child.stdout.on('data', (d) => { host.output += d; });
    child.stderr.on('data', (d) => { host.output += d; });
    const until = Date.now() + 20000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`vikno serve exited: ${host.output}`);
      try {
        const r = await fetch(host.url + '/healthz');
        if (r.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > until) {
        await host.stop();
        throw new Error(`vikno serve did not become healthy: ${host.output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return host;
  }

  constructor(child, dir, url) {
    this.child = child;
    this.dir = dir;
    this.url = url;
    this.output = '';
  }

  async stop() {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, {recursive: true, force: true});
  }

  // A REST call with a role's API key; returns {status, body}.
  async api(role, method, path, body) {
    const headers = {Authorization: `Bearer ${KEYS[role].secret}`};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(this.url + path,
                          {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
    const text = await r.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return {status: r.status, body: parsed, headers: r.headers};
  }
}

// Chromium with the flags this machine needs; Playwright gives each launch a
// fresh temporary --user-data-dir of its own.
export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A page that fails the test on any script error or CSP violation.
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({viewport: {width: 1400, height: 900},
                                            locale: 'uk-UA', ...options});
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push('page error: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text()))
      page.problems.push('console: ' + m.text());
  });
  return page;
}

export function screenshotPath(name) {
  mkdirSync(SCREENSHOTS, {recursive: true});
  return join(SCREENSHOTS, name);
}

export async function createAppeal(host, overrides = {}) {
  const r = await host.api('operator', 'POST', '/api/v1/appeals', {
    channel: 'phone',
    description: 'Не працює ліфт у під’їзді 2',
    category: 'infra/flat/lift/faults',
    address: {street: 'вул. Соборна', house: '10', flat: '5'},
    ...overrides,
  });
  if (r.status !== 201) throw new Error(`create: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export const PASSWORD = 'e2e-correct-horse-battery-staple';

// Staff accounts made through the administrators' API (POST /api/v1/users);
// returns the login.
export async function createUser(host, role, name = role) {
  const login = `e2e-${role}-${Math.random().toString(36).slice(2, 8)}`;
  const made = await host.api('administrator', 'POST', '/api/v1/users',
    {login, name, role, services: KEYS[role].services, password: PASSWORD});
  if (made.status !== 201) throw new Error(`create user: ${made.status} ${JSON.stringify(made.body)}`);
  return login;
}

// A browser page signed in to the panel as a new user of `role`, through the
// login form like a person: the session cookie and CSRF token are the
// server's (POST /api/v1/session); nothing of the session is faked here.
export async function signedInPage(browser, host, role, name = role) {
  const login = await createUser(host, role, name);
  const page = await newPage(browser);
  await page.goto(host.url + '/panel/#/login');
  await page.fill('#login-form input[name=login]', login);
  await page.fill('#login-form input[name=password]', PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#top:not([hidden])');
  // B10: administrators and decision makers must set up two-factor sign-in
  // first (the host's default accounts.two_factor.required_roles); do it as
  // a person would, with the code computed like an authenticator app.
  if (await page.evaluate(() => location.hash) === '#/two-factor') await enrolTwoFactor(page);
  const who = await page.textContent('#who-name');
  if (!who.includes(name)) throw new Error(`signed in as "${who}", not ${name}`);
  page.login = login;
  return page;
}

// RFC 6238 TOTP as an authenticator app computes it (node's HMAC-SHA1): the
// code of the 30-second step `steps` away from now for a base32 secret.
export function totpCode(secret, steps = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/[\s=]/g, '').toUpperCase())
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + steps));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) |
                (mac[offset + 2] << 8) | mac[offset + 3];
  return String(value % 1000000).padStart(6, '0');
}

// On the two-factor page: set it up, confirm with a first code, keep the
// secret and the recovery codes on the page object, and go on to the list.
export async function enrolTwoFactor(page) {
  await page.waitForSelector('#two-factor #totp-start');
  await page.click('#totp-start');
  await page.waitForSelector('#totp-qr path');  // the QR code is drawn
  const secret = await page.getAttribute('#totp-secret', 'data-secret');
  await page.fill('#totp-confirm input[name=code]', totpCode(secret));
  await page.click('#totp-confirm button[type=submit]');
  await page.waitForSelector('#recovery-codes li');
  page.totpSecret = secret;
  page.recoveryCodes = await page.$$eval('#recovery-codes li', (els) => els.map((e) => e.textContent));
  await page.click('#totp-done');
  await page.waitForFunction(() => location.hash === '#/appeals');
}
