// lang attributes (language.py): the page's, when the page is an HTML document
// (ACT bf051a: an SVG or XML document has no `html` root to judge), and each lang
// attribute in the body that some text takes its language from (ACT de46e4).
() => {
  const root = document.documentElement;
  const page = root && root.localName === 'html' && document.contentType === 'text/html'
    ? {target: 'html', lang: root.getAttribute('lang')} : null;
  const named = (e) => ['alt', 'aria-label', 'title', 'placeholder']
    .some((a) => /\S/.test(e.getAttribute(a) || ''));
  // Text inheriting its language from `e`: visible or exposed text nodes, and names,
  // of it and of everything below it that does not set a lang of its own.
  const hasText = (e, top) => {
    if (e !== top && (e.getAttribute('lang') || '') !== '') return false;
    if (e.closest('script, style, template, noscript')) return false;
    if (named(e) && (shown(e) || !e.closest('[aria-hidden=true]'))
        && getComputedStyle(e).display !== 'none') return true;
    const kids = [...e.childNodes, ...(e.shadowRoot ? e.shadowRoot.childNodes : [])];
    for (const n of kids) {
      if (n.nodeType === 3 && /\S/.test(n.data) && shown(e)) return true;
      if (n.nodeType === 1 && hasText(n, top)) return true;
    }
    return false;
  };
  const parts = document.body
    ? deepAll(document.body).filter((e) => e.hasAttribute('lang') && e.getAttribute('lang') !== ''
        && e.namespaceURI === 'http://www.w3.org/1999/xhtml' && hasText(e, e))
    : [];
  return {page, parts: parts.map((e) => ({target: cssPath(e), lang: e.getAttribute('lang')}))};
}
