// The residents' web chat: the city's dialogue (the same one as on Telegram)
// in a browser, through the web-chat channel plugin's three endpoints under
// /hooks/web/ (plugins/web/README.md):
//   POST session   a new chat id and its token, kept in localStorage so a
//                  reload continues the dialogue;
//   POST messages  what the resident typed or pressed, with a random id per
//                  message, so a re-sent request is not taken twice;
//   GET  updates   the replies after the last one shown, waiting for news.
// Every text from the server is inserted with textContent, never as HTML.
'use strict';

(() => {
  const BASE = '/hooks/web/';
  const STORE_KEY = 'vikno.webchat.v1';
  const HISTORY_MAX = 200;  // entries kept for a reload

  const log = document.getElementById('log');
  const keys = document.getElementById('keys');
  const form = document.getElementById('compose');
  const input = document.getElementById('text');
  const statusLine = document.getElementById('status');
  const restart = document.getElementById('restart');
  const PLACEHOLDER = input.getAttribute('placeholder');

  // {chat, token, after, history: [{who, text, keyboard?, seq?}]}
  let state = load();
  let pollGeneration = 0;  // a new chat stops the old chat's poll loop
  let phoneMode = false;   // a "share my number" button asked for the phone
  const outbox = [];       // messages waiting to be sent, in order
  let sending = false;

  function load() {
    try {
      const s = JSON.parse(localStorage.getItem(STORE_KEY) || 'null');
      if (s && typeof s.chat === 'string' && typeof s.token === 'string') {
        s.after = Number.isInteger(s.after) ? s.after : 0;
        s.history = Array.isArray(s.history) ? s.history : [];
        return s;
      }
    } catch (e) {
      // unreadable: start afresh
    }
    return null;
  }

  function save() {
    if (!state) return;
    state.history = state.history.slice(-HISTORY_MAX);
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (e) {
      // storage full or disabled: the chat still works, a reload starts anew
    }
  }

  function say(text) { statusLine.textContent = text || ''; }

  function randomId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // ---- rendering ----------------------------------------------------------

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function renderEntry(entry, live) {
    const li = document.createElement('li');
    li.className = 'msg ' + (entry.who === 'me' ? 'me' : 'bot');
    const text = document.createElement('div');
    text.className = 'text';
    text.textContent = entry.text;
    li.appendChild(text);
    if (entry.who === 'bot' && entry.keyboard && entry.keyboard.kind === 'inline') {
      li.appendChild(renderButtons(entry.keyboard.rows, 'buttons'));
    }
    log.appendChild(li);
    if (live && entry.who === 'bot') applyReplyKeyboard(entry.keyboard);
    return li;
  }

  // Only the newest inline buttons can be pressed: older ones belong to
  // questions already answered. (A message without buttons after them, such
  // as a notice, leaves them pressable.)
  function disableOldButtons() {
    const groups = log.querySelectorAll('.buttons');
    groups.forEach((g, i) => {
      g.querySelectorAll('button').forEach((b) => { b.disabled = i !== groups.length - 1; });
    });
  }

  function renderButtons(rows, className) {
    const box = document.createElement('div');
    box.className = className;
    box.setAttribute('role', 'group');
    box.setAttribute('aria-label', 'Варіанти відповіді');
    for (const row of rows || []) {
      for (const b of row || []) {
        if (!b || typeof b.text !== 'string') continue;
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = b.text;
        button.addEventListener('click', () => press(b));
        box.appendChild(button);
      }
    }
    return box;
  }

  function applyReplyKeyboard(keyboard) {
    if (!keyboard || keyboard.kind === 'inline') return;
    keys.textContent = '';
    if (keyboard.kind === 'remove' || !keyboard.rows || keyboard.rows.length === 0) {
      keys.hidden = true;
      return;
    }
    const box = renderButtons(keyboard.rows, 'reply-buttons');
    while (box.firstChild) keys.appendChild(box.firstChild);
    keys.dataset.oneTime = keyboard.one_time ? '1' : '';
    keys.hidden = false;
  }

  function hideOneTimeKeys() {
    if (keys.dataset.oneTime === '1') {
      keys.textContent = '';
      keys.hidden = true;
    }
  }

  function renderAll() {
    log.textContent = '';
    keys.textContent = '';
    keys.hidden = true;
    for (const entry of state ? state.history : []) renderEntry(entry, false);
    // The last reply keyboard still stands after a reload.
    if (state) {
      for (let i = state.history.length - 1; i >= 0; --i) {
        const e = state.history[i];
        if (e.who === 'bot' && e.keyboard && e.keyboard.kind !== 'inline') {
          applyReplyKeyboard(e.keyboard);
          break;
        }
      }
    }
    disableOldButtons();
    scrollDown();
  }

  function addEntry(entry) {
    state.history.push(entry);
    save();
    const li = renderEntry(entry, true);
    disableOldButtons();
    scrollDown();
    return li;
  }

  // ---- what the resident does ---------------------------------------------

  function press(button) {
    hideOneTimeKeys();
    if (button.action === 'location') return sendLocation(button.text);
    if (button.action === 'contact') {
      phoneMode = true;
      input.placeholder = 'Ваш номер телефону, наприклад +380501234567';
      input.focus();
      return;
    }
    if (button.action === 'url') {
      if (/^https?:\/\//.test(button.url || '')) window.open(button.url, '_blank', 'noopener');
      return;
    }
    enqueue({button: button.data}, button.text);
  }

  function sendLocation(label) {
    if (!navigator.geolocation) {
      say('Ваш браузер не може визначити місцезнаходження. Натисніть «Пропустити» або опишіть місце словами.');
      return;
    }
    say('Визначаємо місцезнаходження…');
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        say('');
        enqueue({location: {lat: pos.coords.latitude, lon: pos.coords.longitude}},
                label || 'Надіслати місцезнаходження');
      },
      () => say('Не вдалося визначити місцезнаходження. Дозвольте доступ до геолокації або натисніть «Пропустити».'),
      {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    if (phoneMode) {
      phoneMode = false;
      input.placeholder = PLACEHOLDER;
      enqueue({contact: {phone: text}}, text);
    } else {
      hideOneTimeKeys();
      enqueue({text}, text);
    }
    input.focus();
  });

  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });

  restart.addEventListener('click', () => {
    localStorage.removeItem(STORE_KEY);
    state = null;
    outbox.length = 0;
    renderAll();
    start();
  });

  // ---- the wire -----------------------------------------------------------

  // `shown`: what the resident's bubble says; null for a message the page
  // sends on its own (the first "/start").
  function enqueue(payload, shown) {
    if (!state) return;
    const item = {payload: {...payload, id: randomId(), language: 'uk'}, li: null};
    if (shown !== null) {
      item.li = addEntry({who: 'me', text: shown});
      item.li.classList.add('pending');
    }
    outbox.push(item);
    pump();
  }

  // Sends the queue in order, one at a time; a failed send is repeated with
  // the same id, so the server takes it once however often it arrives.
  async function pump() {
    if (sending) return;
    sending = true;
    try {
      while (outbox.length > 0 && state) {
        const item = outbox[0];
        const chat = state;
        let delay = 1000;
        for (;;) {
          let r = null;
          try {
            r = await fetch(BASE + 'messages', {
              method: 'POST',
              headers: {'Content-Type': 'application/json'},
              body: JSON.stringify({chat: chat.chat, token: chat.token, ...item.payload}),
            });
          } catch (e) {
            r = null;  // offline: try again
          }
          if (state !== chat) return;  // a new chat was started meanwhile
          if (r && r.ok) {
            say('');
            break;
          }
          if (r && r.status === 403) {
            say('Розмову завершено на сервері. Починаємо нову.');
            return resetChat();
          }
          if (r && r.status >= 400 && r.status < 500 && r.status !== 429) {
            say('Повідомлення не прийнято: перевірте його та спробуйте ще раз.');
            break;
          }
          say('Немає зв’язку з сервером, надсилаємо ще раз…');
          await sleep(delay);
          delay = Math.min(delay * 2, 15000);
        }
        if (item.li) item.li.classList.remove('pending');
        outbox.shift();
      }
    } finally {
      sending = false;
    }
  }

  async function poll(generation) {
    let delay = 1000;
    while (generation === pollGeneration && state) {
      const chat = state;
      const url = BASE + 'updates?chat=' + encodeURIComponent(chat.chat) + '&token=' +
                  encodeURIComponent(chat.token) + '&after=' + chat.after;
      const started = Date.now();
      let body = null;
      let status = 0;
      try {
        const r = await fetch(url, {cache: 'no-store'});
        status = r.status;
        if (r.ok) body = await r.json();
      } catch (e) {
        body = null;
      }
      if (generation !== pollGeneration || state !== chat) return;
      if (status === 403) {
        say('Розмову завершено на сервері. Починаємо нову.');
        return resetChat();
      }
      if (!body || !Array.isArray(body.messages)) {
        say('Немає зв’язку з сервером, пробуємо ще раз…');
        await sleep(delay);
        delay = Math.min(delay * 2, 15000);
        continue;
      }
      delay = 1000;
      if (statusLine.textContent.startsWith('Немає зв’язку')) say('');
      for (const m of body.messages) {
        if (!Number.isInteger(m.seq) || m.seq <= chat.after) continue;
        chat.after = m.seq;
        addEntry({who: 'bot', text: String(m.text || ''), keyboard: m.keyboard || null,
                  seq: m.seq});
      }
      save();
      // A poll the server did not let wait (it was busy) or that came back
      // at once with nothing: pause before asking again.
      if (body.messages.length === 0 && (body.waited === false || Date.now() - started < 500))
        await sleep(2000);
    }
  }

  async function resetChat() {
    localStorage.removeItem(STORE_KEY);
    state = null;
    outbox.length = 0;
    renderAll();
    await sleep(1000);
    start();
  }

  async function start() {
    pollGeneration++;
    if (!state) {
      let made = null;
      let delay = 1000;
      while (!made) {
        try {
          const r = await fetch(BASE + 'session', {method: 'POST'});
          if (r.ok) made = await r.json();
        } catch (e) {
          made = null;
        }
        if (!made) {
          say('Чат тимчасово недоступний, пробуємо ще раз…');
          await sleep(delay);
          delay = Math.min(delay * 2, 15000);
        }
      }
      say('');
      state = {chat: made.chat, token: made.token, after: 0, history: []};
      save();
      renderAll();
      // The dialogue begins with the city's greeting and privacy notice,
      // which it sends in answer to the first message.
      enqueue({text: '/start'}, null);
    }
    poll(pollGeneration);
    input.focus();
  }

  renderAll();
  start();
})();
