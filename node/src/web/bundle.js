// Twinmesh web UI: files carried between towns when the network is down ("bundles"), on a
// partnership's page: "Save a file for a partner" downloads what the partner lacks (or
// everything), "Open a file from a partner" uploads one and says what it brought. Loaded after
// app.js, whose helpers (h, t, api, toast, download, S, L, ApiError) it uses; app.js calls
// bundleCard and hands it `progress` events.
'use strict';

// A bar with a line of words above it: hidden until work starts.
function progressLine(id) {
  const label = h('span', { class: 'small' });
  const bar = h('progress', { id, max: 100, value: 0 });
  const box = h('div', { class: 'progress-line', hidden: true, role: 'status', 'aria-live': 'polite' }, label, bar);
  return {
    box,
    show(key, pct) {
      box.hidden = false;
      const p = Math.max(0, Math.min(100, Math.floor(pct)));
      bar.value = p;
      label.textContent = t(key, { pct: p });
    },
    hide() { box.hidden = true; bar.value = 0; },
  };
}

// The percentage of a progress event.
const eventPct = (ev) => (ev.total > 0 ? (ev.done * 100) / ev.total : 100);

// What an import refused, in plain words for the officer (the node's own message otherwise).
function bundleError(status, data) {
  const code = data && data.code;
  const detail = (data && data.error) || t('error-request-failed', { status });
  if (code === 'not-a-bundle' || code === 'not-an-export' || code === 'export-plain-automerge') return t('bundle-error-not-a-bundle');
  if (code === 'export-version-unsupported') return t('bundle-error-version');
  if (code === 'export-corrupt' || code === 'export-too-large' || status === 413) return t('bundle-error-damaged');
  if (code && code.startsWith('change-')) return t('bundle-error-verification', { detail });
  if (code === 'not-allowed') return t('bundle-error-not-member', { detail });
  if (code === 'attachment-corrupt') return t('bundle-error-attachment');
  return t('bundle-error-failed', { detail });
}

