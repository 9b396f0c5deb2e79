// Every element under the root with text of its own: colour, opacity, font size
// and the background layers behind it (text.py).
(rootSelector) => {
  const root = document.querySelector(rootSelector);
  if (!root) return [];
  const out = [];
  for (const e of [root, ...root.querySelectorAll('*')]) {
    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const s = getComputedStyle(e);
    const r = e.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1 || s.visibility !== 'visible') continue;  // .vh, hidden
    let opacity = 1;
    for (let a = e; a && a.nodeType === 1; a = a.parentElement) {
      opacity *= parseFloat(getComputedStyle(a).opacity);
    }
    out.push({
      target: cssPath(e), tag: e.localName, link: !!e.closest('a[href]'),
      paragraph: !!e.closest('p'), color: s.color, opacity,
      fontSize: s.fontSize, layers: bgChain(e),
    });
  }
  return out;
}
