// Twinmesh web UI. Plain JavaScript, no build step: served by the node itself.
// Everything is read through the node's JSON API with the bearer token; live updates come from
// the server-sent event stream at /api/v1/events (read with fetch, so the token stays in a
// header and out of URLs).
'use strict';

const TOKEN_KEY = 'twinmesh.token';
const OFFICER_KEY = 'twinmesh.officer';
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
  return el;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const eur = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' });
const fmtEur = (n) => (typeof n === 'number' ? eur.format(n) : '');
// Exact euros from integer cents (a BigInt): totals are summed in cents, never in floating euros.
function fmtCents(c) {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return `${neg ? '-' : ''}€${(a / 100n).toLocaleString('en-GB')}.${String(a % 100n).padStart(2, '0')}`;
}

function fmtTime(t) {
  if (t === null || t === undefined) return '';
  const d = new Date(typeof t === 'number' ? t : String(t));
  if (isNaN(d.getTime())) return String(t);
  return d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

function ago(t) {
  if (t === null || t === undefined) return 'never';
  const ms = Date.now() - (typeof t === 'number' ? t : Date.parse(t));
  if (!(ms >= 0)) return fmtTime(t);
  const m = Math.round(ms / 60000);
  if (m < 1) return 'just now';
  if (m < 60) return `${m} min ago`;
  const hr = Math.round(m / 60);
  if (hr < 48) return `${hr} h ago`;
  return fmtTime(t);
}

let toastTimer = null;
function toast(msg, info) {
  const t = document.getElementById('toast');
  t.textContent = msg;
  t.className = info ? 'toast info' : 'toast';
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 5000);
}

