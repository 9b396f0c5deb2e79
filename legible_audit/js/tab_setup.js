// Before the Tab walk: every focusable element's unfocused style (keyboard.py).
() => {
  window.__legibleBefore = new WeakMap(
    deepAll().filter(e => e.matches(NATIVE) || e.tabIndex >= 0)
      .map(e => [e, focusSnap(e)]));
}
