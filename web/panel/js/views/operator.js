// The operator's window (R4, R1 phone, R8, R13): enter an appeal from a phone
// call (anonymous allowed, 002 §5.7; consent recorded, R31), find the caller's
// earlier appeals by phone number, record a consultation from the knowledge
// base instead of an appeal, and the directory of service contacts.
import {get, post, del, query} from '../api.js';
import {h, clear, statusBadge, formatTime, addressText, field} from '../dom.js';
import {t, currentLanguage} from '../i18n.js';
import {loadExecutors, loadCategories} from '../catalog.js';

function items(data, key) {
  if (Array.isArray(data)) return data;
  if (data && Array.isArray(data[key])) return data[key];
  return data && Array.isArray(data.items) ? data.items : [];
}

// Calls in quick succession (typing) share one timer; only the last runs.
function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

function phoneAppealForm(ctx, categories, phoneInput) {
  const {navigate, flash, errorText} = ctx;
  const name = h('input', {name: 'name', autocomplete: 'off'});
  const anonymous = h('input', {type: 'checkbox', name: 'anonymous'});
  const street = h('input', {name: 'street', autocomplete: 'off', list: 'registry-list',
                             required: true});
  const house = h('input', {name: 'house', size: 6, autocomplete: 'off'});
  const flat = h('input', {name: 'flat', size: 6, autocomplete: 'off'});
  const registryId = h('input', {type: 'hidden', name: 'registry_id'});
  const registryList = h('datalist', {id: 'registry-list'});
  const registryNote = h('small', {class: 'hint', id: 'registry-note'});
  const category = h('select', {name: 'category'},
    h('option', {value: ''}, t('panel.operator.category_auto')),
    categories.map((c) => h('option', {value: c.id}, c.name || c.title || c.id)));
  const description = h('textarea', {name: 'description', rows: 4, required: true});
  const notes = h('textarea', {name: 'notes', rows: 2});
  const consent = h('input', {type: 'checkbox', name: 'consent'});
  const message = h('p', {class: 'error', role: 'alert', hidden: true});
  const submit = h('button', {type: 'submit', class: 'primary'}, t('panel.operator.register'));

  // Registry look-up: the operator types a street, picks the building; the
  // registry id makes the address exact for routing and repeat detection.
  let found = [];
  const lookUp = debounce(async () => {
    const q = street.value.trim();
    if (q.length < 2) return;
    try {
      found = items(await get('/api/v1/registry/addresses' + query({q})), 'addresses');
    } catch {
      found = [];
    }
    clear(registryList).append(...found.map((a) =>
      h('option', {value: addressText(a)}, a.district || '')));
  }, 250);
  street.addEventListener('input', () => {
    registryId.value = '';
    registryNote.textContent = '';
    const chosen = found.find((a) => addressText(a) === street.value);
    if (chosen) {
      registryId.value = String(chosen.id || chosen.registry_id || '');
      street.value = chosen.street || '';
      house.value = chosen.house || '';
      registryNote.textContent = t('panel.operator.registry_found');
      return;
    }
    lookUp();
  });
  anonymous.addEventListener('change', () => {
    name.disabled = anonymous.checked;
  });

  const form = h('form', {class: 'card-box', id: 'phone-appeal'},
    h('h2', {}, t('panel.operator.new_appeal')),
    h('div', {class: 'row'}, field(t('panel.operator.name'), name),
      h('label', {class: 'check'}, anonymous, ' ', t('panel.operator.anonymous'))),
    h('div', {class: 'row'}, field(t('panel.filter.street'), street, registryNote),
      field(t('panel.filter.house'), house), field(t('panel.operator.flat'), flat)),
    registryId, registryList,
    field(t('panel.operator.category'), category),
    field(t('panel.operator.description'), description),
    field(t('panel.operator.notes'), notes),
    h('label', {class: 'check'}, consent, ' ', t('panel.operator.consent')),
    message, h('div', {class: 'buttons'}, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.hidden = true;
    const phone = phoneInput.value.trim();
    if (!anonymous.checked && !consent.checked) {
      message.textContent = t('panel.operator.consent_needed');
      message.hidden = false;
      return;
    }
    const body = {
      channel: 'phone',
      description: description.value.trim(),
      category: category.value || undefined,
      anonymous: anonymous.checked,
      address: {street: street.value.trim(), house: house.value.trim(), flat: flat.value.trim()},
    };
    if (registryId.value) body.address.registry_id = Number(registryId.value);
    if (!anonymous.checked) {
      body.resident = {name: name.value.trim(), phone};
      body.consent = {text_version: `privacy.notice/${currentLanguage()}/phone`};
    } else if (phone) {
      // An anonymous caller still leaves a number to be called back on (002 §5.7).
      body.resident = {phone};
    }
    submit.disabled = true;
    try {
      const appeal = await post('/api/v1/appeals', body);
      if (notes.value.trim()) {
        await post(`/api/v1/appeals/${appeal.id}/comments`,
                   {text: notes.value.trim(), visible_to_resident: false});
      }
      flash(t('panel.operator.registered', {number: appeal.number}));
      navigate('#/appeal/' + appeal.id);
    } catch (e) {
      message.textContent = errorText(e);
      message.hidden = false;
      submit.disabled = false;
    }
  });
  return form;
}

