// The appeal card: its fields, executors and deadlines, the whole timeline
// (status changes, comments, files, requests: who and when), comments and
// files, and the actions the caller's role may take now. The status actions
// come from GET /api/v1/appeals/{id}/actions (the R14 table on the server), so
// the menu offers exactly what the server will accept; each asks for the text
// its rule needs (a reason, a question, the answer to the resident, a call
// note) before it is sent.
import {ApiError, api, get, post} from '../api.js';
import {h, clear, statusBadge, formatTime, addressText, field} from '../dom.js';
import {t, has} from '../i18n.js';
import {loadExecutors, loadCategories, executorName, categoryName} from '../catalog.js';

// Who may ask for an extension or an executor change (workflow/appeal_requests.cc).
const STAFF_REQUESTERS = ['executor', 'moderator', 'decision_maker'];
const DECIDERS = ['decision_maker', 'administrator'];
const FLAGGERS = ['moderator', 'decision_maker', 'administrator'];

function label(prefix, code) {
  return has(prefix + code) ? t(prefix + code) : code;
}

function row(name, ...value) {
  return [h('dt', {}, t(name)), h('dd', {}, ...value)];
}

// "2026-11-22T15:04" from <input type=datetime-local> to ISO UTC.
function localToIso(value) {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function nowLocal() {
  const d = new Date();
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
}

// An ISO UTC time as the audit writes it ("2026-11-22T15:04:00Z").
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z$/;

// One detail's value in words: times in local time, yes/no for flags, a
// status or role by its name; anything else as text.
function detailValue(key, v) {
  if (typeof v === 'boolean') return t(v ? 'panel.detail_value.yes' : 'panel.detail_value.no');
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  const value = String(v);
  if (ISO_TIME.test(value)) return formatTime(value);
  // A status change names statuses; an extension's approver is a role.
  if (key === 'from' || key === 'to') return label('status.', value);
  if (key === 'approver') return label('role.', value);
  return value;
}

// One audit entry's details as short "name: value" lines; every key has its
// words under panel.detail.* (uk and en), e.g. an extension request's
// approver, ordinal and proposed_due (workflow/appeal_requests.cc).
function detailLines(details) {
  if (!details || typeof details !== 'object') return details ? [String(details)] : [];
  // Empty notes and the like say nothing: left out.
  return Object.entries(details).filter(([, v]) => v !== '' && v !== null).map(([k, v]) =>
    `${label('panel.detail.', k)}: ${detailValue(k, v)}`);
}

// The audit's action names (workflow/appeal_requests.cc) with their words
// under panel.event.* in the messages files.
const EVENT_KEYS = {
  request_extension: 'extension_requested',
  approve_extension: 'extension_decided',
  reject_extension: 'extension_decided',
  request_executor_change: 'executor_change_requested',
  approve_executor_change: 'executor_change_decided',
  reject_executor_change: 'executor_change_decided',
  inform_resident: 'informed',
  commission_inspection: 'flags',
};

function timeline(entries) {
  const list = h('ol', {class: 'timeline', id: 'timeline'});
  for (const e of entries || []) {
    const actionName = has('action.' + e.action) ? t('action.' + e.action)
                                                  : label('panel.event.',
                                                          EVENT_KEYS[e.action] || e.action);
    list.append(h('li', {dataset: {action: e.action}},
      h('time', {datetime: e.at}, formatTime(e.at)),
      h('span', {class: 'what'}, actionName),
      h('span', {class: 'who'}, `${e.actor_id} (${label('role.', e.actor_role)})`),
      detailLines(e.details).map((line) => h('div', {class: 'detail'}, line))));
  }
  if (!list.firstChild) list.append(h('li', {class: 'empty'}, t('panel.card.no_events')));
  return list;
}

// A small form that appears under the action buttons.
function actionForm(title, fields, submitText, onSubmit, errorText) {
  const message = h('p', {class: 'error', role: 'alert', hidden: true});
  const submit = h('button', {type: 'submit', class: 'primary'}, submitText);
  const form = h('form', {class: 'action-form'}, h('h3', {}, title), fields, message,
    h('div', {class: 'buttons'}, submit,
      h('button', {type: 'button', onclick: () => form.remove()}, t('panel.cancel'))));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.hidden = true;
    try {
      await onSubmit(new FormData(form));
    } catch (e) {
      message.textContent = errorText(e);
      message.hidden = false;
      submit.disabled = false;
    }
  });
  return form;
}

