// The appeals list of R28: number, type, executor, problem, address with
// house and flat, status in its R14 colour, due date, actions; filters by
// period, service, category, address, status and overdue; sorting; paging by
// offset with "has_more" (no count of a million rows per page, issue 5). The
// filters live in the URL hash, so a view can be bookmarked or sent on.
import {get, query} from '../api.js';
import {h, clear, statusBadge, formatTime, addressText, field} from '../dom.js';
import {t, currentLanguage} from '../i18n.js';
import {loadExecutors, loadCategories, executorName, categoryName} from '../catalog.js';

const PAGE = 50;
const FILTERS = ['from', 'to', 'executor', 'category', 'street', 'house', 'status', 'overdue',
                 'sort', 'offset'];

function dateInput(name, value) {
  return h('input', {type: 'date', name, value: value ? value.slice(0, 10) : ''});
}

// yyyy-mm-dd from the date picker to the API's ISO time; "to" covers the whole day.
function isoDay(value, endOfDay) {
  if (!value) return '';
  const d = new Date(value + 'T00:00:00');
  if (endOfDay) d.setDate(d.getDate() + 1);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export async function render(view, {state, params, navigate, errorText}) {
  const [executors, categories] = await Promise.all([loadExecutors(), loadCategories()]);
  const p = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) || '']));

  const executorList = h('datalist', {id: 'executors-list'},
    executors.map((e) => h('option', {value: e.id}, e.name || e.id)));
  const categoryList = h('datalist', {id: 'categories-list'},
    categories.map((c) => h('option', {value: c.id}, c.name || c.title || c.id)));
  const statusSelect = h('select', {name: 'status'},
    h('option', {value: ''}, t('panel.filter.any_status')),
    state.statuses.map((s) => h('option', {value: s.code, selected: p.status === s.code},
                                  s.label)));
  const sortSelect = h('select', {name: 'sort'},
    ['newest', 'oldest', 'due'].map((s) =>
      h('option', {value: s, selected: (p.sort || 'newest') === s}, t('panel.sort.' + s))));
  const overdue = h('input', {type: 'checkbox', name: 'overdue', checked: p.overdue === 'true'});

  const form = h('form', {class: 'filters', id: 'filters'},
    field(t('panel.filter.from'), dateInput('from', p.from)),
    field(t('panel.filter.to'), dateInput('to', p.to)),
    field(t('panel.filter.executor'),
          h('input', {name: 'executor', list: 'executors-list', value: p.executor})),
    field(t('panel.filter.category'),
          h('input', {name: 'category', list: 'categories-list', value: p.category})),
    field(t('panel.filter.street'), h('input', {name: 'street', value: p.street})),
    field(t('panel.filter.house'), h('input', {name: 'house', value: p.house, size: 5})),
    field(t('panel.filter.status'), statusSelect),
    field(t('panel.filter.sort'), sortSelect),
    h('label', {class: 'check'}, overdue, ' ', t('panel.filter.overdue')),
    h('div', {class: 'buttons'},
      h('button', {type: 'submit', class: 'primary'}, t('panel.filter.apply')),
      h('button', {type: 'button', onclick: () => navigate('#/appeals')},
        t('panel.filter.reset'))),
    executorList, categoryList);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const next = {};
    for (const k of FILTERS) {
      if (k === 'offset') continue;
      const v = k === 'overdue' ? (overdue.checked ? 'true' : '') : (data.get(k) || '').trim();
      if (v) next[k] = v;
    }
    navigate('#/appeals' + query(next));
  });

  const heading = h('div', {class: 'heading'}, h('h1', {}, t('panel.list.title')));
  if (['operator', 'administrator'].includes(state.user.role)) {
    heading.append(h('a', {class: 'button primary', href: '#/operator'},
                     t('panel.operator.new_appeal')));
  }
  const table = h('table', {class: 'appeals', id: 'appeals'});
  const pager = h('div', {class: 'pager'});
  view.append(heading, form, table, pager);

  const offset = Math.max(0, parseInt(p.offset || '0', 10) || 0);
  const apiParams = {
    from: isoDay(p.from, false), to: isoDay(p.to, true), executor: p.executor,
    category: p.category, street: p.street, house: p.house, status: p.status,
    overdue: p.overdue === 'true' ? 'true' : '', sort: p.sort, limit: PAGE, offset,
  };
  // Issue 6, R29: every row of these filters as an Excel workbook, column
  // names in the panel's language; the server forces the viewer's scope.
  heading.append(h('a', {class: 'button', id: 'export-xlsx',
                         href: '/api/v1/appeals/export.xlsx' +
                               query({...apiParams, limit: '', offset: '', lang: currentLanguage()})},
                   t('reports.panel.export')));
  let page;
  try {
    page = await get('/api/v1/appeals' + query(apiParams));
  } catch (e) {
    table.replaceWith(h('p', {class: 'error'}, errorText(e)));
    return;
  }

  const head = h('thead', {}, h('tr', {},
    ['number', 'type', 'executor', 'problem', 'address', 'status', 'due', 'actions']
      .map((c) => h('th', {scope: 'col'}, t('panel.col.' + c)))));
  const body = h('tbody');
  for (const a of page.items) {
    const status = state.statusByCode.get(a.status) || {};
    const due = a.resolve_due || a.accept_due;
    const tr = h('tr', {class: a.overdue ? 'overdue' : null, dataset: {id: a.id}},
      h('td', {class: 'number'}, h('a', {href: '#/appeal/' + a.id}, a.number)),
      h('td', {}, a.type ? t('panel.type.' + a.type) : ''),
      h('td', {}, executorName(a.executor)),
      h('td', {class: 'problem'},
        h('div', {class: 'category'}, categoryName(a.category)),
        h('div', {class: 'description'}, a.description)),
      h('td', {class: 'address'}, addressText(a.address)),
      h('td', {}, statusBadge(a.status, status.label, a.status_colour || status.colour)),
      h('td', {class: 'due'}, formatTime(due),
        a.overdue ? h('span', {class: 'late'}, t('panel.overdue')) : null),
      h('td', {}, h('a', {class: 'button small', href: '#/appeal/' + a.id}, t('panel.open'))));
    body.append(tr);
  }
  clear(table).append(head, body);
  if (page.items.length === 0) {
    table.after(h('p', {class: 'empty', id: 'no-appeals'}, t('panel.list.empty')));
  }

  const move = (to) => {
    const next = Object.fromEntries(FILTERS.map((k) => [k, p[k]]));
    next.offset = to > 0 ? String(to) : '';
    navigate('#/appeals' + query(next));
  };
  pager.append(
    h('button', {type: 'button', disabled: offset === 0, onclick: () => move(offset - PAGE)},
      '← ', t('panel.pager.previous')),
    h('span', {class: 'range'}, page.items.length
      ? t('panel.pager.range', {from: offset + 1, to: offset + page.items.length})
      : ''),
    h('button', {type: 'button', id: 'next-page', disabled: !page.has_more,
                 onclick: () => move(offset + PAGE)},
      t('panel.pager.next'), ' →'));
}
