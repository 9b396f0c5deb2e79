// Text cut off by an overflow: hidden/clip box, or a box smaller than its content
// (text.py, for WCAG text spacing).
() => {
  const clips = (v) => v === 'hidden' || v === 'clip';
  // The visually-hidden pattern (.vh: a 1px clipped box) hides text on purpose.
  const hiddenOnPurpose = (e) => {
    for (let a = e; a && a.nodeType === 1; a = parentDeep(a)) {
      const s = getComputedStyle(a);
      if (s.clipPath !== 'none' || (s.clip && s.clip !== 'auto')) return true;
      if (clips(s.overflowX) || clips(s.overflowY)) {
        const r = a.getBoundingClientRect();
        if (r.width <= 1 || r.height <= 1) return true;
      }
    }
    return false;
  };
  const skip = (e) => e === document.documentElement || e === document.body;
  const out = [];
  const top = pageRoot();
  const elements = deepAll(top);
  // 1. A clipping box whose content is larger than the box.
  for (const e of elements) {
    if (skip(e) || !e.getClientRects().length) continue;
    const s = getComputedStyle(e);
    const cx = clips(s.overflowX), cy = clips(s.overflowY);
    if (!(cx || cy) || !/\S/.test(e.textContent) || hiddenOnPurpose(e)) continue;
    const dx = e.scrollWidth - e.clientWidth, dy = e.scrollHeight - e.clientHeight;
    if ((cx && dx > 1) || (cy && dy > 1)) {
      out.push({target: cssPath(e), by: null, text: e.textContent.trim().slice(0, 40),
                over: Math.max(cx ? dx : 0, cy ? dy : 0)});
    }
  }
  // 2. A text node that sticks out of a clipping ancestor.
  const roots = [top, ...elements.filter(e => e.shadowRoot).map(e => e.shadowRoot)];
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const parent = n.parentElement;
      if (!/\S/.test(n.data) || !parent || !parent.getClientRects().length) continue;
      if (getComputedStyle(parent).visibility !== 'visible' || hiddenOnPurpose(parent)) continue;
      if (parent.closest('script, style, noscript, template')) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
      if (!rects.length) continue;
      for (let a = parent; a && !skip(a); a = parentDeep(a)) {
        const s = getComputedStyle(a);
        const cx = clips(s.overflowX), cy = clips(s.overflowY);
        if (!(cx || cy)) continue;
        const r = a.getBoundingClientRect();
        const left = r.left + a.clientLeft, top = r.top + a.clientTop;
        const right = left + a.clientWidth, bottom = top + a.clientHeight;
        const over = Math.max(0, ...rects.map(t => Math.max(
          cx ? Math.max(left - t.left, t.right - right) : 0,
          cy ? Math.max(top - t.top, t.bottom - bottom) : 0)));
        if (over > 1) {
          out.push({target: cssPath(parent), by: cssPath(a), text: n.data.trim().slice(0, 40),
                    over});
          break;
        }
      }
    }
  }
  return out;
}