async function uploadFiles(id, input) {
  for (const file of input.files || []) {
    const data = new FormData();
    data.append('file', file, file.name);
    await api('POST', `/api/v1/appeals/${id}/attachments`, data);
  }
}

// The card's requests come from GET /api/v1/appeals/{id}/requests (the
// appeal itself does not carry them); null when the host has no desk (503).
async function loadRequests(id) {
  try {
    return await get(`/api/v1/appeals/${id}/requests`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 503) return null;
    throw e;
  }
}

function requestsSection(requests, user, reload, errorText, flash) {
  const all = [
    ...((requests && requests.extension_requests) || []).map((r) => ({...r, kind: 'extension'})),
    ...((requests && requests.executor_change_requests) || [])
      .map((r) => ({...r, kind: 'executor_change'})),
  ];
  if (!all.length) return null;
  const list = h('ul', {class: 'requests', id: 'requests'});
  for (const r of all) {
    const state = r.state;
    const what = r.kind === 'extension'
      ? t('panel.request.extension_to', {due: formatTime(r.proposed_due)})
      : t('panel.request.executor_to',
          {executor: r.proposed_executor ? executorName(r.proposed_executor)
                                         : t('panel.request.not_my_competence')});
    const item = h('li', {dataset: {kind: r.kind, state}},
      h('strong', {}, what), ' · ', label('panel.request.state.', state),
      h('div', {class: 'detail'}, r.reason),
      h('div', {class: 'who'}, `${r.requested_by || ''} ${formatTime(r.requested_at)}`));
    if (r.decision && r.decision.note) item.append(h('div', {class: 'detail'}, r.decision.note));
    if (state === 'pending' && DECIDERS.includes(user.role)) {
      const decide = (approve) => {
        const note = h('textarea', {name: 'note', rows: 2});
        item.append(actionForm(approve ? t('panel.request.approve') : t('panel.request.reject'),
          field(t('panel.request.note'), note),
          approve ? t('panel.request.approve') : t('panel.request.reject'),
          async (data) => {
            const path = r.kind === 'extension' ? 'extension-requests'
                                                : 'executor-change-requests';
            await post(`/api/v1/${path}/${r.id}/decision`,
                       {approve, note: String(data.get('note') || '')});
            flash(t('panel.done'));
            reload();
          }, errorText));
      };
      item.append(h('div', {class: 'buttons'},
        h('button', {type: 'button', class: 'primary', dataset: {decide: 'approve'},
                     onclick: () => decide(true)}, t('panel.request.approve')),
        h('button', {type: 'button', dataset: {decide: 'reject'},
                     onclick: () => decide(false)}, t('panel.request.reject'))));
    }
    list.append(item);
  }
  return h('section', {class: 'card-box'}, h('h2', {}, t('panel.card.requests')), list);
}

