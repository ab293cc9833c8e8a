// Twinmesh web UI. Plain JavaScript, no build step: served by the node itself.
// Everything is read through the node's JSON API with the bearer token; live updates come from
// the server-sent event stream at /api/v1/events (read with fetch, so the token stays in a
// header and out of URLs).
'use strict';

const TOKEN_KEY = 'twinmesh.token';
const OFFICER_KEY = 'twinmesh.officer';
// A ticket from a join link (`#join=…`), kept for this tab until the officer is signed in and
// sees it on the join form.
const JOIN_KEY = 'twinmesh.join';
// A prose field is sent as a splice after this much typing pause.
const TEXT_IDLE_MS = 200;

const S = {
  token: null,
  schema: null,
  me: null,
  spaces: [],
  view: null, // { name, refresh() }
  editor: null,
  live: false,
};

// ---------- small helpers ----------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  if (tag === 'table') labelCells(el);
  return el;
}

// Each body cell carries its column's heading (`data-label`): on narrow screens the CSS turns
// rows into stacked cards and shows the heading beside the value. Footer cells holding a total
// are labelled where they are made.
function labelCells(table) {
  const heads = Array.from(table.querySelectorAll('thead th')).map((th) => th.textContent);
  for (const tr of table.querySelectorAll('tbody tr')) {
    Array.from(tr.children).forEach((td, i) => { if (heads[i]) td.dataset.label = heads[i]; });
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------- language: the officer's choice, remembered per browser ----------

const LANG_KEY = 'twinmesh.lang';
// The language in use: its code, Intl locale and messages; English's messages stand behind a gap.
const L = { code: 'en', locale: 'en-GB', messages: {}, english: {}, languages: [] };

// A message in the officer's language with its `{name}` placeholders filled in. A key missing
// from every catalog shows as the key (the i18n tests keep that from happening).
function t(key, args) {
  let text = L.messages[key];
  if (text === undefined) text = L.english[key];
  if (text === undefined) return key;
  return text.replace(/\{\s*\$?([A-Za-z0-9_-]+)\s*\}/g, (m, name) => (args && args[name] !== undefined ? String(args[name]) : m));
}
// A translated text if the catalog has the key, else the given fallback (the API's English label).
const tOr = (key, fallback, args) => (L.messages[key] !== undefined || L.english[key] !== undefined ? t(key, args) : fallback);

async function getJson(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.json();
}

// The language to start in: the remembered choice, else the browser's first language we speak.
function preferredLanguage(codes) {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved && codes.includes(saved)) return saved;
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const code = String(tag).split(/[-_]/)[0].toLowerCase();
    if (codes.includes(code)) return code;
  }
  return 'en';
}

async function loadLanguage(code) {
  const [cat, en] = await Promise.all([getJson(`/i18n/${code}.json`), L.english.__loaded ? null : getJson('/i18n/en.json')]);
  if (en) L.english = Object.assign({ __loaded: '1' }, en.messages);
  L.code = cat.code;
  L.locale = cat.locale;
  L.messages = cat.messages;
  NUM.money = new Intl.NumberFormat(L.locale, { style: 'currency', currency: 'EUR' });
  NUM.plain = new Intl.NumberFormat(L.locale, { minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: false });
  NUM.date = new Intl.DateTimeFormat(L.locale, { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' });
  document.documentElement.lang = L.code;
  translateStatic();
  if (S.rawSchema) S.schema = localiseSchema(S.rawSchema);
}

// The page's fixed words: a data-i18n attribute names the key of the text, data-i18n-<attr> of an attribute.
function translateStatic() {
  for (const el of document.querySelectorAll('*')) {
    for (const a of Array.from(el.attributes)) {
      if (a.name === 'data-i18n') el.textContent = t(a.value);
      else if (a.name.startsWith('data-i18n-')) el.setAttribute(a.name.slice(10), t(a.value));
    }
  }
  const menu = document.getElementById('lang');
  if (menu) {
    menu.replaceChildren(...L.languages.map((l) => h('option', { value: l.code, lang: l.code, text: l.name })));
    menu.value = L.code;
  }
  setLive(S.live);
}

// The API's schema with every name in the officer's language: fields get `label`, lists their
// item name (`item`, with `{n}`), choice fields the names of their options (`choices`).
function localiseSchema(raw) {
  const walk = (kind, fields, names) => fields.map((f) => {
    const here = [...names, f.name];
    const g = Object.assign({}, f);
    g.label = tOr(`field-${kind}-${here.join('-')}`, f.label);
    if (f.type === 'enum') g.choices = Object.fromEntries((f.options || []).map((o) => [o, tOr(`choice-${kind}-${here.join('-')}-${o}`, o.replace(/-/g, ' '))]));
    if (f.type === 'list') g.itemKey = `item-${kind}-${here.join('-')}`;
    if (f.fields) g.fields = walk(kind, f.fields, here);
    return g;
  });
  return Object.assign({}, raw, {
    kinds: raw.kinds.map((k) => Object.assign({}, k, { label: tOr(`kind-${k.kind}`, k.label), fields: walk(k.kind, k.fields, []) })),
  });
}

// ---------- amounts and dates in the officer's locale ----------

const NUM = {
  money: new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' }),
  plain: new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: false }),
  date: new Intl.DateTimeFormat('en-GB', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' }),
};
const fmtEur = (n) => (typeof n === 'number' ? NUM.money.format(n) : '');
// Exact euros from integer cents (a BigInt): totals are summed in cents, never in floating
// euros; Intl formats the exact decimal string, so no cent is lost to a float.
function fmtCents(c) {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return NUM.money.format(`${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`);
}
// A stored date (`2027-04-30`, `2027-04`, `2027`) as the locale writes it; partial dates as stored.
function fmtDate(v) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(v));
  if (!m) return String(v);
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return isNaN(d.getTime()) ? String(v) : NUM.date.format(d);
}

function fmtTime(t) {
  if (t === null || t === undefined) return '';
  const d = new Date(typeof t === 'number' ? t : String(t));
  if (isNaN(d.getTime())) return String(t);
  return d.toLocaleString(L.locale, { dateStyle: 'medium', timeStyle: 'short' });
}

function ago(when) {
  if (when === null || when === undefined) return t('time-never');
  const ms = Date.now() - (typeof when === 'number' ? when : Date.parse(when));
  if (!(ms >= 0)) return fmtTime(when);
  const m = Math.round(ms / 60000);
  if (m < 1) return t('time-just-now');
  if (m < 60) return t('time-minutes-ago', { n: m });
  const hr = Math.round(m / 60);
  if (hr < 48) return t('time-hours-ago', { n: hr });
  return fmtTime(when);
}

let toastTimer = null;
function toast(msg, info) {
  const el = document.getElementById('toast');
  el.textContent = msg;
  el.className = info ? 'toast info' : 'toast';
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 5000);
}

function officer() {
  const v = document.getElementById('officer').value.trim();
  return v || null;
}

// Every change records the officer who made it, so nothing is written from the UI without one:
// `children` (an editor, a form's fields) sit in a fieldset that stays disabled, with a note
// saying why, until the officer's name is filled in at the top of the page.
function needsOfficer(...children) {
  const note = h('p', { class: 'banner officer-needed', role: 'status' }, t('officer-needed'), ' ',
    h('button', { type: 'button', class: 'secondary', onclick: () => document.getElementById('officer').focus(), text: t('officer-enter') }));
  const box = h('div', {}, note, h('fieldset', { class: 'needs-officer' }, children));
  applyOfficerGate(box);
  return box;
}

// What a town may not do in a space where it is a reader (or no longer a member) sits in
// `canWrite` fieldsets; `readerLock().check` locks them all in a view, with a note saying why.
// The node refuses such writes anyway: the lock spares the officer a refusal.
function canWrite(...children) {
  return h('fieldset', { class: 'can-write' }, children);
}

function canWriteInline(...children) {
  return h('fieldset', { class: 'can-write inline' }, children);
}

function readerLock() {
  const note = h('p', { class: 'banner read-only', role: 'status', hidden: true, text: t('editor-read-only') });
  const check = async (root, space) => {
    try {
      const m = await api('GET', `/spaces/${space}/members`);
      const mine = m.members.find((x) => x.id === S.me.id);
      const may = Boolean(mine && mine.active && mine.role !== 'viewer');
      for (const f of root.querySelectorAll('fieldset.can-write')) f.disabled = !may;
      note.hidden = may;
    } catch (e) { /* the node answers writes anyway; the lock is a courtesy */ }
  };
  return { note, check };
}

function applyOfficerGate(root = document) {
  const missing = !officer();
  document.getElementById('officer').toggleAttribute('aria-invalid', missing);
  for (const f of root.querySelectorAll('fieldset.needs-officer')) f.disabled = missing;
  for (const n of root.querySelectorAll('.officer-needed')) n.hidden = !missing;
}

// An error reply of the API: its message (already in the officer's language), code and field.
class ApiError extends Error {
  constructor(status, message, code, field) { super(message); this.status = status; this.code = code; this.field = field; }
}

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${S.token}`, 'Accept-Language': L.code };
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(`/api/v1${path}`, init);
  const ct = r.headers.get('content-type') || '';
  const data = ct.includes('json') ? await r.json() : await r.text();
  if (!r.ok) {
    if (r.status === 401) { signOut('signin-refused'); }
    throw new ApiError(r.status, (data && data.error) || t('error-request-failed', { status: r.status }), data && data.code, data && data.field);
  }
  return data;
}

// ---------- auth ----------

function takeTokenFromUrl() {
  const m = location.hash.match(/^#token=([0-9A-Za-z]+)/);
  if (m) {
    localStorage.setItem(TOKEN_KEY, m[1]);
    history.replaceState(null, '', `${location.pathname}#/`);
  }
  S.token = localStorage.getItem(TOKEN_KEY);
}

// A join link (`…/#join=TICKET`, as `twin space invite --json` and the invite form give it):
// the ticket waits for the join form, which fills it in; nothing is joined without a click.
function takeJoinFromUrl() {
  if (!location.hash.startsWith('#join=')) return;
  let ticket = location.hash.slice('#join='.length);
  try { ticket = decodeURIComponent(ticket); } catch (e) { /* kept as written: the node reads it */ }
  sessionStorage.setItem(JOIN_KEY, ticket);
  history.replaceState(null, '', `${location.pathname}#/spaces`);
}

// Forgets the token; `why` (a message key, if any) is shown above the sign-in form.
function signOut(why) {
  localStorage.removeItem(TOKEN_KEY);
  S.token = null;
  S.signInProblem = typeof why === 'string' ? why : null;
  renderSignIn();
}

function renderSignIn() {
  const main = document.getElementById('main');
  const input = h('input', { id: 'token', autocomplete: 'off', spellcheck: 'false' });
  const problem = S.signInProblem;
  if (problem) { input.setAttribute('aria-invalid', 'true'); input.setAttribute('aria-describedby', 'token-error'); }
  main.replaceChildren(
    h('h1', { text: t('signin-title') }),
    h('p', {}, t('signin-help-before'), ' ', h('code', { text: 'twin start' }), ' ',
      t('signin-help-middle'), ' ', h('code', { text: 'api.token' }), ' ', t('signin-help-after')),
    problem ? h('p', { id: 'token-error', class: 'banner error', role: 'alert', text: t(problem) }) : null,
    h('form', { class: 'inline card', onsubmit: (e) => {
      e.preventDefault();
      const tok = input.value.trim();
      if (!tok) return;
      localStorage.setItem(TOKEN_KEY, tok);
      S.token = tok;
      S.signInProblem = null;
      start();
    } },
      h('div', { class: 'field' }, h('label', { for: 'token', text: t('signin-token') }), input),
      h('button', { type: 'submit', text: t('signin-submit') })),
  );
}

