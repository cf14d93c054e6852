// Open311 API keys (B1; administrators, 000 §5.3): the keys civic apps such as
// FixMyStreet use to file appeals through /open311/v2/requests. A new key's
// secret is shown once, right after it is issued (the server keeps only its
// hash); revoking stops it at once. docs/open311.md describes the API.
import {get, post} from '../api.js';
import {h, field} from '../dom.js';
import {t} from '../i18n.js';

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}

export async function render(view, {flash, errorText, navigate}) {
  const data = await get('/api/v1/open311-keys');
  const keys = (data && data.items) || [];
  const heading = h('div', {class: 'heading'}, h('h1', {}, t('open311.panel.title')));
  const intro = h('p', {}, t('open311.panel.intro'));
  const shown = h('div', {id: 'open311-secret', hidden: true, class: 'card-box'});

  const table = keys.length === 0
    ? h('p', {class: 'empty'}, t('open311.panel.empty'))
    : h('table', {class: 'users', id: 'open311-keys'},
      h('thead', {}, h('tr', {},
        ['label', 'state', 'created', 'revoked_at', 'revoke'].map((c) =>
          h('th', {}, c === 'revoke' ? '' : t('open311.panel.' + c))))),
      h('tbody', {}, keys.map((k) => h('tr', {dataset: {id: String(k.id)}},
        h('td', {}, k.label),
        h('td', {}, k.active ? t('open311.panel.active') : t('open311.panel.revoked')),
        h('td', {}, when(k.created_at)),
        h('td', {}, when(k.revoked_at)),
        h('td', {}, k.active
          ? h('button', {type: 'button', class: 'small', onclick: async () => {
            if (!window.confirm(t('open311.panel.confirm_revoke'))) return;
            try {
              await post(`/api/v1/open311-keys/${encodeURIComponent(k.id)}/revoke`, {});
              flash(t('panel.done'));
              navigate('#/open311');
            } catch (e) { flash(errorText(e), 'error'); }
          }}, t('open311.panel.revoke'))
          : '')))));

  const label = h('input', {name: 'label', required: true, maxlength: 200, autocomplete: 'off'});
  const form = h('form', {class: 'card-box', id: 'new-open311-key'},
    field(t('open311.panel.label'), label),
    h('button', {type: 'submit', class: 'primary'}, t('open311.panel.issue')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const issued = await post('/api/v1/open311-keys', {label: label.value.trim()});
      // Shown once, as text (never as HTML), and not kept by the page.
      shown.replaceChildren(h('p', {}, t('open311.panel.secret_once')),
                            h('code', {id: 'open311-secret-value'}, issued.secret));
      shown.hidden = false;
      label.value = '';
    } catch (e) { flash(errorText(e), 'error'); }
  });
  view.append(heading, intro, shown, table, form);
}
