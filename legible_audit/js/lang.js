// Every lang attribute, with the language name Intl knows for it (language.py).
() => {
  const names = new Intl.DisplayNames(['en'], {type: 'language', fallback: 'none'});
  const els = [document.documentElement,
               ...deepAll().filter(e => e.hasAttribute('lang') && e !== document.documentElement)];
  return els.map(e => {
    const lang = e.getAttribute('lang');
    const primary = (lang || '').split('-')[0];
    let name = null;
    try { name = primary ? names.of(primary) || null : null; } catch (x) { name = null; }
    return {target: e === document.documentElement ? 'html' : cssPath(e), lang, name};
  });
}