// ---------- live events ----------

function setLive(on) {
  S.live = on;
  const el = document.getElementById('live');
  if (!el) return;
  el.textContent = on ? `● ${t('live-on')}` : `○ ${t('live-off')}`;
  el.className = on ? 'live on' : 'live off';
  el.title = on ? t('live-on-title') : t('live-off-title');
}

async function eventLoop() {
  let backoff = 500;
  for (;;) {
    if (!S.token) { S.loopStarted = false; return; }
    try {
      const r = await fetch('/api/v1/events', { headers: { Authorization: `Bearer ${S.token}` } });
      if (r.status === 401) { S.loopStarted = false; signOut('signin-refused'); return; }
      if (!r.ok || !r.body) throw new Error(`events: ${r.status}`);
      setLive(true);
      backoff = 500;
      const reader = r.body.getReader();
      const dec = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let name = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) name = line.slice(6).trim();
            else if (line.startsWith('data:')) data += line.slice(5).trim();
          }
          if (data) onEvent(name, data);
        }
      }
    } catch (e) {
      // The node stopped or the network dropped: retry below.
    }
    setLive(false);
    await sleep(backoff);
    backoff = Math.min(backoff * 2, 8000);
  }
}

function onEvent(name, data) {
  let ev = {};
  try { ev = JSON.parse(data); } catch (e) { return; }
  if (name === 'presence') presenceEvent(ev);
  if (name === 'hello' || name === 'resync') {
    if (S.editor) { S.editor.refresh(); S.editor.checkWrite(); }
    if (S.view && S.view.refresh) S.view.refresh();
    return;
  }
  if (name === 'transfer') {
    if (S.view && S.view.onTransfer) S.view.onTransfer(ev);
    return;
  }
  // A long export or import on this node (a bundle, a document file): only a bar moves.
  if (name === 'progress') {
    if (S.view && S.view.onProgress) S.view.onProgress(ev);
    if (S.exportProgress) S.exportProgress(ev);
    return;
  }
  if (name === 'doc' && S.editor && S.editor.id === ev.doc) {
    S.editor.refresh();
    return;
  }
  // An import or a membership change may touch the open document too.
  if (name === 'spaces' && S.editor) { S.editor.refresh(); S.editor.checkWrite(); }
  if (S.view && S.view.refresh && S.view.name !== 'editor') S.view.refresh();
}

// A refresher that never runs twice at once and coalesces bursts.
function refresher(fn) {
  let running = false;
  let again = false;
  const run = async () => {
    if (running) { again = true; return; }
    running = true;
    try {
      do { again = false; await fn(); } while (again);
    } catch (e) {
      toast(e.message);
    } finally {
      running = false;
    }
  };
  return run;
}

// ---------- routing ----------

function route() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const parts = hash.split('/').filter(Boolean);
  S.editor = null;
  S.view = null;
  for (const a of document.querySelectorAll('[data-nav]')) a.removeAttribute('aria-current');
  const nav = (n) => { const a = document.querySelector(`[data-nav="${n}"]`); if (a) a.setAttribute('aria-current', 'page'); };
  const main = document.getElementById('main');
  if (sessionStorage.getItem(JOIN_KEY) && parts[0] !== 'spaces') { location.hash = '#/spaces'; return; }
  main.replaceChildren(h('p', { class: 'muted', text: t('loading') }));
  let p;
  if (parts.length === 0) { nav('dashboard'); p = viewDashboard(main); }
  else if (parts[0] === 'spaces') { nav('spaces'); p = viewSpaces(main); }
  else if (parts[0] === 'space' && parts[1]) { nav('spaces'); p = viewSpace(main, parts[1]); }
  else if (parts[0] === 'docs') { nav('docs'); p = viewDocs(main); }
  else if (parts[0] === 'doc' && parts[1] && parts[2] === 'history') { nav('docs'); p = viewHistory(main, parts[1]); }
  else if (parts[0] === 'doc' && parts[1] && parts[2] === 'at' && parts[3]) { nav('docs'); p = viewAt(main, parts[1], parts[3]); }
  else if (parts[0] === 'doc' && parts[1] && parts[2] === 'versions') { nav('docs'); p = viewVersions(main, parts[1]); }
  else if (parts[0] === 'doc' && parts[1] && parts[2] === 'attachments') { nav('docs'); p = viewAttachments(main, parts[1]); }
  else if (parts[0] === 'doc' && parts[1] && parts[2] === 'print') { nav('docs'); p = viewPrint(main, parts[1]); }
  else if (parts[0] === 'doc' && parts[1]) { nav('docs'); p = viewEditor(main, parts[1]); }
  else { main.replaceChildren(h('h1', { text: t('page-not-found') }), h('p', {}, h('a', { href: '#/', text: t('back-to-dashboard') }))); return; }
  Promise.resolve(p).catch((e) => {
    if (e instanceof ApiError && e.status === 401) return;
    if (e instanceof ApiError && e.status === 404 && parts[0] === 'doc') {
      // An unknown document (a stale link, or one not yet synced): say so, offer the list.
      S.editor = null;
      document.title = `${t('doc-not-found-title')} – Twinmesh`;
      main.replaceChildren(h('h1', { text: t('doc-not-found-title') }),
        h('p', { class: 'banner', role: 'alert', text: t('doc-not-found-text') }),
        h('p', {}, h('a', { href: '#/docs', id: 'to-doc-list', class: 'button', text: t('doc-not-found-list') })));
      return;
    }
    main.replaceChildren(h('h1', { text: t('something-wrong') }), h('p', { class: 'banner', text: e.message }));
  });
}

async function loadSpaces() {
  S.spaces = await api('GET', '/spaces');
  return S.spaces;
}
const spaceName = (id) => (S.spaces.find((s) => s.id === id) || {}).name || `${String(id).slice(0, 10)}…`;
const kindInfo = (kind) => (S.schema ? S.schema.kinds.find((k) => k.kind === kind) : null);
const kindLabel = (kind) => (kindInfo(kind) || {}).label || kind;
const untitled = (title) => title || t('untitled');

// ---------- dashboard ----------

async function viewDashboard(main) {
  const view = { name: 'dashboard' };
  S.view = view;
  const body = h('div');
  main.replaceChildren(h('h1', { text: t('nav-dashboard') }), body);
  view.refresh = refresher(async () => {
    const [status, peers, spaces, docs, sync] = await Promise.all([
      api('GET', '/status'), api('GET', '/peers'), loadSpaces(), api('GET', '/docs'), api('GET', '/sync/status'),
    ]);
    if (S.view !== view) return;
    const node = status.node;
    const net = status.network;
    const online = peers.filter((p) => p.connected);
    body.replaceChildren(
      h('div', { class: 'grid' },
        h('section', { class: 'card', 'aria-labelledby': 'c-town' },
          h('h2', { id: 'c-town', text: t('dash-this-town') }),
          h('div', { class: 'stat', text: node.name }),
          h('div', { class: 'muted', text: t('dash-country', { country: node.country }) }),
          h('div', { class: 'mono small', text: node.id })),
        h('section', { class: 'card', 'aria-labelledby': 'c-net' },
          h('h2', { id: 'c-net', text: t('dash-partners-online') }),
          h('div', { class: 'stat', text: t('dash-n-of-m', { n: online.length, m: peers.length }) }),
          h('div', { class: 'muted', text: t('dash-reachability', { reachability: tOr(`reachability-${String(net.reachability).split(' ')[0]}`, net.reachability) }) })),
        h('section', { class: 'card', 'aria-labelledby': 'c-sp' },
          h('h2', { id: 'c-sp', text: t('nav-spaces') }),
          h('div', { class: 'stat', text: String(spaces.length) }),
          h('div', { class: 'muted', text: t('dash-shared-docs', { n: docs.length }) }))),
      syncPanel(sync),
      h('h2', { text: t('dash-recent-docs') }),
      docList(docs.slice().sort((a, b) => (b.updated || 0) - (a.updated || 0)).slice(0, 8), sync),
    );
  });
  await view.refresh();
}

// `sync`: the sync status (GET /sync/status), for each document's markers (sync.js).
function docList(docs, sync) {
  if (docs.length === 0) return h('p', { class: 'empty', text: t('docs-none') });
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, h('th', { text: t('col-document') }), h('th', { text: t('col-sync') }), h('th', { text: t('col-kind') }), h('th', { text: t('col-space') }), h('th', { text: t('col-last-change') }), h('th', { class: 'num', text: t('col-changes') }))),
    h('tbody', {}, docs.map((d) => h('tr', { dataset: { doc: d.id } },
      h('td', {}, h('a', { href: `#/doc/${d.id}`, text: untitled(d.title) })),
      h('td', { class: 'markers' }, syncMarkers(sync, d.id)),
      h('td', { text: kindLabel(d.kind) }),
      h('td', {}, h('a', { href: `#/space/${d.space}`, text: spaceName(d.space) })),
      h('td', { text: fmtTime(d.updated) }),
      h('td', { class: 'num', text: String(d.changes) }))))));
}

// ---------- spaces ----------

async function viewSpaces(main) {
  const view = { name: 'spaces' };
  S.view = view;
  const list = h('div');
  const name = h('input', { id: 'space-name', required: true, placeholder: t('space-name-placeholder') });
  const ticket = h('textarea', { id: 'ticket', class: 'ticket', required: true, placeholder: t('ticket-placeholder') });
  const fromLink = sessionStorage.getItem(JOIN_KEY);
  sessionStorage.removeItem(JOIN_KEY);
  if (fromLink) ticket.value = fromLink;
  const joinButton = h('button', { type: 'submit', id: 'join', text: t('space-join') });
  // A file from a partner may bring a partnership this node has not received yet (bundle.js).
  const bundles = bundleCard(null);
  view.onProgress = (ev) => bundles.onProgress(ev);
  const found = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const s = await api('POST', '/spaces', { name: name.value });
      location.hash = `#/space/${s.id}`;
    } catch (err) { toast(err.message); }
  } },
    h('h2', { text: t('space-found-title') }),
    h('div', { class: 'field' }, h('label', { for: 'space-name', text: t('space-name') }), name),
    h('p', {}, h('button', { type: 'submit', text: t('space-found') })));
  const join = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const r = await api('POST', '/join', { ticket: ticket.value.trim() });
      toast(t('space-joined'), true);
      location.hash = `#/space/${r.space}`;
    } catch (err) { toast(err.message); }
  } },
    h('h2', { text: t('space-join-title') }),
    fromLink ? h('p', { class: 'banner', id: 'join-from-link', role: 'status', text: t('join-from-link') }) : null,
    h('div', { class: 'field' }, h('label', { for: 'ticket', text: t('space-join-ticket') }), ticket),
    h('p', {}, joinButton));
  // Arriving from a join link, the join form comes first, its button focused.
  main.replaceChildren(
    h('h1', { text: t('nav-spaces') }),
    h('p', { class: 'sub', text: t('spaces-intro') }),
    fromLink ? join : '',
    list,
    h('div', { class: 'grid' }, fromLink ? null : join, found),
    bundles.el);
  if (fromLink) joinButton.focus();
  view.refresh = refresher(async () => {
    const spaces = await loadSpaces();
    if (S.view !== view) return;
    list.replaceChildren(spaces.length === 0
      ? h('p', { class: 'empty', text: t('spaces-none') })
      : h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, h('th', { text: t('col-space') }), h('th', { text: t('col-founded-by') }), h('th', { text: t('col-founded') }), h('th', { class: 'num', text: t('nav-docs') }))),
        h('tbody', {}, spaces.map((s) => h('tr', {},
          h('td', {}, h('a', { href: `#/space/${s.id}`, text: s.name })),
          h('td', { text: s.founder ? s.founder.name : '' }),
          h('td', { text: fmtTime(s.created) }),
          h('td', { class: 'num', text: String(s.documents) })))))));
  });
  await view.refresh();
}

