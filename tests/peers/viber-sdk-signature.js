// The official Viber SDK's (npm viber-bot, pinned in package.json) own
// signature function, for the Viber channel tests to cross-check against.
// The SDK's HTTP middleware cannot serve as the reference (it reads the
// header under a name Node never produces, CHANNELS.md §5), so this calls
// its MessageValidator directly, on the body as the middleware hands it
// over (the raw bytes decoded as UTF-8 by chunk.toString()).
//
// stdin: {"token": "...", "bodies": ["<base64>", ...], "claimed": ["<hex>", ...]}
// stdout: {"signatures": ["<hex>", ...], "valid": [true|false, ...]}
//   signatures[i]: the SDK's HMAC of bodies[i];
//   valid[i]: the SDK's validateMessage(claimed[i], bodies[i]).
'use strict';
const MessageValidator = require('viber-bot/lib/message/message-validator');

const silent = { debug() {}, info() {}, warn() {}, error() {} };
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const request = JSON.parse(input);
  const validator = new MessageValidator(silent, request.token);
  const bodies = request.bodies.map((b) => Buffer.from(b, 'base64').toString());
  const out = {
    signatures: bodies.map((body) => validator._calculateHmacFromMessage(body)),
    valid: bodies.map((body, i) => validator.validateMessage((request.claimed || [])[i], body)),
  };
  process.stdout.write(JSON.stringify(out));
});
