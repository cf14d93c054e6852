// Broadcasts, surveys and ratings pages (issue 6, R24/R25) in a real browser
// against the real host: an administrator sends "for residents' information"
// news to every subscriber and watches its progress page; creates a survey
// and sees its results table; a moderator has no broadcast pages (000
// §5.3.2) and sees only their own service's ratings (000 §6.2, §6.7).
// Subscribers and ratings are written into the host's SQLite file with the
// sqlite3 command-line tool: they come from residents' chats, which this
// host (no channels configured) has none of.
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {join} from 'node:path';
import {Host, launchBrowser, signedInPage, screenshotPath} from './harness.js';

let host;
let browser;
let admin;
let moderator;

function sql(statements) {
  execFileSync('sqlite3', ['-cmd', '.timeout 5000', join(host.dir, 'data', 'vikno.sqlite')],
               {input: statements});
}

before(async () => {
  host = await Host.start();
  browser = await launchBrowser();
  const now = Math.floor(Date.now() / 1000);
  let seed = 'BEGIN;';
  for (let i = 0; i < 12; i++) {
    seed += `INSERT INTO residents (id, created_at) VALUES ('e2e-r${i}', ${now});`;
    seed += `INSERT INTO resident_channels (resident_id, channel, chat_id, subscribed, ` +
      `created_at, updated_at) VALUES ('e2e-r${i}', '${i % 3 ? 'telegram' : 'viber'}', ` +
      `'chat-${i}', ${i === 11 ? 0 : 1}, ${now}, ${now});`;
  }
  seed += `INSERT INTO ratings (resident_id, executor_id, score, comment, created_at) VALUES ` +
    `('e2e-r1', 'infra', 5, 'Швидко полагодили <b>дякую</b>', ${now}), ` +
    `('e2e-r2', 'infra', 3, '', ${now}), ` +
    `('e2e-r3', 'vodokanal', 1, 'Чужа служба', ${now});`;
  seed += 'COMMIT;';
  sql(seed);
  admin = await signedInPage(browser, host, 'administrator', 'Адміністратор Олег');
  moderator = await signedInPage(browser, host, 'moderator', 'Модератор Ірина');
});
after(async () => {
  await admin?.context().close();
  await moderator?.context().close();
  await browser?.close();
  await host?.stop();
});

test('an administrator sends news to every subscriber and follows its progress', async () => {
  await admin.click('#nav a[href="#/broadcasts"]');
  await admin.waitForSelector('#new-broadcast');
  assert.match(await admin.textContent('#view'), /Розсилок ще немає/);
  await admin.selectOption('#new-broadcast select[name=kind]', 'news');
  await admin.fill('#new-broadcast textarea[name=text]',
                   'Завтра прибирання парку <img src=x onerror=alert(1)>');
  admin.once('dialog', (d) => d.accept());
  await admin.click('#new-broadcast button[type=submit]');
  await admin.waitForSelector('#progress');
  assert.match(await admin.textContent('#view'), /Одержувачів: 11/);
  assert.equal(await admin.textContent('#broadcast-text'),
               'Завтра прибирання парку <img src=x onerror=alert(1)>');
  assert.equal(await admin.$('#view img'), null, 'markup stays text');
  // No channel runs on this host: everything waits, the finish is unknown.
  assert.equal(await admin.textContent('#progress tr[data-channel="telegram"] td:nth-child(2)'), '7');
  assert.equal(await admin.textContent('#progress tr[data-channel="viber"] td:nth-child(2)'), '4');
  assert.equal(await admin.textContent('#finish'), 'невідомо');
  await admin.screenshot({path: screenshotPath('broadcast-progress.png'), fullPage: true});
  await admin.click('a[href="#/broadcasts"] >> nth=-1');
  await admin.waitForSelector('#broadcasts');
  assert.equal(await admin.$$eval('#broadcasts tbody tr', (rows) => rows.length), 1);
  assert.match(await admin.textContent('#broadcasts tbody tr'), /До відома мешканців/);
  assert.deepEqual(admin.problems, []);
});

test('an administrator creates a survey and sees its results table', async () => {
  await admin.click('#nav a[href="#/surveys"]');
  await admin.waitForSelector('#new-survey');
  await admin.fill('#new-survey input[name=question]', 'Чи чисто у вашому дворі?');
  await admin.fill('#new-survey textarea[name=options]', 'Так\nНі\n\nНе знаю');
  admin.once('dialog', (d) => d.accept());
  await admin.click('#new-survey button[type=submit]');
  await admin.waitForSelector('#results');
  assert.equal(await admin.$$eval('#results tbody tr', (rows) => rows.length), 3);
  assert.match(await admin.textContent('#answered'), /Відповіли: 0 з 11/);
  assert.deepEqual(admin.problems, []);
});

test('a refused survey says why and queues nothing', async () => {
  await admin.goto(host.url + '/panel/#/surveys');
  await admin.waitForSelector('#new-survey');
  await admin.fill('#new-survey input[name=question]', 'Лише один варіант?');
  await admin.fill('#new-survey textarea[name=options]', 'Так');
  admin.once('dialog', (d) => d.accept());
  await admin.click('#new-survey button[type=submit]');
  await admin.waitForSelector('#flash.error:not([hidden])');
  assert.match(await admin.textContent('#flash'), /від 2 до 10/);
  const list = await host.api('administrator', 'GET', '/api/v1/surveys');
  assert.equal(list.body.items.length, 1);
});

test('a moderator has no broadcasts and sees only their service in ratings', async () => {
  const links = await moderator.$$eval('#nav a', (as) => as.map((a) => a.getAttribute('href')));
  assert.ok(!links.includes('#/broadcasts') && !links.includes('#/surveys'), links.join());
  assert.ok(links.includes('#/ratings'), links.join());
  await moderator.click('#nav a[href="#/ratings"]');
  await moderator.waitForSelector('#ratings');
  assert.equal(await moderator.$$eval('#ratings tbody tr', (rows) => rows.length), 2);
  assert.doesNotMatch(await moderator.textContent('#view'), /Чужа служба/);
  assert.match(await moderator.textContent('#ratings-summary tbody'), /4\.00/);
  assert.match(await moderator.textContent('#ratings'), /<b>дякую<\/b>/);
  assert.equal(await moderator.$('#ratings b'), null, 'a comment with markup stays text');
  await moderator.screenshot({path: screenshotPath('ratings.png'), fullPage: true});
  await moderator.goto(host.url + '/panel/#/broadcasts');
  await moderator.waitForSelector('#view .empty');
  assert.equal(await moderator.$('#new-broadcast'), null);
  const api = await host.api('moderator', 'GET', '/api/v1/ratings?service=vodokanal');
  assert.equal(api.status, 403);
  assert.deepEqual(moderator.problems, []);
});