const ROLES = ['editor', 'admin', 'viewer'];
const roleName = (r) => tOr(`role-${r}`, r);

// One entry of the membership log as a sentence in the officer's language.
function logLine(o) {
  const args = { by: o.by, member: o.member };
  let m = /^add as (\w+)$/.exec(o.what);
  if (m) return t('log-add', Object.assign(args, { role: roleName(m[1]) }));
  m = /^set role (\w+)$/.exec(o.what);
  if (m) return t('log-set-role', Object.assign(args, { role: roleName(m[1]) }));
  if (o.what === 'leave') return t('log-leave', args);
  if (o.what === 'remove') return t('log-remove', args);
  return `${o.by} — ${o.what} ${o.member}`;
}

async function viewSpace(main, id) {
  const view = { name: 'space' };
  S.view = view;
  const members = h('div');
  const docs = h('div');
  const log = h('div');
  const ticketOut = h('div');
  const role = h('select', { id: 'inv-role' }, ROLES.map((r) => h('option', { value: r, text: roleName(r) })));
  const days = h('input', { id: 'inv-days', type: 'number', min: '1', max: '90', value: '7', class: 'num' });
  const addId = h('input', { id: 'add-id', required: true, placeholder: '12D3KooW…', spellcheck: 'false' });
  const addName = h('input', { id: 'add-name', placeholder: t('town-name-placeholder') });
  const addRole = h('select', { id: 'add-role' }, ROLES.map((r) => h('option', { value: r, text: roleName(r) })));
  const newKind = h('select', { id: 'new-kind' }, (S.schema.kinds).map((k) => h('option', { value: k.kind, text: k.label })));
  const newTitle = h('input', { id: 'new-title', required: true, placeholder: t('doc-title-placeholder-short') });
  const title = h('h1', { text: t('col-space') });
  // Invite and Add member: shown to the space's admins only (the node refuses them to others).
  const adminForms = h('div', { class: 'grid', id: 'admin-forms', hidden: true },
      h('form', { class: 'card', onsubmit: async (e) => {
        e.preventDefault();
        try {
          const r = await api('POST', `/spaces/${id}/invitations`, { role: role.value, valid_secs: Math.round(Number(days.value) * 86400) });
          const ta = h('textarea', { class: 'ticket', readonly: true, id: 'ticket-out', 'aria-label': t('invite-ticket') });
          ta.value = r.ticket;
          const copy = (text, done, id, label) => h('button', { type: 'button', class: 'secondary', id, onclick: async () => {
            try { await navigator.clipboard.writeText(text); toast(t(done), true); } catch (err) { ta.select(); }
          }, text: t(label) });
          ticketOut.replaceChildren(h('p', { class: 'small', text: t('invite-send', { role: roleName(r.role), days: days.value }) }), ta,
            copy(r.ticket, 'invite-copied', 'copy-ticket', 'invite-copy'),
            r.qr_svg ? h('img', { id: 'ticket-qr', class: 'qr', alt: t('invite-qr'), title: t('invite-qr'), src: `data:image/svg+xml;base64,${btoa(r.qr_svg)}` }) : null,
            r.link ? h('p', { class: 'small' }, t('invite-link-help'), ' ', h('a', { id: 'ticket-link', href: r.link, class: 'ticket-link', text: r.link.slice(0, 48) + '…' })) : null,
            r.link ? copy(r.link, 'invite-link-copied', 'copy-link', 'invite-link-copy') : null);
          view.refresh();
        } catch (err) { toast(err.message); }
      } },
        h('h3', { text: t('invite-title') }),
        h('div', { class: 'fields' },
          h('div', { class: 'field' }, h('label', { for: 'inv-role', text: t('col-role') }), role),
          h('div', { class: 'field' }, h('label', { for: 'inv-days', text: t('invite-days') }), days)),
        h('button', { type: 'submit', text: t('invite-create') }), ticketOut),
      h('form', { class: 'card', onsubmit: async (e) => {
        e.preventDefault();
        try {
          await api('POST', `/spaces/${id}/members`, { member: addId.value.trim(), name: addName.value.trim() || null, role: addRole.value });
          addId.value = ''; addName.value = '';
          view.refresh();
        } catch (err) { toast(err.message); }
      } },
        h('h3', { text: t('member-add-title') }),
        h('div', { class: 'field' }, h('label', { for: 'add-id', text: t('col-node-id') }), addId),
        h('div', { class: 'fields' },
          h('div', { class: 'field' }, h('label', { for: 'add-name', text: t('member-town-name') }), addName),
          h('div', { class: 'field' }, h('label', { for: 'add-role', text: t('col-role') }), addRole)),
        h('button', { type: 'submit', text: t('member-add') })));
  const invitations = h('div');
  const leaveBox = h('div', { class: 'actions' });
  // Without network: a file carried to a partner town and opened there (bundle.js).
  const bundles = bundleCard(id);
  view.onProgress = (ev) => bundles.onProgress(ev);
  main.replaceChildren(title, h('h2', { text: t('space-members') }), members, leaveBox, adminForms, invitations,
    h('h2', { text: t('nav-docs') }), docs,
    h('form', { class: 'inline card', onsubmit: async (e) => {
      e.preventDefault();
      try {
        const d = await api('POST', '/docs', { space: id, kind: newKind.value, title: newTitle.value, officer: officer(), lang: L.code });
        location.hash = `#/doc/${d.id}`;
      } catch (err) { toast(err.message); }
    } },
      needsOfficer(
        h('div', { class: 'field' }, h('label', { for: 'new-kind', text: t('doc-new') }), newKind),
        h('div', { class: 'field' }, h('label', { for: 'new-title', text: t('doc-title') }), newTitle),
        h('button', { type: 'submit', text: t('doc-create') }))),
    bundles.el,
    h('h2', { text: t('space-log') }), log);
  view.refresh = refresher(async () => {
    const [m, d] = await Promise.all([api('GET', `/spaces/${id}/members`), api('GET', `/spaces/${id}/docs`), loadSpaces()]);
    if (S.view !== view) return;
    title.textContent = spaceName(id);
    const mine = m.members.find((x) => x.id === S.me.id);
    const admin = Boolean(mine && mine.active && mine.role === 'admin');
    bundles.members(m.members);
    adminForms.hidden = !admin;
    // An admin changes another town's role or removes it; its own row it leaves like anyone.
    const roleCell = (x) => {
      if (!admin || !x.active || x.id === S.me.id) return h('td', { text: roleName(x.role) });
      const sel = h('select', { class: 'member-role', 'aria-label': t('member-role-of', { town: x.name || x.id }), dataset: { member: x.id } },
        ROLES.map((r) => h('option', { value: r, text: roleName(r), selected: r === x.role })));
      sel.addEventListener('change', async () => {
        try { await api('PUT', `/spaces/${id}/members/${x.id}`, { role: sel.value }); toast(t('member-role-changed', { town: x.name || x.id, role: roleName(sel.value) }), true); } catch (err) { sel.value = x.role; toast(err.message); }
        view.refresh();
      });
      return h('td', {}, sel);
    };
    const actionCell = (x) => {
      if (!admin || !x.active || x.id === S.me.id) return h('td');
      return h('td', {}, h('button', { type: 'button', class: 'small danger member-remove', 'aria-label': t('item-remove-named', { item: x.name || x.id }), dataset: { member: x.id }, onclick: async () => {
        if (!window.confirm(t('member-remove-confirm', { town: x.name || x.id }))) return;
        try { await api('DELETE', `/spaces/${id}/members/${x.id}`); toast(t('member-removed-toast', { town: x.name || x.id }), true); } catch (err) { toast(err.message); }
        view.refresh();
      }, text: t('member-remove') }));
    };
    members.replaceChildren(h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, h('th', { text: t('col-town') }), h('th', { text: t('col-role') }), h('th', { text: t('col-status') }), h('th', { text: t('col-added-by') }), h('th', { text: t('col-node-id') }), h('th', { text: '' }))),
      h('tbody', {}, m.members.map((x) => h('tr', { dataset: { member: x.id } },
        h('td', {}, h('strong', { text: x.name || t('unnamed') }), x.id === S.me.id ? ` ${t('member-this-town')}` : ''),
        roleCell(x),
        h('td', {}, x.active ? h('span', { class: 'badge ok', text: t('member-active') }) : h('span', { class: 'badge bad', text: t('member-removed') })),
        h('td', { text: x.added_by || '' }),
        h('td', { class: 'mono', text: x.id }),
        actionCell(x)))))));
    // Open invitations (this node's, unused and unexpired): an admin revokes one it regrets.
    const open = admin ? (await api('GET', `/spaces/${id}/invitations`)).invitations : [];
    if (S.view !== view) return;
    invitations.replaceChildren(open.length === 0 ? '' : h('section', { 'aria-labelledby': 'inv-open' },
      h('h3', { id: 'inv-open', text: t('invite-open') }),
      h('div', { class: 'table-wrap' }, h('table', { id: 'invitations' },
        h('thead', {}, h('tr', {}, h('th', { text: t('col-role') }), h('th', { text: t('invite-expires') }), h('th', { text: '' }))),
        h('tbody', {}, open.map((inv) => h('tr', { dataset: { invitation: inv.id } },
          h('td', { text: roleName(inv.role) }),
          h('td', { text: fmtTime(inv.expires_utc) }),
          h('td', {}, h('button', { type: 'button', class: 'small danger', onclick: async () => {
            if (!window.confirm(t('invite-revoke-confirm', { role: roleName(inv.role), when: fmtTime(inv.expires_utc) }))) return;
            try { await api('DELETE', `/spaces/${id}/invitations/${inv.id}`); toast(t('invite-revoked'), true); } catch (err) { toast(err.message); }
            view.refresh();
          }, text: t('invite-revoke') })))))))));
    leaveBox.replaceChildren(mine && mine.active ? h('button', { type: 'button', id: 'space-leave', class: 'secondary danger', onclick: async () => {
      if (!window.confirm(t('space-leave-confirm', { space: spaceName(id) }))) return;
      try { await api('POST', `/spaces/${id}/leave`); toast(t('space-left', { space: spaceName(id) }), true); location.hash = '#/spaces'; } catch (err) { toast(err.message); }
    }, text: t('space-leave') }) : '');
    docs.replaceChildren(docList(d));
    log.replaceChildren(h('ol', { class: 'small' }, m.log.map((o) => h('li', {},
      `${fmtTime(o.time_utc)}: ${logLine(o)}`,
      o.applied ? '' : h('span', { class: 'badge bad', text: ` ${t('log-rejected', { why: o.rejected_because })}` })))));
  });
  await view.refresh();
}

// ---------- documents by kind ----------

