// Starts telegram-test-api (a third-party Bot API emulator; its npm package
// has no CLI of its own) on loopback for the integration tests.
//
//   node tests/peers/telegram-emulator.js <port|0> [host]
//
// Port 0 picks a free port. Prints "listening <host>:<port>" on stdout once
// the emulator accepts connections. Stops on SIGTERM/SIGINT and when stdin
// closes, so a test that dies does not leave it running.
'use strict';

const net = require('net');
const TelegramServer = require('telegram-test-api');

// The emulator POSTs each update to a bot's webhook and rejects the promise
// when that fails (refused, non-2xx). Nobody awaits it, and Node 15+ ends
// the process on an unhandled rejection; log it and keep serving instead.
process.on('unhandledRejection', (reason) => {
  const text = reason && reason.message ? reason.message : String(reason);
  process.stderr.write(`telegram-emulator: webhook delivery failed: ${text}\n`);
});

function freePort(host) {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function main() {
  const host = process.argv[3] || '127.0.0.1';
  let port = Number(process.argv[2] || 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`telegram-emulator: bad port '${process.argv[2]}'\n`);
    process.exit(2);
  }
  if (port === 0) port = await freePort(host);
  const server = new TelegramServer({ port, host, storeTimeout: 600 });
  await server.start();
  process.stdout.write(`listening ${host}:${port}\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}

main().catch((e) => {
  process.stderr.write(`telegram-emulator: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
