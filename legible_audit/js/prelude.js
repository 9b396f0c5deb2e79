// Helpers every check script shares (legible_audit/scripts.py puts them in
// scope). Every helper walks into open shadow roots, so a widget's panel is
// checked like the page around it; a selector inside a shadow tree is written
// `host >>> inner`.
const parentDeep = (e) => e.parentElement || (e.parentNode && e.parentNode.host) || null;
const cssPath = (e) => {
  const root = e.getRootNode();
  const prefix = root instanceof ShadowRoot ? cssPath(root.host) + ' >>> ' : '';
  const parts = [];
  for (; e && e.nodeType === 1 && e !== document.documentElement; e = e.parentElement) {
    if (e.id) { parts.unshift('#' + CSS.escape(e.id)); break; }
    let part = e.localName;
    const cls = [...e.classList].slice(0, 2).map(c => '.' + CSS.escape(c)).join('');
    const same = e.parentElement
      ? [...e.parentElement.children].filter(c => c.localName === e.localName) : [];
    part += cls;
    if (same.length > 1) part += `:nth-of-type(${same.indexOf(e) + 1})`;
    parts.unshift(part);
  }
  return prefix + (parts.join(' > ') || 'html');
};
const bgChain = (e) => {
  const out = [];
  for (; e && e.nodeType === 1; e = parentDeep(e)) {
    const s = getComputedStyle(e);
    out.push({color: s.backgroundColor, image: s.backgroundImage});
  }
  return out;
};
// What a check walks: the body of an HTML page, or the root element of an SVG or XML
// document (which has no body).
const pageRoot = () => document.body || document.documentElement;
const deepAll = (root = document) => {
  const out = [];
  const walk = (r) => {
    for (const e of r.querySelectorAll('*')) { out.push(e); if (e.shadowRoot) walk(e.shadowRoot); }
  };
  walk(root);
  return out;
};
const deepActive = () => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a;
};
const deepHit = (x, y) => {
  let e = document.elementFromPoint(x, y);
  while (e && e.shadowRoot) {
    const inner = e.shadowRoot.elementFromPoint(x, y);
    if (!inner || inner === e) break;
    e = inner;
  }
  return e;
};
const within = (node, ancestor) => {
  for (let n = node; n; n = parentDeep(n)) if (n === ancestor) return true;
  return false;
};
// checkVisibility: false inside a closed <details> too (laid out, never painted).
const shown = (e) => e.getClientRects().length > 0
  && getComputedStyle(e).visibility === 'visible'
  && (!e.checkVisibility || e.checkVisibility());
const NATIVE = 'a[href], area[href], button, input:not([type=hidden]), select, textarea, '
  + 'summary, iframe, [contenteditable=""], [contenteditable="true"], [role=button], '
  + '[role=link], [role=radio], [role=checkbox], [role=switch], [role=tab], [role=menuitem], '
  + '[role=option]';
// Everything a reader can click or focus: native controls, ARIA widgets, tabindex >= 0.
const interactive = () => deepAll().filter(
  e => (e.matches(NATIVE) || (e.hasAttribute('tabindex') && e.tabIndex >= 0))
    && !e.disabled && !e.closest('[inert]') && shown(e));