async function viewDocs(main) {
  const view = { name: 'docs' };
  S.view = view;
  const body = h('div');
  const space = h('select', { id: 'nd-space' });
  const kind = h('select', { id: 'nd-kind' }, S.schema.kinds.map((k) => h('option', { value: k.kind, text: k.label })));
  const title = h('input', { id: 'nd-title', required: true, placeholder: t('doc-title-placeholder') });
  main.replaceChildren(h('h1', { text: t('nav-docs') }), body,
    h('h2', { text: t('doc-new') }),
    h('form', { class: 'inline card', onsubmit: async (e) => {
      e.preventDefault();
      try {
        const d = await api('POST', '/docs', { space: space.value, kind: kind.value, title: title.value, officer: officer(), lang: L.code });
        location.hash = `#/doc/${d.id}`;
      } catch (err) { toast(err.message); }
    } },
      needsOfficer(
        h('div', { class: 'field' }, h('label', { for: 'nd-space', text: t('col-space') }), space),
        h('div', { class: 'field' }, h('label', { for: 'nd-kind', text: t('col-kind') }), kind),
        h('div', { class: 'field' }, h('label', { for: 'nd-title', text: t('doc-title') }), title),
        h('button', { type: 'submit', id: 'nd-create', text: t('doc-create') }))));
  view.refresh = refresher(async () => {
    const [docs, spaces, sync] = await Promise.all([api('GET', '/docs'), loadSpaces(), api('GET', '/sync/status')]);
    if (S.view !== view) return;
    const keep = space.value;
    space.replaceChildren(...spaces.map((s) => h('option', { value: s.id, text: s.name })));
    if (keep) space.value = keep;
    body.replaceChildren(...S.schema.kinds.map((k) => {
      const mine = docs.filter((d) => d.kind === k.kind).sort((a, b) => String(a.title).localeCompare(String(b.title)));
      return h('section', { 'aria-label': k.label, dataset: { kind: k.kind } }, h('h2', { text: `${k.label} (${mine.length})` }), docList(mine, sync));
    }));
  });
  await view.refresh();
}

// ---------- text diff and cursor mapping (in Unicode code points, as the node counts) ----------

function diffText(a, b) {
  const x = Array.from(a);
  const y = Array.from(b);
  let p = 0;
  while (p < x.length && p < y.length && x[p] === y[p]) p++;
  let s = 0;
  while (s < x.length - p && s < y.length - p && x[x.length - 1 - s] === y[y.length - 1 - s]) s++;
  return { pos: p, del: x.length - p - s, insert: y.slice(p, y.length - s).join('') };
}

function applySplice(text, sp) {
  const x = Array.from(text);
  x.splice(sp.pos, sp.del, ...Array.from(sp.insert));
  return x.join('');
}

// Where position `i` of the old text ends up after splice `r`.
function mapPos(i, r) {
  const ins = Array.from(r.insert).length;
  if (i <= r.pos) return i;
  if (i >= r.pos + r.del) return i - r.del + ins;
  return r.pos + ins;
}

// Rebases local splice `d` (made on the same base as remote splice `r`) onto the text after `r`.
function rebase(d, r) {
  const start = mapPos(d.pos, r);
  const end = Math.max(start, mapPos(d.pos + d.del, r));
  return { pos: start, del: end - start, insert: d.insert };
}

const cpIndex = (s, utf16) => Array.from(s.slice(0, utf16)).length;
const utf16Index = (s, cp) => Array.from(s).slice(0, cp).join('').length;

// Replaces an input's value, keeping the caret and selection where they were in the text.
function setTextKeepingCursor(el, next) {
  const prev = el.value;
  if (prev === next) return;
  if (document.activeElement !== el) { el.value = next; return; }
  const r = diffText(prev, next);
  const a = mapPos(cpIndex(prev, el.selectionStart), r);
  const b = mapPos(cpIndex(prev, el.selectionEnd), r);
  el.value = next;
  el.setSelectionRange(utf16Index(next, a), utf16Index(next, b));
}

// ---------- the schema-driven editor ----------

function valueAt(content, path) {
  let cur = content;
  for (const seg of path.split('/')) {
    if (cur === null || cur === undefined) return undefined;
    if (seg.startsWith('@')) cur = Array.isArray(cur) ? cur.find((it) => it.id === seg.slice(1)) : undefined;
    else cur = cur[seg];
  }
  return cur;
}

const isConflict = (v) => v !== null && typeof v === 'object' && Array.isArray(v.conflict);
// A stored value the schema refuses (e.g. an amount beyond the bound, from an older node).
const isInvalid = (v) => v !== null && typeof v === 'object' && typeof v.invalid === 'string';

// A column total: money summed as BigInt cents, counts as BigInt, so no total overflows or loses
// a cent; values in conflict or invalid are named, not silently left out.
function columnTotal(col, list) {
  let sum = 0n;
  const left = [];
  for (const it of list) {
    const v = it[col.name];
    if (typeof v === 'number' && Number.isFinite(v)) sum += BigInt(Math.round(col.type === 'money' ? v * 100 : v));
    else if (isConflict(v)) left.push(t('total-plus-conflict'));
    else if (isInvalid(v)) left.push(t('total-plus-invalid'));
  }
  const base = col.type === 'money' ? fmtCents(sum) : sum.toLocaleString(L.locale);
  const notes = [...new Set(left)].map((k) => ` + ${k}`).join('');
  const exact = col.type === 'money' ? `${sum < 0n ? '-' : ''}${(sum < 0n ? -sum : sum) / 100n}.${String((sum < 0n ? -sum : sum) % 100n).padStart(2, '0')}` : sum.toString();
  return { text: base + notes, exact };
}
const SCALARS = ['str', 'enum', 'date', 'int', 'number', 'money', 'bool', 'country', 'email'];
// Fields Twinmesh sets itself (`kind`, `schema`, `space`, list item `id`): shown nowhere as inputs.
const hidden = (f) => f.type === 'readonly';

// A value as an input shows it: amounts in the locale's decimals without grouping (`2600,50`),
// full dates as the locale writes them (`30.04.2027`), choices by their stored value.
function fmtScalar(f, v) {
  if (v === null || v === undefined) return '';
  if (isInvalid(v)) return v.invalid;
  if (f.type === 'money' && typeof v === 'number') return NUM.plain.format(v);
  if (f.type === 'number' && typeof v === 'number') return v.toLocaleString(L.locale, { useGrouping: false, maximumFractionDigits: 6 });
  if (f.type === 'date') return fmtDate(v);
  if (f.type === 'bool') return v ? 'true' : 'false';
  return String(v);
}

function fmtDisplay(f, v) {
  if (isConflict(v)) return v.conflict.map((c) => `${fmtDisplay(f, c.value)} (${c.author})`).join(' / ');
  if (v === null || v === undefined) return '';
  if (isInvalid(v)) return `⚠ ${t('value-invalid', { value: v.invalid, reason: v.reason })}`;
  if (f.type === 'money') return `${fmtEur(v)}${v < 0 ? ` ${t('money-correction')}` : ''}`;
  if (f.type === 'bool') return v ? t('yes') : t('no');
  if (f.type === 'enum' && f.choices && f.choices[v]) return f.choices[v];
  if (f.type === 'int' && typeof v === 'number') return v.toLocaleString(L.locale);
  if (f.type === 'number' && typeof v === 'number') return v.toLocaleString(L.locale);
  if (f.type === 'date') return fmtDate(v);
  if (f.type === 'country' && typeof v === 'string') return `${countryName(v)} (${v})`;
  return String(v);
}

// Structure of a document: the ids of every list item, nested. A change here re-renders.
function structureOf(fields, value) {
  const out = [];
  for (const f of fields) {
    const v = value ? value[f.name] : undefined;
    if (f.type === 'list' && Array.isArray(v)) out.push(f.name, v.map((it) => [it.id, structureOf(f.fields, it)]));
    else if (f.type === 'record') out.push(f.name, structureOf(f.fields, v));
  }
  return out;
}

async function viewEditor(main, id) {
  const ed = {
    id, widgets: new Map(), computed: [], content: null, structure: null, kind: null, fields: null, root: h('div'),
    // Values the node refused, by path, with its reason: they outlive a re-render of the form.
    refused: new Map(),
  };
  S.editor = ed;
  S.view = { name: 'editor' };
  const title = h('h1', { text: t('col-document') });
  const meta = h('p', { class: 'sub' });
  const banner = h('div');
  const warnings = h('div', { id: 'warnings' });
  // Towns offered in partner fields: the space's members and the plan's partners; any other
  // (a guest town) can still be typed.
  ed.towns = h('datalist', { id: 'dl-towns' });
  // A town that may not write here (a reader, or no longer a member) reads the document with
  // every field locked and a note saying why.
  const lock = readerLock();
  main.replaceChildren(title, meta, docTabs(id, 'edit'), exportBar(id, () => untitled(ed.content && ed.content.title)), presenceBar(id, ed), banner, warnings, lock.note, needsOfficer(canWrite(ed.root)), ed.towns);
  ed.checkWrite = () => (ed.space ? lock.check(main, ed.space) : undefined);

  const send = async (edits, message) => {
    const r = await api('POST', `/docs/${id}/edits`, { edits, message, officer: officer() });
    ed.refresh();
    return r;
  };
  ed.send = send;

  const render = () => {
    const active = document.activeElement;
    const focusPath = active && active.dataset ? active.dataset.path : null;
    const sel = focusPath && 'selectionStart' in active ? [active.selectionStart, active.selectionEnd] : null;
    ed.widgets = new Map();
    ed.computed = [];
    ed.root.replaceChildren(...editRecord(ed, ed.fields, ed.content, ''));
    if (focusPath) {
      const again = ed.root.querySelector(`[data-path="${CSS.escape(focusPath)}"]`);
      if (again) {
        again.focus();
        if (sel && 'setSelectionRange' in again) { try { again.setSelectionRange(sel[0], sel[1]); } catch (e) { /* not a text input */ } }
      }
    }
  };

  const update = (doc) => {
    const first = ed.content === null;
    ed.kind = doc.kind;
    ed.fields = kindInfo(doc.kind).fields;
    ed.content = doc.content;
    ed.space = doc.space;
    // The role changes only with the space's log: looked up when the page opens and on a
    // spaces event (see onEvent), not on every refresh a partner's edit brings.
    if (first) ed.checkWrite();
    // Calendars and budget tables are made from plans only (the node refuses the rest).
    for (const b of main.querySelectorAll("[data-export='ics'], [data-export='csv'], [data-export='xlsx']")) b.hidden = doc.kind !== 'plan';
    const titleText = untitled(doc.content.title);
    title.textContent = titleText;
    document.title = `${titleText} – Twinmesh`;
    meta.replaceChildren(`${kindLabel(doc.kind)} · `, h('a', { href: `#/space/${doc.space}`, text: spaceName(doc.space) }));
    banner.replaceChildren(doc.conflicts.length === 0 ? '' : h('div', { class: 'banner', role: 'status' },
      h('strong', { text: `${t('conflicts-count', { n: doc.conflicts.length })} ` }),
      t('conflicts-explain')));
    const structure = JSON.stringify(structureOf(ed.fields, doc.content));
    if (first || structure !== ed.structure) {
      ed.structure = structure;
      render();
    } else {
      for (const [path, w] of ed.widgets) w.set(valueAt(doc.content, path));
    }
    for (const c of ed.computed) c(doc.content);
    showWarnings(warnings, checkDoc(doc.content));
    const names = new Set([...(ed.memberNames || []), ...((Array.isArray(doc.content.partners) ? doc.content.partners : []).map((p) => p.town).filter((x) => typeof x === 'string' && x.trim()))]);
    ed.towns.replaceChildren(...[...names].sort((a, b) => a.localeCompare(b, L.locale)).map((n) => h('option', { value: n })));
  };

  ed.refresh = refresher(async () => {
    const doc = await api('GET', `/docs/${id}`);
    if (S.editor !== ed) return;
    update(doc);
  });
  if (S.spaces.length === 0) await loadSpaces();
  // The first read outside the refresher: an unknown document reaches route()'s page for it.
  const doc = await api('GET', `/docs/${id}`);
  try {
    const m = await api('GET', `/spaces/${doc.space}/members`);
    ed.memberNames = m.members.filter((x) => x.active && x.name).map((x) => x.name);
  } catch (e) { ed.memberNames = []; }
  if (S.editor === ed) update(doc);
}

// ---------- checks an officer expects: warnings, never refusals ----------

