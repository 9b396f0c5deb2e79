// One Tab stop, read once the page's own focus handlers have run (a trap often moves
// focus back from a blur handler's timer): the focused element as focus.js describes
// it, plus where it links if it is a same-page link (a skip link; keyboard.py).
// Null when focus is on the document: it left the page, for the browser's UI.
async (settleMs) => {
  await new Promise((done) => setTimeout(done, settleMs));
  const e = deepActive();
  if (!e || e === document.body || e === document.documentElement) return null;
  const keys = window.__legibleKeys || (window.__legibleKeys = new Map());
  if (!keys.has(e)) keys.set(e, keys.size);
  const before = (window.__legibleBefore && window.__legibleBefore.get(e)) || null;
  const near = (window.__legibleNear && window.__legibleNear.get(e)) || null;
  const item = focusItem(e, before, near);
  item.key = keys.get(e);
  item.skip = skipInfo(e);
  item.activates = e.matches('a[href], button, summary, [role=button], [role=link]');
  return item;
}
