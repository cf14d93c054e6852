// The residents' web cabinet (issue 8; 002 §3.3-3.4): sign-up and sign-in
// with a one-time code, filing an appeal with address, map point and files,
// following it, confirming, rating and cancelling, personal data.
// Every text comes from GET /api/v1/cabinet/messages (config/messages); every
// value from the server is put on the page with textContent, never as HTML.
(function () {
  'use strict';

  const state = {
    lang: localStorage.getItem('vikno.cabinet.lang') || 'uk',
    texts: {},
    csrf: '',
    config: null,
    account: null,
    registryId: null,
    listOffset: 0,
    archive: false,
  };
  const $ = (id) => document.getElementById(id);

  function t(key, params) {
    let s = state.texts[key];
    if (s === undefined) return key;
    for (const [k, v] of Object.entries(params || {})) s = s.split('{' + k + '}').join(String(v));
    return s;
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c) e.append(c);
    return e;
  }

  function say(text) { $('status').textContent = text || ''; }

  function errorText(answer) {
    const code = answer && answer.json && answer.json.error && answer.json.error.code;
    if (!code) return t('cabinet.error.generic');
    const key = 'cabinet.error.' + code;
    return state.texts[key] !== undefined ? t(key) : (answer.json.error.message || t('cabinet.error.generic'));
  }

  async function api(method, path, body, isForm) {
    const headers = {};
    if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
    let payload;
    if (isForm) payload = body;
    else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
    let response;
    try {
      response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
    } catch (e) {
      return { status: 0, json: { error: { code: 'network' } } };
    }
    let json = null;
    try { json = await response.json(); } catch (e) { json = null; }
    if (response.status === 401 && path.indexOf('/session') < 0 && !path.endsWith('/code')) showAuth();
    return { status: response.status, json };
  }

  function translatePage() {
    document.documentElement.lang = state.lang;
    document.title = t('cabinet.title');
    for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
  }

  async function loadTexts() {
    const a = await api('GET', '/api/v1/cabinet/messages?lang=' + encodeURIComponent(state.lang));
    if (a.status === 200) state.texts = a.json.texts;
    const c = await api('GET', '/api/v1/cabinet/config?lang=' + encodeURIComponent(state.lang));
    if (c.status === 200) state.config = c.json;
    translatePage();
    if (state.config) {
      $('privacy').textContent = state.config.privacy_notice;
      $('files').accept = state.config.allowed_types.join(',');
      $('files-hint').textContent = t('cabinet.form.files_hint', {
        types: state.config.allowed_types.join(', '),
        megabytes: Math.floor(state.config.max_file_bytes / (1024 * 1024)),
      });
    }
  }

  // ---- sign-in and sign-up ----
  function showAuth() {
    state.account = null;
    state.csrf = '';
    $('auth').hidden = false;
    $('app').hidden = true;
    $('sign-out').hidden = true;
  }

  function signedIn(json) {
    state.account = json.account;
    state.csrf = json.csrf_token;
    $('auth').hidden = true;
    $('app').hidden = false;
    $('sign-out').hidden = false;
    say('');
    if (!location.hash || location.hash === '#') location.hash = '#open';
    else route();
  }

  $('code-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const a = await api('POST', '/api/v1/cabinet/code', { login: $('login').value });
    if (a.status !== 202) return say(errorText(a));
    say(t('cabinet.auth.code_sent', { to: a.json.sent_to, minutes: Math.round(a.json.expires_in / 60) }));
    $('verify-form').hidden = false;
    $('code').focus();
  });

  $('verify-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { login: $('login').value, code: $('code').value.trim() };
    if (!$('sign-up').hidden) {
      body.sign_up = { name: $('name').value.trim(), privacy_version: state.config.privacy_version,
                       consent: $('consent').checked };
    }
    const a = await api('POST', '/api/v1/cabinet/session', body);
    if (a.status === 200 || a.status === 201) return signedIn(a.json);
    const code = a.json && a.json.error && a.json.error.code;
    if (code === 'consent_required' && $('sign-up').hidden) {
      // No account yet: show the notice and the consent box (R31); the code stays valid.
      $('sign-up').hidden = false;
      $('verify').textContent = t('cabinet.auth.sign_up');
      $('privacy').focus();
      return say(t('cabinet.auth.new_account'));
    }
    say(errorText(a));
  });

  $('password-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const a = await api('POST', '/api/v1/cabinet/session', { login: $('login').value, password: $('password').value });
    if (a.status === 200) return signedIn(a.json);
    say(errorText(a));
  });

  $('reset-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const a = await api('POST', '/api/v1/cabinet/password/reset', {
      login: $('login').value, code: $('reset-code').value.trim(), password: $('reset-password').value });
    if (a.status === 200) return signedIn(a.json);
    say(errorText(a));
  });

  $('sign-out').addEventListener('click', async () => {
    await api('DELETE', '/api/v1/cabinet/session');
    showAuth();
    location.hash = '';
  });

  $('lang').addEventListener('click', async () => {
    state.lang = state.lang === 'uk' ? 'en' : 'uk';
    localStorage.setItem('vikno.cabinet.lang', state.lang);
    await loadTexts();
    if (state.account) route();
  });

  // ---- routing ----
  const views = ['view-new', 'view-list', 'view-card', 'view-profile'];
  function show(view) {
    for (const v of views) $(v).hidden = v !== view;
    for (const a of document.querySelectorAll('.tabs a'))
      a.setAttribute('aria-current', a.getAttribute('href') === location.hash ? 'page' : 'false');
  }

  function route() {
    if (!state.account) return;
    const hash = location.hash || '#open';
    const m = /^#appeal\/(\d+)$/.exec(hash);
    if (m) { show('view-card'); return openCard(m[1]); }
    if (hash === '#new') { show('view-new'); return loadCategories(); }
    if (hash === '#profile') { show('view-profile'); return loadProfile(); }
    show('view-list');
    state.archive = hash === '#archive';
    state.listOffset = 0;
    $('appeal-rows').textContent = '';
    return loadList();
  }
  window.addEventListener('hashchange', route);

  // ---- new appeal ----
  let categoriesLoaded = false;
  async function loadCategories() {
    if (categoriesLoaded) return;
    const a = await api('GET', '/api/v1/cabinet/categories');
    if (a.status !== 200) return say(errorText(a));
    const select = $('category');
    select.textContent = '';
    select.append(el('option', { value: '', text: t('cabinet.form.category_none') }));
    const byParent = {};
    for (const c of a.json.items) (byParent[c.parent_id] = byParent[c.parent_id] || []).push(c);
    const add = (parent, depth) => {
      for (const c of (byParent[parent] || []).sort((x, y) => x.name.localeCompare(y.name))) {
        select.append(el('option', { value: c.id, text: '\u00a0\u00a0'.repeat(depth) + c.name }));
        add(c.id, depth + 1);
      }
    };
    add('', 0);
    categoriesLoaded = true;
    drawPicker();
  }

  // Address autocomplete from the registry (R3).
  let lookupTimer = null;
  $('address').addEventListener('input', () => {
    state.registryId = null;
    clearTimeout(lookupTimer);
    lookupTimer = setTimeout(lookupAddress, 250);
  });
  async function lookupAddress() {
    const q = $('address').value.trim();
    const list = $('address-options');
    list.textContent = '';
    if (q.length < 2) { list.hidden = true; return; }
    const a = await api('GET', '/api/v1/cabinet/addresses?q=' + encodeURIComponent(q));
    if (a.status !== 200) { list.hidden = true; return; }
    for (const item of a.json.items) {
      const label = [item.street, item.house].filter(Boolean).join(', ');
      list.append(el('li', { role: 'option', tabindex: '-1', text: label, onclick: () => pickAddress(item, label) }));
    }
    list.hidden = a.json.items.length === 0;
    $('address').setAttribute('aria-expanded', String(!list.hidden));
    $('address-note').hidden = a.json.items.length > 0;
  }
  function pickAddress(item, label) {
    state.registryId = item.registry_id;
    $('address').value = label;
    $('house').value = item.house;
    $('address-options').hidden = true;
    $('address-note').hidden = true;
    if (item.point) { $('lat').value = item.point.lat; $('lon').value = item.point.lon; drawPicker(); }
  }

  // An offline point picker: no tile server here, so a plain grid of a
  // 0.2° square around the chosen building (or the current value); a click
  // sets the point, the fields can be typed too.
  function pickerCentre() {
    const lat = parseFloat($('lat').value), lon = parseFloat($('lon').value);
    if (!isNaN(lat) && !isNaN(lon)) return { lat, lon };
    return { lat: 47.91, lon: 33.39 };
  }
  let centre = null;
  function drawPicker() {
    const canvas = $('picker');
    const ctx = canvas.getContext('2d');
    if (!centre) centre = pickerCentre();
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.strokeStyle = '#c8d2bd';
    for (let i = 0; i <= 8; i++) {
      const x = (canvas.width / 8) * i, y = (canvas.height / 8) * i;
      ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, canvas.height); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(0, y); ctx.lineTo(canvas.width, y); ctx.stroke();
    }
    const lat = parseFloat($('lat').value), lon = parseFloat($('lon').value);
    if (!isNaN(lat) && !isNaN(lon)) {
      const x = ((lon - centre.lon) / 0.2 + 0.5) * canvas.width;
      const y = (0.5 - (lat - centre.lat) / 0.1) * canvas.height;
      ctx.fillStyle = '#a8201a';
      ctx.beginPath(); ctx.arc(x, y, 6, 0, 2 * Math.PI); ctx.fill();
    }
  }
  $('picker').addEventListener('click', (ev) => {
    const canvas = $('picker');
    const r = canvas.getBoundingClientRect();
    if (!centre) centre = pickerCentre();
    const fx = (ev.clientX - r.left) / r.width, fy = (ev.clientY - r.top) / r.height;
    $('lon').value = (centre.lon + (fx - 0.5) * 0.2).toFixed(6);
    $('lat').value = (centre.lat + (0.5 - fy) * 0.1).toFixed(6);
    drawPicker();
  });
  for (const id of ['lat', 'lon']) $(id).addEventListener('change', () => { centre = pickerCentre(); drawPicker(); });
  $('locate').addEventListener('click', () => {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition((p) => {
      $('lat').value = p.coords.latitude.toFixed(6);
      $('lon').value = p.coords.longitude.toFixed(6);
      centre = pickerCentre();
      drawPicker();
    });
  });

  async function uploadFiles(id, files) {
    const failed = [];
    for (const f of files) {
      const form = new FormData();
      form.append('file', f, f.name);
      const a = await api('POST', '/api/v1/cabinet/appeals/' + id + '/files', form, true);
      if (a.status !== 201) failed.push(t('cabinet.form.file_failed', { name: f.name, reason: errorText(a) }));
    }
    return failed;
  }

  $('appeal-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('submit-appeal').disabled = true;
    try {
      const address = { flat: $('flat').value.trim() };
      if (state.registryId) address.registry_id = state.registryId;
      else { address.street = $('address').value.trim(); address.house = $('house').value.trim(); }
      const lat = parseFloat($('lat').value), lon = parseFloat($('lon').value);
      if (!isNaN(lat) && !isNaN(lon)) address.point = { lat, lon };
      const a = await api('POST', '/api/v1/cabinet/appeals', {
        description: $('description').value, category: $('category').value, address });
      if (a.status !== 201) return say(errorText(a));
      const failed = await uploadFiles(a.json.id, $('files').files);
      // R5: the number at once.
      $('filed').textContent = t('cabinet.form.filed', { number: a.json.number });
      $('filed').hidden = false;
      say(failed.join(' '));
      $('appeal-form').reset();
      state.registryId = null;
      centre = null;
      drawPicker();
    } finally {
      $('submit-appeal').disabled = false;
    }
  });

  // ---- lists ----
  function when(iso) { return iso ? new Date(iso).toLocaleString(state.lang === 'uk' ? 'uk-UA' : 'en-GB') : ''; }
  function statusLabel(code) { return t('status.' + code); }

  async function loadList() {
    const a = await api('GET', '/api/v1/cabinet/appeals?limit=20&offset=' + state.listOffset +
                               (state.archive ? '&archive=true' : ''));
    if (a.status !== 200) return say(errorText(a));
    const rows = $('appeal-rows');
    for (const item of a.json.items) {
      const open = () => { location.hash = '#appeal/' + item.id; };
      rows.append(el('tr', { onclick: open, 'data-id': String(item.id) },
        el('td', {}, el('a', { href: '#appeal/' + item.id, text: item.number })),
        el('td', { text: when(item.created_at) }),
        el('td', { text: statusLabel(item.status), class: 'status-cell' }),
        el('td', { text: item.description.length > 80 ? item.description.slice(0, 80) + '…' : item.description })));
    }
    state.listOffset += a.json.items.length;
    $('list-empty').hidden = rows.children.length > 0;
    $('more').hidden = !a.json.has_more;
  }
  $('more').addEventListener('click', loadList);

  // ---- one appeal ----
  async function openCard(id) {
    const box = $('card');
    box.textContent = '';
    const a = await api('GET', '/api/v1/cabinet/appeals/' + encodeURIComponent(id));
    if (a.status === 404) { box.append(el('p', { id: 'not-found', role: 'alert', text: t('cabinet.card.not_found') })); return; }
    if (a.status !== 200) return say(errorText(a));
    const c = a.json;
    const addr = [c.address.street, c.address.house, c.address.flat ? t('cabinet.form.flat').toLowerCase() + ' ' + c.address.flat : '']
      .filter(Boolean).join(', ');
    box.append(
      el('h2', { id: 'card-number', text: '№ ' + c.number }),
      el('p', {}, el('strong', { id: 'card-status', text: statusLabel(c.status) })),
      el('p', { id: 'card-description', text: c.description }),
      addr ? el('p', { text: t('cabinet.card.address') + ': ' + addr }) : null,
      c.resolve_due ? el('p', { text: t('cabinet.card.due') + ': ' + when(c.resolve_due) }) : null);

    const tl = el('ol', { class: 'timeline', id: 'timeline' });
    for (const e of c.timeline) {
      const by = t('cabinet.card.by_' + e.by);
      tl.append(el('li', { 'data-status': e.status },
        el('time', { text: when(e.at) + ' · ' + by }),
        el('span', { text: statusLabel(e.status) }),
        e.note ? el('p', { class: 'note', text: e.note }) : null));
    }
    box.append(el('h3', { text: t('cabinet.card.timeline') }), tl);

    if (c.comments.length) {
      const list = el('ul', {});
      for (const m of c.comments) list.append(el('li', { text: when(m.created_at) + ': ' + m.text }));
      box.append(el('h3', { text: t('cabinet.card.answers') }), list);
    }
    if (c.files.length) {
      const list = el('ul', { id: 'card-files' });
      for (const f of c.files) {
        list.append(el('li', {}, el('a', { href: f.url, text: f.original_name || f.sha256.slice(0, 12) }),
          el('span', { class: 'hint', text: ' (' + t(f.by === 'resident' ? 'cabinet.card.from_me' : 'cabinet.card.from_city') + ')' })));
      }
      box.append(el('h3', { text: t('cabinet.card.files') }), list);
    }

    const act = async (action, note) => {
      const r = await api('POST', '/api/v1/cabinet/appeals/' + c.id + '/actions', { action, note: note || '' });
      if (r.status !== 200) return say(errorText(r));
      say('');
      openCard(c.id);
    };
    const actions = el('div', { class: 'actions' });
    const note = el('textarea', { id: 'action-note', rows: '2', maxlength: '4000', 'aria-label': t('cabinet.card.note') });
    let needsNote = false;
    for (const action of c.actions) {
      if (action === 'rate') continue;
      needsNote = true;
      const label = t('cabinet.card.' + action);
      actions.append(el('button', { type: 'button', 'data-action': action, text: label, class: action === 'cancel' ? 'danger' : '',
        onclick: () => {
          if (action === 'cancel' && !confirm(t('cabinet.card.cancel_sure'))) return;
          act(action, note.value.trim());
        } }), document.createTextNode(' '));
    }
    if (needsNote) box.append(el('label', { for: 'action-note', text: t('cabinet.card.note') }), note, actions);

    if (c.rating) {
      box.append(el('p', { id: 'rated', text: t('cabinet.card.rated', { score: c.rating.score }) }));
    } else if (c.actions.includes('rate')) {
      const form = el('form', { id: 'rate-form' });
      const stars = el('div', { class: 'stars', role: 'radiogroup' });
      for (let s = 1; s <= 5; s++)
        stars.append(el('label', {}, el('input', { type: 'radio', name: 'score', value: String(s) }), document.createTextNode(' ' + s)));
      const comment = el('textarea', { id: 'rate-comment', rows: '2', maxlength: '4000' });
      form.append(el('h3', { text: t('cabinet.card.rate') }), stars,
        el('label', { for: 'rate-comment', text: t('cabinet.card.rate_comment') }), comment,
        el('button', { type: 'submit', text: t('cabinet.card.rate_send') }));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        const picked = form.querySelector('input[name=score]:checked');
        if (!picked) return say(t('cabinet.error.invalid_score'));
        const r = await api('POST', '/api/v1/cabinet/appeals/' + c.id + '/rating',
          { score: parseInt(picked.value, 10), comment: comment.value.trim() });
        if (r.status !== 201) return say(errorText(r));
        openCard(c.id);
      });
      box.append(form);
    }
    if (!['completed', 'not_confirmed', 'rejected', 'cancelled'].includes(c.status)) {
      const input = el('input', { type: 'file', multiple: 'multiple', id: 'more-files', accept: state.config ? state.config.allowed_types.join(',') : '' });
      const send = el('button', { type: 'button', text: t('cabinet.card.add_files'), onclick: async () => {
        const failed = await uploadFiles(c.id, input.files);
        say(failed.join(' '));
        openCard(c.id);
      } });
      box.append(el('label', { for: 'more-files', text: t('cabinet.card.add_files') }), input, send);
    }
  }

  // ---- profile ----
  async function loadProfile() {
    const a = await api('GET', '/api/v1/cabinet/profile');
    if (a.status !== 200) return say(errorText(a));
    $('profile-login').textContent = a.json.account.login;
    $('profile-name').value = a.json.name;
    $('profile-consent').textContent = a.json.consent
      ? t('cabinet.profile.consent', { at: when(a.json.consent.given_at), version: a.json.consent.text_version }) : '';
    const has = a.json.account.has_password;
    $('current-password').hidden = !has;
    $('current-password-label').hidden = !has;
  }
  $('name-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const a = await api('PATCH', '/api/v1/cabinet/profile', { name: $('profile-name').value });
    say(a.status === 200 ? t('cabinet.profile.saved') : errorText(a));
  });
  $('own-password-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const a = await api('PUT', '/api/v1/cabinet/password', { current: $('current-password').value, password: $('new-password').value });
    say(a.status === 204 ? t('cabinet.profile.password_saved') : errorText(a));
    if (a.status === 204) { $('own-password-form').reset(); loadProfile(); }
  });
  $('erase').addEventListener('click', async () => {
    if (!confirm(t('cabinet.profile.delete_sure'))) return;
    const a = await api('DELETE', '/api/v1/cabinet/profile');
    if (a.status !== 204) return say(errorText(a));
    showAuth();
    location.hash = '';
    say(t('cabinet.profile.deleted'));
  });

  // ---- start ----
  (async function start() {
    await loadTexts();
    const a = await api('GET', '/api/v1/cabinet/session');
    if (a.status === 200) signedIn(a.json);
    else showAuth();
  })();
})();
