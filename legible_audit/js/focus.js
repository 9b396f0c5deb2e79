// Focus each element in the tab order by script, after one Tab (so :focus-visible
// applies): its unfocused and focused styles, what changed around it, its box and
// what covers it (focus.py).
() => {
  const els = interactive().filter(e => e.tabIndex >= 0);
  if (document.activeElement && document.activeElement !== document.body) {
    document.activeElement.blur();
  }
  const before = new Map(els.map(e => [e, focusSnap(e)]));
  const near = new Map(els.map(e => [e, nearSnaps(e)]));
  const out = [];
  for (const e of els) {
    e.focus();
    out.push(focusItem(e, before.get(e), near.get(e)));
    e.blur();
  }
  window.scrollTo(0, 0);
  return out;
}
