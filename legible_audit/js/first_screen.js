// Where the page's h1 and its first text start, in px from the top of the
// document, with the viewport's height. Run on a freshly loaded page.
() => {
  window.scrollTo(0, 0);
  const vh = innerHeight;
  const path = (e) => {
    if (e.id) return "#" + e.id;
    const first = e.className ? "." + String(e.className).trim().split(/\s+/)[0] : "";
    return e.tagName.toLowerCase() + first;
  };
  const h1 = document.querySelector("main h1") || document.querySelector("h1");
  if (!h1) return { vh, h1: null, content: null };
  const top = (e) => e.getBoundingClientRect().top + scrollY;
  // The first block of text after the title: a paragraph, list item, figure or
  // heading, not the date line (.meta).
  const blocks = [...document.querySelectorAll("main :is(p, li, figure, h2, blockquote, dd)")];
  const after = blocks.find(
    (e) =>
      (h1.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0 &&
      !e.closest(".meta") &&
      e.getBoundingClientRect().height > 0 &&
      e.textContent.trim(),
  );
  return {
    vh,
    h1: { top: top(h1), target: path(h1) },
    content: after ? { top: top(after), target: path(after) } : null,
  };
}