// The CERV Town Twinning call and its rules (docs/user-guide.md lists them).
const CERV_TT = 'CERV-2025-CITIZENS-TOWN-TT';
const CERV_TT_LUMP = [845500n, 5074500n]; // cents
const CERV_TT_MAIN_DIRECT = 50;
const CERV_TT_MAIN_INVITED = 25;
const EU_MEMBERS = 'AT BE BG CY CZ DE DK EE EL ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK'.split(' ');

// True if `end` lies before `start`, compared at the precision both have (`2027-04` vs `2027-04-30`).
function endsBeforeStart(start, end) {
  if (typeof start !== 'string' || typeof end !== 'string' || !start || !end) return false;
  const n = Math.min(start.length, end.length);
  return end.slice(0, n) < start.slice(0, n);
}
const cents = (v) => (typeof v === 'number' && Number.isFinite(v) ? BigInt(Math.round(v * 100)) : null);
const count = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

// The warnings for a document's content: `{ id, text }`, in the officer's language.
function checkDoc(c) {
  const out = [];
  const list = (v) => (Array.isArray(v) ? v : []);
  if (endsBeforeStart(c.start, c.end)) out.push({ id: 'plan-dates', text: t('warn-end-before-start', { what: untitled(c.title) }) });
  const events = list(c.events);
  events.forEach((e, i) => {
    const name = e.code || e.title || `${i + 1}`;
    if (endsBeforeStart(e.start, e.end)) out.push({ id: `event-dates-${e.id}`, text: t('warn-event-end-before-start', { event: name }) });
    for (const p of list(e.participants)) {
      const ages = count(p.youth) + count(p.adults);
      const genders = [p.female, p.male, p.undisclosed];
      const sum = genders.reduce((a, v) => a + count(v), 0);
      if (genders.some((v) => typeof v === 'number') && sum !== ages) {
        out.push({ id: `participants-${p.id}`, text: t('warn-participants-sum', { event: name, town: p.town || '?', genders: sum, total: ages }) });
      }
    }
  });
  const b = c.budget || {};
  const lump = cents(b.lump_sum_requested);
  const lines = list(b.lines);
  if (lump !== null && lines.length) {
    const total = lines.reduce((a, l) => a + (cents(l.amount) || 0n), 0n);
    if (total !== lump) out.push({ id: 'budget-total', text: t('warn-budget-total', { total: fmtCents(total), lump: fmtCents(lump) }) });
  }
  if (typeof c.funding_profile === 'string' && c.funding_profile.trim().toUpperCase() === CERV_TT) {
    if (lump !== null && (lump < CERV_TT_LUMP[0] || lump > CERV_TT_LUMP[1])) {
      out.push({ id: 'cerv-lump', text: t('warn-cerv-lump', { lump: fmtCents(lump), min: fmtCents(CERV_TT_LUMP[0]), max: fmtCents(CERV_TT_LUMP[1]) }) });
    }
    const countries = new Set(list(c.partners).map((p) => p.country).filter((x) => typeof x === 'string'));
    if (countries.size === 1) out.push({ id: 'cerv-countries', text: t('warn-cerv-countries') });
    if (countries.size && ![...countries].some((x) => EU_MEMBERS.includes(x))) out.push({ id: 'cerv-eu', text: t('warn-cerv-eu') });
    events.filter((e) => e.main_event === true).forEach((e, i) => {
      const rows = list(e.participants);
      const people = (r) => count(r.youth) + count(r.adults);
      const direct = rows.filter((r) => r.category !== 'guest').reduce((a, r) => a + people(r), 0);
      const invited = rows.filter((r) => r.category === 'invited').reduce((a, r) => a + people(r), 0);
      const name = e.code || e.title || `${i + 1}`;
      if (direct < CERV_TT_MAIN_DIRECT) out.push({ id: `cerv-direct-${e.id}`, text: t('warn-cerv-direct', { event: name, n: direct, min: CERV_TT_MAIN_DIRECT }) });
      if (invited < CERV_TT_MAIN_INVITED) out.push({ id: `cerv-invited-${e.id}`, text: t('warn-cerv-invited', { event: name, n: invited, min: CERV_TT_MAIN_INVITED }) });
    });
  }
  return out;
}

function showWarnings(box, found) {
  // Replaced only when the list changes, so a screen reader announces a warning once.
  const sig = JSON.stringify(found);
  if (box.dataset.sig === sig) return;
  box.dataset.sig = sig;
  box.replaceChildren(found.length === 0 ? '' : h('section', { class: 'banner warn', role: 'status', 'aria-label': t('warnings') },
    h('strong', { text: t('warnings') }),
    h('ul', {}, found.map((w) => h('li', { dataset: { check: w.id }, text: w.text })))));
}

// ---------- exports: PDF, Word, OpenDocument, calendar, budget, Automerge and signed files ----------

