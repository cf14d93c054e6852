// Open311 GeoReport v2 against the real `vikno serve` (B1, issue 8): a
// scripted Open311 client files a request, polls it by token and reads it
// back with its notes after a moderator, signed in to the panel API with a
// session and CSRF token, acts on it. Every JSON answer is validated with ajv
// against the open311/schema-validation schemas (schemas/), every XML answer
// must parse, and XML says what JSON says. Refusals: a missing, unknown or
// revoked key is 403, an unknown service 404, a bad location 400, a date range
// over 90 days 400; identifiers are strings.
//
// Run by ctest (CMakeLists.txt) with VIKNO_BUILD_DIR set; the npm packages
// come from tests/peers (npm ci --prefix tests/peers).
import {execFileSync, spawn} from 'node:child_process';
import {mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync} from 'node:fs';
import {createRequire} from 'node:module';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {fileURLToPath} from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE_DIR = resolve(HERE, '../../..');
const BUILD_DIR = resolve(process.env.VIKNO_BUILD_DIR || join(SOURCE_DIR, 'build'));
const requirePeer = createRequire(join(SOURCE_DIR, 'tests/peers/package.json'));
const Ajv = requirePeer('ajv').default;
const addFormats = requirePeer('ajv-formats').default;
const {XMLParser, XMLValidator} = requirePeer('fast-xml-parser');

// ---- schemas --------------------------------------------------------------------

const ajv = new Ajv({strict: false, allErrors: true});
addFormats(ajv);
const schema = (name) => JSON.parse(readFileSync(join(HERE, 'schemas', name), 'utf8'));
ajv.addSchema(schema('request.json'), 'request.json');
ajv.addSchema(schema('service.json'), 'service.json');
const validators = {
  services: ajv.compile(schema('services.json')),
  definition: ajv.compile(schema('service-definition.json')),
  requests: ajv.compile(schema('requests.json')),
};

function assertValid(kind, body) {
  const ok = validators[kind](body);
  assert.ok(ok, `${kind} does not validate: ${JSON.stringify(validators[kind].errors)}\n` +
                `${JSON.stringify(body).slice(0, 500)}`);
}

const xml = new XMLParser({parseTagValue: false, ignoreDeclaration: true});
function parseXml(text) {
  const valid = XMLValidator.validate(text);
  assert.equal(valid, true, `XML does not parse: ${JSON.stringify(valid)}\n${text.slice(0, 300)}`);
  return xml.parse(text);
}
const asList = (v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]);

// ---- the host -------------------------------------------------------------------

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

const binary = join(BUILD_DIR, 'vikno');
let dir;
let config;
let child;
let output = '';
let base;  // http://127.0.0.1:port
let api;   // base + /open311/v2
let key;   // an active key's secret
let revokedKey;
let adminPassword;

function cli(...args) {
  return execFileSync(binary, [...args, '--config', config], {encoding: 'utf8'});
}

function issueKey(label) {
  const out = cli('open311-key', 'issue', '--name', label);
  const secret = out.trim().split('\n').pop();
  const id = /Open311 key (\d+)/.exec(out)[1];
  assert.match(secret, /^o311_[A-Za-z0-9_-]{40,}$/);
  return {id, secret};
}

