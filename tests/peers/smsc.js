// A test SMSC on loopback, built on the npm `smpp` package (0.5.1, pinned
// in package.json), for the SMS channel's tests (CHANNELS.md §3, §5).
//
//   SMSC_SYSTEM_ID=test SMSC_PASSWORD=secret SMSC_TPS=50 \
//     node tests/peers/smsc.js <smpp_port|0> <http_port|0>
//
// Prints "listening smpp 127.0.0.1:<port> http 127.0.0.1:<port>" once both
// accept connections. Stops on SIGTERM/SIGINT and when stdin closes.
//
// SMPP side (what a real SMSC does, as far as the tests need):
//   - bind_transceiver checks credentials: ESME_RINVSYSID (0x0F) for an
//     unknown system_id, ESME_RINVPASWD (0x0E) for a wrong password; a
//     request before a bind gets ESME_RINVBNDSTS (0x04);
//   - submit_sm gets a message_id (decimal from 1001, or hex with
//     SMSC_ID_FORMAT=hex) and, when registered_delivery is set, a receipt
//     deliver_sm (esm_class 0x04, "id:… stat:DELIVRD …" text, TLVs 0x001E
//     and 0x0427 unless SMSC_RECEIPT_TLVS=0; ids in the text are decimal);
//   - more than SMSC_TPS accepted submits in any 1 s window: ESME_RTHROTTLED (0x58);
//   - enquire_link, unbind, and generic_nack ESME_RINVCMDID for unknown PDUs;
//   - a deliver_sm (MO or receipt) answered with an error status, or not
//     answered within 2 s, is sent again (on another bound session of the
//     same account when its own link is gone).
// Library quirks handled here: its own requests default to interface_version
// 0x50 (we never bind as a client, and our bind_resp carries no version);
// it emits 'unknown' instead of nacking (answered below); a parse error
// stalls the session (we close it instead).
//
// Control API (HTTP, JSON):
//   POST /mo {"from","to","text"[,"system_id","ref","ref16":bool,"repeat":[seq..],
//             "order":[seq..],"split":67]}   push an MO as UCS-2 (dc 8); a text over
//             70 UTF-16 units goes as UDH-concatenated parts; "repeat" sends those
//             parts twice, "order" sends parts in that order.  → {"parts":n,"ref":r}
//   GET  /submitted         every accepted submit_sm, decoded, with its UDH IEs (hex)
//   GET  /events            PDUs received from ESMEs: [{command,status,sequence}]
//   GET  /sessions          {"bound":n,"binds":total}
//   POST /drop {"after_submits":n}   cut every link now, or right after
//             answering the n-th next accepted submit_sm. A cut link ignores
//             whatever it still receives (it was "lost in the network") and
//             closes after sending what it already answered.
//   POST /config {"tps":n,"fail_dest":"380…","receipt_delay_ms":n}
//   POST /raw {"hex":"…"}    write raw bytes to every bound session
'use strict';

const http = require('http');
const net = require('net');
const smpp = require('smpp');

const systemId = process.env.SMSC_SYSTEM_ID || 'test';
const password = process.env.SMSC_PASSWORD || 'secret';
let tps = Number(process.env.SMSC_TPS || 50);
const idHex = process.env.SMSC_ID_FORMAT === 'hex';
const receiptTlvs = process.env.SMSC_RECEIPT_TLVS !== '0';
let receiptDelayMs = Number(process.env.SMSC_RECEIPT_DELAY_MS || 20);
let failDest = null;

let nextId = 1001;
let binds = 0;
let dropAfter = null; // submits to go before a cut
const submitted = [];
const events = [];
const recent = []; // times of accepted submits, for the TPS window
const sessions = new Set();

function stamp(d) {
  const p = (n) => String(n).padStart(2, '0');
  return p(d.getUTCFullYear() % 100) + p(d.getUTCMonth() + 1) + p(d.getUTCDate()) +
      p(d.getUTCHours()) + p(d.getUTCMinutes());
}

function boundSessions(sid) {
  return [...sessions].filter((s) => s.bound && !s.cut && (!sid || s.systemId === sid));
}

function cut(session) {
  if (session.cut) return;
  session.cut = true;
  session.bound = false;
  // end(): FIN after the answers already written; keep reading (and
  // ignoring) so the kernel does not answer with RST and discard them.
  session.socket.end();
  setTimeout(() => session.socket.destroy(), 500);
}

