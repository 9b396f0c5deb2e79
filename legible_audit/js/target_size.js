// Every target's box (a radio or checkbox with its label), whether it is a link
// inside a sentence, and whether it is one of Legible's own controls (layout.py).
(own) => {
  const textOutside = (block, e) => {
    const w = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let n = w.nextNode(); n; n = w.nextNode()) {
      if (!e.contains(n) && /\S/.test(n.data) && n.parentElement
          && n.parentElement.getClientRects().length) return true;
    }
    return false;
  };
  const out = [];
  for (const e of interactive()) {
    if (e.localName === 'label') continue;
    const toggle = e.matches('input[type=radio], input[type=checkbox]');
    const rects = [e, ...(toggle ? [...(e.labels || [])].filter(shown) : [])]
      .map(x => x.getBoundingClientRect());
    const box = {l: Math.min(...rects.map(r => r.left)), t: Math.min(...rects.map(r => r.top)),
                 r: Math.max(...rects.map(r => r.right)), b: Math.max(...rects.map(r => r.bottom))};
    const w = box.r - box.l, h = box.b - box.t;
    if (w < 1 || h < 1) continue;  // nothing to hit
    let inline = false;
    if (!toggle && getComputedStyle(e).display === 'inline') {
      let block = parentDeep(e);
      while (block && getComputedStyle(block).display === 'inline') block = parentDeep(block);
      inline = !!block && textOutside(block, e);
    }
    const host = e.getRootNode().host;
    out.push({target: cssPath(e), x: box.l + scrollX, y: box.t + scrollY, w, h, inline,
              own: e.matches(own) || !!(host && host.matches(own))});
  }
  return out;
}