export async function render(view, {state, navigate, flash, errorText}, idText) {
  const id = parseInt(idText, 10);
  if (!(id > 0)) throw new Error(t('panel.not_found'));
  const [card, actions, requests, executors] = await Promise.all([
    get(`/api/v1/appeals/${id}`),
    get(`/api/v1/appeals/${id}/actions`),
    loadRequests(id),
    loadExecutors(), loadCategories(),
  ]);
  const user = state.user;
  const reload = () => navigate(`#/appeal/${id}`);
  const status = state.statusByCode.get(card.status) || {};
  const forms = h('div', {class: 'forms', id: 'action-forms'});
  const openForm = (form) => {
    clear(forms).append(form);
    const first = form.querySelector('textarea, input, select');
    if (first) first.focus();
  };

  // Status actions from the transition table.
  const buttons = h('div', {class: 'actions', id: 'actions'});
  for (const a of actions.actions || []) {
    buttons.append(h('button', {type: 'button', dataset: {action: a.action},
      class: a.needs === 'nothing' ? 'primary' : null,
      onclick: () => {
        const note = h('textarea', {name: 'note', rows: 3, required: a.needs !== 'nothing'});
        openForm(actionForm(a.label,
          a.needs === 'nothing' ? h('p', {}, t('panel.confirm_action')) :
            field(label('panel.needs.', a.needs), note),
          a.label, async (data) => {
            await post(`/api/v1/appeals/${id}/transitions`,
                       {action: a.action, note: String(data.get('note') || '')});
            flash(t('panel.done'));
            reload();
          }, errorText));
      }}, a.label));
  }

  // Everything else staff do on a card.
  const extra = h('div', {class: 'actions secondary', id: 'more-actions'});
  const add = (key, onclick) => extra.append(
    h('button', {type: 'button', dataset: {action: key}, onclick}, t('panel.act.' + key)));

  add('comment', () => {
    const text = h('textarea', {name: 'text', rows: 3, required: true});
    const visible = h('input', {type: 'checkbox', name: 'visible'});
    openForm(actionForm(t('panel.act.comment'),
      [field(t('panel.comment.text'), text),
       h('label', {class: 'check'}, visible, ' ', t('panel.comment.visible'))],
      t('panel.save'), async (data) => {
        await post(`/api/v1/appeals/${id}/comments`,
                   {text: String(data.get('text')), visible_to_resident: visible.checked});
        flash(t('panel.done'));
        reload();
      }, errorText));
  });
  add('attach', () => {
    const input = h('input', {type: 'file', name: 'file', multiple: true, required: true,
                              accept: 'image/jpeg,image/png,image/webp,application/pdf,video/mp4'});
    openForm(actionForm(t('panel.act.attach'), field(t('panel.attach.files'), input),
      t('panel.attach.upload'), async () => {
        await uploadFiles(id, input);
        flash(t('panel.done'));
        reload();
      }, errorText));
  });
  add('informed', () => {
    const how = h('select', {name: 'how'},
      ['phone', 'sms', 'messenger', 'email', 'in_person', 'letter'].map((m) =>
        h('option', {value: m}, t('panel.informed.how.' + m))));
    const by = h('input', {name: 'by', value: user.name || user.login, required: true});
    const at = h('input', {type: 'datetime-local', name: 'at', value: nowLocal(), required: true});
    openForm(actionForm(t('panel.act.informed'),
      [field(t('panel.informed.method'), how), field(t('panel.informed.by'), by),
       field(t('panel.informed.at'), at)],
      t('panel.save'), async (data) => {
        await post(`/api/v1/appeals/${id}/informed`,
                   {how: String(data.get('how')), by: String(data.get('by')),
                    at: localToIso(String(data.get('at')))});
        flash(t('panel.done'));
        reload();
      }, errorText));
  });
  // The requests are offered only when the server would take them
  // (workflow/appeal_requests.cc): never on a closed appeal, an extension
  // only of a deadline there is, and neither while one of its kind waits.
  const pending = (list) => (list || []).some((r) => r.state === 'pending');
  const open = !status.final;
  const mayExtend = open && Boolean(card.resolve_due) &&
      !pending(requests && requests.extension_requests);
  const mayHandOver = open && !pending(requests && requests.executor_change_requests);
  if (STAFF_REQUESTERS.includes(user.role) && mayExtend) {
    add('extension', () => {
      const due = h('input', {type: 'datetime-local', name: 'proposed_due', required: true});
      const reason = h('textarea', {name: 'reason', rows: 3, required: true});
      const files = h('input', {type: 'file', name: 'files', multiple: true});
      openForm(actionForm(t('panel.act.extension'),
        [field(t('panel.extension.due'), due), field(t('panel.extension.reason'), reason),
         field(t('panel.attach.files'), files)],
        t('panel.send'), async (data) => {
          const proposed = localToIso(String(data.get('proposed_due')));
          if (!proposed) throw new Error(t('panel.extension.due'));
          await uploadFiles(id, files);
          await post(`/api/v1/appeals/${id}/extension-requests`,
                     {proposed_due: proposed, reason: String(data.get('reason'))});
          flash(t('panel.done'));
          reload();
        }, errorText));
    });
  }
  if (STAFF_REQUESTERS.includes(user.role) && mayHandOver) {
    add('executor_change', () => {
      const to = h('select', {name: 'proposed_executor'},
        h('option', {value: ''}, t('panel.request.not_my_competence')),
        executors.filter((e) => e.id !== card.executor)
          .map((e) => h('option', {value: e.id}, e.name || e.id)));
      const reason = h('textarea', {name: 'reason', rows: 3, required: true});
      const files = h('input', {type: 'file', name: 'files', multiple: true});
      openForm(actionForm(t('panel.act.executor_change'),
        [field(t('panel.executor_change.to'), to),
         field(t('panel.extension.reason'), reason), field(t('panel.attach.files'), files)],
        t('panel.send'), async (data) => {
          await uploadFiles(id, files);
          await post(`/api/v1/appeals/${id}/executor-change-requests`,
                     {proposed_executor: String(data.get('proposed_executor') || ''),
                      reason: String(data.get('reason'))});
          flash(t('panel.done'));
          reload();
        }, errorText));
    });
  }
  if (FLAGGERS.includes(user.role)) {
    add(card.commission_inspection ? 'commission_off' : 'commission_on', async () => {
      try {
        await post(`/api/v1/appeals/${id}/flags`,
                   {commission_inspection: !card.commission_inspection});
        flash(t('panel.done'));
        reload();
      } catch (e) {
        flash(errorText(e), 'error');
      }
    });
  }

  const due = card.resolve_due || card.accept_due;
  const fields = h('dl', {class: 'fields'},
    row('panel.col.status', statusBadge(card.status, status.label,
                                        card.status_colour || status.colour)),
    row('panel.col.type', card.type ? label('panel.type.', card.type) : ''),
    row('panel.card.category', categoryName(card.category)),
    row('panel.card.executors', h('ul', {class: 'executors'},
      (card.executors || []).map((e, i) =>
        h('li', {}, executorName(e), i === 0 && card.executors.length > 1
          ? h('small', {}, ' · ', t('panel.card.lead')) : null)))),
    row('panel.col.address', addressText(card.address)),
    row('panel.card.channel', label('panel.channel.', card.channel)),
    row('panel.card.resident', card.anonymous ? t('panel.card.anonymous') : card.resident_id),
    row('panel.card.created', formatTime(card.created_at)),
    row('panel.card.accept_due', formatTime(card.accept_due)),
    row('panel.card.resolve_due', formatTime(card.resolve_due),
        card.overdue ? h('span', {class: 'late'}, t('panel.overdue')) : null),
    card.commission_inspection ? row('panel.card.commission', '✓') : null,
    card.repeat_of ? row('panel.card.repeat_of',
                         h('a', {href: '#/appeal/' + card.repeat_of}, String(card.repeat_of)))
                   : null);

  const comments = h('ul', {class: 'comments', id: 'comments'},
    (card.comments || []).map((c) => h('li', {},
      h('div', {class: 'who'}, `${c.author_id} (${label('role.', c.author_role)}) · `,
        formatTime(c.created_at),
        c.visible_to_resident ? h('small', {}, ' · ', t('panel.comment.visible')) : null),
      h('div', {class: 'text'}, c.text))));
  const files = h('ul', {class: 'files', id: 'files'},
    (card.attachments || []).map((f) => h('li', {},
      h('a', {href: `/api/v1/files/${encodeURIComponent(f.sha256)}?appeal=${id}`,
              target: '_blank',
              rel: 'noopener'}, f.original_name || f.sha256.slice(0, 12)),
      ` · ${f.media_type} · ${Math.ceil(f.size / 1024)} KB · ${f.uploaded_by}`)));

  view.append(
    h('div', {class: 'heading'},
      h('h1', {}, t('panel.card.title', {number: card.number})),
      statusBadge(card.status, status.label, card.status_colour || status.colour),
      card.overdue ? h('span', {class: 'late'}, t('panel.overdue')) : null,
      h('a', {href: '#/appeals', class: 'button small'}, '← ', t('panel.card.back'))),
    h('div', {class: 'card-grid'},
      h('div', {class: 'main-col'},
        h('section', {class: 'card-box'},
          h('h2', {}, t('panel.card.problem')),
          h('p', {class: 'description', id: 'description'}, card.description),
          fields),
        h('section', {class: 'card-box'},
          h('h2', {}, t('panel.card.actions')), buttons, extra, forms),
        requestsSection(requests, user, reload, errorText, flash),
        h('section', {class: 'card-box'}, h('h2', {}, t('panel.card.comments')), comments),
        h('section', {class: 'card-box'}, h('h2', {}, t('panel.card.files')), files)),
      h('section', {class: 'card-box side-col'},
        h('h2', {}, t('panel.card.timeline')), timeline(card.timeline))));
  if (!buttons.firstChild) buttons.append(h('p', {class: 'empty'}, t('panel.card.no_actions')));
}
