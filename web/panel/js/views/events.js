// Planned and emergency works (issue 6, R22; 000 §6.5): the list with the
// events page's filters (period, service, address, status, kind) in the URL
// hash, green "in work" / grey "completed" badges and the notices sent per
// event; a form to create or edit one with addresses picked from the city's
// registry (a building or its whole street); copy (a new draft from an old
// event) and delete. Every text goes in through textContent (dom.js h()).
import {get, post, api, del, query, ApiError} from '../api.js';
import {h, statusBadge, formatTime, field} from '../dom.js';
import {t, has, currentLanguage} from '../i18n.js';
import {loadExecutors} from '../catalog.js';

const PAGE = 25;
const FILTERS = ['from', 'to', 'executor', 'street', 'house', 'status', 'kind', 'offset'];
// 000 §6.5: active works green, finished grey.
const STATUS_COLOUR = {in_work: '#2e7d32', completed: '#8a8a8a'};
const MANAGERS = ['administrator', 'moderator', 'executor'];

// The refusal's own words from the events texts, else the panel's.
function refusalText(e, errorText) {
  if (e instanceof ApiError && has('events.panel.refusal.' + e.code)) {
    return t('events.panel.refusal.' + e.code);
  }
  return errorText(e);
}

function isoDay(value, endOfDay) {
  if (!value) return '';
  const d = new Date(value + 'T00:00:00');
  if (endOfDay) d.setDate(d.getDate() + 1);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const pad = (n) => String(n).padStart(2, '0');
// ISO (UTC) -> the datetime-local input's value in the browser's (city) time.
function localInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T` +
         `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function fromLocalInput(value) {
  if (!value) return null;
  return new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function addressLine(a) {
  return a.whole_street ? `${a.street} (${t('events.panel.whole_street')})`
                        : `${a.street}, ${a.house}`;
}

function executorLabel(executors, id) {
  const e = executors.find((x) => x.id === id);
  return e ? (e.name || e.id) : id;
}

export async function render(view, {state, params, navigate, flash, errorText}) {
  const executors = await loadExecutors();
  const p = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) || '']));
  const canManage = MANAGERS.includes(state.user.role);

  const select = (name, options, value) => h('select', {name},
    options.map(([v, label]) => h('option', {value: v, selected: value === v}, label)));
  const form = h('form', {class: 'filters', id: 'event-filters'},
    field(t('events.panel.from'), h('input', {type: 'date', name: 'from', value: p.from})),
    field(t('events.panel.to'), h('input', {type: 'date', name: 'to', value: p.to})),
    field(t('events.panel.executor'), select('executor',
      [['', t('events.panel.executor_any')], ...executors.map((e) => [e.id, e.name || e.id])],
      p.executor)),
    field(t('events.panel.street'), h('input', {name: 'street', value: p.street})),
    field(t('events.panel.house'), h('input', {name: 'house', value: p.house, size: 5})),
    field(t('events.panel.status'), select('status',
      [['', t('events.panel.status_any')], ['in_work', t('events.panel.status_in_work')],
       ['completed', t('events.panel.status_completed')]], p.status)),
    field(t('events.panel.kind'), select('kind',
      [['', t('events.panel.kind_any')], ['planned', t('events.panel.kind_planned')],
       ['emergency', t('events.panel.kind_emergency')]], p.kind)),
    h('div', {class: 'buttons'},
      h('button', {type: 'submit', class: 'primary'}, t('events.panel.filter'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    navigate('#/events' + query({...data, offset: ''}));
  });

  const offset = Number(p.offset) || 0;
  const data = await get('/api/v1/events' + query({
    from: isoDay(p.from, false), to: isoDay(p.to, true), executor: p.executor,
    street: p.street, house: p.house, status: p.status, kind: p.kind,
    limit: PAGE, offset: offset || ''}));

  const rows = (data.items || []).map((e) => h('tr', {dataset: {id: e.id}},
    h('td', {}, statusBadge(e.status, t('events.panel.status_' + e.status),
                            STATUS_COLOUR[e.status])),
    h('td', {}, t('events.panel.kind_' + e.kind)),
    h('td', {}, e.reason),
    h('td', {}, executorLabel(executors, e.executor_id)),
    h('td', {}, formatTime(e.starts_at), ' — ',
      e.ends_at ? (e.end_is_approximate ? '~' : '') + formatTime(e.ends_at) : '…'),
    h('td', {}, (e.addresses || []).map(addressLine).join('; ')),
    h('td', {class: 'num'}, String(e.notices ? e.notices.sent : 0)),
    h('td', {}, canManage ? [
      h('a', {href: `#/event/${e.id}`, class: 'btn small'}, t('events.panel.edit_button')), ' ',
      h('button', {type: 'button', class: 'small', onclick: async () => {
        try {
          const draft = await post(`/api/v1/events/${e.id}/copy`);
          sessionStorage.setItem('vikno.event_draft', JSON.stringify(draft));
          navigate('#/events/new?copy=1');
        } catch (err) { flash(refusalText(err, errorText), 'error'); }
      }}, t('events.panel.copy')), ' ',
      h('button', {type: 'button', class: 'small danger', onclick: async () => {
        if (!window.confirm(t('events.panel.confirm_delete'))) return;
        try {
          await del(`/api/v1/events/${e.id}`);
          flash(t('events.panel.deleted'));
          navigate(location.hash + (location.hash.includes('?') ? '&' : '?') + 'r=' + Date.now());
        } catch (err) { flash(refusalText(err, errorText), 'error'); }
      }}, t('events.panel.delete'))] : null)));

  const total = data.total || 0;
  const pageLink = (to) => '#/events' + query({...p, offset: to || ''});
  const pager = h('div', {class: 'pager'},
    offset > 0 ? h('a', {href: pageLink(Math.max(0, offset - PAGE))},
                   t('events.panel.previous')) : null, ' ',
    h('span', {}, t('events.panel.total', {total})), ' ',
    offset + PAGE < total ? h('a', {href: pageLink(offset + PAGE)}, t('events.panel.next')) : null);

  view.append(
    h('div', {class: 'heading'}, h('h1', {}, t('events.panel.title')),
      canManage ? h('a', {href: '#/events/new', class: 'btn primary', id: 'new-event'},
                    t('events.panel.new')) : null,
      // Issue 6, R29: these filters as an Excel workbook (api_reports.cc).
      h('a', {class: 'btn', id: 'export-events',
              href: '/api/v1/events/export.xlsx' + query({
                from: isoDay(p.from, false), to: isoDay(p.to, true), executor: p.executor,
                street: p.street, house: p.house, status: p.status, kind: p.kind,
                lang: currentLanguage()})},
        t('reports.panel.export'))),
    form,
    rows.length === 0 ? h('p', {class: 'empty'}, t('events.panel.empty')) :
      h('table', {class: 'events', id: 'events'},
        h('thead', {}, h('tr', {}, ['status', 'kind', 'reason', 'executor', 'period',
                                    'addresses', 'notices', 'edit']
          .map((c) => h('th', {}, c === 'edit' ? '' : t('events.panel.' + c))))),
        h('tbody', {}, rows)),
    pager);
}

// The create / edit form: `id` of the event to edit, or null for a new one
// (prefilled from a copied draft when params has copy=1).
export async function renderForm(view, {state, params, navigate, flash, errorText}, id) {
  const executors = await loadExecutors();
  let event = null;
  if (id) {
    event = await get(`/api/v1/events/${encodeURIComponent(id)}`);
  } else if (params.get('copy')) {
    try {
      event = JSON.parse(sessionStorage.getItem('vikno.event_draft') || 'null');
    } catch {
      event = null;
    }
  }
  const mine = state.user.role === 'administrator' ? executors :
    executors.filter((e) => (state.user.services || []).includes(e.id));
  const offered = mine.length ? mine : executors;

  const kind = h('select', {name: 'kind'},
    ['planned', 'emergency'].map((k) => h('option', {value: k,
      selected: event && event.kind === k}, t('events.panel.kind_' + k))));
  const reason = h('textarea', {name: 'reason', rows: 3, required: true, maxlength: 2000},
                   event ? event.reason : '');
  const executor = h('select', {name: 'executor_id', required: true},
    offered.map((e) => h('option', {value: e.id, selected: event && event.executor_id === e.id},
                         e.name || e.id)));
  const starts = h('input', {type: 'datetime-local', name: 'starts_at', required: true,
                             value: event ? localInput(event.starts_at) : ''});
  const ends = h('input', {type: 'datetime-local', name: 'ends_at',
                           value: event ? localInput(event.ends_at) : ''});
  const approximate = h('input', {type: 'checkbox', name: 'end_is_approximate',
                                  checked: !!(event && event.end_is_approximate)});
  const shortNotice = h('input', {name: 'short_notice_reason', maxlength: 2000});

  // The chosen addresses: {registry_id, whole_street, label}.
  const chosen = [];
  const chosenList = h('ul', {class: 'addresses', id: 'event-addresses'});
  const redraw = () => {
    chosenList.replaceChildren(...chosen.map((a, i) => h('li', {},
      a.label + (a.whole_street ? ` (${t('events.panel.whole_street')})` : ''), ' ',
      h('button', {type: 'button', class: 'small', onclick: () => {
        chosen.splice(i, 1);
        redraw();
      }}, t('events.panel.remove')))));
  };
  for (const a of (event && event.addresses) || []) {
    // An edited event names its buildings; a whole street is picked again
    // through one of its buildings (copy gives registry ids for both).
    if (a.registry_id) {
      chosen.push({registry_id: a.registry_id, whole_street: !!a.whole_street,
                   label: a.street ? `${a.street}, ${a.house}` : `#${a.registry_id}`});
    }
  }
  redraw();

  const search = h('input', {type: 'search', name: 'address_search', autocomplete: 'off'});
  const wholeStreet = h('input', {type: 'checkbox', name: 'whole_street'});
  const results = h('div', {class: 'results', id: 'address-results'});
  let timer = null;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = search.value.trim();
      if (q.length < 2) {
        results.replaceChildren();
        return;
      }
      try {
        const found = await get('/api/v1/registry/addresses' + query({q, limit: 10}));
        results.replaceChildren(...(found.items || []).map((a) => h('button', {
          type: 'button', class: 'small', dataset: {registryId: a.registry_id},
          onclick: () => {
            chosen.push({registry_id: a.registry_id, whole_street: wholeStreet.checked,
                         label: wholeStreet.checked ? a.street : `${a.street}, ${a.house}`});
            redraw();
          }}, `${a.street}, ${a.house}`)));
      } catch (e) { flash(errorText(e), 'error'); }
    }, 250);
  });

  const editing = id && event;
  const form = h('form', {class: 'card-box', id: 'event-form'},
    h('h1', {}, editing ? t('events.panel.edit') : t('events.panel.new')),
    h('div', {class: 'row'}, field(t('events.panel.kind'), kind),
      field(t('events.panel.executor'), executor)),
    field(t('events.panel.reason'), reason),
    h('div', {class: 'row'}, field(t('events.panel.starts_at'), starts),
      field(t('events.panel.ends_at'), ends),
      h('label', {class: 'check'}, approximate, ' ', t('events.panel.approximate'))),
    h('fieldset', {}, h('legend', {}, t('events.panel.addresses')), chosenList,
      h('div', {class: 'row'}, field(t('events.panel.address_search'), search),
        h('label', {class: 'check'}, wholeStreet, ' ', t('events.panel.whole_street'))),
      results),
    state.user.role === 'administrator' ?
      field(t('events.panel.short_notice_reason'), shortNotice) : null,
    h('div', {class: 'buttons'},
      h('button', {type: 'submit', class: 'primary'}, t('events.panel.save')), ' ',
      h('a', {href: '#/events', class: 'btn'}, t('events.panel.cancel'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {
      kind: kind.value, reason: reason.value, executor_id: executor.value,
      starts_at: fromLocalInput(starts.value), ends_at: fromLocalInput(ends.value),
      end_is_approximate: approximate.checked,
      addresses: chosen.map((a) => ({registry_id: a.registry_id, whole_street: a.whole_street})),
      short_notice_reason: shortNotice.value,
    };
    try {
      const answer = editing ?
        await api('PUT', `/api/v1/events/${event.id}`, {...body, revision: event.revision}) :
        await post('/api/v1/events', body);
      const n = answer.notices || {};
      flash(t('events.panel.saved', {queued: n.queued || 0}) +
            (n.held_until ? ' ' + t('events.panel.held', {time: formatTime(n.held_until)}) : ''));
      sessionStorage.removeItem('vikno.event_draft');
      navigate('#/events');
    } catch (err) { flash(refusalText(err, errorText), 'error'); }
  });
  view.append(form);
}
