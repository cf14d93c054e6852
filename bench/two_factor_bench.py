#!/usr/bin/env python3
# The cost of staff two-factor sign-in (B10, docs/two-factor.md) against a
# real `vikno serve` on a temporary SQLite store with the default argon2id
# cost: each step's wall time as the client sees it and the host's CPU time
# (utime+stime from /proc/<pid>/stat), per request, over 12 administrators.
#   python3 bench/two_factor_bench.py build/vikno [port]   (from the source root)
import base64, hashlib, hmac, http.client, json, os, shutil, struct, subprocess, sys, tempfile, time

VIKNO = sys.argv[1]
SOURCE = os.getcwd()
d = tempfile.mkdtemp(prefix='vikno-2fa-bench-')
os.makedirs(d + '/data', exist_ok=True)
port = int(sys.argv[2]) if len(sys.argv) > 2 else 18431
open(d + '/v.yaml', 'w').write(f"""data_dir: {d}/data
rules_dir: {SOURCE}/rules/sumy
messages_dir: {SOURCE}/config/messages
log_level: warning
http:
  listen: "127.0.0.1:{port}"
  web_dir: {SOURCE}/web
api_keys:
  - name: admin
    role: administrator
    services: []
    secret: "bench-admin-key-0123456789"
accounts:
  free_failures: 50
  lockout_failures: 100
  two_factor:
    secret_key: "bench-seal-key-0123456789abcdef"
""")
p = subprocess.Popen([VIKNO, 'serve', '--config', d + '/v.yaml'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(100):
    try:
        c = http.client.HTTPConnection('127.0.0.1', port); c.request('GET', '/healthz'); c.getresponse().read(); break
    except Exception: time.sleep(0.1)

def ticks():
    f = open(f'/proc/{p.pid}/stat').read().split(')')[1].split()
    return int(f[11]) + int(f[12])

def call(method, path, body=None, cookie=None, csrf=None, key=False):
    c = http.client.HTTPConnection('127.0.0.1', port)
    h = {'Origin': f'http://127.0.0.1:{port}'}
    if body is not None: h['Content-Type'] = 'application/json'
    if cookie: h['Cookie'] = 'vikno_session=' + cookie
    if csrf: h['X-CSRF-Token'] = csrf
    if key: h['Authorization'] = 'Bearer bench-admin-key-0123456789'
    c.request(method, path, json.dumps(body) if body is not None else None, h)
    r = c.getresponse(); data = r.read()
    sc = r.getheader('Set-Cookie') or ''
    ck = sc.split(';')[0].split('=', 1)[1] if sc.startswith('vikno_session=') else None
    return r.status, (json.loads(data) if data else None), ck

def totp(secret, steps=0):
    key = base64.b32decode(secret + '=' * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack('>Q', int(time.time()) // 30 + steps), hashlib.sha1).digest()
    o = mac[-1] & 15
    return '%06d' % ((struct.unpack('>I', mac[o:o + 4])[0] & 0x7fffffff) % 1000000)

def timed(label, fn, n):
    t0, c0 = time.perf_counter(), ticks()
    out = [fn(i) for i in range(n)]
    wall = (time.perf_counter() - t0) / n * 1000
    cpu = (ticks() - c0) * 10 / n  # 100 Hz ticks -> ms
    print(f'{label:55s} n={n:3d} wall {wall:7.1f} ms  host CPU {cpu:7.1f} ms')
    return out

users = []
for i in range(12):
    s, b, _ = call('POST', '/api/v1/users', {'login': f'boss{i}', 'name': 'B', 'role': 'administrator', 'password': 'correct horse battery'}, key=True)
    assert s == 201, (s, b)
    users.append(f'boss{i}')

def first(i):
    s, b, ck = call('POST', '/api/v1/session', {'login': users[i], 'password': 'correct horse battery'})
    assert s == 200 and b['stage'] == 'enrol', b
    return ck, b['csrf_token']
enrol_sessions = timed('password step (argon2id t=2 m=32MiB), stage enrol', first, 12)

def begin(i):
    ck, csrf = enrol_sessions[i]
    s, b, _ = call('POST', '/api/v1/session/two-factor/enrol', {}, ck, csrf)
    assert s == 200
    return b['secret']
secrets = timed('enrol: secret + seal + QR', begin, 12)

def confirm(i):
    ck, csrf = enrol_sessions[i]
    s, b, nck = call('POST', '/api/v1/session/two-factor/confirm', {'code': totp(secrets[i])}, ck, csrf)
    assert s == 200, b
    return b['recovery_codes']
recovery = timed('confirm: first code + 10 argon2id recovery hashes', confirm, 12)

def pending(i):
    s, b, ck = call('POST', '/api/v1/session', {'login': users[i], 'password': 'correct horse battery'})
    assert s == 200 and b['stage'] == 'second_factor', b
    return ck, b['csrf_token']
pend = timed('password step, stage second_factor', pending, 12)

def code(i):
    ck, csrf = pend[i]
    s, b, _ = call('POST', '/api/v1/session/two-factor', {'code': totp(secrets[i], 1)}, ck, csrf)
    assert s == 200, b
timed('code step (TOTP verify + step CAS + new session)', code, 12)

pend = [pending(i) for i in range(12)]
def rec(i):
    ck, csrf = pend[i]
    s, b, _ = call('POST', '/api/v1/session/two-factor', {'recovery_code': recovery[i][9]}, ck, csrf)
    assert s == 200, b
timed('recovery code, the last of 10 (worst case: 10 verifies)', rec, 12)
p.terminate(); p.wait()
shutil.rmtree(d, ignore_errors=True)
print('load average:', open('/proc/loadavg').read().split()[:3])