before(async () => {
  assert.ok(existsSync(binary), `no vikno binary at ${binary}: build it first`);
  dir = mkdtempSync(join(tmpdir(), 'vikno-open311-'));
  mkdirSync(join(dir, 'data'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  api = `${base}/open311/v2`;
  config = join(dir, 'vikno.yaml');
  writeFileSync(config,
    `data_dir: ${join(dir, 'data')}\n` +
    `rules_dir: ${join(SOURCE_DIR, 'rules/sumy')}\n` +
    `messages_dir: ${join(SOURCE_DIR, 'config/messages')}\n` +
    `language: uk\nlog_level: warning\n` +
    // Staff sign in here with a password only: the second factor has its own
    // tests (tests/integration/http/two_factor_test.cc, tests/e2e/panel).
    `accounts:\n  two_factor:\n    required_roles: []\n` +
    `http:\n  listen: "127.0.0.1:${port}"\n  web_dir: ${join(SOURCE_DIR, 'web')}\n`);
  key = issueKey('Open311 test client').secret;
  const old = issueKey('A retired app');
  revokedKey = old.secret;
  assert.match(cli('open311-key', 'revoke', old.id), /revoked/);
  assert.match(cli('open311-key', 'list'), /\trevoked\tA retired app\t/);

  child = spawn(binary, ['serve', '--config', config], {stdio: ['ignore', 'pipe', 'pipe']});
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const until = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vikno serve exited: ${output}`);
    const m = /login admin password (\S+)/.exec(output);
    if (m) {
      try {
        const r = await fetch(base + '/healthz');
        if (r.status === 200) {
          adminPassword = m[1];
          break;
        }
      } catch {
        // not listening yet
      }
    }
    if (Date.now() > until) throw new Error(`vikno serve did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

after(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    await exited;
    clearTimeout(timer);
  }
  if (dir) rmSync(dir, {recursive: true, force: true});
});

// ---- clients --------------------------------------------------------------------

async function get(path) {
  const r = await fetch(api + path);
  const text = await r.text();
  return {status: r.status, type: r.headers.get('content-type'), text,
          body: r.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : null};
}

async function post(path, fields) {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const r = await fetch(api + path, {method: 'POST', body: form});
  const text = await r.text();
  return {status: r.status, type: r.headers.get('content-type'), text,
          body: r.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : null};
}

function assertError(r, status) {
  assert.equal(r.status, status, r.text);
  assert.ok(Array.isArray(r.body) && r.body.length === 1, r.text);
  assert.equal(r.body[0].code, status);
  assert.equal(typeof r.body[0].description, 'string');
  assert.ok(r.body[0].description.length > 0);
}

// The panel's API as a browser uses it: session cookie + X-CSRF-Token.
class Panel {
  static async signIn(login, password) {
    const r = await fetch(base + '/api/v1/session', {
      method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({login, password})});
    const text = await r.text();
    assert.equal(r.status, 200, text);
    const body = JSON.parse(text);
    const cookie = r.headers.get('set-cookie').split(';')[0];
    return new Panel(cookie, body.csrf_token);
  }
  constructor(cookie, csrf) {
    this.cookie = cookie;
    this.csrf = csrf;
  }
  async call(method, path, body, {csrf = true} = {}) {
    const headers = {Cookie: this.cookie};
    if (csrf) headers['X-CSRF-Token'] = this.csrf;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(base + path, {method, headers,
                                        body: body === undefined ? undefined : JSON.stringify(body)});
    const text = await r.text();
    return {status: r.status, body: text ? JSON.parse(text) : null};
  }
}

const NASTY = 'Ще один ліфт <b>&amp;</b> "лапки" \'і\' ]]> \\ кінець';
const SERVICE = 'infra/flat/lift/stopped';  // Sumy: "Не працює ліфт", a leaf
const GOOD = {
  service_code: SERVICE,
  description: 'Ліфт у під’їзді 2 стоїть третій день',
  address_string: 'Соборна 10',
  'attribute[flat]': '5',
  'attribute[entrance]': '2',
  first_name: 'Олена',
  last_name: 'Коваль',
  email: 'olena@example.org',
  phone: '050 123 45 67',
  media_url: 'https://photos.example.org/lift.jpg',
};

// ---- the tests --------------------------------------------------------------------

describe('Open311 GeoReport v2', () => {
  test('discovery names the v2 endpoint in JSON and XML', async () => {
    const j = await get('/discovery.json');
    assert.equal(j.status, 200);
    assert.equal(j.body.endpoints[0].url, api);
    assert.deepEqual(j.body.endpoints[0].formats, ['text/xml', 'application/json']);
    const x = parseXml((await get('/discovery.xml')).text);
    assert.equal(x.discovery.endpoints.endpoint.url, api);
    assert.equal((await fetch(base + '/open311/discovery.json')).status, 200);
  });

  test('services: one per leaf, valid, identifiers strings, XML says the same', async () => {
    const j = await get('/services.json');
    assert.equal(j.status, 200);
    assertValid('services', j.body);
    const codes = j.body.map((s) => s.service_code);
    assert.ok(codes.includes(SERVICE));
    assert.ok(!codes.includes('infra/flat/lift'), 'a branch is not a service');
    assert.ok(!codes.includes('infra'), 'a branch is not a service');
    assert.equal(new Set(codes).size, codes.length);
    const lift = j.body.find((s) => s.service_code === SERVICE);
    assert.equal(lift.service_name, 'Не працює ліфт');
    assert.equal(lift.group, 'Департамент інфраструктури міста');
    assert.equal(lift.metadata, true);
    assert.match(lift.keywords, /ліфт/i);
    for (const s of j.body) assert.equal(typeof s.service_code, 'string');

    const x = parseXml((await get('/services.xml')).text);
    const xs = asList(x.services.service);
    assert.equal(xs.length, j.body.length);
    const xlift = xs.find((s) => s.service_code === SERVICE);
    assert.equal(xlift.service_name, lift.service_name);
    assert.equal(xlift.group, lift.group);
    assert.equal(xlift.metadata, 'true');
  });

  test('service definition: attributes with order and values; unknown service 404', async () => {
    const j = await get(`/services/${SERVICE}.json`);
    assert.equal(j.status, 200, j.text);
    assertValid('definition', j.body);
    assert.equal(j.body.service_code, SERVICE);
    const codes = j.body.attributes.map((a) => a.code);
    assert.deepEqual(codes, ['flat', 'entrance', 'anonymous']);
    const anon = j.body.attributes[2];
    assert.equal(anon.datatype, 'singlevaluelist');
    assert.deepEqual(anon.values.map((v) => v.key), ['no', 'yes']);
    const x = parseXml((await get(`/services/${SERVICE}.xml`)).text);
    assert.equal(asList(x.service_definition.attributes.attribute).length, 3);

    assertError(await get('/services/no/such/thing.json'), 404);
    const xe = await get('/services/no-such.xml');
    assert.equal(xe.status, 404);
    assert.equal(parseXml(xe.text).errors.error.code, '404');
  });

  test('POST requests: a missing, unknown or revoked api_key is 403', async () => {
    assertError(await post('/requests.json', GOOD), 403);
    assertError(await post('/requests.json', {...GOOD, api_key: 'o311_not-a-key'}), 403);
    assertError(await post('/requests.json', {...GOOD, api_key: revokedKey}), 403);
    const x = await post('/requests.xml', GOOD);
    assert.equal(x.status, 403);
    assert.equal(parseXml(x.text).errors.error.code, '403');
  });

  test('POST requests: unknown service 404, bad location or attribute 400', async () => {
    const withKey = {...GOOD, api_key: key};
    assertError(await post('/requests.json', {...withKey, service_code: 'no/such'}), 404);
    assertError(await post('/requests.json', {...withKey, service_code: 'infra/flat'}), 404);
    const noPlace = {...withKey};
    delete noPlace.address_string;
    assertError(await post('/requests.json', noPlace), 400);
    assertError(await post('/requests.json', {...noPlace, lat: '91', long: '34.7'}), 400);
    assertError(await post('/requests.json', {...noPlace, lat: '50.9', long: '-181'}), 400);
    assertError(await post('/requests.json', {...noPlace, lat: 'north', long: '34.7'}), 400);
    assertError(await post('/requests.json', {...noPlace, lat: '50.9'}), 400);
    assertError(await post('/requests.json', {...noPlace, address_id: '999999'}), 400);
    assertError(await post('/requests.json',
                           {...withKey, address_string: 'вулиця Неіснуюча, 999'}), 400);
    assertError(await post('/requests.json', {...withKey, 'attribute[colour]': 'red'}), 400);
    assertError(await post('/requests.json', {...withKey, 'attribute[anonymous]': 'maybe'}), 400);
    assertError(await post('/requests.json', {...withKey, media_url: 'javascript:alert(1)'}), 400);
    assertError(await post('/requests.json', {...withKey, description: ''}), 400);
    assertError(await post('/requests.json', {...withKey, phone: 'not a phone'}), 400);
  });

  describe('a request filed, polled by token, acted on by a moderator, read back', () => {
    let filed;  // {service_request_id, token}
    let appealId;

    test('POST files it through the workflow and answers id and token', async () => {
      const r = await post('/requests.json', {...GOOD, api_key: key});
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.length, 1);
      filed = r.body[0];
      assert.equal(typeof filed.service_request_id, 'string');
      assert.equal(typeof filed.token, 'string');
      assert.ok(filed.token.length >= 20);
      appealId = filed.service_request_id;

      // The same AppealService path as every channel: the city's rules
      // routed it and set its deadline.
      const admin = await Panel.signIn('admin', adminPassword);
      const card = await admin.call('GET', `/api/v1/appeals/${appealId}`);
      assert.equal(card.status, 200, JSON.stringify(card.body));
      assert.equal(card.body.channel, 'open311');
      assert.equal(card.body.category, SERVICE);
      assert.ok(card.body.executors.includes('infra'), JSON.stringify(card.body.executors));
      assert.equal(card.body.type, 'emergency');
      assert.ok(card.body.resolve_due);
      assert.equal(card.body.address.flat, '5');
      assert.equal(card.body.address.entrance, '2');
      assert.ok(card.body.comments.some((c) => c.text.includes(GOOD.media_url)),
                'staff see the media URL on the card');
    });

    test('the token names the request at once', async () => {
      const t = await get(`/tokens/${filed.token}.json`);
      assert.equal(t.status, 200, t.text);
      assert.deepEqual(t.body, [{service_request_id: filed.service_request_id, token: filed.token}]);
      const x = parseXml((await get(`/tokens/${filed.token}.xml`)).text);
      assert.equal(x.service_requests.request.service_request_id, filed.service_request_id);
      assertError(await get('/tokens/no-such-token.json'), 404);
    });

    test('GET requests/{id}: valid, strings, published as filed, no personal data', async () => {
      const r = await get(`/requests/${appealId}.json`);
      assert.equal(r.status, 200, r.text);
      assertValid('requests', r.body);
      const q = r.body[0];
      assert.equal(q.service_request_id, appealId);
      assert.equal(q.status, 'open');
      assert.equal(q.service_code, SERVICE);
      assert.equal(q.description, GOOD.description);
      assert.equal(q.media_url, GOOD.media_url);
      assert.equal(typeof q.address_id, 'string');
      assert.match(q.address, /Соборна, 10/);
      assert.ok(!JSON.stringify(r.body).includes('olena@example.org'));
      assert.ok(!JSON.stringify(r.body).includes('Коваль'));
      assert.ok(!/кв|flat/i.test(q.address), 'no flat in the public address');
      assertError(await get('/requests/999999.json'), 404);
    });

    test('a moderator of the service acts on it in the panel (session + CSRF)', async () => {
      const admin = await Panel.signIn('admin', adminPassword);
      const made = await admin.call('POST', '/api/v1/users', {
        login: 'open311-moderator', name: 'Модератор інфраструктури', role: 'moderator',
        services: ['infra'], password: 'open311-correct-horse-battery'});
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const mod = await Panel.signIn('open311-moderator', 'open311-correct-horse-battery');
      const noCsrf = await mod.call('POST', `/api/v1/appeals/${appealId}/transitions`,
                                    {action: 'take_into_work'}, {csrf: false});
      assert.equal(noCsrf.status, 403);
      const moved = await mod.call('POST', `/api/v1/appeals/${appealId}/transitions`,
                                   {action: 'take_into_work', note: 'Бригада виїхала'});
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      const said = await mod.call('POST', `/api/v1/appeals/${appealId}/comments`,
                                  {text: 'Ліфт запустять до вечора', visible_to_resident: true});
      assert.equal(said.status, 201, JSON.stringify(said.body));
      const internal = await mod.call('POST', `/api/v1/appeals/${appealId}/comments`,
                                      {text: 'Внутрішня примітка для служби', visible_to_resident: false});
      assert.equal(internal.status, 201);
    });

    test('read back with extensions=true: the notes of the timeline, JSON = XML', async () => {
      const r = await get(`/requests/${appealId}.json?extensions=true`);
      assert.equal(r.status, 200, r.text);
      assertValid('requests', r.body);
      const q = r.body[0];
      assert.equal(q.status, 'open');
      assert.equal(q.status_notes, 'Бригада виїхала');
      const ext = q.extended_attributes;
      assert.equal(ext.vikno_status, 'in_work');
      assert.equal(ext.status_extended, 'IN_PROGRESS');
      const notes = ext.notes;
      assert.deepEqual(notes.map((n) => n.type), ['status', 'status', 'comment']);
      assert.equal(notes[0].vikno_status, 'new');
      assert.equal(notes[1].vikno_status, 'in_work');
      assert.equal(notes[1].description, 'Бригада виїхала');
      assert.equal(notes[2].description, 'Ліфт запустять до вечора');
      assert.ok(!r.text.includes('Внутрішня примітка'), 'internal comments stay internal');
      assert.ok(!r.text.includes(GOOD.media_url + '"') || q.media_url === GOOD.media_url);
      for (const n of notes) assert.equal(typeof n.update_id, 'string');

      const xr = await get(`/requests/${appealId}.xml?extensions=true`);
      assert.equal(xr.type, 'text/xml; charset=utf-8');
      const xq = parseXml(xr.text).service_requests.request;
      for (const field of ['service_request_id', 'status', 'status_notes', 'service_name',
                           'service_code', 'description', 'agency_responsible',
                           'requested_datetime', 'updated_datetime', 'expected_datetime',
                           'address', 'address_id', 'media_url']) {
        assert.equal(xq[field], q[field], field);
      }
      assert.equal(Number(xq.lat), q.lat);
      const xnotes = asList(xq.extended_attributes.notes.note);
      assert.deepEqual(xnotes.map((n) => n.description), notes.map((n) => n.description));
    });

    test('servicerequestupdates lists the changes since a date (FixMyStreet pull)', async () => {
      const since = new Date(Date.now() - 3600e3).toISOString().replace(/\.\d+Z$/, 'Z');
      const r = await get(`/servicerequestupdates.json?start_date=${since}`);
      assert.equal(r.status, 200, r.text);
      const mine = r.body.filter((u) => u.service_request_id === appealId);
      assert.deepEqual(mine.map((u) => u.status), ['OPEN', 'IN_PROGRESS', 'IN_PROGRESS']);
      assert.equal(mine[1].description, 'Бригада виїхала');
      assert.equal(mine[2].description, 'Ліфт запустять до вечора');
      for (const u of mine) {
        assert.equal(typeof u.update_id, 'string');
        assert.ok(!Number.isNaN(Date.parse(u.updated_datetime)));
      }
      const x = parseXml((await get(`/servicerequestupdates.xml?start_date=${since}`)).text);
      const xmine = asList(x.service_requests_updates.request_update)
          .filter((u) => u.service_request_id === appealId);
      assert.deepEqual(xmine.map((u) => u.update_id), mine.map((u) => u.update_id));
      const future = new Date(Date.now() + 3600e3).toISOString().replace(/\.\d+Z$/, 'Z');
      const none = await get(`/servicerequestupdates.json?start_date=${future}`);
      assert.deepEqual(none.body, []);
    });

    test('GET requests: filters, 90-day rule, paging; every answer valid', async () => {
      // A second one through XML, anonymous, located by lat/long only.
      const x = await post('/requests.xml', {api_key: key, service_code: SERVICE,
                                             description: NASTY, lat: '50.9077',
                                             long: '34.7981', 'attribute[anonymous]': 'yes'});
      assert.equal(x.status, 200, x.text);
      const second = parseXml(x.text).service_requests.request.service_request_id;
      assert.ok(second && second !== appealId);
      // Markup and control characters in what a client sent stay text in both formats.
      const sj = await get(`/requests/${second}.json`);
      assert.equal(sj.body[0].description, NASTY);
      assert.equal(sj.body[0].address, null);  // located by lat/long only
      assert.equal(sj.body[0].lat, 50.9077);
      const sx = parseXml((await get(`/requests/${second}.xml`)).text).service_requests.request;
      assert.equal(sx.description, NASTY.replace(/\r\n?/g, '\n'));

      const all = await get('/requests.json');
      assert.equal(all.status, 200);
      assertValid('requests', all.body);
      const ids = all.body.map((q) => q.service_request_id);
      assert.ok(ids.includes(appealId) && ids.includes(second));
      for (const q of all.body) assert.equal(typeof q.service_request_id, 'string');

      const byIds = await get(`/requests.json?service_request_id=${second},${appealId}`);
      assertValid('requests', byIds.body);
      assert.deepEqual(byIds.body.map((q) => q.service_request_id).sort(), [appealId, second].sort());

      const bycode = await get(`/requests.json?service_code=${SERVICE}&status=open`);
      assertValid('requests', bycode.body);
      assert.ok(bycode.body.every((q) => q.service_code === SERVICE && q.status === 'open'));
      const closed = await get('/requests.json?status=closed');
      assert.ok(closed.body.every((q) => q.status === 'closed'));
      assert.ok(!closed.body.some((q) => q.service_request_id === appealId));
      assertError(await get('/requests.json?status=done'), 400);
      assertError(await get('/requests.json?service_code=no/such'), 404);

      const page1 = await get('/requests.json?page_size=1&page=1');
      const page2 = await get('/requests.json?page_size=1&page=2');
      assert.equal(page1.body.length, 1);
      assert.equal(page2.body.length, 1);
      assert.notEqual(page1.body[0].service_request_id, page2.body[0].service_request_id);
      assertError(await get('/requests.json?page_size=1001'), 400);

      assertError(await get('/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:01Z'), 400);
      assertError(await get('/requests.json?start_date=2026-05-01T00:00:00Z&end_date=2026-04-01T00:00:00Z'), 400);
      assertError(await get('/servicerequestupdates.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z'), 400);
      assertError(await get('/requests.json?start_date=yesterday'), 400);
      const within = await get('/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-03-31T00:00:00Z');
      assert.equal(within.status, 200);
      assert.deepEqual(within.body, []);

      const xall = parseXml((await get('/requests.xml')).text);
      assert.equal(asList(xall.service_requests.request).length, all.body.length);
    });
  });

  // Security review: the public GET must not pinpoint a resident who never
  // published anything. A chat resident's shared location is where they
  // stood (often home); the public sees the building level only (~100 m).
  test('a non-Open311 appeal is public at building level: no text, no flat, no exact pin', async () => {
    const admin = await Panel.signIn('admin', adminPassword);
    const made = await admin.call('POST', '/api/v1/appeals', {
      channel: 'phone', description: 'Телефон 0501234567, Коваль Степан, кв. 77',
      category: SERVICE,
      address: {street: 'вул. Соборна', house: '14', flat: '77',
                point: {lat: 50.9077123, lon: 34.7981456}},
      resident: {name: 'Коваль Степан', phone: '+380501234567'},
      consent: {text_version: 'privacy.notice/uk/phone'}});
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const r = await get(`/requests/${made.body.number}.json?extensions=true`);
    assert.equal(r.status, 200, r.text);
    const q = r.body[0];
    assert.equal(q.description, null);
    assert.ok(!r.text.includes('Коваль') && !r.text.includes('0501234567'), r.text);
    assert.equal(q.address, 'вул. Соборна, 14');  // no flat
    assert.equal(q.lat, 50.908);
    assert.equal(q.long, 34.798);
    const x = parseXml((await get(`/requests/${made.body.number}.xml`)).text);
    const xq = asList(x.service_requests.request)[0];
    assert.equal(Number(xq.lat), 50.908);
    assert.equal(Number(xq.long), 34.798);
  });

  // Security review: an operator's call note (002 §6.1.5) is staff-internal
  // (the cabinet hides it too); on the public GET it would carry what the
  // resident said on the phone, with their number.
  test('a phone confirmation note of an Open311 appeal is not published', async () => {
    const filed = await post('/requests.json', {...GOOD, api_key: key});
    assert.equal(filed.status, 200, filed.text);
    const id = filed.body[0].service_request_id;
    const admin = await Panel.signIn('admin', adminPassword);
    const appeal = (await admin.call('GET', `/api/v1/appeals/${id}`)).body;  // number = id here
    assert.equal(appeal.number, id, JSON.stringify(appeal));
    for (const [action, note] of [['take_into_work', ''], ['send_for_confirmation', 'Ліфт працює'],
                                  ['confirm_by_phone', 'Дзвонили на 0509998877, Олена: все добре']]) {
      const moved = await admin.call('POST', `/api/v1/appeals/${appeal.id}/transitions`,
                                     {action, note});
      assert.equal(moved.status, 200, `${action}: ${JSON.stringify(moved.body)}`);
    }
    const r = await get(`/requests/${id}.json?extensions=true`);
    assert.equal(r.status, 200, r.text);
    assert.ok(!r.text.includes('0509998877'), r.text);
    assert.equal(r.body[0].status, 'closed');
    const notes = r.body[0].extended_attributes.notes;
    assert.equal(notes.at(-1).vikno_status, 'completed');
    assert.equal(notes.at(-1).description, 'Завершена');  // the status's label
    assert.equal(notes.find((n) => n.vikno_status === 'awaiting_confirmation').description,
                 'Ліфт працює');  // the answer to the resident stays public
    const updates = await get('/servicerequestupdates.json');
    assert.equal(updates.status, 200, updates.text);
    assert.ok(!updates.text.includes('0509998877'), updates.text);
  });

  test('panel key management: administrators only, CSRF, secret shown once, revoke works', async () => {
    const admin = await Panel.signIn('admin', adminPassword);
    const mod = await Panel.signIn('open311-moderator', 'open311-correct-horse-battery');
    assert.equal((await mod.call('GET', '/api/v1/open311-keys')).status, 403);
    assert.equal((await mod.call('POST', '/api/v1/open311-keys', {label: 'x'})).status, 403);
    assert.equal((await admin.call('POST', '/api/v1/open311-keys', {label: 'x'}, {csrf: false})).status, 403);
    assert.equal((await admin.call('POST', '/api/v1/open311-keys', {})).status, 422);
    assert.equal((await admin.call('POST', '/api/v1/open311-keys', {label: 'x', role: 'a'})).status, 400);

    const issued = await admin.call('POST', '/api/v1/open311-keys', {label: 'FixMyStreet Суми'});
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    const secret = issued.body.secret;
    assert.match(secret, /^o311_/);
    const list = await admin.call('GET', '/api/v1/open311-keys');
    assert.equal(list.status, 200);
    const row = list.body.items.find((k) => k.id === issued.body.id);
    assert.equal(row.label, 'FixMyStreet Суми');
    assert.equal(row.active, true);
    assert.ok(!JSON.stringify(list.body).includes(secret), 'the secret is never shown again');
    assert.ok(list.body.items.some((k) => k.label === 'A retired app' && !k.active));

    const ok = await post('/requests.json', {...GOOD, api_key: secret});
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await mod.call('POST', `/api/v1/open311-keys/${issued.body.id}/revoke`)).status, 403);
    const revoked = await admin.call('POST', `/api/v1/open311-keys/${issued.body.id}/revoke`);
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assert.equal(revoked.body.active, false);
    assert.equal((await admin.call('POST', `/api/v1/open311-keys/${issued.body.id}/revoke`)).status, 409);
    assert.equal((await admin.call('POST', '/api/v1/open311-keys/999/revoke')).status, 404);
    assertError(await post('/requests.json', {...GOOD, api_key: secret}), 403);
  });
});