function download(name, type, data) {
  const a = h('a', { href: URL.createObjectURL(new Blob([data], { type })), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

const safeName = (title) => String(title || '').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'document';

const EXPORTS = [
  ['pdf', 'application/pdf', 'pdf'],
  ['docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'docx'],
  ['odt', 'application/vnd.oasis.opendocument.text', 'odt'],
  ['ics', 'text/calendar', 'ics'],
  ['csv', 'text/csv', 'csv'],
  ['xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx'],
  ['automerge', 'application/octet-stream', 'automerge'],
  ['signed', 'application/octet-stream', 'twindoc'],
];

// `title()`: the document's title now, for the file's name.
function exportBar(id, title) {
  const bar = h('div', { class: 'actions exports' });
  const notice = h('div');
  // A long signed or Automerge export: the node reports its progress as `progress` events.
  const progress = h('progress', { id: 'export-progress', max: 100, value: 0, hidden: true });
  for (const [format, type, ext] of EXPORTS) {
    bar.append(h('button', { type: 'button', class: 'small secondary', dataset: { export: format }, text: t(`export-${format}`), onclick: async () => {
      S.exportProgress = (ev) => {
        if (ev.work !== 'doc_export' || ev.doc !== id) return;
        progress.hidden = false;
        progress.value = ev.total > 0 ? Math.floor((ev.done * 100) / ev.total) : 100;
      };
      try {
        const r = await api('GET', `/docs/${id}/export?format=${format}`);
        const bin = atob(r.data);
        const bytes = Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
        download(`${safeName(title())}.${ext}`, type, bytes);
        const left = Array.isArray(r.left_out) ? r.left_out : [];
        notice.replaceChildren(left.length === 0 ? '' : h('div', { class: 'banner', role: 'status', id: 'export-left-out' },
          h('strong', { text: t('export-left-out', { n: left.length }) }),
          h('ul', {}, left.map((l) => h('li', { text: `${l.path}: ${l.value === undefined || l.value === null ? '' : l.value} — ${l.reason}` })))));
      } catch (e) { toast(e.message); } finally {
        S.exportProgress = null;
        progress.hidden = true;
      }
    } }));
  }
  bar.append(progress);
  return h('div', {}, bar, notice);
}

function docTabs(id, current) {
  const tab = (key, href, text) => h('a', { href, text, 'aria-current': current === key ? 'page' : null });
  return h('nav', { class: 'tabs', 'aria-label': t('col-document') },
    tab('edit', `#/doc/${id}`, t('tab-edit')),
    tab('history', `#/doc/${id}/history`, t('tab-history')),
    tab('versions', `#/doc/${id}/versions`, t('tab-versions')),
    tab('attachments', `#/doc/${id}/attachments`, t('tab-attachments')),
    tab('print', `#/doc/${id}/print`, t('tab-print')));
}

function fieldId(path) {
  return `f-${path.replace(/[^A-Za-z0-9]/g, '_')}`;
}

function editRecord(ed, fields, value, base) {
  const out = [];
  const join = (name) => (base ? `${base}/${name}` : name);
  // A document's title is prose too: edited as text splices, shown as a single line, first.
  const tf = base ? null : fields.find((f) => f.name === 'title' && f.type === 'text');
  if (tf) out.push(h('div', { class: 'fields' }, textWidget(ed, tf, 'title', value.title, true)));
  const scalars = fields.filter((f) => SCALARS.includes(f.type) && !hidden(f));
  if (scalars.length) out.push(h('div', { class: 'fields' }, scalars.map((f) => scalarWidget(ed, f, join(f.name), value ? value[f.name] : null, false))));
  for (const f of fields) {
    if (hidden(f) || f === tf) continue;
    const v = value ? value[f.name] : null;
    if (f.type === 'text') out.push(h('div', { class: 'prose' }, textWidget(ed, f, join(f.name), v, false)));
    else if (f.type === 'record') out.push(h('section', {}, h(base ? 'h3' : 'h2', { text: f.label }), ...editRecord(ed, f.fields, v || {}, join(f.name))));
    else if (f.type === 'list') out.push(listWidget(ed, f, join(f.name), Array.isArray(v) ? v : [], !base));
  }
  return out;
}

function scalarWidget(ed, f, path, value, compact, rowLabel) {
  const id = fieldId(path);
  let input;
  let picker = null;
  // `options(content)`: the choices of a field whose answers are known (see `choicesOf`).
  const options = choicesOf(ed, f, path);
  if (f.type === 'enum' || f.type === 'bool') {
    const opts = f.type === 'bool' ? [['true', t('yes')], ['false', t('no')]] : f.options.map((o) => [o, (f.choices && f.choices[o]) || o.replace(/-/g, ' ')]);
    input = h('select', { id }, h('option', { value: '', text: '—' }), opts.map(([v, text]) => h('option', { value: v, text })));
  } else if (options) {
    input = h('select', { id, class: 'choice' });
  } else {
    const numeric = ['int', 'number', 'money'].includes(f.type);
    input = h('input', {
      id,
      class: f.type === 'money' ? 'money' : (numeric ? 'num' : (f.type === 'date' ? 'date' : null)),
      inputmode: f.type === 'int' ? 'numeric' : (numeric ? 'decimal' : null),
      placeholder: f.type === 'date' ? t('date-placeholder') : (f.type === 'money' ? NUM.plain.format(0) : null),
      autocomplete: 'off',
      list: TOWN_FIELDS.test(path) ? 'dl-towns' : null,
    });
    if (f.type === 'date') {
      // The picker stores ISO dates; the text box beside it takes any way of writing a date and
      // a month or a year alone (`2027-04`, `2027`), which a picker cannot hold.
      picker = h('input', { type: 'date', class: 'picker', id: `${id}-pick`, tabindex: '-1', dataset: { pick: path } });
      picker.setAttribute('aria-label', t('date-pick', { field: rowLabel ? `${rowLabel}: ${f.label}` : f.label }));
    }
  }
  input.dataset.path = path;
  if (compact) input.setAttribute('aria-label', rowLabel ? `${rowLabel}: ${f.label}` : f.label);
  const conflictBox = h('div', { class: 'conflict', hidden: true });
  const errorBox = h('div', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true });
  // `bad`: what the officer typed and the node refused; kept in the input until corrected.
  const w = { shown: '', bad: null };
  const showPicker = (v) => { if (picker) picker.value = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : ''; };
  const markBad = (msg) => {
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', errorBox.id);
    input.classList.add('invalid');
    errorBox.textContent = msg;
    errorBox.hidden = false;
  };
  const clearBad = () => {
    w.bad = null;
    ed.refused.delete(path);
    input.classList.remove('invalid');
    input.removeAttribute('aria-describedby');
    errorBox.hidden = true;
    errorBox.textContent = '';
  };
  // A choice list follows the document (a new work package appears at once); a stored value
  // not among the choices stays offered, so nothing is changed by merely showing it.
  const fill = (content, current) => {
    const want = options(content);
    const keep = typeof current === 'string' && current !== '' && !want.some(([v]) => v === current) ? [[current, current]] : [];
    const all = [['', '—'], ...want, ...keep];
    const sig = JSON.stringify(all);
    if (input.dataset.sig === sig) return;
    input.dataset.sig = sig;
    const was = input.value;
    input.replaceChildren(...all.map(([v, text]) => h('option', { value: v, text })));
    input.value = was;
  };
  if (options) {
    fill(ed.content || {}, value);
    ed.computed.push((content) => { const v = valueAt(content, path); fill(content, isConflict(v) ? null : v); });
  }
  w.set = (v) => {
    if (options && !isConflict(v)) fill(ed.content || {}, v);
    if (isConflict(v)) {
      input.classList.add('has-conflict');
      input.setAttribute('aria-invalid', 'true');
      conflictBox.hidden = false;
      conflictBox.replaceChildren(h('strong', { text: `${t('conflict')}: ` }), t('conflict-explain'),
        h('ul', {}, v.conflict.map((c) => h('li', {},
          h('span', { class: 'conflict-value', text: `${fmtDisplay(f, c.value)} — ${c.author} ` }),
          h('button', { type: 'button', class: 'small secondary', onclick: () => commit(fmtScalar(f, c.value)), text: t('conflict-keep') })))));
      if (document.activeElement !== input && w.bad === null) { input.value = ''; w.shown = ''; }
      input.placeholder = t('conflict');
      return;
    }
    input.classList.remove('has-conflict');
    if (w.bad === null) input.removeAttribute('aria-invalid');
    conflictBox.hidden = true;
    conflictBox.replaceChildren();
    showPicker(v);
    const next = fmtScalar(f, v);
    // Leave a field the officer is changing, or a refused value being corrected, alone.
    if (w.bad !== null) return;
    if (document.activeElement === input && input.value !== w.shown) return;
    if (input.value !== next) {
      input.value = next;
      if (w.shown !== '' || next !== '') { input.classList.add('flash'); setTimeout(() => input.classList.remove('flash'), 900); }
    }
    w.shown = next;
  };
  // Sends the value as typed: the node reads it in the officer's language (Accept-Language).
  const commit = async (raw) => {
    const text = raw.trim();
    try {
      await ed.send([{ op: 'set', path, value: text === '' ? null : text }]);
      clearBad();
      input.removeAttribute('aria-invalid');
      w.shown = input.value;
    } catch (e) {
      // Never throw the officer's typing away: keep it, mark the field, say what is wrong.
      w.bad = input.value;
      ed.refused.set(path, { value: input.value, message: e.message });
      markBad(e.message);
    }
  };
  input.addEventListener('change', () => commit(input.value));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { clearBad(); input.removeAttribute('aria-invalid'); input.value = w.shown; }
  });
  if (picker) {
    picker.addEventListener('change', () => {
      if (!picker.value) return;
      input.value = fmtDate(picker.value);
      commit(picker.value);
    });
  }
  w.set(value);
  const refused = ed.refused.get(path);
  if (refused) {
    input.value = refused.value;
    w.bad = refused.value;
    markBad(refused.message);
  }
  ed.widgets.set(path, w);
  const control = picker ? h('div', { class: 'date-pair' }, input, picker) : input;
  if (compact) return h('div', {}, control, errorBox, conflictBox);
  return h('div', { class: 'field' }, h('label', { for: id, text: f.label }), control, errorBox, conflictBox);
}

// Partner-town fields: budget line partner, event host, participants' sending town, WP lead.
const TOWN_FIELDS = /(^|\/)(budget\/lines\/[^/]+\/partner|events\/[^/]+\/host|events\/[^/]+\/participants\/[^/]+\/town|work_packages\/[^/]+\/lead)$/;

let regionNames = null;
// A country code by name in the officer's language (`DE` → `Germany`/`Allemagne`).
function countryName(code) {
  if (!regionNames || regionNames.locale !== L.locale) {
    try { regionNames = { locale: L.locale, names: new Intl.DisplayNames([L.locale], { type: 'region' }) }; } catch (e) { return code; }
  }
  try { return regionNames.names.of(code === 'EL' ? 'GR' : code) || code; } catch (e) { return code; }
}

// The choices of a field whose answers are known, as `content => [[value, text], ...]`, or null:
// countries from the schema's list, by name; a plan's `wp` fields from its own work packages.
function choicesOf(ed, f, path) {
  if (f.type === 'country' && Array.isArray(f.options)) {
    const list = f.options.map((c) => [c, `${countryName(c)} (${c})`]).sort((a, b) => a[1].localeCompare(b[1], L.locale));
    return () => list;
  }
  if (f.type === 'str' && f.name === 'wp' && ed.kind === 'plan' && !path.startsWith('work_packages/')) {
    return (content) => (Array.isArray(content.work_packages) ? content.work_packages : [])
      .filter((wp) => typeof wp.number === 'string' && wp.number.trim())
      .map((wp) => [wp.number, typeof wp.title === 'string' && wp.title.trim() ? `${wp.number} – ${wp.title}` : wp.number]);
  }
  return null;
}

function textWidget(ed, f, path, value, single, rowLabel) {
  const id = fieldId(path);
  const el = single ? h('input', { id, autocomplete: 'off' }) : h('textarea', { id, rows: '4' });
  el.dataset.path = path;
  if (rowLabel) el.setAttribute('aria-label', `${rowLabel}: ${f.label}`);
  const w = { base: value || '', server: value || '', inflight: false, again: false, timer: null };
  el.value = w.base;
  // Prose boxes grow with their text (CSSOM styles are allowed by the page's CSP).
  const fit = () => {
    if (single || !el.isConnected) return;
    el.style.height = 'auto';
    el.style.height = `${Math.max(el.scrollHeight + 2, 56)}px`;
  };
  el.addEventListener('input', fit);
  requestAnimationFrame(fit);
  const flush = async () => {
    clearTimeout(w.timer);
    if (w.inflight) { w.again = true; return; }
    if (el.value === w.base) return;
    let splice = diffText(w.base, el.value);
    if (w.server !== w.base) {
      // A partner's edit arrived while the officer typed: rebase the local splice onto it.
      splice = rebase(splice, diffText(w.base, w.server));
      const next = applySplice(w.server, splice);
      w.base = w.server;
      setTextKeepingCursor(el, next);
    }
    const sent = el.value;
    w.inflight = true;
    try {
      await api('POST', `/docs/${ed.id}/splices`, { path, splices: [splice], officer: officer() });
      w.base = sent;
      w.server = sent;
    } catch (e) {
      toast(e.message);
      if (e.status === 403) {
        // Not allowed (this town may not write here): show the document's text again rather
        // than sending the same refused splice after every pause.
        w.base = w.server;
        setTextKeepingCursor(el, w.server);
        fit();
      }
    } finally {
      w.inflight = false;
    }
    if (w.again || el.value !== w.base) { w.again = false; w.timer = setTimeout(flush, TEXT_IDLE_MS); }
    ed.refresh();
  };
  el.addEventListener('input', () => { clearTimeout(w.timer); w.timer = setTimeout(flush, TEXT_IDLE_MS); });
  el.addEventListener('blur', flush);
  w.set = (v) => {
    const text = typeof v === 'string' ? v : '';
    w.server = text;
    // Local typing not yet sent: keep it; flush rebases it onto this text.
    if (w.inflight || el.value !== w.base) return;
    w.base = text;
    setTextKeepingCursor(el, text);
    fit();
  };
  ed.widgets.set(path, w);
  if (rowLabel) return el;
  return h('div', { class: 'field' }, h('label', { for: id, text: f.label }), el);
}

function itemName(f, it, i) {
  for (const k of ['number', 'code', 'heading', 'name', 'title', 'town', 'description']) {
    if (f.fields.some((x) => x.name === k) && typeof it[k] === 'string' && it[k].trim()) {
      const t = f.fields.some((x) => x.name === 'title') && k !== 'title' && typeof it.title === 'string' && it.title.trim() ? `${it[k]} – ${it.title}` : it[k];
      return t;
    }
  }
  return itemLabel(f, i);
}

// "Work package 3" in the officer's language (`item-<kind>-<list>`); "Lines 3" without a key.
const itemLabel = (f, i) => tOr(f.itemKey, `${f.label} ${i + 1}`, { n: i + 1 });

// Columns summed under a table: money, and counts of people.
const summed = (list, col) => col.type === 'money' || (list.name === 'participants' && col.type === 'int');

function listWidget(ed, f, path, items, top) {
  const tableOnly = f.fields.every((c) => SCALARS.includes(c.type));
  const head = h(top ? 'h2' : 'h3', { text: f.label });
  const add = h('button', { type: 'button', class: 'secondary', dataset: { add: path }, onclick: async () => {
    try { await ed.send([{ op: 'add', list: path, fields: [] }]); } catch (e) { toast(e.message); }
  }, text: t('list-add', { list: f.label }) });
  const remove = (itemPath, name) => h('button', { type: 'button', class: 'small danger', 'aria-label': t('item-remove-named', { item: name }), onclick: async () => {
    if (!window.confirm(t('item-remove-confirm', { item: name }))) return;
    try { await ed.send([{ op: 'remove', item: itemPath }]); } catch (e) { toast(e.message); }
  }, text: t('item-remove') });
  const totals = f.fields.filter((c) => summed(f, c));
  if (tableOnly) {
    const cols = f.fields;
    const totalCells = new Map();
    const rows = items.map((it, i) => {
      const ip = `${path}/@${it.id}`;
      const name = itemLabel(f, i);
      return h('tr', { dataset: { item: it.id } }, h('td', { class: 'num small muted', text: String(i + 1) }),
        cols.map((c) => h('td', { class: ['money', 'int', 'number'].includes(c.type) ? 'num' : null }, scalarWidget(ed, c, `${ip}/${c.name}`, it[c.name], true, name))),
        h('td', {}, remove(ip, name)));
    });
    const foot = totals.length && items.length ? h('tfoot', {}, h('tr', {}, h('td', { text: '' }), cols.map((c) => {
      const td = h('td', { class: 'num', dataset: summed(f, c) ? { label: c.label } : null });
      if (summed(f, c)) totalCells.set(c.name, td);
      if (c === cols[0] && !summed(f, c)) td.textContent = t('total');
      return td;
    }), h('td'))) : null;
    ed.computed.push((content) => {
      const list = valueAt(content, path) || [];
      for (const [name, td] of totalCells) {
        const total = columnTotal(cols.find((c) => c.name === name), list);
        td.textContent = total.text;
        td.dataset.total = total.exact;
      }
    });
    return h('section', { class: 'list', dataset: { list: path } }, head,
      items.length === 0 ? h('p', { class: 'empty', text: t('list-empty') }) : h('div', { class: 'table-wrap' }, h('table', { class: 'stack' },
        h('thead', {}, h('tr', {}, h('th', { class: 'num', text: '#' }), cols.map((c) => h('th', { class: ['money', 'int', 'number'].includes(c.type) ? 'num' : null, text: c.label })), h('th', { text: '' }))),
        h('tbody', {}, rows), foot)),
      h('div', { class: 'actions' }, add));
  }
  const cards = items.map((it, i) => {
    const ip = `${path}/@${it.id}`;
    const name = itemName(f, it, i);
    return h('article', { class: 'record', dataset: { item: it.id } },
      h('div', { class: 'record-head' }, h('h3', { text: name }), remove(ip, name)),
      ...editRecord(ed, f.fields, it, ip));
  });
  const sumLine = totals.length && items.length ? h('p', { class: 'small' }) : null;
  if (sumLine) {
    ed.computed.push((content) => {
      const list = valueAt(content, path) || [];
      sumLine.replaceChildren(...totals.map((c) => {
        return h('span', {}, h('strong', { text: `${t('total-of', { field: c.label })}: ` }), columnTotal(c, list).text, ' ');
      }));
    });
  }
  return h('section', { class: 'list', dataset: { list: path } }, head,
    items.length === 0 ? h('p', { class: 'empty', text: t('list-empty') }) : cards, sumLine,
    h('div', { class: 'actions' }, add));
}

// ---------- read-only rendering: history points and the print page ----------

function viewRecord(fields, value, level) {
  const out = [];
  const scalars = fields.filter((f) => SCALARS.includes(f.type) && !hidden(f));
  const filled = scalars.filter((f) => value && value[f.name] !== null && value[f.name] !== undefined);
  if (filled.length) {
    out.push(h('table', { class: 'kv' }, h('tbody', {}, filled.map((f) => h('tr', {}, h('th', { scope: 'row', text: f.label }),
      h('td', { class: isConflict(value[f.name]) ? 'conflict' : null, text: (isConflict(value[f.name]) ? `⚠ ${t('conflict')}: ` : '') + fmtDisplay(f, value[f.name]) }))))));
  }
  for (const f of fields) {
    if (hidden(f) || (level === 2 && f.name === 'title' && f.type === 'text')) continue;
    const v = value ? value[f.name] : null;
    const hx = `h${Math.min(level, 6)}`;
    if (f.type === 'text' && typeof v === 'string' && v.trim()) out.push(h(hx, { text: f.label }), ...v.split(/\n{2,}/).map((p) => h('p', { text: p })));
    else if (f.type === 'record') out.push(h(hx, { text: f.label }), ...viewRecord(f.fields, v || {}, level + 1));
    else if (f.type === 'list') {
      out.push(h(hx, { text: f.label }));
      const items = Array.isArray(v) ? v : [];
      if (items.length === 0) { out.push(h('p', { class: 'empty', text: t('list-none') })); continue; }
      const cols = f.fields.filter((c) => SCALARS.includes(c.type));
      const sums = cols.map((c) => (summed(f, c) ? columnTotal(c, items).text : null));
      out.push(h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, h('th', { text: '#' }), cols.map((c) => h('th', { text: c.label })))),
        h('tbody', {}, items.map((it, i) => h('tr', {}, h('td', { text: String(i + 1) }), cols.map((c) => h('td', { class: isConflict(it[c.name]) ? 'conflict' : (['money', 'int', 'number'].includes(c.type) ? 'num' : null), text: fmtDisplay(c, it[c.name]) }))))),
        sums.some((s) => s !== null) ? h('tfoot', {}, h('tr', {}, h('td', { text: t('total') }), cols.map((c, i) => h('td', { class: 'num', dataset: sums[i] === null ? null : { label: c.label }, text: sums[i] === null ? '' : sums[i] })))) : null)));
      const rich = f.fields.filter((c) => !SCALARS.includes(c.type));
      if (rich.length) {
        items.forEach((it, i) => {
          const inner = viewRecord(rich, it, level + 2);
          if (inner.length) out.push(h(`h${Math.min(level + 1, 6)}`, { text: itemName(f, it, i) }), ...inner);
        });
      }
    }
  }
  return out;
}

