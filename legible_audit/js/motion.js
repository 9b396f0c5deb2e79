// Animations still running, and interactive elements with a transition (osmodes.py).
() => {
  const roots = [document, ...deepAll().filter(e => e.shadowRoot).map(e => e.shadowRoot)];
  const seen = new Set();
  const running = [];
  for (const root of roots) {
    for (const a of root.getAnimations()) {
      if (seen.has(a)) continue;
      seen.add(a);
      if (a.playState !== 'running' && !a.pending) continue;
      const t = a.effect && a.effect.target;
      running.push({target: t ? cssPath(t) + (a.effect.pseudoElement || '') : '(no element)',
                    name: a.animationName || a.transitionProperty || a.id
                      || a.constructor.name});
    }
  }
  const slow = [];
  for (const e of interactive()) {
    const s = getComputedStyle(e);
    if (s.transitionDuration.split(',').some(v => parseFloat(v) > 0)) {
      slow.push({target: cssPath(e), duration: s.transitionDuration});
    }
  }
  return {running, slow};
}
