// Focus the Tab stop the walk numbered `key` (tab_stop.js), as the keyboard left it.
(key) => {
  for (const [e, k] of (window.__legibleKeys || new Map())) {
    if (k === key) { e.focus(); return true; }
  }
  return false;
}
