// Before the Tab walk: every focusable element's unfocused style (keyboard.py), and
// how many elements are in the tab order at all (none: nothing to walk).
() => {
  window.__legibleBefore = new WeakMap(
    deepAll().filter(e => e.matches(NATIVE) || e.tabIndex >= 0)
      .map(e => [e, focusSnap(e)]));
  window.__legibleNear = new WeakMap(
    interactive().filter(e => e.tabIndex >= 0).map(e => [e, nearSnaps(e)]));
  window.__legibleKeys = new Map();
  return interactive().filter(e => e.tabIndex >= 0).length;
}
