// After the skip link was activated (`phase` "enter") and then Tab pressed ("tab"):
// where focus is, against the link's target. A target that takes no focus keeps focus
// on the document but moves the sequential focus navigation starting point (HTML
// "focus fixup" and fragment navigation), so the next Tab lands inside the target or
// after it: that is what a reader gets, and what is judged.
async ([phase, settleMs]) => {
  await new Promise((done) => setTimeout(done, settleMs));
  const link = document.querySelector('[data-legible-skip]');
  const dest = link && skipTarget(link);
  const a = deepActive();
  const onDocument = !a || a === document.body || a === document.documentElement;
  const inDest = !!(dest && a && within(a, dest));
  const afterDest = !!(dest && a && !onDocument && !inDest
    && (dest.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING));
  // Nothing to reach after the target: the next Tab leaves the page (and, in a browser
  // without its own UI, comes round to the first stop).
  const last = !!dest && !interactive().some((e) => e.tabIndex >= 0 && (within(e, dest)
    || (dest.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING)));
  return {phase, last, active: onDocument ? 'the document' : cssPath(a), onDocument, inDest,
          afterDest, targeted: !!(dest && dest.matches(':target')),
          dest: dest ? cssPath(dest) : null};
}