function officer() {
  const v = document.getElementById('officer').value.trim();
  return v || null;
}

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${S.token}` };
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(`/api/v1${path}`, init);
  const ct = r.headers.get('content-type') || '';
  const data = ct.includes('json') ? await r.json() : await r.text();
  if (!r.ok) {
    if (r.status === 401) { signOut(); }
    throw new ApiError(r.status, (data && data.error) || `request failed (${r.status})`);
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

function signOut() {
  localStorage.removeItem(TOKEN_KEY);
  S.token = null;
  renderSignIn();
}

function renderSignIn() {
  const main = document.getElementById('main');
  const input = h('input', { id: 'token', autocomplete: 'off', spellcheck: 'false' });
  main.replaceChildren(
    h('h1', { text: 'Sign in to your town\'s node' }),
    h('p', {}, 'Open the login address that ', h('code', { text: 'twin start' }),
      ' printed, or paste the token from the file ', h('code', { text: 'api.token' }),
      ' in the node\'s data folder.'),
    h('form', { class: 'inline card', onsubmit: (e) => {
      e.preventDefault();
      const t = input.value.trim();
      if (!t) return;
      localStorage.setItem(TOKEN_KEY, t);
      S.token = t;
      start();
    } },
      h('div', { class: 'field' }, h('label', { for: 'token', text: 'Token' }), input),
      h('button', { type: 'submit', text: 'Sign in' })),
  );
}

// ---------- live events ----------

function setLive(on) {
  S.live = on;
  const el = document.getElementById('live');
  el.textContent = on ? '● live' : '○ offline';
  el.className = on ? 'live on' : 'live off';
  el.title = on ? 'Connected to your node; changes appear as they happen' : 'Not connected to your node; retrying';
}

async function eventLoop() {
  let backoff = 500;
  for (;;) {
    if (!S.token) { S.loopStarted = false; return; }
    try {
      const r = await fetch('/api/v1/events', { headers: { Authorization: `Bearer ${S.token}` } });
      if (r.status === 401) { S.loopStarted = false; signOut(); return; }
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
  if (name === 'hello' || name === 'resync') {
    if (S.editor) S.editor.refresh();
    if (S.view && S.view.refresh) S.view.refresh();
    return;
  }
  if (name === 'doc' && S.editor && S.editor.id === ev.doc) {
    S.editor.refresh();
    return;
  }
  // An import or a membership change may touch the open document too.
  if (name === 'spaces' && S.editor) S.editor.refresh();
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
  main.replaceChildren(h('p', { class: 'muted', text: 'Loading…' }));
  let p;
  if (parts.length === 0) { nav('dashboard'); p = viewDashboard(main); }
  else if (parts[0] === 'spaces') { nav('spaces'); p = viewSpaces(main); }
  else if (parts[0] === 'space' && parts[1]) { nav('spaces'); p = viewSpace(main, parts[1]); }
  else if (parts[0] === 'docs') { nav('docs'); p = viewDocs(main); }
  else if (parts[0] === 'doc' && parts[1] && parts[2] === 'history') { nav('docs'); p = viewHistory(main, parts[1]); }
  else if (parts[0] === 'doc' && parts[1] && parts[2] === 'at' && parts[3]) { nav('docs'); p = viewAt(main, parts[1], parts[3]); }
  else if (parts[0] === 'doc' && parts[1] && parts[2] === 'print') { nav('docs'); p = viewPrint(main, parts[1]); }
  else if (parts[0] === 'doc' && parts[1]) { nav('docs'); p = viewEditor(main, parts[1]); }
  else { main.replaceChildren(h('h1', { text: 'Page not found' }), h('p', {}, h('a', { href: '#/', text: 'Back to the dashboard' }))); return; }
  Promise.resolve(p).catch((e) => {
    if (e instanceof ApiError && e.status === 401) return;
    main.replaceChildren(h('h1', { text: 'Something went wrong' }), h('p', { class: 'banner', text: e.message }));
  });
}

async function loadSpaces() {
  S.spaces = await api('GET', '/spaces');
  return S.spaces;
}
const spaceName = (id) => (S.spaces.find((s) => s.id === id) || {}).name || `${String(id).slice(0, 10)}…`;
const kindInfo = (kind) => (S.schema ? S.schema.kinds.find((k) => k.kind === kind) : null);
const kindLabel = (kind) => (kindInfo(kind) || {}).label || kind;

// ---------- dashboard ----------

async function viewDashboard(main) {
  const view = { name: 'dashboard' };
  S.view = view;
  const body = h('div');
  main.replaceChildren(h('h1', { text: 'Dashboard' }), body);
  view.refresh = refresher(async () => {
    const [status, peers, spaces, docs] = await Promise.all([
      api('GET', '/status'), api('GET', '/peers'), loadSpaces(), api('GET', '/docs'),
    ]);
    if (S.view !== view) return;
    const node = status.node;
    const net = status.network;
    const online = peers.filter((p) => p.connected);
    const partnerRows = peers.map((p) => {
      const state = p.connected
        ? (p.syncing_documents > 0 ? h('span', { class: 'badge warn', text: `syncing ${p.syncing_documents}` }) : h('span', { class: 'badge ok', text: 'in sync' }))
        : h('span', { class: 'badge', text: 'offline' });
      return h('tr', {},
        h('td', {}, h('strong', { text: p.name || 'unknown node' }), p.country ? ` (${p.country})` : ''),
        h('td', {}, p.connected ? h('span', { class: 'badge ok', text: 'online' }) : `last seen ${ago(p.last_seen_utc || p.last_seen)}`),
        h('td', {}, (p.spaces || []).map((s) => h('div', {}, h('a', { href: `#/space/${s.space}`, text: s.name }), ' ', state.cloneNode(true)))),
        h('td', { class: 'num', text: String(p.changes_received || 0) }));
    });
    body.replaceChildren(
      h('div', { class: 'grid' },
        h('section', { class: 'card', 'aria-labelledby': 'c-town' },
          h('h2', { id: 'c-town', text: 'This town' }),
          h('div', { class: 'stat', text: node.name }),
          h('div', { class: 'muted', text: `Country: ${node.country}` }),
          h('div', { class: 'mono small', text: node.id })),
        h('section', { class: 'card', 'aria-labelledby': 'c-net' },
          h('h2', { id: 'c-net', text: 'Partners online' }),
          h('div', { class: 'stat', text: `${online.length} of ${peers.length}` }),
          h('div', { class: 'muted', text: `Reachability: ${net.reachability}` })),
        h('section', { class: 'card', 'aria-labelledby': 'c-sp' },
          h('h2', { id: 'c-sp', text: 'Partnerships' }),
          h('div', { class: 'stat', text: String(spaces.length) }),
          h('div', { class: 'muted', text: `${docs.length} shared documents` }))),
      h('h2', { text: 'Partners and sync' }),
      peers.length === 0
        ? h('p', { class: 'empty', text: 'No partner node known yet. Add a partner to a partnership, or join one with an invitation ticket.' })
        : h('div', { class: 'table-wrap' }, h('table', {},
          h('thead', {}, h('tr', {}, h('th', { text: 'Partner' }), h('th', { text: 'Connection' }), h('th', { text: 'Shared partnerships and sync state' }), h('th', { class: 'num', text: 'Changes received' }))),
          h('tbody', {}, partnerRows))),
      h('h2', { text: 'Recently changed documents' }),
      docList(docs.slice().sort((a, b) => (b.updated || 0) - (a.updated || 0)).slice(0, 8)),
    );
  });
  await view.refresh();
}