function callerSection(ctx, phoneInput) {
  const {state, flash, errorText} = ctx;
  const out = h('div', {id: 'caller-history'});
  const find = async () => {
    const phone = phoneInput.value.trim();
    clear(out);
    if (!phone) return;
    try {
      const residents = items(await get('/api/v1/residents' + query({phone})), 'residents');
      if (!residents.length) {
        out.append(h('p', {class: 'empty'}, t('panel.operator.no_history')));
        return;
      }
      for (const r of residents) {
        const page = await get('/api/v1/appeals' + query({resident: r.id, limit: 20}));
        const box = h('div', {class: 'resident'},
          h('strong', {}, r.name || t('panel.card.anonymous')), ' · ', r.phone || phone,
          r.blocked ? h('span', {class: 'late'}, ' ', t('panel.operator.blocked')) : null);
        if (['moderator', 'administrator', 'decision_maker'].includes(state.user.role)) {
          box.append(' ', r.blocked
            ? h('button', {type: 'button', class: 'small', onclick: async () => {
                try {
                  await del(`/api/v1/residents/${encodeURIComponent(r.id)}/block`);
                  flash(t('panel.done'));
                  find();
                } catch (e) { flash(errorText(e), 'error'); }
              }}, t('panel.operator.unblock'))
            : h('button', {type: 'button', class: 'small', onclick: async () => {
                const reason = window.prompt(t('panel.operator.block_reason'));
                if (!reason) return;
                try {
                  await post(`/api/v1/residents/${encodeURIComponent(r.id)}/block`, {reason});
                  flash(t('panel.done'));
                  find();
                } catch (e) { flash(errorText(e), 'error'); }
              }}, t('panel.operator.block')));
        }
        box.append(h('ul', {}, page.items.map((a) => {
          const s = state.statusByCode.get(a.status) || {};
          return h('li', {}, h('a', {href: '#/appeal/' + a.id}, a.number), ' ',
            formatTime(a.created_at), ' ', statusBadge(a.status, s.label, a.status_colour), ' ',
            a.description.length > 80 ? a.description.slice(0, 80) + '…' : a.description);
        })));
        out.append(box);
      }
    } catch (e) {
      out.append(h('p', {class: 'error'}, errorText(e)));
    }
  };
  return {
    node: h('section', {class: 'card-box'},
      h('h2', {}, t('panel.operator.caller')),
      h('div', {class: 'row'}, field(t('panel.operator.phone'), phoneInput),
        h('button', {type: 'button', id: 'find-caller', onclick: find},
          t('panel.operator.find'))),
      out),
    find,
  };
}

async function knowledgeSection(ctx, phoneInput) {
  const {state, flash, errorText} = ctx;
  let articles = [];
  try {
    articles = items(await get('/api/v1/kb'), 'articles');
  } catch (e) {
    return h('section', {class: 'card-box'}, h('h2', {}, t('panel.operator.kb')),
             h('p', {class: 'error'}, errorText(e)));
  }
  const search = h('input', {type: 'search', placeholder: t('panel.operator.kb_search')});
  const list = h('ul', {class: 'kb', id: 'kb'});
  const show = () => {
    const q = search.value.trim().toLowerCase();
    clear(list).append(...articles
      .filter((a) => !q || `${a.title} ${a.text}`.toLowerCase().includes(q))
      .map((a) => h('li', {},
        h('details', {}, h('summary', {}, a.title), h('p', {}, a.text),
          h('button', {type: 'button', class: 'small', onclick: async () => {
            try {
              await post('/api/v1/consultations',
                         {kb_id: a.id, phone: phoneInput.value.trim(), note: a.title});
              flash(t('panel.operator.consulted'));
            } catch (e) { flash(errorText(e), 'error'); }
          }}, t('panel.operator.record_consultation'))))));
  };
  search.addEventListener('input', show);
  show();
  const section = h('section', {class: 'card-box'}, h('h2', {}, t('panel.operator.kb')),
                    search, list);
  if (state.user.role === 'administrator') {
    const title = h('input', {name: 'title', required: true});
    const text = h('textarea', {name: 'text', rows: 3, required: true});
    const form = h('form', {class: 'inline'}, h('h3', {}, t('panel.operator.kb_add')),
      field(t('panel.operator.kb_title'), title), field(t('panel.operator.kb_text'), text),
      h('button', {type: 'submit'}, t('panel.save')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const created = await post('/api/v1/kb', {title: title.value.trim(),
                                                  text: text.value.trim()});
        articles.push(created && created.title ? created
                                               : {title: title.value, text: text.value});
        form.reset();
        show();
        flash(t('panel.done'));
      } catch (e) { flash(errorText(e), 'error'); }
    });
    section.append(form);
  }
  return section;
}

function directorySection(executors) {
  return h('section', {class: 'card-box'}, h('h2', {}, t('panel.operator.directory')),
    executors.length
      ? h('table', {class: 'directory'}, h('tbody', {}, executors.map((e) => h('tr', {},
          h('td', {}, e.name || e.id),
          h('td', {}, e.phone || (e.contacts && e.contacts.phone) || ''),
          h('td', {}, e.email || (e.contacts && e.contacts.email) || ''),
          h('td', {}, e.hours || '')))))
      : h('p', {class: 'empty'}, t('panel.operator.no_directory')));
}

export async function render(view, ctx) {
  const [executors, categories] = await Promise.all([loadExecutors(), loadCategories()]);
  const phoneInput = h('input', {type: 'tel', name: 'phone', autocomplete: 'off',
                                 placeholder: '+380…'});
  const caller = callerSection(ctx, phoneInput);
  phoneInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      caller.find();
    }
  });
  view.append(h('div', {class: 'heading'}, h('h1', {}, t('panel.nav.operator'))),
    h('div', {class: 'card-grid'},
      h('div', {class: 'main-col'}, caller.node, phoneAppealForm(ctx, categories, phoneInput)),
      h('div', {class: 'side-col'}, await knowledgeSection(ctx, phoneInput),
        directorySection(executors))));
  phoneInput.focus();
}
