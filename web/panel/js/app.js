// The staff panel (issue 5): a hash-routed page over /api/v1.
//   #/login              sign in
//   #/appeals?...        the list of R28 with its filters in the hash
//   #/appeal/<id>        the card with its timeline and the role's actions
//   #/operator           the operator's window (R4, R1 phone, R8, R13)
//   #/users              staff accounts (administrators)
import {ApiError, get, del, setCsrfToken, whenUnauthorized} from './api.js';
import {h, clear} from './dom.js';
import {loadLanguage, t, translateStatic, currentLanguage} from './i18n.js';
import * as loginView from './views/login.js';
import * as listView from './views/list.js';
import * as cardView from './views/card.js';
import * as operatorView from './views/operator.js';
import * as usersView from './views/users.js';
import * as open311View from './views/open311.js';
import * as broadcastsView from './views/broadcasts.js';
import * as surveysView from './views/surveys.js';
import * as ratingsView from './views/ratings.js';
import * as eventsView from './views/events.js';
import * as dashboardView from './views/dashboard.js';
import * as reportsView from './views/reports.js';
import * as twoFactorView from './views/two_factor.js';

const state = {user: null, statuses: [], statusByCode: new Map()};
const view = document.getElementById('view');

export function flash(message, kind = 'info') {
  const el = document.getElementById('flash');
  el.textContent = message;
  el.className = 'flash ' + kind;
  el.hidden = false;
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => { el.hidden = true; }, kind === 'error' ? 8000 : 4000);
}

// The message for a failed call: the refusal's words when we have them.
export function errorText(e) {
  if (e instanceof ApiError) {
    const key = 'refusal.' + e.code;
    const known = t(key);
    if (known !== key) return known;
    if (e.status === 0) return t('panel.error.network');
    return e.message || t('panel.error.generic');
  }
  return String(e && e.message ? e.message : e);
}

export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function can(role, ...roles) {
  return roles.includes(role);
}

function renderNav() {
  const nav = clear(document.getElementById('nav'));
  const role = state.user.role;
  // Issue 6, R27/R21: the home page with charts and the control reports
  // (every staff role; the server keeps the figures to their services).
  const links = [['#/dashboard', 'reports.panel.dashboard'], ['#/appeals', 'panel.nav.appeals'],
                 ['#/reports', 'reports.panel.reports']];
  if (can(role, 'operator', 'administrator')) links.push(['#/operator', 'panel.nav.operator']);
  // Issue 6, R22: planned and emergency works (views/events.js).
  links.push(['#/events', 'events.panel.nav']);
  // Issue 6, R24/R25: broadcasts and surveys (administrators, 000 §5.3.2),
  // ratings (administrators and moderators, 000 §6.7).
  if (can(role, 'administrator')) {
    links.push(['#/broadcasts', 'broadcasts.panel.nav']);
    links.push(['#/surveys', 'broadcasts.panel.nav_surveys']);
  }
  if (can(role, 'administrator', 'moderator')) links.push(['#/ratings', 'broadcasts.panel.nav_ratings']);
  if (can(role, 'administrator')) links.push(['#/users', 'panel.nav.users']);
  // B1: Open311 API keys (views/open311.js).
  if (can(role, 'administrator')) links.push(['#/open311', 'open311.panel.nav']);
  links.push(['#/password', 'panel.nav.password']);
  links.push(['#/two-factor', 'totp.panel.nav']);  // B10
  // B10: a role held to enrolment sees only its way out.
  if (state.stage === 'enrol') links.splice(0, links.length, ['#/two-factor', 'totp.panel.nav']);
  const current = location.hash.split('?')[0] || '#/appeals';
  for (const [href, key] of links) {
    nav.append(h('a', {href, 'aria-current': current === href ? 'page' : null}, t(key)));
  }
  document.getElementById('who-name').textContent =
    `${state.user.name || state.user.login} · ${t('role.' + state.user.role)}`;
  document.getElementById('top').hidden = false;
}

async function loadStatuses() {
  const data = await get('/api/v1/statuses');
  state.statuses = data.statuses || [];
  state.statusByCode = new Map(state.statuses.map((s) => [s.code, s]));
}

