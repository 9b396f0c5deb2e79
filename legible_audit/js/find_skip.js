// Mark the skip link to activate with data-legible-skip: the first Tab stop if it is
// a same-page link (`firstKey`), else the first same-page link to the main content.
(firstKey) => {
  let chosen = null;
  for (const [e, k] of (window.__legibleKeys || new Map())) {
    if (k === firstKey && skipInfo(e)) chosen = e;
  }
  if (!chosen) {
    chosen = [...document.querySelectorAll('a[href^="#"]')].find((a) => {
      const s = skipInfo(a);
      return s && s.found && s.after && s.toMain !== false;
    }) || null;
  }
  if (chosen) chosen.setAttribute('data-legible-skip', '');
  return !!chosen;
}
