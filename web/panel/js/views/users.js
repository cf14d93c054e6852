// Staff accounts (administrators): list, create with a role and the services
// a moderator or executor covers (R26), change role, services or block the
// account; and every user's own password change.
import {get, post, patch} from '../api.js';
import {h, field} from '../dom.js';
import {t} from '../i18n.js';
import {loadExecutors} from '../catalog.js';

const ROLES = ['operator', 'moderator', 'executor', 'decision_maker', 'administrator'];

function items(data) {
  if (Array.isArray(data)) return data;
  return data && Array.isArray(data.users) ? data.users : (data && data.items) || [];
}

function servicesText(list) {
  return (list || []).join(', ');
}

function servicesList(text) {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

export async function render(view, {flash, errorText, navigate}) {
  const [data, executors] = await Promise.all([get('/api/v1/users'), loadExecutors()]);
  const users = items(data);
  const datalist = h('datalist', {id: 'services-list'},
    executors.map((e) => h('option', {value: e.id}, e.name || e.id)));
  const roleSelect = (value) => h('select', {name: 'role'},
    ROLES.map((r) => h('option', {value: r, selected: r === value}, t('role.' + r))));

  const table = h('table', {class: 'users', id: 'users'},
    h('thead', {}, h('tr', {}, ['login', 'name', 'role', 'services', 'state', 'actions']
      .map((c) => h('th', {}, t('panel.users.' + c))))),
    h('tbody', {}, users.map((u) => {
      const role = roleSelect(u.role);
      const services = h('input', {name: 'services', list: 'services-list',
                                   value: servicesText(u.services)});
      const save = async (extra) => {
        try {
          await patch(`/api/v1/users/${encodeURIComponent(u.id)}`,
                      {role: role.value, services: servicesList(services.value), ...extra});
          flash(t('panel.done'));
          navigate('#/users');
        } catch (e) { flash(errorText(e), 'error'); }
      };
      const blocked = u.active === false || u.disabled === true;
      return h('tr', {dataset: {login: u.login}},
        h('td', {}, u.login), h('td', {}, u.name || ''), h('td', {}, role),
        h('td', {}, services),
        h('td', {}, blocked ? t('panel.users.disabled') : t('panel.users.active')),
        h('td', {},
          h('button', {type: 'button', class: 'small', onclick: () => save({})},
            t('panel.save')), ' ',
          h('button', {type: 'button', class: 'small',
                       onclick: () => save({active: blocked})},
            blocked ? t('panel.users.enable') : t('panel.users.disable'))));
    })));

  const login = h('input', {name: 'login', required: true, autocomplete: 'off'});
  const name = h('input', {name: 'name', required: true});
  const role = roleSelect('operator');
  const services = h('input', {name: 'services', list: 'services-list'});
  const password = h('input', {name: 'password', type: 'password', required: true,
                               autocomplete: 'new-password', minlength: 12});
  const form = h('form', {class: 'card-box', id: 'new-user'},
    h('h2', {}, t('panel.users.new')),
    h('div', {class: 'row'}, field(t('panel.users.login'), login),
      field(t('panel.users.name'), name), field(t('panel.users.role'), role)),
    field(t('panel.users.services'), services, t('panel.users.services_hint')),
    field(t('panel.users.password'), password),
    h('button', {type: 'submit', class: 'primary'}, t('panel.users.create')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await post('/api/v1/users', {login: login.value.trim(), name: name.value.trim(),
                                   role: role.value, services: servicesList(services.value),
                                   password: password.value});
      flash(t('panel.done'));
      navigate('#/users');
    } catch (e) { flash(errorText(e), 'error'); }
  });
  view.append(h('div', {class: 'heading'}, h('h1', {}, t('panel.nav.users'))),
              table, datalist, form);
}

export async function renderPassword(view, {flash, errorText, navigate}) {
  const current = h('input', {type: 'password', name: 'current', required: true,
                              autocomplete: 'current-password'});
  const next = h('input', {type: 'password', name: 'new', required: true, minlength: 12,
                           autocomplete: 'new-password'});
  const form = h('form', {class: 'card-box login', id: 'password-form'},
    h('h1', {}, t('panel.password.title')),
    field(t('panel.password.current'), current), field(t('panel.password.new'), next),
    h('button', {type: 'submit', class: 'primary'}, t('panel.save')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await post('/api/v1/session/password', {current: current.value, new: next.value});
      flash(t('panel.done'));
      navigate('#/appeals');
    } catch (e) {
      flash(errorText(e), 'error');
      current.value = '';
    }
  });
  view.append(form);
}