// History comes a page at a time (newest first); "Load older changes" follows the page's cursor.
const HISTORY_PAGE = 100;
const seenChanges = new Map();

async function viewHistory(main, id) {
  const [doc, first] = await Promise.all([api('GET', `/docs/${id}`), api('GET', `/docs/${id}/history?limit=${HISTORY_PAGE}`), loadSpaces()]);
  const view = { name: 'history' };
  S.view = view;
  const row = (e) => {
    seenChanges.set(e.hash, e);
    return h('tr', {},
      h('td', { text: fmtTime(e.time_utc) }),
      h('td', { text: e.author || (e.author_id ? `${e.author_id.slice(0, 12)}…` : t('unknown')) }),
      h('td', { text: e.officer || '' }),
      h('td', {}, e.message, e.accepted ? '' : h('div', { class: 'badge bad', text: t('history-refused', { why: e.refused_because }) })),
      h('td', {}, h('span', { class: `badge ${e.signature === 'verified' ? 'ok' : 'bad'}`, text: tOr(`signature-${e.signature}`, e.signature) })),
      h('td', {}, e.accepted ? h('a', { href: `#/doc/${id}/at/${e.hash}`, text: t('history-view-at') }) : ''));
  };
  const body = h('tbody', {}, first.entries.slice().reverse().map(row));
  const more = h('div', { class: 'actions' });
  const offer = (older) => {
    more.replaceChildren(older ? h('button', { type: 'button', class: 'secondary', text: t('history-older'), onclick: async (ev) => {
      ev.target.disabled = true;
      try {
        const page = await api('GET', `/docs/${id}/history?limit=${HISTORY_PAGE}&before=${encodeURIComponent(older)}`);
        if (S.view !== view) return;
        body.append(...page.entries.slice().reverse().map(row));
        offer(page.older);
      } catch (e) { ev.target.disabled = false; toast(e.message); }
    } }) : '');
  };
  offer(first.older);
  main.replaceChildren(h('h1', { text: untitled(doc.content.title) }), h('p', { class: 'sub', text: `${kindLabel(doc.kind)} · ${t('history-sub', { n: first.total })}` }), docTabs(id, 'history'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'history' },
      h('thead', {}, h('tr', {}, h('th', { text: t('col-when') }), h('th', { text: t('col-town') }), h('th', { text: t('officer') }), h('th', { text: t('col-change') }), h('th', { text: t('col-signature') }), h('th', { text: '' }))),
      body)), more);
}

async function viewAt(main, id, hash) {
  const doc = await api('GET', `/docs/${id}?at=${encodeURIComponent(hash)}`);
  const e = seenChanges.get(hash) || {};
  const fields = kindInfo(doc.kind).fields;
  main.replaceChildren(h('h1', { text: untitled(doc.content.title) }), docTabs(id, 'history'),
    h('div', { class: 'banner', role: 'note' }, h('strong', { text: `${t('at-as-it-was')} ` }),
      `${e.message || hash} — ${e.author || t('unknown-town')}${e.officer ? ` (${e.officer})` : ''}${e.time_utc ? `, ${fmtTime(e.time_utc)}` : ''}. `,
      h('a', { href: `#/doc/${id}`, text: t('at-back') })),
    h('article', { class: 'print-doc' }, ...viewRecord(fields, doc.content, 2)));
}

// ---------- named versions and approvals ----------

// The versions of a document: name one; each with "approved by N of M towns", a clear mark
// when the document changed since (and what changed), the towns' decisions, and actions: view,
// compare, restore, ask for approval (admins), approve or reject with the council's reference.
async function viewVersions(main, id) {
  const view = { name: 'versions' };
  S.view = view;
  const open = new Map();
  // What the officer typed survives a redraw (a partner's approval arriving meanwhile).
  const drafts = new Map();
  const kept = (key, attrs) => h('input', { ...attrs, value: drafts.get(key) || '', oninput: (ev) => drafts.set(key, ev.target.value) });
  const lock = readerLock();
  const draw = async () => {
    const [doc, list] = await Promise.all([api('GET', `/docs/${id}`), api('GET', `/docs/${id}/versions`)]);
    if (S.view !== view) return;
    const fields = kindInfo(doc.kind).fields;
    const act = (fn) => async (ev) => {
      if (ev) ev.preventDefault();
      try { await fn(); await view.refresh(); } catch (e) { toast(e.message); }
    };
    const nameInput = kept('name', { id: 'version-name', required: true, maxlength: 200, placeholder: t('versions-name-placeholder') });
    const form = h('form', { class: 'actions', onsubmit: act(async () => {
      await api('POST', `/docs/${id}/versions`, { name: nameInput.value, officer: officer() });
      toast(t('versions-named', { name: nameInput.value }), true);
      drafts.delete('name');
    }) }, h('label', { for: 'version-name', text: t('versions-name-label') }), nameInput,
    h('button', { type: 'submit', id: 'version-create', text: t('versions-name-button') }));
    const items = (list2) => h('ul', { class: 'changes-since' }, list2.map((i) => h('li', { text: i.text })));
    const card = (v) => {
      const vid = v.id;
      const badges = [h('span', { class: `badge ${v.approved_by_all ? 'ok' : ''}`, 'data-approvals': vid, text: t('versions-approved-by', { n: v.approved, m: v.towns }) })];
      if (v.rejected > 0) badges.push(h('span', { class: 'badge bad', text: t('versions-rejected-by', { n: v.rejected }) }));
      if (v.requested) badges.push(h('span', { class: 'badge', text: t('versions-requested-by', { town: v.requested }) }));
      badges.push(v.changed_since
        ? h('span', { class: 'badge warn', 'data-changed': vid, text: t('versions-changed-since') })
        : h('span', { class: 'badge ok', text: t('versions-current') }));
      const decisions = h('ul', {}, v.decisions.map((d) => h('li', { text: t(d.decision === 'approved' ? 'versions-decision-approved' : 'versions-decision-rejected',
        { town: d.town_name, reference: d.reference, date: fmtDate(d.date) }) + (d.officer ? ` (${d.officer})` : '') })));
      const ref = kept(`ref-${vid}`, { id: `approve-ref-${vid}`, placeholder: t('versions-reference-placeholder') });
      const date = kept(`date-${vid}`, { id: `approve-date-${vid}`, type: 'date' });
      const decide = (decision) => act(async () => {
        await api('POST', `/docs/${id}/versions/${vid}/approve`, { decision, reference: ref.value, date: date.value, officer: officer() });
        toast(t(decision === 'approved' ? 'versions-approved-toast' : 'versions-rejected-toast'), true);
      });
      const detail = h('div', {});
      const show = async () => {
        const at = await api('GET', `/docs/${id}/versions/${vid}`);
        detail.replaceChildren(h('article', { class: 'print-doc' }, ...viewRecord(fields, at.content, 3)));
      };
      const others = list.versions.filter((o) => o.id !== vid);
      const cmpSel = h('select', { id: `compare-${vid}`, 'aria-label': t('versions-compare-with') },
        h('option', { value: 'current', text: t('versions-current-content') }), others.map((o) => h('option', { value: o.id, text: o.name })));
      const compare = async () => {
        const c = await api('GET', `/docs/${id}/compare?from=${encodeURIComponent(vid)}&to=${encodeURIComponent(cmpSel.value)}`);
        detail.replaceChildren(c.changes.length ? items(c.changes) : h('p', { class: 'muted', text: t('versions-no-differences') }));
      };
      if (open.get(vid) === 'view') show().catch((e) => toast(e.message));
      return h('section', { class: 'card version', 'data-version': vid },
        h('h2', { text: v.name }),
        h('p', { class: 'sub', text: t('versions-named-by', { town: v.by_name, when: fmtTime(v.at_utc) }) + (v.officer ? ` (${v.officer})` : '') }),
        h('p', {}, ...badges.flatMap((b) => [b, ' '])),
        v.changed_since ? h('div', { class: 'banner warn', role: 'note' }, h('strong', { text: t('versions-changed-since-long') }), items(v.changes_since)) : '',
        v.decisions.length ? decisions : '',
        v.pending.length ? h('p', { class: 'muted', text: t('versions-waiting-for', { towns: v.pending.join(', ') }) }) : '',
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'secondary', text: t('versions-view'), onclick: () => { open.set(vid, 'view'); show().catch((e) => toast(e.message)); } }),
          cmpSel, h('button', { type: 'button', class: 'secondary', text: t('versions-compare'), onclick: () => compare().catch((e) => toast(e.message)) }),
          canWriteInline(h('button', { type: 'button', class: 'secondary', text: t('versions-restore'), onclick: act(async () => {
            if (!window.confirm(t('versions-restore-confirm', { name: v.name }))) return;
            await api('POST', `/docs/${id}/versions/${vid}/restore`, { officer: officer() });
            toast(t('versions-restored', { name: v.name }), true);
          }) })),
          v.requested ? '' : canWriteInline(h('button', { type: 'button', class: 'secondary', id: `request-${vid}`, text: t('versions-request'), onclick: act(async () => {
            await api('POST', `/docs/${id}/versions/${vid}/request-approval`, { officer: officer() });
          }) }))),
        canWrite(h('form', { class: 'actions', onsubmit: decide('approved') },
          h('label', { for: `approve-ref-${vid}`, text: t('versions-reference') }), ref,
          h('label', { for: `approve-date-${vid}`, text: t('versions-date') }), date,
          h('button', { type: 'submit', id: `approve-${vid}`, text: t('versions-approve') }),
          h('button', { type: 'button', class: 'danger', id: `reject-${vid}`, text: t('versions-reject'), onclick: decide('rejected') }))),
        detail);
    };
    const cards = list.versions.slice().reverse().map(card);
    main.replaceChildren(h('h1', { text: untitled(doc.content.title) }), docTabs(id, 'versions'), lock.note,
      h('p', { class: 'sub', text: t('versions-sub') }), canWrite(form),
      cards.length ? h('div', { class: 'versions' }, cards) : h('p', { class: 'muted', text: t('versions-none') }));
    await lock.check(main, doc.space);
  };
  view.refresh = refresher(draw);
  await draw();
}

