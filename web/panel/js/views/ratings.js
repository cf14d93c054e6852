// Ratings (R25, 000 §6.7): per service the average, the count and how many of
// each score, and the 1-5 ratings with their comments over a chosen period.
// The server scopes them: an administrator sees every service, a moderator
// only their own (000 §6.2); the filters live in the hash.
import {get} from '../api.js';
import {h, field, formatTime} from '../dom.js';
import {t} from '../i18n.js';
import {loadExecutors, executorName} from '../catalog.js';

function query(params) {
  const q = new URLSearchParams();
  for (const name of ['service', 'from', 'to', 'before']) {
    const v = params.get(name);
    if (v) q.set(name, v);
  }
  q.set('limit', '100');
  return q;
}

export async function render(view, {state, params, navigate}) {
  const [data] = await Promise.all([get('/api/v1/ratings?' + query(params)), loadExecutors()]);
  const services = state.user.role === 'administrator'
    ? null : (state.user.services || []);

  const service = h('select', {name: 'service'},
    h('option', {value: ''}, t('broadcasts.panel.all_services')));
  const known = new Set((data.summary || []).map((s) => s.service));
  for (const id of services || []) known.add(id);
  for (const id of [...known].sort()) {
    service.append(h('option', {value: id, selected: params.get('service') === id},
      executorName(id)));
  }
  const from = h('input', {type: 'date', name: 'from', value: params.get('from') || ''});
  const to = h('input', {type: 'date', name: 'to', value: params.get('to') || ''});
  const form = h('form', {class: 'filters', id: 'ratings-filter'},
    field(t('broadcasts.panel.service'), service), field(t('broadcasts.panel.from'), from),
    field(t('broadcasts.panel.to'), to),
    h('button', {type: 'submit'}, t('broadcasts.panel.show')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = new URLSearchParams();
    if (service.value) q.set('service', service.value);
    if (from.value) q.set('from', from.value);
    if (to.value) q.set('to', to.value);
    navigate('#/ratings?' + q);
  });

  const summary = data.summary || [];
  const items = data.items || [];
  const summaryTable = h('table', {class: 'ratings-summary', id: 'ratings-summary'},
    h('thead', {}, h('tr', {}, h('th', {}, t('broadcasts.panel.service')),
      h('th', {}, t('broadcasts.panel.average')), h('th', {}, t('broadcasts.panel.ratings_count')),
      [1, 2, 3, 4, 5].map((n) => h('th', {class: 'num'}, '★'.repeat(n))))),
    h('tbody', {}, summary.map((s) => h('tr', {dataset: {service: s.service}},
      h('td', {}, executorName(s.service)),
      h('td', {class: 'num'}, s.average.toFixed(2)),
      h('td', {class: 'num'}, String(s.count)),
      s.by_score.map((n) => h('td', {class: 'num'}, String(n)))))));
  const list = h('table', {class: 'ratings', id: 'ratings'},
    h('thead', {}, h('tr', {}, ['date', 'service', 'score', 'comment', 'appeal']
      .map((k) => h('th', {}, t('broadcasts.panel.' + k))))),
    h('tbody', {}, items.map((r) => h('tr', {dataset: {id: String(r.id)}},
      h('td', {}, formatTime(r.created_at)),
      h('td', {}, executorName(r.service)),
      h('td', {class: 'num'}, '★'.repeat(r.score)),
      h('td', {class: 'text'}, r.comment),
      h('td', {}, r.appeal_id ? h('a', {href: '#/appeal/' + r.appeal_id}, '#' + r.appeal_id)
        : '')))));
  let more = null;
  if (items.length === 100) {
    const next = new URLSearchParams(params);
    next.set('before', String(items[items.length - 1].id));
    more = h('a', {href: '#/ratings?' + next, class: 'more'}, t('broadcasts.panel.more'));
  }
  const body = summary.length === 0
    ? [h('p', {class: 'empty'}, t('broadcasts.panel.ratings_none'))]
    : [summaryTable, list, more].filter(Boolean);
  view.append(h('div', {class: 'heading'}, h('h1', {}, t('broadcasts.panel.ratings_title'))),
    form, ...body);
}
