// The home page of R27 (000 §6.3-6.4): over a chosen period, subscribers per
// messenger, residents who appealed, appeals by status and by classifier
// branch, messages sent per event and overdue appeals per executor, all
// within the viewer's services (the server scopes /api/v1/dashboard, R26).
// Charts are drawn by chart.js as Debian ships it (/panel/vendor/chart.min.js,
// package libjs-chart.js); every figure is also in a table beside its chart,
// so the page works (and is read by screen readers) without it.
import {get, query} from '../api.js';
import {h, clear, field} from '../dom.js';
import {t} from '../i18n.js';
import {loadExecutors, loadCategories, executorName, categoryName} from '../catalog.js';

let chartLoading = null;

// Loads chart.js once; resolves to window.Chart, or null when it is missing.
function loadChart() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (!chartLoading) {
    chartLoading = new Promise((resolve) => {
      const script = document.createElement('script');
      script.src = '/panel/vendor/chart.min.js';
      script.onload = () => resolve(window.Chart || null);
      script.onerror = () => resolve(null);
      document.head.append(script);
    });
  }
  return chartLoading;
}

function dayInput(name, value) {
  return h('input', {type: 'date', name, value});
}

function localDay(d) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// The picker's local day to the API's ISO instant; "to" covers the whole day.
function isoDay(value, endOfDay) {
  const d = new Date(value + 'T00:00:00');
  if (endOfDay) d.setDate(d.getDate() + 1);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const charts = [];

function section(id, titleKey, rows, labelOf, Chart, kind = 'bar', colourOf = () => '#3b73b9') {
  const box = h('section', {class: 'dash-box', id});
  box.append(h('h2', {}, t(titleKey)));
  if (!rows.length) {
    box.append(h('p', {class: 'empty'}, t('reports.panel.no_data')));
    return box;
  }
  const labels = rows.map((r) => labelOf(r));
  const values = rows.map((r) => r.count);
  if (Chart) {
    const canvas = h('canvas', {role: 'img', 'aria-label': t(titleKey)});
    box.append(h('div', {class: 'dash-chart'}, canvas));
    charts.push(new Chart(canvas, {
      type: kind,
      data: {labels, datasets: [{label: t(titleKey), data: values,
                                 backgroundColor: rows.map((r) => colourOf(r))}]},
      options: {responsive: true, maintainAspectRatio: false, animation: false,
                plugins: {legend: {display: kind !== 'bar'}}},
    }));
  }
  box.append(h('table', {class: 'dash-table'},
    h('tbody', {}, rows.map((r, i) => h('tr', {}, h('th', {scope: 'row'}, labels[i]),
                                         h('td', {class: 'num'}, String(values[i])))))));
  return box;
}

export async function render(view, {state, params, navigate, errorText}) {
  while (charts.length) charts.pop().destroy();
  await Promise.all([loadExecutors(), loadCategories()]);
  const today = new Date();
  const monthAgo = new Date(today);
  monthAgo.setDate(monthAgo.getDate() - 30);
  const from = params.get('from') || localDay(monthAgo);
  const to = params.get('to') || localDay(today);

  const form = h('form', {class: 'filters', id: 'dashboard-period'},
    field(t('reports.panel.period_from'), dayInput('from', from)),
    field(t('reports.panel.period_to'), dayInput('to', to)),
    h('div', {class: 'buttons'}, h('button', {type: 'submit', class: 'primary'},
                                   t('reports.panel.show'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    navigate('#/dashboard' + query({from: data.get('from'), to: data.get('to')}));
  });
  const body = h('div', {class: 'dashboard', id: 'dashboard'});
  view.append(h('div', {class: 'heading'}, h('h1', {}, t('reports.panel.dashboard'))), form, body);

  let data;
  try {
    data = await get('/api/v1/dashboard' + query({from: isoDay(from, false), to: isoDay(to, true)}));
  } catch (e) {
    body.append(h('p', {class: 'error'}, errorText(e)));
    return;
  }
  const Chart = await loadChart();
  const statusLabel = (code) => (state.statusByCode.get(code) || {}).label || code;
  const newByChannel = new Map((data.new_subscribers || []).map((r) => [r.key, r.count]));
  clear(body).append(
    h('div', {class: 'dash-tiles'},
      h('div', {class: 'dash-tile', id: 'tile-appeals'},
        h('strong', {}, String(data.appeals)), ' ', t('reports.panel.appeals')),
      h('div', {class: 'dash-tile', id: 'tile-residents'},
        h('strong', {}, String(data.residents_appealed)), ' ', t('reports.panel.residents_appealed'))),
    section('dash-subscribers', 'reports.panel.subscribers', data.subscribers,
            (r) => `${r.key} (+${newByChannel.get(r.key) || 0} ${t('reports.panel.new_subscribers')})`,
            Chart),
    // R14: each status in its panel colour.
    section('dash-status', 'reports.panel.by_status', data.by_status,
            (r) => statusLabel(r.key), Chart, 'doughnut',
            (r) => (state.statusByCode.get(r.key) || {}).colour || '#8c959f'),
    section('dash-branch', 'reports.panel.by_branch', data.by_branch,
            (r) => categoryName(r.key), Chart),
    section('dash-events', 'reports.panel.messages_per_event',
            (data.messages_per_event || []).map((e) => ({key: e.reason, count: e.sent})),
            (r) => r.key, Chart),
    section('dash-overdue', 'reports.panel.overdue_by_executor', data.overdue_by_executor,
            (r) => executorName(r.key), Chart));
}
