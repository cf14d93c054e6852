// Broadcasts (R24, 000 §6.8; administrators, 000 §5.3.2): a message, "for
// residents' information" news or an emergency SMS alert to all subscribers
// of a messenger (or all), optionally narrowed to a street or a building;
// the list, and one broadcast's sending progress per channel with the
// expected finish, refreshed every 5 seconds while anything remains.
import {get, post} from '../api.js';
import {h, field, formatTime} from '../dom.js';
import {t, has} from '../i18n.js';

const KINDS = ['message', 'news', 'alert'];
const CHANNELS = ['', 'telegram', 'viber', 'sms', 'email', 'web'];
const REFRESH_MS = 5000;

// A refusal's words from this section first, then the panel's general ones.
export function refusalText(e, errorText) {
  const key = 'broadcasts.refusal.' + (e && e.code);
  return e && e.code && has(key) ? t(key) : errorText(e);
}

export function audienceText(item) {
  const parts = [item.channel || t('broadcasts.panel.all_channels')];
  if (item.street) parts.push([item.street, item.house].filter(Boolean).join(', '));
  else parts.push(t('broadcasts.panel.everyone'));
  return parts.join(' · ');
}

function channelLabel(code) {
  if (!code) return t('broadcasts.panel.all_channels');
  const key = 'panel.channel.' + code;
  return has(key) ? t(key) : code;
}

// The progress block shared with the surveys page.
export function progressBlock(progress) {
  const rows = (progress.channels || []).map((c) => h('tr', {dataset: {channel: c.channel}},
    h('td', {}, channelLabel(c.channel)),
    h('td', {class: 'num'}, String(c.queued)),
    h('td', {class: 'num'}, String(c.sending)),
    h('td', {class: 'num'}, String(c.sent)),
    h('td', {class: 'num'}, String(c.failed)),
    h('td', {class: 'num'}, c.rate_per_second ? String(c.rate_per_second) : '—'),
    h('td', {}, c.queued + c.sending === 0 ? t('broadcasts.panel.finished')
      : (c.finish_at ? formatTime(c.finish_at) : t('broadcasts.panel.unknown')))));
  const finish = progress.remaining === 0 ? t('broadcasts.panel.finished')
    : (progress.finish_at ? formatTime(progress.finish_at) : t('broadcasts.panel.unknown'));
  return h('section', {class: 'card-box', id: 'progress'},
    h('h2', {}, t('broadcasts.panel.progress')),
    h('p', {}, `${t('broadcasts.panel.sent')}: ${progress.sent} / ${progress.total} · `,
      `${t('broadcasts.panel.failed')}: ${progress.failed} · `,
      `${t('broadcasts.panel.finish')}: `, h('strong', {id: 'finish'}, finish)),
    h('table', {class: 'progress'},
      h('thead', {}, h('tr', {}, ['col_channel', 'queued', 'sending', 'sent', 'failed', 'rate',
                                  'finish'].map((k) => h('th', {}, t('broadcasts.panel.' + k))))),
      h('tbody', {}, rows)),
    progress.remaining > 0 ? h('p', {class: 'hint'}, t('broadcasts.panel.refreshing')) : null);
}

// Re-renders `again` after REFRESH_MS while the page is still `hash`.
export function refreshWhile(hash, again) {
  setTimeout(() => {
    if (location.hash === hash) again();
  }, REFRESH_MS);
}