// The card on a partnership's page (`space`: its id), or on the list of partnerships (`space`
// null: a town opens there a file of a partnership it has not received yet; only "Open").
// Returns { el, members(list), onProgress(ev) }.
function bundleCard(space) {
  const partner = h('select', { id: 'bundle-partner' });
  const saveBtn = h('button', { type: 'submit', id: 'bundle-save', text: t('bundle-save') });
  const saveProgress = progressLine('bundle-save-progress');
  const saveResult = h('div', { id: 'bundle-save-result', role: 'status' });
  const fileInput = h('input', { id: 'bundle-file', type: 'file', accept: '.twinbundle,application/octet-stream' });
  const openBtn = h('button', { type: 'submit', id: 'bundle-open', text: t('bundle-open') });
  const openProgress = progressLine('bundle-open-progress');
  const openResult = h('div', { id: 'bundle-open-result', role: 'status' });
  let saving = false;
  let checking = false;

  const save = async (ev) => {
    ev.preventDefault();
    if (saving) return;
    saving = true;
    saveBtn.disabled = true;
    saveResult.replaceChildren();
    saveProgress.show('bundle-preparing', 0);
    try {
      const q = partner.value ? `?for=${encodeURIComponent(partner.value)}` : '';
      const r = await fetch(`/api/v1/spaces/${space}/bundle${q}`, { headers: { Authorization: `Bearer ${S.token}`, 'Accept-Language': L.code } });
      if (!r.ok) {
        let data = {};
        try { data = await r.json(); } catch (e) { /* not JSON */ }
        throw new ApiError(r.status, data.error || t('error-request-failed', { status: r.status }), data.code);
      }
      const blob = await r.blob();
      const name = r.headers.get('x-twinmesh-file-name') || 'partner.twinbundle';
      download(name, 'application/octet-stream', blob);
      const n = (k) => r.headers.get(`x-twinmesh-${k}`) || '0';
      const partial = r.headers.get('x-twinmesh-incremental') === 'true';
      saveResult.replaceChildren(h('p', { class: 'banner info', dataset: { file: name } },
        h('strong', { text: t('bundle-saved', { name }) }), ' ',
        t('bundle-saved-counts', { documents: n('documents'), changes: n('changes'), attachments: n('attachments') }), ' ',
        t(partial ? 'bundle-saved-incremental' : 'bundle-saved-whole'), ' ', t('bundle-saved-next')));
    } catch (e) {
      saveResult.replaceChildren(h('p', { class: 'banner error', role: 'alert', text: e.message }));
    } finally {
      saving = false;
      saveBtn.disabled = false;
      saveProgress.hide();
    }
  };

  const open = (ev) => {
    ev.preventDefault();
    const file = fileInput.files && fileInput.files[0];
    if (!file) { openResult.replaceChildren(h('p', { class: 'banner error', role: 'alert', text: t('bundle-choose-file') })); return; }
    openBtn.disabled = true;
    openResult.replaceChildren();
    const x = new XMLHttpRequest();
    x.open('POST', '/api/v1/bundles');
    x.setRequestHeader('Authorization', `Bearer ${S.token}`);
    x.setRequestHeader('Accept-Language', L.code);
    x.setRequestHeader('Content-Type', 'application/octet-stream');
    openProgress.show('bundle-sending', 0);
    x.upload.onprogress = (e) => { if (e.lengthComputable && !checking) openProgress.show('bundle-sending', (e.loaded * 100) / e.total); };
    // Sent: the node checks and applies it, and says how far it is with `progress` events.
    x.upload.onload = () => { checking = true; openProgress.show('bundle-checking', 0); };
    const done = () => { checking = false; openBtn.disabled = false; openProgress.hide(); };
    x.onload = () => {
      done();
      let data = {};
      try { data = JSON.parse(x.responseText); } catch (e) { /* not JSON */ }
      if (x.status === 401) { signOut('signin-refused'); return; }
      if (x.status < 200 || x.status >= 300) {
        openResult.replaceChildren(h('p', { class: 'banner error', role: 'alert', id: 'bundle-open-error', text: bundleError(x.status, data) }));
        return;
      }
      fileInput.value = '';
      const lines = [
        t('bundle-result-documents', { n: data.documents || 0, new: data.new_documents || 0 }),
        t('bundle-result-changes', { n: data.changes_added || 0, total: data.changes_in_bundle || 0 }),
      ];
      if (data.changes_waiting) lines.push(t('bundle-result-waiting', { n: data.changes_waiting }));
      if (data.attachments) lines.push(t('bundle-result-attachments', { n: data.attachments }));
      const nothing = !data.changes_added && !data.changes_waiting && !data.attachments;
      openResult.replaceChildren(h('div', { class: 'banner info', id: 'bundle-open-report' },
        h('strong', { text: t(nothing ? 'bundle-nothing-new' : 'bundle-opened') }),
        h('ul', {}, lines.map((l) => h('li', { text: l }))),
        data.space && data.space !== space ? h('a', { href: `#/space/${data.space}`, id: 'bundle-open-space', text: t('bundle-open-space') }) : null));
      if (S.view && S.view.refresh) S.view.refresh();
    };
    x.onerror = () => { done(); openResult.replaceChildren(h('p', { class: 'banner error', role: 'alert', text: t('error-request-failed', { status: 0 }) })); };
    x.send(file);
  };

  const el = h('section', { class: 'card bundles', id: 'bundles', 'aria-labelledby': 'bundles-title' },
    h('h2', { id: 'bundles-title', text: t('bundle-title') }),
    h('p', { class: 'sub', text: t(space ? 'bundle-sub' : 'bundle-sub-open') }),
    h('div', { class: 'grid' },
      space ? h('form', { onsubmit: save },
        h('h3', { text: t('bundle-save-title') }),
        h('div', { class: 'field' }, h('label', { for: 'bundle-partner', text: t('bundle-partner') }), partner),
        saveBtn, saveProgress.box, saveResult) : null,
      h('form', { onsubmit: open },
        h('h3', { text: t('bundle-open-title') }),
        h('div', { class: 'field' }, h('label', { for: 'bundle-file', text: t('bundle-file') }), fileInput),
        openBtn, openProgress.box, openResult)));

  return {
    el,
    // The partner towns to choose from: the space's other active members (kept as chosen).
    members(list) {
      const chosen = partner.value;
      partner.replaceChildren(h('option', { value: '', text: t('bundle-partner-any') }),
        ...list.filter((m) => m.active && m.id !== S.me.id).map((m) => h('option', { value: m.id, text: m.name || m.id })));
      partner.value = [...partner.options].some((o) => o.value === chosen) ? chosen : '';
    },
    onProgress(ev) {
      if (ev.work === 'bundle_export' && saving && ev.space === space) saveProgress.show('bundle-preparing', eventPct(ev));
      if (ev.work === 'bundle_import' && checking) openProgress.show('bundle-checking', eventPct(ev));
    },
  };
}