// ---------- attachments (an evidence register) ----------

// A size in the reader's locale (kB, MB, GB: the browser names the unit in its language).
function fmtBytes(n) {
  const units = [['gigabyte', 1e9], ['megabyte', 1e6], ['kilobyte', 1e3]];
  for (const [unit, div] of units) {
    if (n >= div) return new Intl.NumberFormat(L.code, { style: 'unit', unit, maximumFractionDigits: 1 }).format(n / div);
  }
  return new Intl.NumberFormat(L.code, { style: 'unit', unit: 'byte' }).format(n);
}

// The files a document carries: upload (with a progress bar), the list with size, who, and
// the state on this node (downloaded, downloading n %, not downloaded, removed), download,
// fetch, and remove with a reason. Progress of fetches comes as `transfer` events.
async function viewAttachments(main, id) {
  const view = { name: 'attachments' };
  S.view = view;
  const progress = new Map();
  const lock = readerLock();
  const captionInput = h('input', { id: 'attach-caption', maxlength: 1000, placeholder: t('att-caption-placeholder') });
  const fileInput = h('input', { id: 'attach-file', type: 'file' });
  const bar = h('progress', { id: 'attach-progress', max: 100, value: 0, hidden: true });
  const upload = (ev) => {
    ev.preventDefault();
    const file = fileInput.files && fileInput.files[0];
    if (!file) return;
    const q = new URLSearchParams({ name: file.name });
    if (captionInput.value.trim()) q.set('caption', captionInput.value.trim());
    if (officer()) q.set('officer', officer());
    const x = new XMLHttpRequest();
    x.open('POST', `/api/v1/docs/${id}/attachments?${q}`);
    x.setRequestHeader('Authorization', `Bearer ${S.token}`);
    x.setRequestHeader('Accept-Language', L.code);
    bar.hidden = false;
    x.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = Math.floor((e.loaded * 100) / e.total); };
    x.onload = () => {
      bar.hidden = true;
      let data = {};
      try { data = JSON.parse(x.responseText); } catch (e) { /* not JSON */ }
      if (x.status >= 200 && x.status < 300) {
        toast(t('att-uploaded', { name: data.name || file.name }), true);
        fileInput.value = '';
        captionInput.value = '';
        view.refresh();
      } else {
        toast(data.error || t('error-request-failed', { status: x.status }));
      }
    };
    x.onerror = () => { bar.hidden = true; toast(t('error-request-failed', { status: 0 })); };
    x.send(file);
  };
  const form = h('form', { class: 'card', onsubmit: upload },
    h('label', { for: 'attach-file', text: t('att-file-label') }), fileInput,
    h('label', { for: 'attach-caption', text: t('att-caption-label') }), captionInput,
    h('button', { type: 'submit', id: 'attach-upload', text: t('att-upload') }), bar);
  const draw = async () => {
    const [doc, list] = await Promise.all([api('GET', `/docs/${id}`), api('GET', `/docs/${id}/attachments`)]);
    if (S.view !== view) return;
    let usage = null;
    try { usage = await api('GET', `/spaces/${doc.space}/storage`); } catch (e) { /* shown without */ }
    const stateOf = (a) => {
      const p = progress.get(a.hash);
      if (a.state === 'downloading' || (a.state === 'not-downloaded' && p !== undefined)) {
        const pct = p !== undefined ? p : Math.floor((a.held * 100) / Math.max(1, a.size));
        return h('span', { class: 'badge', text: t('att-state-downloading', { pct }) });
      }
      const cls = { downloaded: 'ok', removed: 'bad' }[a.state] || 'warn';
      return h('span', { class: `badge ${cls}`, text: t(`att-state-${a.state}`) });
    };
    const row = (a) => h('tr', { 'data-attachment': a.id },
      h('td', {}, h('strong', { text: a.name }), a.caption ? h('div', { class: 'muted', text: a.caption }) : '',
        a.removed ? h('div', { class: 'muted', text: t('att-removed-by', { town: a.removed.by_name, reason: a.removed.reason }) }) : ''),
      h('td', { text: fmtBytes(a.size) }),
      h('td', { text: t('att-by', { town: a.by_name, when: fmtTime(a.at_utc) }) + (a.officer ? ` (${a.officer})` : '') }),
      h('td', {}, stateOf(a)),
      h('td', { class: 'actions' },
        a.state === 'downloaded' ? h('button', { type: 'button', class: 'small secondary', text: t('att-download'), onclick: () => downloadAttachment(id, a).catch((e) => toast(e.message)) }) : '',
        a.state === 'not-downloaded' ? h('button', { type: 'button', class: 'small secondary', text: t('att-fetch'), onclick: async () => {
          try { await api('POST', `/docs/${id}/attachments/${a.id}/fetch`); progress.set(a.hash, 0); await view.refresh(); } catch (e) { toast(e.message); }
        } }) : '',
        a.state === 'removed' ? '' : canWriteInline(h('button', { type: 'button', class: 'small danger', text: t('att-remove'), onclick: async () => {
          const reason = window.prompt(t('att-remove-reason', { name: a.name }));
          if (!reason || !reason.trim()) return;
          try { await api('POST', `/docs/${id}/attachments/${a.id}/remove`, { reason, officer: officer() }); toast(t('att-removed', { name: a.name }), true); await view.refresh(); } catch (e) { toast(e.message); }
        } }))));
    const used = usage ? h('p', { class: 'sub', id: 'attach-usage', text: usage.cap ? t('att-usage-cap', { used: fmtBytes(usage.used), cap: fmtBytes(usage.cap) }) : t('att-usage', { used: fmtBytes(usage.used) }) }) : '';
    main.replaceChildren(h('h1', { text: untitled(doc.content.title) }), docTabs(id, 'attachments'), lock.note,
      h('p', { class: 'sub', text: t('att-sub') }), used, needsOfficer(canWrite(form)),
      list.length ? h('table', { class: 'attachments' },
        h('thead', {}, h('tr', {}, ['att-col-file', 'att-col-size', 'att-col-by', 'att-col-state', 'att-col-actions'].map((k) => h('th', { text: t(k) })))),
        h('tbody', {}, list.map(row))) : h('p', { class: 'muted', text: t('att-none') }));
    await lock.check(main, doc.space);
  };
  view.refresh = refresher(draw);
  view.onTransfer = (ev) => {
    progress.set(ev.file, Math.floor((ev.done * 100) / Math.max(1, ev.total)));
    if (ev.done >= ev.total) progress.delete(ev.file);
    view.refresh();
  };
  await draw();
}

async function downloadAttachment(id, a) {
  const r = await fetch(`/api/v1/docs/${id}/attachments/${a.id}?download=true`, { headers: { Authorization: `Bearer ${S.token}`, 'Accept-Language': L.code } });
  if (!r.ok) throw new Error(t('error-request-failed', { status: r.status }));
  download(a.name, a.media_type, await r.blob());
}

async function viewPrint(main, id) {
  const doc = await api('GET', `/docs/${id}`);
  if (S.spaces.length === 0) await loadSpaces();
  const fields = kindInfo(doc.kind).fields;
  const title = untitled(doc.content.title);
  const article = h('article', { class: 'print-doc' }, h('h1', { text: title }),
    h('p', { class: 'muted', text: `${kindLabel(doc.kind)} · ${spaceName(doc.space)} · ${t('print-printed', { when: fmtTime(Date.now()) })}` }),
    ...viewRecord(fields, doc.content, 2));
  const safe = safeName(title);
  main.replaceChildren(docTabs(id, 'print'),
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => window.print(), text: t('print') }),
      h('button', { type: 'button', class: 'secondary', onclick: async () => {
        try { download(`${safe}.md`, 'text/markdown', await api('GET', `/docs/${id}/markdown`)); } catch (e) { toast(e.message); }
      }, text: t('print-markdown') }),
      h('button', { type: 'button', class: 'secondary', onclick: () => {
        const css = 'body{font-family:sans-serif;max-width:60rem;margin:2rem auto;line-height:1.45}table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left}td.num{text-align:right}.conflict{background:#fff4d6}';
        download(`${safe}.html`, 'text/html', `<!doctype html><html lang="${L.code}"><meta charset="utf-8"><title>${title.replace(/[<&]/g, '')}</title><style>${css}</style><body>${article.outerHTML}</body></html>`);
      }, text: t('print-html') })),
    article);
}

// ---------- start ----------

async function start() {
  if (!S.token) { renderSignIn(); return; }
  try {
    const [schema, status] = await Promise.all([api('GET', '/schema'), api('GET', '/status')]);
    S.rawSchema = schema;
    S.schema = localiseSchema(schema);
    S.me = status.node;
    document.getElementById('town').textContent = `· ${S.me.name}`;
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) {
      document.getElementById('main').replaceChildren(h('h1', { text: t('node-unreachable') }), h('p', { class: 'banner', text: e.message }));
    }
    return;
  }
  if (!S.loopStarted) { S.loopStarted = true; eventLoop(); }
  route();
}

window.addEventListener('hashchange', () => {
  if (location.hash.startsWith('#token=')) { takeTokenFromUrl(); start(); return; }
  if (location.hash.startsWith('#join=')) { takeJoinFromUrl(); if (S.token && S.schema) route(); return; }
  if (S.token && S.schema) route();
});

document.addEventListener('DOMContentLoaded', async () => {
  const o = document.getElementById('officer');
  o.value = localStorage.getItem(OFFICER_KEY) || '';
  o.addEventListener('change', () => localStorage.setItem(OFFICER_KEY, o.value.trim()));
  o.addEventListener('input', () => applyOfficerGate());
  document.getElementById('signout').addEventListener('click', () => signOut());
  const menu = document.getElementById('lang');
  try {
    L.languages = await getJson('/i18n/languages.json');
    await loadLanguage(preferredLanguage(L.languages.map((l) => l.code)));
  } catch (e) {
    // Without the catalogs the UI still works, in the keys' English fallbacks.
  }
  menu.addEventListener('change', async () => {
    localStorage.setItem(LANG_KEY, menu.value);
    try { await loadLanguage(menu.value); } catch (e) { toast(e.message); return; }
    if (!S.token) renderSignIn();
    else if (S.schema) route();
  });
  takeJoinFromUrl();
  takeTokenFromUrl();
  start();
});
