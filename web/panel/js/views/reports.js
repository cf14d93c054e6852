// The control reports of R21 and the analytics of R29 (002 §9.1.1,
// §9.2.1-9.2.3; 003 §4.1) on demand: pick a report and a period, see its
// tables here (GET /api/v1/reports/<kind>) or download the same as an Excel
// workbook (format=xlsx, column names in the panel's language). The server
// keeps every figure to the viewer's services (R26). Below: the runs the
// scheduler made (daily, weekly, monthly).
import {get, query} from '../api.js';
import {h, clear, field, formatTime} from '../dom.js';
import {t, currentLanguage} from '../i18n.js';

const KINDS = ['daily', 'areas', 'inefficient', 'mayor', 'analytics', 'weekly', 'monthly'];

function localDay(d) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function isoDay(value, endOfDay) {
  const d = new Date(value + 'T00:00:00');
  if (endOfDay) d.setDate(d.getDate() + 1);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function cellText(column, value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' && (column.endsWith('_share') || column === 'change')) {
    return (value * 100).toFixed(1) + ' %';
  }
  if (column === 'indicator') return t('reports.col.' + value);
  if (column === 'reason') return t('reports.reason.' + value);
  if (column === 'area' && value === '') return t('reports.no_area');
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(value)) {
    return formatTime(value);
  }
  return String(value);
}

function table(section) {
  return h('section', {class: 'report-section', id: 'section-' + section.id},
    h('h2', {}, t('reports.section.' + section.id)),
    section.rows.length === 0
      ? h('p', {class: 'empty'}, t('reports.panel.no_data'))
      : h('table', {class: 'report'},
          h('thead', {}, h('tr', {}, section.columns.map((c) =>
            h('th', {scope: 'col'}, t('reports.col.' + c))))),
          h('tbody', {}, section.rows.map((row) => h('tr', {}, row.map((v, i) =>
            h('td', {class: typeof v === 'number' ? 'num' : null},
              cellText(section.columns[i], v))))))));
}

export async function render(view, {params, navigate, errorText}) {
  const today = new Date();
  const monthAgo = new Date(today);
  monthAgo.setDate(monthAgo.getDate() - 30);
  const kind = KINDS.includes(params.get('kind')) ? params.get('kind') : 'areas';
  const from = params.get('from') || localDay(monthAgo);
  const to = params.get('to') || localDay(today);
  const api = query({from: isoDay(from, false), to: isoDay(to, true)});

  const form = h('form', {class: 'filters', id: 'report-form'},
    field(t('reports.panel.kind'), h('select', {name: 'kind'},
      KINDS.map((k) => h('option', {value: k, selected: k === kind}, t('reports.kind.' + k))))),
    field(t('reports.panel.period_from'), h('input', {type: 'date', name: 'from', value: from})),
    field(t('reports.panel.period_to'), h('input', {type: 'date', name: 'to', value: to})),
    h('div', {class: 'buttons'},
      h('button', {type: 'submit', class: 'primary'}, t('reports.panel.build')),
      h('a', {class: 'button', id: 'report-download',
              href: `/api/v1/reports/${kind}${api}&format=xlsx&lang=${currentLanguage()}`},
        t('reports.panel.download'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    navigate('#/reports' + query({kind: data.get('kind'), from: data.get('from'),
                                  to: data.get('to')}));
  });
  const body = h('div', {id: 'report'});
  const runs = h('div', {id: 'report-runs'});
  view.append(h('div', {class: 'heading'}, h('h1', {}, t('reports.panel.reports'))), form, body,
              runs);
  try {
    const report = await get(`/api/v1/reports/${kind}${api}`);
    clear(body).append(h('h2', {}, t('reports.kind.' + kind)),
                       ...report.sections.map((s) => table(s)));
    const info = await get('/api/v1/reports');
    if (info.runs && info.runs.length) {
      runs.append(h('h2', {}, t('reports.panel.runs')),
        h('ul', {}, info.runs.map((r) =>
          h('li', {}, `${t('reports.kind.' + r.kind)}: ${formatTime(r.period_from)} (${r.state})`))));
    }
  } catch (e) {
    clear(body).append(h('p', {class: 'error'}, errorText(e)));
  }
}
