// Under forced colours: each control's border sides and outline (osmodes.py).
([controlsSel, nativeSel]) => {
  const out = [];
  for (const e of interactive()) {
    if (!e.matches(controlsSel)) continue;
    const s = getComputedStyle(e);
    if (e.matches(nativeSel) && s.appearance !== 'none') continue;  // the OS draws it
    out.push({target: cssPath(e),
              sides: ['Top', 'Right', 'Bottom', 'Left'].map(k => ({
                width: s[`border${k}Width`], style: s[`border${k}Style`],
                color: s[`border${k}Color`]})),
              outline: {width: s.outlineWidth, style: s.outlineStyle, color: s.outlineColor}});
  }
  return out;
}
