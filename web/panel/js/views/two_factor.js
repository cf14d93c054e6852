// Two-factor sign-in (B10, docs/two-factor.md): the second step of signing in
// (a code from the authenticator app, or a recovery code), and the page
// "Двофакторний вхід" where a member of staff sets it up (secret as text and
// otpauth link, confirmed by a first code; ten recovery codes shown once) or
// turns it off (password and a current code). A role that must have it sees
// only this page until it is set up (the server refuses every other API).
import {ApiError, get, post} from '../api.js';
import {h, field} from '../dom.js';
import {t} from '../i18n.js';
import {signedIn} from '../app.js';

// The code input both forms use: six digits, the browser may offer the
// code from an SMS-like source (autocomplete one-time-code).
function codeInput() {
  return h('input', {name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code',
                     pattern: '[0-9]{6}', maxlength: 6, required: true});
}

function refusalText(e, errorText) {
  if (e instanceof ApiError && e.code === 'bad_code') return t('totp.panel.bad_code');
  if (e instanceof ApiError && e.status === 429) return t('totp.panel.throttled');
  if (e instanceof ApiError && e.code === 'bad_credentials') return t('totp.panel.bad_password');
  return errorText(e);
}

// The second step after the password (the session's stage "second_factor").
// `done(session)` is called with the full session.
export function renderSecondStep(view, {errorText}, done) {
  const code = codeInput();
  const recovery = h('input', {name: 'recovery_code', autocomplete: 'off', required: true});
  const recoveryField = field(t('totp.panel.recovery_code'), recovery);
  const codeField = field(t('totp.panel.code'), code, t('totp.panel.code_hint'));
  recoveryField.hidden = true;
  recovery.disabled = true;
  const message = h('p', {class: 'error', role: 'alert', hidden: true});
  const toggle = h('button', {type: 'button', class: 'link', id: 'use-recovery'},
                   t('totp.panel.use_recovery'));
  toggle.addEventListener('click', () => {
    const useRecovery = recoveryField.hidden;
    recoveryField.hidden = !useRecovery;
    recovery.disabled = !useRecovery;
    codeField.hidden = useRecovery;
    code.disabled = useRecovery;
    toggle.textContent = t(useRecovery ? 'totp.panel.use_code' : 'totp.panel.use_recovery');
    (useRecovery ? recovery : code).focus();
  });
  const button = h('button', {type: 'submit', class: 'primary'}, t('totp.panel.verify'));
  const form = h('form', {class: 'login card-box', id: 'totp-form'},
                 h('h1', {}, t('totp.panel.second_step_title')),
                 h('p', {}, t('totp.panel.second_step_text')),
                 codeField, recoveryField, message, toggle, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    message.hidden = true;
    try {
      const body = code.disabled ? {recovery_code: recovery.value.trim()} : {code: code.value.trim()};
      const session = await post('/api/v1/session/two-factor', body);
      await done(session);
    } catch (e) {
      message.textContent = e instanceof ApiError && e.code === 'session_expired'
        ? t('totp.panel.expired') : refusalText(e, errorText);
      message.hidden = false;
      code.value = '';
      recovery.value = '';
    } finally {
      button.disabled = false;
    }
  });
  view.append(form);
  code.focus();
}

// The otpauth URI's QR code, drawn from the server's module rows ('1' dark)
// as one SVG path: no image data, nothing parsed as markup.
function qrCode(rows) {
  const ns = 'http://www.w3.org/2000/svg';
  const quiet = 4;  // the white border scanners need (ISO/IEC 18004)
  const size = rows.length + 2 * quiet;
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('width', '200');
  svg.setAttribute('height', '200');
  svg.setAttribute('id', 'totp-qr');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('totp.panel.qr'));
  const background = document.createElementNS(ns, 'rect');
  background.setAttribute('width', String(size));
  background.setAttribute('height', String(size));
  background.setAttribute('fill', '#fff');
  let d = '';
  rows.forEach((row, y) => {
    for (let x = 0; x < row.length; ++x) {
      if (row[x] === '1') d += `M${x + quiet} ${y + quiet}h1v1h-1z`;
    }
  });
  const modules = document.createElementNS(ns, 'path');
  modules.setAttribute('d', d);
  modules.setAttribute('fill', '#000');
  svg.append(background, modules);
  return svg;
}

// "abcd efgh ..." groups of four, as the apps show a typed key.
function grouped(secret) {
  return secret.replace(/(.{4})/g, '$1 ').trim();
}

