// The host serves the panel safely, and the panel starts under the strict
// Content-Security-Policy with its Ukrainian words and the English switch.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {request} from 'node:http';
import {Host, launchBrowser, newPage} from './harness.js';

let host;
let browser;
before(async () => {
  host = await Host.start();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await host?.stop();
});

// A raw GET: fetch() would normalise "/../" away before sending it.
function rawGet(url, path, headers = {}) {
  const u = new URL(url);
  return new Promise((ok, fail) => {
    const req = request({host: u.hostname, port: u.port, path, headers}, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => ok({status: res.statusCode, headers: res.headers, body}));
    });
    req.on('error', fail);
    req.end();
  });
}

test('the root redirects to the panel, which is served with a strict CSP', async () => {
  const root = await rawGet(host.url, '/');
  assert.equal(root.status, 302);
  assert.equal(root.headers.location, '/panel/');
  const index = await rawGet(host.url, '/panel/');
  assert.equal(index.status, 200);
  assert.match(index.headers['content-type'], /^text\/html/);
  assert.match(index.headers['content-security-policy'], /default-src 'self'/);
  assert.match(index.headers['content-security-policy'], /frame-ancestors 'none'/);
  assert.equal(index.headers['x-content-type-options'], 'nosniff');
  assert.ok(index.headers.etag);
  const again = await rawGet(host.url, '/panel/', {'If-None-Match': index.headers.etag});
  assert.equal(again.status, 304);
  const js = await rawGet(host.url, '/panel/js/app.js');
  assert.match(js.headers['content-type'], /^text\/javascript/);
});

test('no path escapes the panel folder', async () => {
  for (const path of ['/panel/../../config/vikno.yaml', '/panel/%2e%2e/%2e%2e/README.md',
                      '/panel/..%2f..%2fREADME.md', '/panel/.%2e/index.html',
                      '/panel/.gitignore', '/panel/js/', '/panel/nothing.html']) {
    const r = await rawGet(host.url, path);
    assert.equal(r.status, 404, path);
  }
});

test('the login page shows in Ukrainian, switches to English, with no CSP violation', async () => {
  const page = await newPage(browser);
  const violations = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.goto(host.url + '/');
  await page.waitForSelector('#login-form');
  assert.equal(await page.textContent('#login-form h1'), 'Вхід до панелі');
  assert.equal(await page.getAttribute('html', 'lang'), 'uk');
  // The switch is in the header, shown after sign-in; the choice is stored.
  await page.evaluate(() => localStorage.setItem('vikno.lang', 'en'));
  await page.reload();
  await page.waitForSelector('#login-form');
  assert.equal(await page.textContent('#login-form h1'), 'Sign in to the panel');
  assert.deepEqual(violations, []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the panel texts come from the messages files in both languages with the same keys',
  async () => {
    const uk = await (await fetch(host.url + '/api/v1/messages?lang=uk')).json();
    const en = await (await fetch(host.url + '/api/v1/messages?lang=en')).json();
    assert.equal(uk.texts['status.new'], 'Нове');
    assert.equal(uk.texts['status.in_work'], 'В роботі');
    assert.deepEqual(Object.keys(uk.texts).sort(), Object.keys(en.texts).sort());
    const unknown = await fetch(host.url + '/api/v1/messages?lang=xx');
    assert.equal(unknown.status, 404);
  });
