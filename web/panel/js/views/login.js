// Sign in with login and password (POST /api/v1/session). Throttling and
// lock-out are the server's (429 with its message). B10: a session that owes
// its second factor continues with the code form (views/two_factor.js); one
// that must set it up goes to the two-factor page and nowhere else.
import {ApiError, post} from '../api.js';
import {h, field, clear} from '../dom.js';
import {t} from '../i18n.js';
import {signedIn} from '../app.js';
import {renderSecondStep} from './two_factor.js';

export async function render(view, ctx) {
  const {navigate, errorText} = ctx;
  const proceed = async (session) => {
    await signedIn(session);
    if (session.stage === 'enrol') {
      navigate('#/two-factor');
      return;
    }
    const back = sessionStorage.getItem('vikno.after_login');
    sessionStorage.removeItem('vikno.after_login');
    navigate(back || '#/appeals');
  };
  const login = h('input', {name: 'login', autocomplete: 'username', required: true});
  const password = h('input', {name: 'password', type: 'password',
                               autocomplete: 'current-password', required: true});
  const message = h('p', {class: 'error', role: 'alert', hidden: true});
  const button = h('button', {type: 'submit', class: 'primary'}, t('panel.login.submit'));
  const form = h('form', {class: 'login card-box', id: 'login-form'},
                 h('h1', {}, t('panel.login.title')),
                 field(t('panel.login.login'), login),
                 field(t('panel.login.password'), password),
                 message, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    message.hidden = true;
    try {
      const session = await post('/api/v1/session',
                                 {login: login.value.trim(), password: password.value});
      if (session.stage === 'second_factor') {
        // The pending session's CSRF token guards the code's POST.
        await signedIn(session);
        renderSecondStep(clear(view), ctx, proceed);
        return;
      }
      await proceed(session);
    } catch (e) {
      message.textContent = e instanceof ApiError && e.status === 401
        ? t('panel.login.wrong')
        : e instanceof ApiError && e.status === 429 ? t('panel.login.throttled') : errorText(e);
      message.hidden = false;
      password.value = '';
      password.focus();
    } finally {
      button.disabled = false;
    }
  });
  view.append(form);
  login.focus();
}
