// Pointer-free focus back where a freshly loaded page has it: the next Tab goes
// to the first stop, and the page is scrolled to the top.
() => {
  if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
  if (document.body) {
    // An SVG or XML document has no body: nothing to put the starting point before.
    const start = document.createElement("span");
    start.tabIndex = -1;
    document.body.prepend(start);
    start.focus({ preventScroll: true });
    start.remove();
  }
  window.scrollTo(0, 0);
}
