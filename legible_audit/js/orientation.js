// Orientation locks (ACT b33eff; osmodes.py). Phase "find": mark the visible elements
// that a style rule under an orientation media query rotates (`transform` or
// `rotate`); returns how many, and how many style sheets could not be read (another
// origin's). Phase "angles": each marked element's rotation about the Z axis, in
// degrees, as the current orientation draws it.
(phase) => {
  if (phase === 'angles') {
    return (window.__legibleRotated || []).map((e) => {
      const s = getComputedStyle(e);
      let deg = 0;
      if (s.transform && s.transform !== 'none') {
        const m = new DOMMatrix(s.transform);
        deg += Math.atan2(m.b, m.a) * 180 / Math.PI;
      }
      const r = (s.rotate || 'none').trim();
      if (r !== 'none') {
        const parts = r.split(/\s+/);
        const angle = parts[parts.length - 1];
        const axis = parts.slice(0, -1).join(' ');
        const unit = {deg: 1, rad: 180 / Math.PI, turn: 360, grad: 0.9};
        const m = /^(-?[\d.e+-]+)(deg|rad|turn|grad)$/.exec(angle);
        if (m && (!axis || axis === 'z' || axis === '0 0 1')) deg += parseFloat(m[1]) * unit[m[2]];
      }
      return {target: cssPath(e), deg};
    });
  }
  const found = new Set();
  let unreadable = 0;
  const rotates = (style) => style.getPropertyValue('rotate')
    || /(rotate|rotate3d|rotateZ|matrix|matrix3d)\(/.test(style.getPropertyValue('transform'));
  const walk = (rules, oriented) => {
    for (const rule of rules) {
      const media = rule.media ? rule.media.mediaText : null;
      const here = oriented || (media !== null && /orientation\s*:\s*(landscape|portrait)/.test(media));
      if (rule.cssRules && rule.cssRules.length && !(rule instanceof CSSStyleRule)) {
        walk(rule.cssRules, here);
      } else if (here && rule.selectorText && rotates(rule.style)) {
        for (const e of document.querySelectorAll(rule.selectorText)) found.add(e);
      }
    }
  };
  for (const sheet of [...document.styleSheets, ...(document.adoptedStyleSheets || [])]) {
    let rules;
    try { rules = sheet.cssRules; } catch (x) { unreadable += 1; continue; }
    walk(rules, !!(sheet.media && /orientation\s*:\s*(landscape|portrait)/.test(sheet.media.mediaText)));
  }
  window.__legibleRotated = [...found].filter((e) => shown(e));
  return {count: window.__legibleRotated.length, unreadable};
}