function docList(docs) {
  if (docs.length === 0) return h('p', { class: 'empty', text: 'No documents yet.' });
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, h('th', { text: 'Document' }), h('th', { text: 'Kind' }), h('th', { text: 'Partnership' }), h('th', { text: 'Last change' }), h('th', { class: 'num', text: 'Changes' }))),
    h('tbody', {}, docs.map((d) => h('tr', {},
      h('td', {}, h('a', { href: `#/doc/${d.id}`, text: d.title || '(untitled)' })),
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
  const name = h('input', { id: 'space-name', required: true, placeholder: 'e.g. Saint-Pol – Warstein' });
  const ticket = h('textarea', { id: 'ticket', class: 'ticket', required: true, placeholder: 'twinmesh ticket…' });
  main.replaceChildren(
    h('h1', { text: 'Partnerships' }),
    h('p', { class: 'sub', text: 'A partnership (space) holds the shared documents of two or more towns.' }),
    list,
    h('div', { class: 'grid' },
      h('form', { class: 'card', onsubmit: async (e) => {
        e.preventDefault();
        try {
          const s = await api('POST', '/spaces', { name: name.value });
          location.hash = `#/space/${s.id}`;
        } catch (err) { toast(err.message); }
      } },
        h('h2', { text: 'Found a partnership' }),
        h('div', { class: 'field' }, h('label', { for: 'space-name', text: 'Name' }), name),
        h('p', {}, h('button', { type: 'submit', text: 'Found' }))),
      h('form', { class: 'card', onsubmit: async (e) => {
        e.preventDefault();
        try {
          const r = await api('POST', '/join', { ticket: ticket.value.trim() });
          toast('Joined the partnership.', true);
          location.hash = `#/space/${r.space}`;
        } catch (err) { toast(err.message); }
      } },
        h('h2', { text: 'Join with an invitation' }),
        h('div', { class: 'field' }, h('label', { for: 'ticket', text: 'Invitation ticket from a partner' }), ticket),
        h('p', {}, h('button', { type: 'submit', text: 'Join' })))));
  view.refresh = refresher(async () => {
    const spaces = await loadSpaces();
    if (S.view !== view) return;
    list.replaceChildren(spaces.length === 0
      ? h('p', { class: 'empty', text: 'This town is not in any partnership yet.' })
      : h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, h('th', { text: 'Partnership' }), h('th', { text: 'Founded by' }), h('th', { text: 'Founded' }), h('th', { class: 'num', text: 'Documents' }))),
        h('tbody', {}, spaces.map((s) => h('tr', {},
          h('td', {}, h('a', { href: `#/space/${s.id}`, text: s.name })),
          h('td', { text: s.founder ? s.founder.name : '' }),
          h('td', { text: fmtTime(s.created) }),
          h('td', { class: 'num', text: String(s.documents) })))))));
  });
  await view.refresh();
}

const ROLES = ['editor', 'admin', 'viewer'];