function sendWithRetry(session, options, attempt) {
  if (!session.bound || session.cut) {
    // The ESME went away: hand the PDU to another bound session of the same account.
    const other = boundSessions(session.systemId)[0];
    if (!other) {
      setTimeout(() => sendWithRetry(session, options, attempt), 200);
      return;
    }
    session = other;
  }
  let answered = false;
  session.deliver_sm(Object.assign({}, options), (resp) => {
    answered = true;
    if (resp.command_status !== 0 && attempt < 20) {
      setTimeout(() => sendWithRetry(session, options, attempt + 1), 300);
    }
  });
  // No deliver_sm_resp (the link was cut): send it again, as SMSCs do.
  setTimeout(() => {
    if (!answered && attempt < 20) sendWithRetry(session, options, attempt + 1);
  }, 2000);
}

function receipt(session, record) {
  const failed = failDest && record.destination_addr === failDest;
  const decimalId = String(record.numeric_id).padStart(10, '0');
  const now = new Date();
  const text = `id:${decimalId} sub:001 dlvrd:${failed ? '000' : '001'} submit date:${stamp(now)}` +
      ` done date:${stamp(now)} stat:${failed ? 'UNDELIV' : 'DELIVRD'} err:${failed ? '001' : '000'} text:`;
  const options = {
    source_addr_ton: record.dest_addr_ton,
    source_addr_npi: record.dest_addr_npi,
    source_addr: record.destination_addr,
    dest_addr_ton: record.source_addr_ton,
    dest_addr_npi: record.source_addr_npi,
    destination_addr: record.source_addr,
    esm_class: 0x04,
    data_coding: 0,
    short_message: Buffer.from(text, 'ascii'),
  };
  if (receiptTlvs) {
    options.receipted_message_id = record.message_id;
    options.message_state = failed ? 5 : 2;
  }
  setTimeout(() => sendWithRetry(session, options, 0), receiptDelayMs);
}

const server = smpp.createServer((session) => {
  session.bound = false;
  session.cut = false;
  sessions.add(session);
  session.socket.on('close', () => sessions.delete(session));
  session.on('error', () => {
    // A parse error would stall the library's reader: close instead.
    sessions.delete(session);
    session.socket.destroy();
  });
  session.on('pdu', (pdu) => {
    if (session.cut) return;
    events.push({ command: pdu.command, status: pdu.command_status, sequence: pdu.sequence_number });
    if (events.length > 10000) events.shift();
    const before = ['bind_transceiver', 'enquire_link', 'unbind', 'unknown', 'generic_nack'];
    if (!session.bound && !pdu.isResponse() && !before.includes(pdu.command)) {
      session.send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
    }
  });
  session.on('bind_transceiver', (pdu) => {
    if (session.cut) return;
    if (pdu.system_id !== systemId) {
      session.send(pdu.response({ command_status: smpp.ESME_RINVSYSID }));
      return;
    }
    if (pdu.password !== password) {
      session.send(pdu.response({ command_status: smpp.ESME_RINVPASWD }));
      return;
    }
    session.bound = true;
    session.systemId = pdu.system_id;
    binds++;
    session.send(pdu.response({ system_id: 'vikno-smsc' }));
  });
  session.on('submit_sm', (pdu) => {
    if (session.cut || !session.bound) return;
    const now = Date.now();
    while (recent.length && now - recent[0] >= 1000) recent.shift();
    if (recent.length >= tps) {
      session.send(pdu.response({ command_status: smpp.ESME_RTHROTTLED }));
      return;
    }
    recent.push(now);
    const numeric = nextId++;
    const id = idHex ? numeric.toString(16) : String(numeric);
    const sm = pdu.short_message || {};
    const record = {
      message_id: id,
      numeric_id: numeric,
      system_id: session.systemId,
      source_addr: pdu.source_addr,
      source_addr_ton: pdu.source_addr_ton,
      source_addr_npi: pdu.source_addr_npi,
      destination_addr: pdu.destination_addr,
      dest_addr_ton: pdu.dest_addr_ton,
      dest_addr_npi: pdu.dest_addr_npi,
      esm_class: pdu.esm_class,
      data_coding: pdu.data_coding,
      registered_delivery: pdu.registered_delivery,
      udh: (sm.udh || []).map((b) => b.toString('hex')),
      text: typeof sm.message === 'string' ? sm.message : String(sm.message || ''),
      at: now,
    };
    submitted.push(record);
    session.send(pdu.response({ message_id: id }));
    if (pdu.registered_delivery & 0x01) receipt(session, record);
    if (dropAfter !== null && --dropAfter <= 0) {
      dropAfter = null;
      for (const s of [...sessions]) cut(s);
    }
  });
  session.on('enquire_link', (pdu) => {
    if (!session.cut) session.send(pdu.response());
  });
  session.on('unbind', (pdu) => {
    if (session.cut) return;
    session.bound = false;
    session.send(pdu.response());
    session.close();
  });
  session.on('unknown', (pdu) => {
    // The library emits this instead of nacking; pdu.response() is a generic_nack.
    if (!session.cut) session.send(pdu.response({ command_status: smpp.ESME_RINVCMDID }));
  });
});

