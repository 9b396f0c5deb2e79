// Letter, word and line spacing set `!important` in a style attribute, which no
// reader's stylesheet can override (ACT 24afc2, 9e45ec, 78fd32; text.py). Only
// elements with visible text of their own; `inherit`/`unset`/`revert` declare no value
// of their own. For line height: whether the text wraps (a soft wrap break).
() => {
  const PROPS = ['letter-spacing', 'word-spacing', 'line-height'];
  const out = [];
  for (const e of deepAll(pageRoot())) {
    if (!e.style || e.namespaceURI !== 'http://www.w3.org/1999/xhtml') continue;
    const props = PROPS.filter((p) => e.style.getPropertyPriority(p) === 'important'
      && !/^(inherit|unset|revert|revert-layer)$/.test(e.style.getPropertyValue(p).trim()));
    if (!props.length) continue;
    const texts = [...e.childNodes].filter((n) => n.nodeType === 3 && /\S/.test(n.data));
    if (!texts.length || !shown(e)) continue;
    const r = e.getBoundingClientRect();
    // Visible: drawn inside the page, not pushed off it (top: -999em) or clipped to 1px.
    if (r.bottom + scrollY <= 0 || r.right + scrollX <= 0 || r.width <= 1 || r.height <= 1) continue;
    const s = getComputedStyle(e);
    const tops = new Set();
    for (const t of texts) {
      const range = document.createRange();
      range.selectNodeContents(t);
      for (const box of range.getClientRects()) if (box.width > 0) tops.add(Math.round(box.top));
    }
    for (const prop of props) {
      out.push({target: cssPath(e), prop, declared: e.style.getPropertyValue(prop).trim(),
                value: s.getPropertyValue(prop), fontSize: s.fontSize, wraps: tops.size > 1});
    }
  }
  return out;
}
