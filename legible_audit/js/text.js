// Every element under the root with text of its own: colour, opacity, font size and
// weight, text shadow and the background layers behind it (text.py). Text that WCAG
// exempts is left out: inside a disabled control or group, or the label of one
// (ACT afw4f7's "disabled ancestor" and "disabled label").
(rootSelector) => {
  const root = document.querySelector(rootSelector);
  if (!root) return [];
  const disabledWidget = (e) => e.matches(':disabled, [aria-disabled=true]')
    || !!e.closest('fieldset[disabled], [aria-disabled=true]');
  const labelsDisabled = (e) => {
    const label = e.closest('label');
    if (label && label.control && disabledWidget(label.control)) return true;
    for (let a = e; a && a.nodeType === 1; a = a.parentElement) {
      if (a.id && [...document.querySelectorAll('[aria-labelledby]')].some((w) =>
        w.getAttribute('aria-labelledby').split(/\s+/).includes(a.id) && disabledWidget(w))) {
        return true;
      }
    }
    return false;
  };
  const out = [];
  for (const e of [root, ...root.querySelectorAll('*')]) {
    const text = [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('').trim();
    if (!text) continue;
    const s = getComputedStyle(e);
    const r = e.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1 || s.visibility !== 'visible') continue;  // .vh, hidden
    if (r.bottom + scrollY <= 0 || r.right + scrollX <= 0) continue;  // pushed off the page
    if (disabledWidget(e) || labelsDisabled(e)) continue;
    let opacity = 1;
    for (let a = e; a && a.nodeType === 1; a = a.parentElement) {
      opacity *= parseFloat(getComputedStyle(a).opacity);
    }
    // A glyph or two inside a control named otherwise (aria-label="Close" on "X") is
    // an icon, not words: whether it must reach text contrast needs a person.
    const named = e.closest(':is(button, a, [role=button], [role=link])[aria-label]');
    const icon = text.length <= 2 && !!named
      && !named.getAttribute('aria-label').toLowerCase().includes(text.toLowerCase());
    out.push({
      target: cssPath(e), tag: e.localName, link: !!e.closest('a[href]'),
      paragraph: !!e.closest('p'), color: s.color, opacity, icon,
      fontSize: s.fontSize, fontWeight: s.fontWeight, shadow: s.textShadow,
      layers: bgChain(e),
    });
  }
  return out;
}