export async function render(view, {flash, errorText, navigate}) {
  const data = await get('/api/v1/broadcasts?limit=50');
  const items = data.items || [];

  const kind = h('select', {name: 'kind'},
    KINDS.map((k) => h('option', {value: k}, t('broadcasts.' + k))));
  const channel = h('select', {name: 'channel'},
    CHANNELS.map((c) => h('option', {value: c}, channelLabel(c))));
  const street = h('input', {name: 'street', autocomplete: 'off'});
  const house = h('input', {name: 'house', autocomplete: 'off', size: 6});
  const emergency = h('input', {type: 'checkbox', name: 'emergency'});
  const text = h('textarea', {name: 'text', rows: 5, required: true, maxlength: 4000});
  // 004: an alert goes by SMS; the channel is fixed then.
  kind.addEventListener('change', () => {
    const alert = kind.value === 'alert';
    if (alert) channel.value = 'sms';
    channel.disabled = alert;
    emergency.checked = alert || emergency.checked;
    emergency.disabled = alert;
  });
  const form = h('form', {class: 'card-box', id: 'new-broadcast'},
    h('h2', {}, t('broadcasts.panel.new')),
    h('div', {class: 'row'}, field(t('broadcasts.panel.kind'), kind),
      field(t('broadcasts.panel.channel'), channel)),
    h('div', {class: 'row'}, field(t('broadcasts.panel.street'), street),
      field(t('broadcasts.panel.house'), house)),
    h('p', {class: 'hint'}, t('broadcasts.panel.audience_hint')),
    h('label', {class: 'check'}, emergency, ' ', t('broadcasts.panel.emergency')),
    field(t('broadcasts.panel.text'), text),
    h('button', {type: 'submit', class: 'primary'}, t('broadcasts.panel.send')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!window.confirm(t('panel.confirm_action'))) return;
    try {
      const created = await post('/api/v1/broadcasts', {
        kind: kind.value, channel: kind.value === 'alert' ? 'sms' : channel.value,
        street: street.value.trim(), house: house.value.trim(),
        emergency: emergency.checked, text: text.value});
      flash(t('broadcasts.panel.sent_to', {count: created.recipients}));
      navigate('#/broadcast/' + created.id);
    } catch (e) { flash(refusalText(e, errorText), 'error'); }
  });

  const table = items.length === 0 ? h('p', {class: 'empty'}, t('broadcasts.panel.none'))
    : h('table', {class: 'broadcasts', id: 'broadcasts'},
      h('thead', {}, h('tr', {}, ['created', 'kind', 'audience', 'text', 'recipients']
        .map((k) => h('th', {}, t('broadcasts.panel.' + k))))),
      h('tbody', {}, items.map((b) => h('tr', {dataset: {id: String(b.id)}},
        h('td', {}, h('a', {href: '#/broadcast/' + b.id}, formatTime(b.created_at))),
        h('td', {}, t('broadcasts.' + b.kind), b.emergency ? ' ⚠' : ''),
        h('td', {}, audienceText(b)),
        h('td', {class: 'text'}, b.text.length > 120 ? b.text.slice(0, 120) + '…' : b.text),
        h('td', {class: 'num'}, String(b.recipients))))));

  view.append(h('div', {class: 'heading'}, h('h1', {}, t('broadcasts.panel.nav'))),
    form, h('h2', {}, t('broadcasts.panel.list')), table);
}

export async function renderOne(view, ctx, id) {
  const hash = location.hash;
  const b = await get('/api/v1/broadcasts/' + encodeURIComponent(id));
  view.append(
    h('div', {class: 'heading'}, h('h1', {}, `${t('broadcasts.' + b.kind)} · ${formatTime(b.created_at)}`),
      h('a', {href: '#/broadcasts'}, t('broadcasts.panel.back'))),
    h('section', {class: 'card-box'},
      h('p', {}, `${t('broadcasts.panel.audience')}: ${audienceText(b)}`,
        b.emergency ? ` · ${t('broadcasts.panel.emergency')}` : ''),
      h('p', {}, `${t('broadcasts.panel.recipients')}: ${b.recipients}`),
      h('pre', {class: 'text', id: 'broadcast-text'}, b.text)),
    progressBlock(b.progress));
  if (b.progress.remaining > 0) {
    refreshWhile(hash, () => {
      view.replaceChildren();
      renderOne(view, ctx, id).catch((e) => view.append(h('p', {class: 'error'}, ctx.errorText(e))));
    });
  }
}