// B10: `session.stage` "second_factor" keeps the panel signed out (only the
// code form, which has the CSRF token, goes on); "enrol" opens only the
// two-factor page (the server refuses every other API until then).
export async function signedIn(session) {
  setCsrfToken(session.csrf_token);
  state.stage = session.stage || 'full';
  if (state.stage === 'second_factor') return;
  state.user = session.user;
  if (state.stage === 'full') await loadStatuses();
}

async function restoreSession() {
  try {
    const session = await get('/api/v1/session');
    if (session.stage === 'second_factor') return false;  // B10: sign in again
    await signedIn(session);
    return true;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 404)) return false;
    throw e;
  }
}

function signedOut() {
  state.user = null;
  setCsrfToken('');
  document.getElementById('top').hidden = true;
}

async function route() {
  const [path, search] = (location.hash.slice(1) || '/appeals').split('?');
  const params = new URLSearchParams(search || '');
  const ctx = {state, navigate, flash, errorText, params};
  if (!state.user && path !== '/login') {
    navigate('#/login');
    return;
  }
  if (state.user && state.stage === 'enrol' && path !== '/two-factor' && path !== '/login') {
    navigate('#/two-factor');  // B10: nothing else until the second factor is set up
    return;
  }
  if (state.user) renderNav();
  clear(view);
  try {
    if (path === '/two-factor') {
      await twoFactorView.render(view, ctx);
    } else if (path === '/login') {
      signedOut();
      await loginView.render(view, ctx);
    } else if (path === '/appeals') {
      await listView.render(view, ctx);
    } else if (path.startsWith('/appeal/')) {
      await cardView.render(view, ctx, path.slice('/appeal/'.length));
    } else if (path === '/operator' && can(state.user.role, 'operator', 'administrator')) {
      await operatorView.render(view, ctx);
    } else if (path === '/users' && can(state.user.role, 'administrator')) {
      await usersView.render(view, ctx);
    } else if (path === '/open311' && can(state.user.role, 'administrator')) {
      await open311View.render(view, ctx);
    } else if (path === '/dashboard') {
      await dashboardView.render(view, ctx);
    } else if (path === '/reports') {
      await reportsView.render(view, ctx);
    } else if (path === '/events') {
      await eventsView.render(view, ctx);
    } else if (path === '/events/new') {
      await eventsView.renderForm(view, ctx, null);
    } else if (path.startsWith('/event/')) {
      await eventsView.renderForm(view, ctx, path.slice('/event/'.length));
    } else if (path === '/broadcasts' && can(state.user.role, 'administrator')) {
      await broadcastsView.render(view, ctx);
    } else if (path.startsWith('/broadcast/') && can(state.user.role, 'administrator')) {
      await broadcastsView.renderOne(view, ctx, path.slice('/broadcast/'.length));
    } else if (path === '/surveys' && can(state.user.role, 'administrator')) {
      await surveysView.render(view, ctx);
    } else if (path.startsWith('/survey/') && can(state.user.role, 'administrator')) {
      await surveysView.renderOne(view, ctx, path.slice('/survey/'.length));
    } else if (path === '/ratings' && can(state.user.role, 'administrator', 'moderator')) {
      await ratingsView.render(view, ctx);
    } else if (path === '/password') {
      await usersView.renderPassword(view, ctx);
    } else {
      view.append(h('p', {class: 'empty'}, t('panel.not_found')));
    }
  } catch (e) {
    view.append(h('p', {class: 'error'}, errorText(e)));
  }
}

async function start() {
  await loadLanguage();
  translateStatic();
  const langSelect = document.getElementById('lang');
  langSelect.value = currentLanguage();
  langSelect.addEventListener('change', async () => {
    await loadLanguage(langSelect.value);
    translateStatic();
    route();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    try {
      await del('/api/v1/session');
    } catch (e) {
      // Gone already: the outcome is the same.
    }
    signedOut();
    navigate('#/login');
  });
  whenUnauthorized(() => {
    if (!state.user) return;
    signedOut();
    flash(t('panel.session_expired'), 'error');
    navigate('#/login');
  });
  window.addEventListener('hashchange', route);
  const ok = await restoreSession();
  if (!ok && !location.hash.startsWith('#/login')) {
    const back = location.hash && location.hash !== '#/login' ? location.hash : '';
    sessionStorage.setItem('vikno.after_login', back);
  }
  route();
}

start().catch((e) => {
  clear(view).append(h('p', {class: 'error'}, String(e.message || e)));
});
