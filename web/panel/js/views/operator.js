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
  const street = h('input', {name: 'street', autocomplete: 'off', required: true});
  const house = h('input', {name: 'house', size: 6, autocomplete: 'off'});
  const flat = h('input', {name: 'flat', size: 6, autocomplete: 'off'});
  const registryId = h('input', {type: 'hidden', name: 'registry_id'});
  const registryList = h('div', {class: 'buttons registry-matches', id: 'registry-matches'});
  const registryNote = h('small', {class: 'hint', id: 'registry-note'});
  const category = h('select', {name: 'category'},
    h('option', {value: ''}, t('panel.operator.category_auto')),
    categories.map((c) => h('option', {value: c.id}, c.name || c.title || c.id)));
  const description = h('textarea', {name: 'description', rows: 4, required: true});
  const notes = h('textarea', {name: 'notes', rows: 2});
  const consent = h('input', {type: 'checkbox', name: 'consent'});
  const message = h('p', {class: 'error', role: 'alert', hidden: true});
  const submit = h('button', {type: 'submit', class: 'primary'}, t('panel.operator.register'));

  // Registry look-up (R3): the operator types the street and house, picks
  // the building among the matches; the registry id makes the address exact
  // for routing and repeat detection. The registry matches a street with a
  // house number, so both go into the query.
  const pick = (a) => {
    registryId.value = String(a.registry_id);
    street.value = a.street;
    house.value = a.house;
    registryNote.textContent = t('panel.operator.registry_found');
    clear(registryList);
  };
  const lookUp = debounce(async () => {
    const q = `${street.value.trim()} ${house.value.trim()}`.trim();
    let found = [];
    if (street.value.trim().length >= 2) {
      try {
        found = items(await get('/api/v1/registry/addresses' + query({q, limit: 5})), 'items');
      } catch {
        found = [];  // no registry on this host: the address stays as typed
      }
    }
    clear(registryList).append(...found.map((a) =>
      h('button', {type: 'button', class: 'small', dataset: {registryId: a.registry_id},
                   onclick: () => pick(a)},
        addressText(a), a.district ? h('small', {}, ' · ', a.district) : null)));
  }, 250);
  for (const input of [street, house]) {
    input.addEventListener('input', () => {
      registryId.value = '';
      registryNote.textContent = '';
      lookUp();
    });
  }
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
      const residents = items(await get('/api/v1/residents' + query({phone})), 'items');
      if (!residents.length) {
        out.append(h('p', {class: 'empty'}, t('panel.operator.no_history')));
        return;
      }
      for (const r of residents) {
        // GET /api/v1/residents carries each resident's appeals.
        const box = h('div', {class: 'resident', dataset: {id: r.id}},
          h('strong', {}, r.name || t('panel.card.anonymous')), ' · ', r.phone || phone,
          r.blocked_everywhere ? h('span', {class: 'late'}, ' ', t('panel.operator.blocked'))
                               : null);
        // R30: administrators block; a moderator names the decision maker
        // who approved it. Blocks here are on every channel ("all").
        if (['moderator', 'administrator'].includes(state.user.role)) {
          const unblock = async () => {
            try {
              await del(`/api/v1/residents/${encodeURIComponent(r.id)}/block?channel=all`);
              flash(t('panel.done'));
              find();
            } catch (e) { flash(errorText(e), 'error'); }
          };
          const block = () => {
            const reason = h('input', {name: 'reason', required: true});
            const approvedBy = h('input', {name: 'approved_by',
                                           required: state.user.role === 'moderator'});
            const form = h('form', {class: 'inline block-form'},
              field(t('panel.operator.block_reason'), reason),
              state.user.role === 'moderator'
                ? field(t('panel.operator.block_approved_by'), approvedBy) : null,
              h('button', {type: 'submit', class: 'small'}, t('panel.operator.block')));
            form.addEventListener('submit', async (event) => {
              event.preventDefault();
              try {
                await post(`/api/v1/residents/${encodeURIComponent(r.id)}/block`,
                           {channel: 'all', reason: reason.value.trim(),
                            approved_by: approvedBy.value.trim()});
                flash(t('panel.done'));
                find();
              } catch (e) { flash(errorText(e), 'error'); }
            });
            box.append(form);
            reason.focus();
          };
          box.append(' ', h('button', {type: 'button', class: 'small',
                                       onclick: r.blocked_everywhere ? unblock : block},
                            t(r.blocked_everywhere ? 'panel.operator.unblock'
                                                   : 'panel.operator.block')));
        }
        box.append(h('ul', {}, (r.appeals || []).map((a) => {
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
    articles = items(await get('/api/v1/kb'), 'items');
  } catch (e) {
    return h('section', {class: 'card-box'}, h('h2', {}, t('panel.operator.kb')),
             h('p', {class: 'error'}, errorText(e)));
  }
  const search = h('input', {type: 'search', placeholder: t('panel.operator.kb_search')});
  const list = h('ul', {class: 'kb', id: 'kb'});
  const show = () => {
    const q = search.value.trim().toLowerCase();
    clear(list).append(...articles
      .filter((a) => !q || `${a.title} ${a.body} ${(a.tags || []).join(' ')}`
        .toLowerCase().includes(q))
      .map((a) => h('li', {dataset: {id: a.id}},
        h('details', {}, h('summary', {}, a.title), h('p', {}, a.body),
          a.state_body ? h('p', {class: 'hint'}, a.state_body) : null,
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
        articles.push(await post('/api/v1/kb', {title: title.value.trim(),
                                                body: text.value.trim()}));
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
          h('td', {}, e.phone || ''),
          h('td', {}, e.email || ''),
          h('td', {}, e.head || '')))))
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
