// Controls' borders and fills, and inline SVG icons' paints, with what is behind
// them (nontext.py).
([controlsSel, nativeSel]) => {
  const sides = (s) => ['Top', 'Right', 'Bottom', 'Left'].map(k => ({
    width: s[`border${k}Width`], style: s[`border${k}Style`], color: s[`border${k}Color`]}));
  const controls = [];
  for (const e of interactive()) {
    if (!e.matches(controlsSel)) continue;
    const s = getComputedStyle(e);
    if (e.matches(nativeSel) && s.appearance !== 'none') continue;
    controls.push({target: cssPath(e), field: e.matches('input, select, textarea'),
                   sides: sides(s), bg: s.backgroundColor, image: s.backgroundImage,
                   around: bgChain(parentDeep(e))});
  }
  const icons = [];
  for (const svg of deepAll().filter(e => e.localName === 'svg' && shown(e))) {
    const paints = new Set();
    for (const shape of svg.querySelectorAll(
        'path, circle, rect, ellipse, line, polyline, polygon, text')) {
      if (!shape.getClientRects().length) continue;
      const s = getComputedStyle(shape);
      if (s.display === 'none' || s.visibility !== 'visible') continue;
      if (s.stroke !== 'none' && parseFloat(s.strokeWidth) > 0
          && parseFloat(s.strokeOpacity) > 0) paints.add(s.stroke);
      if (s.fill !== 'none' && parseFloat(s.fillOpacity) > 0) paints.add(s.fill);
    }
    icons.push({target: cssPath(svg), paints: [...paints], around: bgChain(svg)});
  }
  return {controls, icons};
}
