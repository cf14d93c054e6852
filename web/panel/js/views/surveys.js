// Surveys (R25, 000 §2.1; administrators): a question with 2..10 options sent
// as buttons on Telegram, Viber and the web chat to all subscribers or to
// residents of a street or building; the results per option and the sending
// progress, refreshed while anything remains. A resident's first press is
// the answer that counts.
import {get, post} from '../api.js';
import {h, field, formatTime} from '../dom.js';
import {t} from '../i18n.js';
import {audienceText, progressBlock, refreshWhile, refusalText} from './broadcasts.js';

const CHANNELS = ['', 'telegram', 'viber', 'web'];

export async function render(view, {flash, errorText, navigate}) {
  const data = await get('/api/v1/surveys?limit=50');
  const items = data.items || [];

  const question = h('input', {name: 'question', required: true, maxlength: 1000});
  const options = h('textarea', {name: 'options', rows: 4, required: true});
  const channel = h('select', {name: 'channel'},
    CHANNELS.map((c) => h('option', {value: c}, c || t('broadcasts.panel.all_channels'))));
  const street = h('input', {name: 'street', autocomplete: 'off'});
  const house = h('input', {name: 'house', autocomplete: 'off', size: 6});
  const form = h('form', {class: 'card-box', id: 'new-survey'},
    h('h2', {}, t('broadcasts.panel.survey_new')),
    field(t('broadcasts.panel.question'), question),
    field(t('broadcasts.panel.options'), options),
    h('div', {class: 'row'}, field(t('broadcasts.panel.channel'), channel),
      field(t('broadcasts.panel.street'), street), field(t('broadcasts.panel.house'), house)),
    h('p', {class: 'hint'}, t('broadcasts.panel.survey_channel_hint')),
    h('button', {type: 'submit', class: 'primary'}, t('broadcasts.panel.send')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!window.confirm(t('panel.confirm_action'))) return;
    try {
      const created = await post('/api/v1/surveys', {
        question: question.value,
        options: options.value.split('\n').map((s) => s.trim()).filter(Boolean),
        channel: channel.value, street: street.value.trim(), house: house.value.trim()});
      flash(t('broadcasts.panel.sent_to', {count: created.recipients}));
      navigate('#/survey/' + created.id);
    } catch (e) { flash(refusalText(e, errorText), 'error'); }
  });

  const table = items.length === 0 ? h('p', {class: 'empty'}, t('broadcasts.panel.surveys_none'))
    : h('table', {class: 'surveys', id: 'surveys'},
      h('thead', {}, h('tr', {}, ['created', 'question', 'audience', 'recipients']
        .map((k) => h('th', {}, t('broadcasts.panel.' + k))))),
      h('tbody', {}, items.map((v) => h('tr', {dataset: {id: String(v.id)}},
        h('td', {}, h('a', {href: '#/survey/' + v.id}, formatTime(v.created_at))),
        h('td', {}, v.question),
        h('td', {}, audienceText(v)),
        h('td', {class: 'num'}, String(v.recipients))))));

  view.append(h('div', {class: 'heading'}, h('h1', {}, t('broadcasts.panel.nav_surveys'))),
    form, h('h2', {}, t('broadcasts.panel.survey_list')), table);
}

export async function renderOne(view, ctx, id) {
  const hash = location.hash;
  const v = await get('/api/v1/surveys/' + encodeURIComponent(id));
  const most = Math.max(1, ...v.answers);
  const results = h('table', {class: 'results', id: 'results'},
    h('thead', {}, h('tr', {}, h('th', {}, t('broadcasts.panel.option')),
      h('th', {}, t('broadcasts.panel.count')), h('th', {}))),
    h('tbody', {}, v.options.map((text, i) => {
      const bar = h('meter', {min: 0, max: most, value: v.answers[i]});
      return h('tr', {dataset: {option: String(i)}}, h('td', {}, text),
        h('td', {class: 'num'}, String(v.answers[i])), h('td', {}, bar));
    })));
  view.append(
    h('div', {class: 'heading'}, h('h1', {}, v.question),
      h('a', {href: '#/surveys'}, t('broadcasts.panel.back'))),
    h('section', {class: 'card-box'},
      h('p', {}, `${t('broadcasts.panel.audience')}: ${audienceText(v)}`),
      h('h2', {}, t('broadcasts.panel.answers')),
      h('p', {id: 'answered'},
        t('broadcasts.panel.answered', {count: v.answered, total: v.recipients})),
      results),
    progressBlock(v.progress));
  // Answers keep coming after the sending is done: refresh while on the page.
  refreshWhile(hash, () => {
    view.replaceChildren();
    renderOne(view, ctx, id).catch((e) => view.append(h('p', {class: 'error'}, ctx.errorText(e))));
  });
}
