// The SMTP peer of the e-mail channel tests: npm smtp-server (a real SMTP
// implementation written by others) on loopback, with a thin policy here.
//
//   node tests/peers/smtp-sink.js <port|0>
//
// Environment:
//   SMTP_USER, SMTP_PASS  when set, AUTH PLAIN/LOGIN is required and checked
//   SMTP_TLS_KEY/CERT     PEM files offered with STARTTLS (default: the
//                         package's built-in self-signed certificate)
//   SMTP_NO_STARTTLS=1    STARTTLS is not offered
//   SMTP_RATE             messages per second accepted (token bucket, 1 s of
//                         burst); MAIL FROM above it gets 451 4.7.0
//   SINK_DIR              each accepted message is written as <n>.eml with
//                         <n>.json ({from, to, messageId, size, secure, user})
//   DOVECOT_CONF          hand each recipient in LOCAL_DOMAIN (default
//   LOCAL_DOMAIN          city.test) to dovecot-lda with this config; a
//   DOVECOT_LDA           failed hand-over answers 451 so nothing is lost
// Recipients starting with "reject@" get 550 5.1.1.
//
// Prints "listening 127.0.0.1:<port>" once it accepts connections; stops
// on SIGTERM/SIGINT and when stdin closes.
'use strict';

const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { SMTPServer } = require('smtp-server');

const env = process.env;
const rate = Number(env.SMTP_RATE || 0);
const sinkDir = env.SINK_DIR || '';
const localDomain = (env.LOCAL_DOMAIN || 'city.test').toLowerCase();
const lda = env.DOVECOT_LDA || '/usr/lib/dovecot/dovecot-lda';
let seq = 0;

// Token bucket: `rate` tokens per second, at most `rate` stored.
let tokens = rate;
let refilled = process.hrtime.bigint();
function takeToken() {
  if (!rate) return true;
  const now = process.hrtime.bigint();
  tokens = Math.min(rate, tokens + (Number(now - refilled) / 1e9) * rate);
  refilled = now;
  if (tokens < 1) return false;
  tokens -= 1;
  return true;
}

function smtpError(code, text) {
  const err = new Error(text);
  err.responseCode = code;
  return err;
}

function deliverLocal(raw, from, rcpt) {
  return new Promise((resolve) => {
    const child = spawn(lda, ['-c', env.DOVECOT_CONF, '-d', rcpt.split('@')[0], '-f', from || 'MAILER-DAEMON'],
                        { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', (e) => resolve(e.message));
    child.on('close', (code) => resolve(code === 0 ? null : `dovecot-lda exit ${code}: ${stderr.trim()}`));
    child.stdin.on('error', () => {});
    child.stdin.end(raw);
  });
}

const options = {
  banner: 'vikno test SMTP sink',
  authMethods: ['PLAIN', 'LOGIN'],
  authOptional: !env.SMTP_USER,
  allowInsecureAuth: true,
  disabledCommands: env.SMTP_NO_STARTTLS === '1' ? ['STARTTLS'] : [],
  size: 50 * 1024 * 1024,
  logger: false,
  onAuth(auth, session, callback) {
    if (auth.username === env.SMTP_USER && auth.password === env.SMTP_PASS) {
      return callback(null, { user: auth.username });
    }
    return callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
  },
  onMailFrom(address, session, callback) {
    if (!takeToken()) return callback(smtpError(451, '4.7.0 Rate limit exceeded, try again later'));
    return callback();
  },
  onRcptTo(address, session, callback) {
    if (address.address.toLowerCase().startsWith('reject@')) {
      return callback(smtpError(550, '5.1.1 No such user here'));
    }
    return callback();
  },
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', async () => {
      if (stream.sizeExceeded) return callback(smtpError(552, '5.3.4 Message too big'));
      const raw = Buffer.concat(chunks);
      const head = raw.toString('latin1', 0, Math.min(raw.length, 64 * 1024));
      const idMatch = /^message-id:\s*<([^>]*)>/im.exec(head);
      const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      const to = session.envelope.rcptTo.map((r) => r.address);
      if (env.DOVECOT_CONF) {
        for (const rcpt of to) {
          if (!rcpt.toLowerCase().endsWith('@' + localDomain)) continue;
          const problem = await deliverLocal(raw, from, rcpt);
          if (problem) {
            process.stderr.write(`smtp-sink: ${problem}\n`);
            return callback(smtpError(451, '4.3.0 Local delivery failed'));
          }
        }
      }
      seq += 1;
      if (sinkDir) {
        const base = path.join(sinkDir, String(seq).padStart(6, '0'));
        fs.writeFileSync(base + '.eml', raw);
        fs.writeFileSync(base + '.json', JSON.stringify({
          from, to, messageId: idMatch ? idMatch[1] : '', size: raw.length,
          secure: Boolean(session.secure), user: session.user || '',
        }));
      }
      return callback(null, `2.0.0 Accepted as ${seq}`);
    });
  },
};
if (env.SMTP_TLS_KEY) options.key = fs.readFileSync(env.SMTP_TLS_KEY);
if (env.SMTP_TLS_CERT) options.cert = fs.readFileSync(env.SMTP_TLS_CERT);

const server = new SMTPServer(options);
server.on('error', (e) => process.stderr.write(`smtp-sink: ${e.message}\n`));
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  const { address, port } = server.server.address();
  process.stdout.write(`listening ${address}:${port}\n`);
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