// Splits UTF-16 code units into parts, never between a surrogate pair.
function splitUnits(text, per) {
  const units = [];
  for (let i = 0; i < text.length; i++) units.push(text.charCodeAt(i));
  if (units.length <= 70) return [units];
  const parts = [];
  let at = 0;
  while (at < units.length) {
    let n = Math.min(per, units.length - at);
    if (at + n < units.length && units[at + n - 1] >= 0xd800 && units[at + n - 1] <= 0xdbff) n--;
    parts.push(units.slice(at, at + n));
    at += n;
  }
  return parts;
}

function ucs2(units) {
  const b = Buffer.alloc(units.length * 2);
  units.forEach((u, i) => b.writeUInt16BE(u, i * 2));
  return b;
}

let moRef = 1;
function pushMo(body) {
  const targets = boundSessions(body.system_id);
  if (!targets.length) return { status: 409, json: { error: 'no bound session' } };
  const session = targets[0];
  const sixteen = !!body.ref16;
  const parts = splitUnits(String(body.text || ''), Number(body.split || (sixteen ? 66 : 67)));
  const ref = body.ref !== undefined ? Number(body.ref) : (moRef++ & (sixteen ? 0xffff : 0xff));
  const total = parts.length;
  const order = body.order || parts.map((_, i) => i + 1);
  const repeat = new Set(body.repeat || []);
  const sends = [];
  for (const seq of order) {
    sends.push(seq);
    if (repeat.has(seq)) sends.push(seq);
  }
  for (const seq of sends) {
    let payload = ucs2(parts[seq - 1]);
    let esm = 0;
    if (total > 1) {
      const udh = sixteen
          ? Buffer.from([0x06, 0x08, 0x04, (ref >> 8) & 0xff, ref & 0xff, total, seq])
          : Buffer.from([0x05, 0x00, 0x03, ref & 0xff, total, seq]);
      payload = Buffer.concat([udh, payload]);
      esm = 0x40;
    }
    sendWithRetry(session, {
      source_addr_ton: body.from_ton !== undefined ? body.from_ton : 1,
      source_addr_npi: 1,
      source_addr: String(body.from),
      dest_addr_ton: 0,
      dest_addr_npi: 0,
      destination_addr: String(body.to || ''),
      esm_class: esm,
      data_coding: 8,
      short_message: payload,
    }, 0);
  }
  return { status: 200, json: { parts: total, ref } };
}

const control = http.createServer((req, res) => {
  let data = '';
  req.on('data', (c) => { data += c; });
  req.on('end', () => {
    let body = {};
    try {
      body = data ? JSON.parse(data) : {};
    } catch (e) {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'bad JSON' }));
      return;
    }
    const reply = (status, json) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    const url = req.url.split('?')[0];
    if (req.method === 'POST' && url === '/mo') {
      const r = pushMo(body);
      return reply(r.status, r.json);
    }
    if (req.method === 'GET' && url === '/submitted') return reply(200, submitted);
    if (req.method === 'GET' && url === '/events') return reply(200, events);
    if (req.method === 'GET' && url === '/sessions') {
      return reply(200, { bound: boundSessions().length, binds });
    }
    if (req.method === 'POST' && url === '/drop') {
      if (body.after_submits) {
        dropAfter = Number(body.after_submits);
      } else {
        for (const s of [...sessions]) cut(s);
      }
      return reply(200, { ok: true });
    }
    if (req.method === 'POST' && url === '/config') {
      if (body.tps !== undefined) tps = Number(body.tps);
      if (body.fail_dest !== undefined) failDest = body.fail_dest;
      if (body.receipt_delay_ms !== undefined) receiptDelayMs = Number(body.receipt_delay_ms);
      return reply(200, { tps, fail_dest: failDest });
    }
    if (req.method === 'POST' && url === '/raw') {
      const bytes = Buffer.from(String(body.hex || ''), 'hex');
      for (const s of boundSessions()) s.socket.write(bytes);
      return reply(200, { ok: true });
    }
    return reply(404, { error: 'no such endpoint' });
  });
});

function listen(srv, port) {
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    net.Server.prototype.listen.call(srv, port, '127.0.0.1', () => resolve(srv.address().port));
  });
}

async function main() {
  const smppPort = await listen(server, Number(process.argv[2] || 0));
  const httpPort = await listen(control, Number(process.argv[3] || 0));
  process.stdout.write(`listening smpp 127.0.0.1:${smppPort} http 127.0.0.1:${httpPort}\n`);
  const stop = () => {
    for (const s of sessions) s.socket.destroy();
    server.close();
    control.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}

main().catch((e) => {
  process.stderr.write(`smsc: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
