// One Tab stop: the focused element as focus.js describes it, plus whether it
// links into <main> (the skip link; keyboard.py).
() => {
  const e = deepActive();
  if (!e || e === document.body || e === document.documentElement) return null;
  const key = window.__legibleKeys || (window.__legibleKeys = new Map());
  if (!key.has(e)) key.set(e, key.size);
  const before = (window.__legibleBefore && window.__legibleBefore.get(e)) || null;
  const item = focusItem(e, before);
  item.key = key.get(e);
  item.href = e.getAttribute('href');
  const id = (item.href || '').startsWith('#') ? decodeURIComponent(item.href.slice(1)) : null;
  const dest = id ? document.getElementById(id) : null;
  const main = document.querySelector('main');
  item.skipsToMain = !!(dest && main && (dest === main || main.contains(dest)));
  return item;
}