const focusSnap = (e, pseudo = null) => {
  const s = getComputedStyle(e, pseudo);
  const sides = ['Top', 'Right', 'Bottom', 'Left'];
  return {outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth,
          outlineColor: s.outlineColor, outlineOffset: s.outlineOffset, boxShadow: s.boxShadow,
          border: sides.map(k => s[`border${k}Color`] + ' ' + s[`border${k}Width`]).join(' / '),
          borderWidths: sides.map(k => s[`border${k}Style`] === 'none' ? '0px'
            : s[`border${k}Width`]),
          borderColor: s.borderTopColor,
          background: s.backgroundColor, decoration: s.textDecorationLine};
};
// Where a focus indicator may be drawn besides the element itself: its ::before and
// ::after, its ancestors up to three levels (not body), and the elements beside it
// and beside them (ACT oj04fd counts any pixel that changes).
const nearby = (e) => {
  const out = [[e, '::before'], [e, '::after']];
  let a = e;
  for (let i = 0; i < 3 && a; i++) {
    for (const s of [a.previousElementSibling, a.nextElementSibling]) if (s) out.push([s, null]);
    a = parentDeep(a);
    if (!a || a === document.body || a === document.documentElement) break;
    out.push([a, null]);
  }
  return out;
};
const lookSnap = (n, pseudo) => {
  const s = getComputedStyle(n, pseudo);
  return {...focusSnap(n, pseudo), color: s.color, display: s.display,
          visibility: s.visibility, opacity: s.opacity, transform: s.transform,
          content: s.content, width: s.width, height: s.height};
};
const nearSnaps = (e) => nearby(e).map(([n, pseudo]) => ({n, pseudo, snap: lookSnap(n, pseudo)}));
// The nearby boxes whose look changed since `before` (nearSnaps of the unfocused page).
const nearChanges = (before) => (before || []).flatMap(({n, pseudo, snap}) => {
  const now = lookSnap(n, pseudo);
  if (JSON.stringify(now) === JSON.stringify(snap)) return [];
  return [{target: cssPath(n) + (pseudo || ''), before: snap, after: now}];
});
// What a focused element looks like, where it is, and what is on top of it.
const focusItem = (e, before, nearBefore = null) => {
  const r = e.getBoundingClientRect();
  // Test the centre of each box the element draws (a link that wraps draws one per
  // line, and the centre of their union may be in neither); covered only if every
  // box that is in the viewport has something else on top at its centre.
  let coveredBy = 'not in the viewport';
  for (const f of e.getClientRects()) {
    const x0 = Math.max(f.left, 0), x1 = Math.min(f.right, innerWidth);
    const y0 = Math.max(f.top, 0), y1 = Math.min(f.bottom, innerHeight);
    if (x1 - x0 < 1 || y1 - y0 < 1) continue;
    const hit = deepHit((x0 + x1) / 2, (y0 + y1) / 2);
    if (hit && within(hit, e)) { coveredBy = null; break; }
    if (coveredBy === 'not in the viewport') {
      coveredBy = hit ? cssPath(hit) : 'nothing at its centre';
    }
  }
  return {
    target: cssPath(e), tag: e.localName, focused: deepActive() === e,
    focusVisible: e.matches(':focus-visible'), before, after: focusSnap(e),
    box: {left: r.left + scrollX, top: r.top + scrollY, right: r.right + scrollX,
          bottom: r.bottom + scrollY, width: r.width, height: r.height},
    coveredBy, around: bgChain(parentDeep(e)), near: nearChanges(nearBefore),
  };
};
// A same-page link's target (by id, then by name as fragment navigation does).
const skipTarget = (a) => {
  const href = a.getAttribute('href') || '';
  if (!href.startsWith('#') || href.length < 2) return null;
  let id = href.slice(1);
  try { id = decodeURIComponent(id); } catch (x) { /* keep it as written */ }
  return document.getElementById(id) || document.getElementsByName(id)[0] || null;
};
// A same-page link (href="#x"): its target, whether the target comes after the link,
// and whether it is the main content (true, false, or null on a page without <main>):
// <main> itself, inside it, around it, or just before it with no stop in between.
const skipInfo = (a) => {
  if (!a.matches('a[href^="#"]') || a.getAttribute('href').length < 2) return null;
  const dest = skipTarget(a);
  const main = document.querySelector('main, [role=main]');
  const info = {href: a.getAttribute('href'), found: !!dest, after: false, toMain: null,
                dest: dest ? cssPath(dest) : null};
  if (!dest) return info;
  info.after = dest !== a
    && !!(a.compareDocumentPosition(dest) & Node.DOCUMENT_POSITION_FOLLOWING);
  if (main) {
    const before = !!(dest.compareDocumentPosition(main) & Node.DOCUMENT_POSITION_FOLLOWING);
    const between = before && interactive().some((e) => e.tabIndex >= 0
      && (dest.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING)
      && (e.compareDocumentPosition(main) & Node.DOCUMENT_POSITION_FOLLOWING));
    info.toMain = within(dest, main) || dest.contains(main) || (before && !between);
  }
  return info;
};