async function renderEnrol(box, ctx) {
  const {flash, errorText, navigate} = ctx;
  const start = h('button', {type: 'button', class: 'primary', id: 'totp-start'},
                  t('totp.panel.start'));
  box.append(h('p', {}, t('totp.panel.intro')), start);
  start.addEventListener('click', async () => {
    start.disabled = true;
    let enrolment;
    try {
      enrolment = await post('/api/v1/session/two-factor/enrol');
    } catch (e) {
      flash(errorText(e), 'error');
      start.disabled = false;
      return;
    }
    start.remove();
    const code = codeInput();
    const message = h('p', {class: 'error', role: 'alert', hidden: true});
    const confirm = h('button', {type: 'submit', class: 'primary'}, t('totp.panel.confirm'));
    const form = h('form', {id: 'totp-confirm'},
      h('ol', {},
        h('li', {}, t('totp.panel.step_app')),
        h('li', {}, t('totp.panel.step_scan'),
          h('div', {class: 'qr'}, enrolment.qr && enrolment.qr.length ? qrCode(enrolment.qr) : null),
          t('totp.panel.step_key'), ' ',
          h('code', {id: 'totp-secret', 'data-secret': enrolment.secret}, grouped(enrolment.secret)),
          ' ', h('a', {href: enrolment.uri, id: 'totp-uri'}, t('totp.panel.open_in_app'))),
        h('li', {}, t('totp.panel.step_code'))),
      field(t('totp.panel.code'), code), message, confirm);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      confirm.disabled = true;
      message.hidden = true;
      try {
        const result = await post('/api/v1/session/two-factor/confirm', {code: code.value.trim()});
        // An enrol-stage session was replaced by a full one: adopt it.
        if (result.user) await signedIn(result);
        form.replaceWith(recoveryCodes(result.recovery_codes || [], navigate));
        flash(t('totp.panel.enabled'));
      } catch (e) {
        message.textContent = refusalText(e, errorText);
        message.hidden = false;
        code.value = '';
        confirm.disabled = false;
      }
    });
    box.append(form);
    code.focus();
  });
}

function recoveryCodes(codes, navigate) {
  const done = h('button', {type: 'button', class: 'primary', id: 'totp-done'},
                 t('totp.panel.saved_codes'));
  done.addEventListener('click', () => navigate('#/appeals'));
  return h('div', {id: 'recovery-codes'},
    h('h2', {}, t('totp.panel.recovery_title')),
    h('p', {class: 'warning'}, t('totp.panel.recovery_text')),
    h('ul', {class: 'recovery-codes'}, ...codes.map((c) => h('li', {}, h('code', {}, c)))),
    done);
}

function renderDisable(box, ctx) {
  const {flash, errorText} = ctx;
  const password = h('input', {type: 'password', name: 'password', required: true,
                               autocomplete: 'current-password'});
  const code = h('input', {name: 'code', autocomplete: 'one-time-code', required: true});
  const message = h('p', {class: 'error', role: 'alert', hidden: true});
  const form = h('form', {id: 'totp-disable'},
    h('p', {}, t('totp.panel.enabled_text')),
    field(t('panel.login.password'), password),
    field(t('totp.panel.code_or_recovery'), code),
    message,
    h('button', {type: 'submit', class: 'danger'}, t('totp.panel.disable')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.hidden = true;
    const value = code.value.trim();
    const body = /^[0-9]{6}$/.test(value)
      ? {password: password.value, code: value}
      : {password: password.value, recovery_code: value};
    try {
      const result = await post('/api/v1/session/two-factor/disable', body);
      if (result.user) await signedIn(result);
      flash(t('totp.panel.disabled'));
      ctx.navigate('#/two-factor');
    } catch (e) {
      message.textContent = refusalText(e, errorText);
      message.hidden = false;
      password.value = '';
      code.value = '';
    }
  });
  box.append(form);
}

// The page "Двофакторний вхід" (#/two-factor).
export async function render(view, ctx) {
  const session = await get('/api/v1/session');
  const tf = session.two_factor || {};
  const box = h('section', {class: 'card-box', id: 'two-factor'},
                h('h1', {}, t('totp.panel.title')));
  if (session.stage === 'enrol') box.append(h('p', {class: 'warning'}, t('totp.panel.required')));
  if (tf.enabled) renderDisable(box, ctx);
  else await renderEnrol(box, ctx);
  view.append(box);
}
