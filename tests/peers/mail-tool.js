// Independent MIME encoder and decoder for the e-mail channel tests, both
// written by others: nodemailer's MailComposer builds what a resident's mail
// program would send; mailparser reads what the channel sent.
//
//   node tests/peers/mail-tool.js parse   < message.eml   -> JSON on stdout
//     {subject, from:{address,name}, to, messageId, inReplyTo, text, html,
//      attachments:[{filename, contentType, size, sha256}]}
//   node tests/peers/mail-tool.js compose < spec.json     -> message.eml
//     spec: nodemailer message fields; attachments[].contentBase64 holds the bytes
'use strict';

const crypto = require('crypto');
const { simpleParser } = require('mailparser');
const MailComposer = require('nodemailer/lib/mail-composer');

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (c) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks)));
    process.stdin.on('error', reject);
  });
}

async function main() {
  const input = await readStdin();
  if (process.argv[2] === 'parse') {
    const m = await simpleParser(input);
    const from = m.from && m.from.value[0] ? m.from.value[0] : { address: '', name: '' };
    process.stdout.write(JSON.stringify({
      subject: m.subject || '',
      from: { address: from.address || '', name: from.name || '' },
      to: m.to ? m.to.text : '',
      messageId: (m.messageId || '').replace(/^<|>$/g, ''),
      inReplyTo: m.inReplyTo || '',
      text: m.text || '',
      html: m.html || '',
      attachments: (m.attachments || []).map((a) => ({
        filename: a.filename || '',
        contentType: a.contentType || '',
        size: a.size,
        sha256: crypto.createHash('sha256').update(a.content).digest('hex'),
      })),
    }));
  } else if (process.argv[2] === 'compose') {
    const spec = JSON.parse(input.toString('utf8'));
    for (const a of spec.attachments || []) {
      if (a.contentBase64 !== undefined) {
        a.content = Buffer.from(a.contentBase64, 'base64');
        delete a.contentBase64;
      }
    }
    const raw = await new MailComposer(spec).compile().build();
    process.stdout.write(raw);
  } else {
    process.stderr.write('usage: mail-tool.js parse|compose\n');
    process.exit(2);
  }
}

main().catch((e) => {
  process.stderr.write(`mail-tool: ${e.stack || e}\n`);
  process.exit(1);
});
