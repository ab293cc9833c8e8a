// Twinmesh web UI: the sync panel, the sync markers in document lists, and presence in the
// editor (issue 13 item 4). Loaded after app.js, whose helpers (h, t, api, toast, ago,
// fmtTime, officer, S) it uses; app.js calls syncPanel, syncMarkers, presenceBar and
// presenceEvent.
'use strict';

// How often an open editor tells its node it still has the document open (the node forgets
// a tab after 30 s without this).
const PRESENCE_BEAT_MS = 10000;
// This tab's id, so two tabs of one officer count apart.
const PRESENCE_TAB = (() => {
  const k = 'twinmesh.tab';
  let id = sessionStorage.getItem(k);
  if (!id) {
    const a = new Uint8Array(12);
    crypto.getRandomValues(a);
    id = Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
    sessionStorage.setItem(k, id);
  }
  return id;
})();

// "Sync now": for every partner (reconnecting the offline ones), or for one document.
function syncNowButton(doc) {
  const b = h('button', { type: 'button', class: doc ? 'small secondary' : 'small', id: doc ? 'sync-doc-now' : 'sync-now', text: t(doc ? 'sync-doc-now' : 'sync-now'), title: t('sync-now-title') });
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      const r = await api('POST', '/sync', doc ? { doc } : {});
      // No partner connected yet: the offline ones are being dialled and sync as they connect.
      toast(r.peers ? t('sync-started', { n: r.peers, received: r.changes_received || 0 }) : t('sync-reaching'), true);
      if (S.view && S.view.refresh) S.view.refresh();
    } catch (e) {
      toast(e.message);
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

function waitingCell(p) {
  if (p.waiting === null || p.waiting === undefined) {
    return h('td', { class: 'num waiting', dataset: { waiting: 'unknown' }, title: t('sync-unknown-title') }, t('sync-unknown'));
  }
  return h('td', { class: 'num waiting', dataset: { waiting: String(p.waiting) } }, h('div', {},
    String(p.waiting),
    p.never_synced > 0 ? h('div', { class: 'muted small', text: t('sync-never-synced', { n: p.never_synced }) }) : ''));
}

// One row per partner town: online or offline since when, last synced, waiting, received. A
// cell's content is one element: on a phone, a cell is a grid of its label and that element.
function syncPanel(status) {
  const partners = status.partners || [];
  const rows = partners.map((p) => h('tr', { dataset: { partner: p.id } },
    h('td', {}, h('span', {}, h('strong', { text: p.town || t('peer-unknown') }), p.country ? ` (${p.country})` : '')),
    h('td', { class: 'state' }, h('div', {},
      h('span', { class: p.online ? 'badge ok' : 'badge', text: t(p.online ? 'peer-online' : 'peer-offline') }),
      p.since ? h('div', { class: 'muted small', text: t('sync-since', { when: fmtTime(p.since) }) }) : '')),
    h('td', { class: 'last-synced', text: p.last_synced ? ago(p.last_synced) : t('time-never'), title: p.last_synced ? fmtTime(p.last_synced) : null }),
    waitingCell(p),
    h('td', { class: 'num received', title: t('sync-received-total', { n: p.received_total || 0 }), text: String(p.received || 0) })));
  return h('section', { id: 'sync-panel', 'aria-labelledby': 'sync-h' },
    h('div', { class: 'section-head' }, h('h2', { id: 'sync-h', text: t('dash-partners-sync') }), syncNowButton(null)),
    partners.length === 0
      ? h('p', { class: 'empty', text: t('dash-no-partner') })
      : h('div', { class: 'table-wrap' }, h('table', { class: 'sync' },
        h('thead', {}, h('tr', {},
          h('th', { text: t('col-partner') }), h('th', { text: t('sync-col-state') }), h('th', { text: t('sync-col-last') }),
          h('th', { class: 'num', text: t('sync-col-waiting') }), h('th', { class: 'num', text: t('sync-col-received') }))),
        h('tbody', {}, rows))),
    carryHint(partners));
}

// A partner town offline with changes waiting for it: the file to carry (bundle.js) is on the
// partnership's page.
function carryHint(partners) {
  const stuck = partners.some((p) => !p.online && p.waiting !== 0);
  if (!stuck) return '';
  const spaces = S.spaces || [];
  const href = spaces.length === 1 ? `#/space/${spaces[0].id}` : '#/spaces';
  return h('p', { class: 'small sync-carry', id: 'sync-carry' }, t('sync-carry-hint'), ' ',
    h('a', { href, text: t('sync-carry-link') }));
}

const townList = (list) => list.map((p) => p.town || t('peer-unknown')).join(', ');

// The markers of one document in a list (in one element, see syncPanel): not yet at an online
// partner, conflicts, open now at, or up to date.
function syncMarkers(status, doc) {
  const list = markerList(status, doc);
  return list.length === 0 ? [] : [h('div', {}, list)];
}

function markerList(status, doc) {
  const d = status && (status.docs || []).find((x) => x.doc === doc);
  if (!d) return [];
  const out = [];
  if (d.not_yet_at.length > 0) out.push(h('span', { class: 'badge warn not-yet', text: t('sync-not-yet-at', { towns: townList(d.not_yet_at) }) }));
  if (d.conflicts > 0) out.push(h('span', { class: 'badge warn conflicts', text: t('sync-conflicts', { n: d.conflicts }) }));
  if (d.present.length > 0) out.push(h('span', { class: 'badge ok present', text: t('sync-open-at', { towns: townList(d.present) }) }));
  if (out.length === 0 && d.partners.length > 0 && d.partners.every((p) => p.waiting === 0)) {
    out.push(h('span', { class: 'badge ok in-sync', text: t('sync-up-to-date') }));
  }
  return out;
}

// ---------- presence in the editor ----------

let presenceNow = null; // { doc, ed, bar, timer }

function renderPresence(p, present) {
  const list = (present || []).map((x) => `${x.town || t('peer-unknown')} (${x.officers.join(', ')})`);
  p.bar.hidden = list.length === 0;
  p.bar.textContent = list.length === 0 ? '' : t('presence-open-at', { towns: list.join(', ') });
}

function presenceSend(doc, open, keepalive) {
  const name = officer();
  if (!name) return Promise.resolve(null);
  const body = JSON.stringify({ tab: PRESENCE_TAB, officer: name, open });
  return fetch(`/api/v1/docs/${doc}/presence`, {
    method: 'POST', keepalive: !!keepalive, body,
    headers: { Authorization: `Bearer ${S.token}`, 'Content-Type': 'application/json', 'Accept-Language': L.code },
  }).then((r) => (r.ok ? r.json() : null)).catch(() => null);
}

async function presenceBeat(p) {
  if (presenceNow !== p) return;
  if (S.editor !== p.ed) { presenceLeave(); return; }
  const r = await presenceSend(p.doc, true, false);
  if (r && presenceNow === p) renderPresence(p, r.present);
}

// The editor of `doc` opened: tell the node now and every PRESENCE_BEAT_MS, and show which
// partner towns have it open. Returns the element that shows them, with "Sync now".
function presenceBar(doc, ed) {
  if (presenceNow && presenceNow.ed !== ed) presenceLeave();
  const bar = h('p', { id: 'presence', class: 'presence', role: 'status', 'aria-live': 'polite', hidden: true });
  const p = { doc, ed, bar, timer: null };
  presenceNow = p;
  p.timer = setInterval(() => presenceBeat(p), PRESENCE_BEAT_MS);
  presenceBeat(p);
  // Entering the officer's name later starts the presence at once.
  document.getElementById('officer').addEventListener('change', () => presenceBeat(p), { once: true });
  return h('div', { class: 'presence-row' }, bar, syncNowButton(doc));
}

// The editor closed (another page, another document, the tab closing): tell the node now.
function presenceLeave() {
  const p = presenceNow;
  if (!p) return;
  presenceNow = null;
  clearInterval(p.timer);
  presenceSend(p.doc, false, true);
}

// A `presence` event: partner towns opened or closed a document.
async function presenceEvent(ev) {
  const p = presenceNow;
  if (!p || ev.doc !== p.doc) return;
  try {
    const r = await api('GET', `/docs/${p.doc}/presence`);
    if (presenceNow === p) renderPresence(p, r.present);
  } catch (e) {
    // The next heartbeat shows it.
  }
}

window.addEventListener('hashchange', () => { if (presenceNow && S.editor !== presenceNow.ed) presenceLeave(); });
window.addEventListener('pagehide', () => presenceLeave());