async function viewSpace(main, id) {
  const view = { name: 'space' };
  S.view = view;
  const members = h('div');
  const docs = h('div');
  const log = h('div');
  const ticketOut = h('div');
  const role = h('select', { id: 'inv-role' }, ROLES.map((r) => h('option', { value: r, text: r })));
  const days = h('input', { id: 'inv-days', type: 'number', min: '1', max: '90', value: '7', class: 'num' });
  const addId = h('input', { id: 'add-id', required: true, placeholder: '12D3KooW…', spellcheck: 'false' });
  const addName = h('input', { id: 'add-name', placeholder: 'e.g. Warstein' });
  const addRole = h('select', { id: 'add-role' }, ROLES.map((r) => h('option', { value: r, text: r })));
  const newKind = h('select', { id: 'new-kind' }, (S.schema.kinds).map((k) => h('option', { value: k.kind, text: k.label })));
  const newTitle = h('input', { id: 'new-title', required: true, placeholder: 'e.g. CIRCLE60' });
  const title = h('h1', { text: 'Partnership' });
  main.replaceChildren(title, h('h2', { text: 'Members' }), members,
    h('div', { class: 'grid' },
      h('form', { class: 'card', onsubmit: async (e) => {
        e.preventDefault();
        try {
          const r = await api('POST', `/spaces/${id}/invitations`, { role: role.value, valid_secs: Math.round(Number(days.value) * 86400) });
          const ta = h('textarea', { class: 'ticket', readonly: true, id: 'ticket-out', 'aria-label': 'Invitation ticket' });
          ta.value = r.ticket;
          ticketOut.replaceChildren(h('p', { class: 'small', text: `Send this one-time ticket to the partner town (role: ${r.role}). It expires in ${days.value} day(s).` }), ta,
            h('button', { type: 'button', class: 'secondary', onclick: async () => {
              try { await navigator.clipboard.writeText(r.ticket); toast('Ticket copied.', true); } catch (err) { ta.select(); }
            }, text: 'Copy ticket' }));
        } catch (err) { toast(err.message); }
      } },
        h('h3', { text: 'Invite a partner town' }),
        h('div', { class: 'fields' },
          h('div', { class: 'field' }, h('label', { for: 'inv-role', text: 'Role' }), role),
          h('div', { class: 'field' }, h('label', { for: 'inv-days', text: 'Valid for (days)' }), days)),
        h('button', { type: 'submit', text: 'Create invitation ticket' }), ticketOut),
      h('form', { class: 'card', onsubmit: async (e) => {
        e.preventDefault();
        try {
          await api('POST', `/spaces/${id}/members`, { member: addId.value.trim(), name: addName.value.trim() || null, role: addRole.value });
          addId.value = ''; addName.value = '';
          view.refresh();
        } catch (err) { toast(err.message); }
      } },
        h('h3', { text: 'Add a partner by its node id' }),
        h('div', { class: 'field' }, h('label', { for: 'add-id', text: 'Node id' }), addId),
        h('div', { class: 'fields' },
          h('div', { class: 'field' }, h('label', { for: 'add-name', text: 'Town name' }), addName),
          h('div', { class: 'field' }, h('label', { for: 'add-role', text: 'Role' }), addRole)),
        h('button', { type: 'submit', text: 'Add member' }))),
    h('h2', { text: 'Documents' }), docs,
    h('form', { class: 'inline card', onsubmit: async (e) => {
      e.preventDefault();
      try {
        const d = await api('POST', '/docs', { space: id, kind: newKind.value, title: newTitle.value, officer: officer() });
        location.hash = `#/doc/${d.id}`;
      } catch (err) { toast(err.message); }
    } },
      h('div', { class: 'field' }, h('label', { for: 'new-kind', text: 'New document' }), newKind),
      h('div', { class: 'field' }, h('label', { for: 'new-title', text: 'Title' }), newTitle),
      h('button', { type: 'submit', text: 'Create' })),
    h('h2', { text: 'Membership log' }), log);
  view.refresh = refresher(async () => {
    const [m, d] = await Promise.all([api('GET', `/spaces/${id}/members`), api('GET', `/spaces/${id}/docs`), loadSpaces()]);
    if (S.view !== view) return;
    title.textContent = spaceName(id);
    members.replaceChildren(h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, h('th', { text: 'Town' }), h('th', { text: 'Role' }), h('th', { text: 'Status' }), h('th', { text: 'Added by' }), h('th', { text: 'Node id' }))),
      h('tbody', {}, m.members.map((x) => h('tr', {},
        h('td', {}, h('strong', { text: x.name || '(unnamed)' }), x.id === S.me.id ? ' (this town)' : ''),
        h('td', { text: x.role }),
        h('td', {}, x.active ? h('span', { class: 'badge ok', text: 'active' }) : h('span', { class: 'badge bad', text: 'removed' })),
        h('td', { text: x.added_by || '' }),
        h('td', { class: 'mono', text: x.id })))))));
    docs.replaceChildren(docList(d));
    log.replaceChildren(h('ol', { class: 'small' }, m.log.map((o) => h('li', {},
      `${fmtTime(o.time_utc)}: ${o.by} — ${o.what} ${o.member}`,
      o.applied ? '' : h('span', { class: 'badge bad', text: ` rejected: ${o.rejected_because}` })))));
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
  const title = h('input', { id: 'nd-title', required: true, placeholder: 'e.g. CIRCLE60 – Young Circular Towns' });
  main.replaceChildren(h('h1', { text: 'Documents' }), body,
    h('h2', { text: 'New document' }),
    h('form', { class: 'inline card', onsubmit: async (e) => {
      e.preventDefault();
      try {
        const d = await api('POST', '/docs', { space: space.value, kind: kind.value, title: title.value, officer: officer() });
        location.hash = `#/doc/${d.id}`;
      } catch (err) { toast(err.message); }
    } },
      h('div', { class: 'field' }, h('label', { for: 'nd-space', text: 'Partnership' }), space),
      h('div', { class: 'field' }, h('label', { for: 'nd-kind', text: 'Kind' }), kind),
      h('div', { class: 'field' }, h('label', { for: 'nd-title', text: 'Title' }), title),
      h('button', { type: 'submit', id: 'nd-create', text: 'Create' })));
  view.refresh = refresher(async () => {
    const [docs, spaces] = await Promise.all([api('GET', '/docs'), loadSpaces()]);
    if (S.view !== view) return;
    const keep = space.value;
    space.replaceChildren(...spaces.map((s) => h('option', { value: s.id, text: s.name })));
    if (keep) space.value = keep;
    body.replaceChildren(...S.schema.kinds.map((k) => {
      const mine = docs.filter((d) => d.kind === k.kind).sort((a, b) => String(a.title).localeCompare(String(b.title)));
      return h('section', { 'aria-label': k.label }, h('h2', { text: `${k.label} (${mine.length})` }), docList(mine));
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
    else if (isConflict(v)) left.push('conflict');
    else if (isInvalid(v)) left.push('invalid');
  }
  const base = col.type === 'money' ? fmtCents(sum) : sum.toString();
  const notes = [...new Set(left)].map((k) => ` + ${k}`).join('');
  const exact = col.type === 'money' ? `${sum < 0n ? '-' : ''}${(sum < 0n ? -sum : sum) / 100n}.${String((sum < 0n ? -sum : sum) % 100n).padStart(2, '0')}` : sum.toString();
  return { text: base + notes, exact };
}
const SCALARS = ['str', 'enum', 'date', 'int', 'number', 'money', 'bool', 'country', 'email'];
const HIDDEN = ['kind', 'schema', 'space', 'title', 'id'];

function fmtScalar(f, v) {
  if (v === null || v === undefined) return '';
  if (isInvalid(v)) return v.invalid;
  if (f.type === 'money' && typeof v === 'number') return v.toFixed(2);
  if (f.type === 'bool') return v ? 'true' : 'false';
  return String(v);
}

function fmtDisplay(f, v) {
  if (isConflict(v)) return v.conflict.map((c) => `${fmtDisplay(f, c.value)} (${c.author})`).join(' / ');
  if (v === null || v === undefined) return '';
  if (isInvalid(v)) return `⚠ invalid: ${v.invalid} (${v.reason})`;
  if (f.type === 'money') return `${fmtEur(v)}${v < 0 ? ' (correction)' : ''}`;
  if (f.type === 'bool') return v ? 'yes' : 'no';
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
  };
  S.editor = ed;
  S.view = { name: 'editor' };
  const title = h('h1', { text: 'Document' });
  const meta = h('p', { class: 'sub' });
  const banner = h('div');
  main.replaceChildren(title, meta, docTabs(id, 'edit'), banner, ed.root);

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
    const titleText = doc.content.title || '(untitled)';
    title.textContent = titleText;
    document.title = `${titleText} – Twinmesh`;
    meta.replaceChildren(`${kindLabel(doc.kind)} · `, h('a', { href: `#/space/${doc.space}`, text: spaceName(doc.space) }));
    banner.replaceChildren(doc.conflicts.length === 0 ? '' : h('div', { class: 'banner', role: 'status' },
      h('strong', { text: `${doc.conflicts.length} conflicting value${doc.conflicts.length > 1 ? 's' : ''}. ` }),
      'Partners set different values at the same time. Each is shown below with the town that set it; choose one to resolve.'));
    const structure = JSON.stringify(structureOf(ed.fields, doc.content));
    if (first || structure !== ed.structure) {
      ed.structure = structure;
      render();
    } else {
      for (const [path, w] of ed.widgets) w.set(valueAt(doc.content, path));
    }
    for (const c of ed.computed) c(doc.content);
  };

  ed.refresh = refresher(async () => {
    const doc = await api('GET', `/docs/${id}`);
    if (S.editor !== ed) return;
    update(doc);
  });
  if (S.spaces.length === 0) await loadSpaces();
  await ed.refresh();
}

function docTabs(id, current) {
  const tab = (key, href, text) => h('a', { href, text, 'aria-current': current === key ? 'page' : null });
  return h('nav', { class: 'tabs', 'aria-label': 'Document' },
    tab('edit', `#/doc/${id}`, 'Edit'),
    tab('history', `#/doc/${id}/history`, 'History'),
    tab('print', `#/doc/${id}/print`, 'Print and export'));
}

function fieldId(path) {
  return `f-${path.replace(/[^A-Za-z0-9]/g, '_')}`;
}

function editRecord(ed, fields, value, base) {
  const out = [];
  const join = (name) => (base ? `${base}/${name}` : name);
  if (!base) {
    // The title is prose too: edited as text splices, shown as a single line.
    const tf = fields.find((f) => f.name === 'title');
    if (tf) out.push(h('div', { class: 'fields' }, textWidget(ed, tf, 'title', value.title, true)));
  }
  const scalars = fields.filter((f) => SCALARS.includes(f.type) && !HIDDEN.includes(f.name));
  if (scalars.length) out.push(h('div', { class: 'fields' }, scalars.map((f) => scalarWidget(ed, f, join(f.name), value ? value[f.name] : null, false))));
  for (const f of fields) {
    if (HIDDEN.includes(f.name)) continue;
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
  if (f.type === 'enum' || f.type === 'bool') {
    const opts = f.type === 'bool' ? [['true', 'yes'], ['false', 'no']] : f.options.map((o) => [o, o.replace(/-/g, ' ')]);
    input = h('select', { id }, h('option', { value: '', text: '—' }), opts.map(([v, t]) => h('option', { value: v, text: t })));
  } else {
    const numeric = ['int', 'number', 'money'].includes(f.type);
    input = h('input', {
      id,
      class: f.type === 'money' ? 'money' : (numeric ? 'num' : null),
      inputmode: f.type === 'int' ? 'numeric' : (numeric ? 'decimal' : null),
      placeholder: f.type === 'date' ? 'YYYY-MM-DD' : (f.type === 'money' ? '0.00' : null),
      autocomplete: 'off',
    });
  }
  input.dataset.path = path;
  if (compact) input.setAttribute('aria-label', rowLabel ? `${rowLabel}: ${f.label}` : f.label);
  const conflictBox = h('div', { class: 'conflict', hidden: true });
  const w = { shown: '' };
  w.set = (v) => {
    if (isConflict(v)) {
      input.classList.add('has-conflict');
      input.setAttribute('aria-invalid', 'true');
      conflictBox.hidden = false;
      conflictBox.replaceChildren(h('strong', { text: 'Conflict: ' }), 'set differently by two towns',
        h('ul', {}, v.conflict.map((c) => h('li', {},
          h('span', { class: 'conflict-value', text: `${fmtDisplay(f, c.value)} — ${c.author} ` }),
          h('button', { type: 'button', class: 'small secondary', onclick: () => commit(fmtScalar(f, c.value)), text: 'Keep this' })))));
      if (document.activeElement !== input) { input.value = ''; w.shown = ''; }
      input.placeholder = 'conflict';
      return;
    }
    input.classList.remove('has-conflict');
    input.removeAttribute('aria-invalid');
    conflictBox.hidden = true;
    conflictBox.replaceChildren();
    const next = fmtScalar(f, v);
    // Leave a field the officer is changing alone; the next update brings it in.
    if (document.activeElement === input && input.value !== w.shown) return;
    if (input.value !== next) {
      input.value = next;
      if (w.shown !== '' || next !== '') { input.classList.add('flash'); setTimeout(() => input.classList.remove('flash'), 900); }
    }
    w.shown = next;
  };
  const commit = async (raw) => {
    const text = raw.trim();
    try {
      await ed.send([{ op: 'set', path, value: text === '' ? null : text }]);
      w.shown = text;
    } catch (e) {
      toast(e.message);
      input.value = w.shown;
    }
  };
  input.addEventListener('change', () => commit(input.value));
  input.addEventListener('keydown', (e) => { if (e.key === 'Escape') { input.value = w.shown; } });
  w.set(value);
  ed.widgets.set(path, w);
  if (compact) return h('div', {}, input, conflictBox);
  return h('div', { class: 'field' }, h('label', { for: id, text: f.label }), input, conflictBox);
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
  return `${f.label} ${i + 1}`;
}

function singular(label) {
  const l = label.replace(/\s*\(.*\)$/, '');
  if (l.endsWith('ies')) return `${l.slice(0, -3)}y`;
  if (l.endsWith('s')) return l.slice(0, -1);
  return l;
}

// Columns summed under a table: money, and counts of people.
const summed = (list, col) => col.type === 'money' || (list.name === 'participants' && col.type === 'int');

function listWidget(ed, f, path, items, top) {
  const tableOnly = f.fields.every((c) => SCALARS.includes(c.type));
  const head = h(top ? 'h2' : 'h3', { text: f.label });
  const add = h('button', { type: 'button', class: 'secondary', dataset: { add: path }, onclick: async () => {
    try { await ed.send([{ op: 'add', list: path, fields: [] }]); } catch (e) { toast(e.message); }
  }, text: `Add ${singular(f.label).toLowerCase()}` });
  const remove = (itemPath, name) => h('button', { type: 'button', class: 'small danger', 'aria-label': `Remove ${name}`, onclick: async () => {
    if (!window.confirm(`Remove ${name}?`)) return;
    try { await ed.send([{ op: 'remove', item: itemPath }]); } catch (e) { toast(e.message); }
  }, text: 'Remove' });
  const totals = f.fields.filter((c) => summed(f, c));
  if (tableOnly) {
    const cols = f.fields;
    const totalCells = new Map();
    const rows = items.map((it, i) => {
      const ip = `${path}/@${it.id}`;
      const name = `${singular(f.label)} ${i + 1}`;
      return h('tr', { dataset: { item: it.id } }, h('td', { class: 'num small muted', text: String(i + 1) }),
        cols.map((c) => h('td', { class: ['money', 'int', 'number'].includes(c.type) ? 'num' : null }, scalarWidget(ed, c, `${ip}/${c.name}`, it[c.name], true, name))),
        h('td', {}, remove(ip, name)));
    });
    const foot = totals.length && items.length ? h('tfoot', {}, h('tr', {}, h('td', { text: '' }), cols.map((c) => {
      const td = h('td', { class: 'num' });
      if (summed(f, c)) totalCells.set(c.name, td);
      if (c === cols[0] && !summed(f, c)) td.textContent = 'Total';
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
      items.length === 0 ? h('p', { class: 'empty', text: 'None yet.' }) : h('div', { class: 'table-wrap' }, h('table', {},
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
        return h('span', {}, h('strong', { text: `Total ${c.label.toLowerCase()}: ` }), columnTotal(c, list).text, ' ');
      }));
    });
  }
  return h('section', { class: 'list', dataset: { list: path } }, head,
    items.length === 0 ? h('p', { class: 'empty', text: 'None yet.' }) : cards, sumLine,
    h('div', { class: 'actions' }, add));
}

// ---------- read-only rendering: history points and the print page ----------

function viewRecord(fields, value, level) {
  const out = [];
  const scalars = fields.filter((f) => SCALARS.includes(f.type) && !HIDDEN.includes(f.name));
  const filled = scalars.filter((f) => value && value[f.name] !== null && value[f.name] !== undefined);
  if (filled.length) {
    out.push(h('table', { class: 'kv' }, h('tbody', {}, filled.map((f) => h('tr', {}, h('th', { scope: 'row', text: f.label }),
      h('td', { class: isConflict(value[f.name]) ? 'conflict' : null, text: (isConflict(value[f.name]) ? '⚠ conflict: ' : '') + fmtDisplay(f, value[f.name]) }))))));
  }
  for (const f of fields) {
    if (HIDDEN.includes(f.name)) continue;
    const v = value ? value[f.name] : null;
    const hx = `h${Math.min(level, 6)}`;
    if (f.type === 'text' && typeof v === 'string' && v.trim()) out.push(h(hx, { text: f.label }), ...v.split(/\n{2,}/).map((p) => h('p', { text: p })));
    else if (f.type === 'record') out.push(h(hx, { text: f.label }), ...viewRecord(f.fields, v || {}, level + 1));
    else if (f.type === 'list') {
      out.push(h(hx, { text: f.label }));
      const items = Array.isArray(v) ? v : [];
      if (items.length === 0) { out.push(h('p', { class: 'empty', text: 'None.' })); continue; }
      const cols = f.fields.filter((c) => SCALARS.includes(c.type));
      const sums = cols.map((c) => (summed(f, c) ? columnTotal(c, items).text : null));
      out.push(h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, h('th', { text: '#' }), cols.map((c) => h('th', { text: c.label })))),
        h('tbody', {}, items.map((it, i) => h('tr', {}, h('td', { text: String(i + 1) }), cols.map((c) => h('td', { class: isConflict(it[c.name]) ? 'conflict' : (['money', 'int', 'number'].includes(c.type) ? 'num' : null), text: fmtDisplay(c, it[c.name]) }))))),
        sums.some((s) => s !== null) ? h('tfoot', {}, h('tr', {}, h('td', { text: 'Total' }), cols.map((c, i) => h('td', { class: 'num', text: sums[i] === null ? '' : sums[i] })))) : null)));
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
      h('td', { text: e.author || (e.author_id ? `${e.author_id.slice(0, 12)}…` : 'unknown') }),
      h('td', { text: e.officer || '' }),
      h('td', {}, e.message, e.accepted ? '' : h('div', { class: 'badge bad', text: `refused: ${e.refused_because}` })),
      h('td', {}, h('span', { class: `badge ${e.signature === 'verified' ? 'ok' : 'bad'}`, text: e.signature })),
      h('td', {}, e.accepted ? h('a', { href: `#/doc/${id}/at/${e.hash}`, text: 'View document at this point' }) : ''));
  };
  const body = h('tbody', {}, first.entries.slice().reverse().map(row));
  const more = h('div', { class: 'actions' });
  const offer = (older) => {
    more.replaceChildren(older ? h('button', { type: 'button', class: 'secondary', text: 'Load older changes', onclick: async (ev) => {
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
  main.replaceChildren(h('h1', { text: doc.content.title || '(untitled)' }), h('p', { class: 'sub', text: `${kindLabel(doc.kind)} · history of ${first.total} changes, newest first` }), docTabs(id, 'history'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'history' },
      h('thead', {}, h('tr', {}, h('th', { text: 'When' }), h('th', { text: 'Town' }), h('th', { text: 'Officer' }), h('th', { text: 'Change' }), h('th', { text: 'Signature' }), h('th', { text: '' }))),
      body)), more);
}

async function viewAt(main, id, hash) {
  const doc = await api('GET', `/docs/${id}?at=${encodeURIComponent(hash)}`);
  const e = seenChanges.get(hash) || {};
  const fields = kindInfo(doc.kind).fields;
  main.replaceChildren(h('h1', { text: doc.content.title || '(untitled)' }), docTabs(id, 'history'),
    h('div', { class: 'banner', role: 'note' }, h('strong', { text: 'As it was after this change: ' }),
      `${e.message || hash} — ${e.author || 'unknown town'}${e.officer ? ` (${e.officer})` : ''}${e.time_utc ? `, ${fmtTime(e.time_utc)}` : ''}. `,
      h('a', { href: `#/doc/${id}`, text: 'Back to the current version' })),
    h('article', { class: 'print-doc' }, ...viewRecord(fields, doc.content, 2)));
}

async function viewPrint(main, id) {
  const doc = await api('GET', `/docs/${id}`);
  if (S.spaces.length === 0) await loadSpaces();
  const fields = kindInfo(doc.kind).fields;
  const title = doc.content.title || '(untitled)';
  const article = h('article', { class: 'print-doc' }, h('h1', { text: title }),
    h('p', { class: 'muted', text: `${kindLabel(doc.kind)} · ${spaceName(doc.space)} · printed ${fmtTime(Date.now())}` }),
    ...viewRecord(fields, doc.content, 2));
  const download = (name, type, text) => {
    const a = h('a', { href: URL.createObjectURL(new Blob([text], { type })), download: name });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  };
  const safe = title.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'document';
  main.replaceChildren(docTabs(id, 'print'),
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => window.print(), text: 'Print' }),
      h('button', { type: 'button', class: 'secondary', onclick: async () => {
        try { download(`${safe}.md`, 'text/markdown', await api('GET', `/docs/${id}/markdown`)); } catch (e) { toast(e.message); }
      }, text: 'Download Markdown' }),
      h('button', { type: 'button', class: 'secondary', onclick: () => {
        const css = 'body{font-family:sans-serif;max-width:60rem;margin:2rem auto;line-height:1.45}table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left}td.num{text-align:right}.conflict{background:#fff4d6}';
        download(`${safe}.html`, 'text/html', `<!doctype html><html lang="en"><meta charset="utf-8"><title>${title.replace(/[<&]/g, '')}</title><style>${css}</style><body>${article.outerHTML}</body></html>`);
      }, text: 'Download HTML' })),
    article);
}

// ---------- start ----------

async function start() {
  if (!S.token) { renderSignIn(); return; }
  try {
    const [schema, status] = await Promise.all([api('GET', '/schema'), api('GET', '/status')]);
    S.schema = schema;
    S.me = status.node;
    document.getElementById('town').textContent = `· ${S.me.name}`;
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) {
      document.getElementById('main').replaceChildren(h('h1', { text: 'Cannot reach your node' }), h('p', { class: 'banner', text: e.message }));
    }
    return;
  }
  if (!S.loopStarted) { S.loopStarted = true; eventLoop(); }
  route();
}

window.addEventListener('hashchange', () => {
  if (location.hash.startsWith('#token=')) { takeTokenFromUrl(); start(); return; }
  if (S.token && S.schema) route();
});

document.addEventListener('DOMContentLoaded', () => {
  const o = document.getElementById('officer');
  o.value = localStorage.getItem(OFFICER_KEY) || '';
  o.addEventListener('change', () => localStorage.setItem(OFFICER_KEY, o.value.trim()));
  document.getElementById('signout').addEventListener('click', signOut);
  takeTokenFromUrl();
  start();
});
