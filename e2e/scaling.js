// "Larger text really grows", read in the page. One function, three modes:
// - "base": remember every element's computed font size, line height and
//   position (in window.__legibleBase), before the widget changes anything;
// - "scaled": what each element with text of its own has now, against its base,
//   after asking the host to add content (when `late`), so added nodes count;
// - "reset": every element whose size or line height differs from its base.
// Elements added later are compared with the base of their "kind": the same
// tag and classes under the same kind of parent.
async ({ mode, late }) => {
  // A readable selector; nth-of-type from one pass over the page (a listing's
  // parent may hold thousands of children).
  // Made on the first call, once the page has stopped changing.
  const nth = new Map();
  const seen = new Map();
  const index = () => {
    for (const e of document.body.querySelectorAll("*")) {
      const key = e.localName;
      const counts = seen.get(e.parentElement) || new Map();
      seen.set(e.parentElement, counts);
      counts.set(key, (counts.get(key) || 0) + 1);
      nth.set(e, counts.get(key));
    }
  };
  const path = (e) => {
    if (!nth.size) index();
    const parts = [];
    for (; e && e.nodeType === 1 && e !== document.documentElement; e = e.parentElement) {
      if (e.id) { parts.unshift("#" + e.id); break; }
      const many = (seen.get(e.parentElement)?.get(e.localName) || 0) > 1;
      parts.unshift(e.localName + [...e.classList].slice(0, 2).map((c) => "." + c).join("") +
        (many ? `:nth-of-type(${nth.get(e)})` : ""));
    }
    return parts.join(" > ") || "html";
  };
  const kind = (e) => {
    const own = (n) => n.localName + [...n.classList].map((c) => "." + c).join("");
    return (e.parentElement ? own(e.parentElement) + " > " : "") + own(e);
  };
  const ownText = (e) => [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  const elements = () => [document.body, ...document.body.querySelectorAll("*")].filter(
    (e) => e instanceof HTMLElement && e.localName !== "legible-widget" &&
      !/^(script|style|template|noscript)$/.test(e.localName));
  const read = (e) => {
    const s = getComputedStyle(e);
    return { fs: parseFloat(s.fontSize), lh: s.lineHeight.endsWith("px") ? parseFloat(s.lineHeight) : null, position: s.position };
  };
  const frame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  if (mode === "base") {
    const base = new Map();
    const kinds = {};
    for (const e of elements()) {
      const got = read(e);
      base.set(e, got);
      kinds[kind(e)] ??= got;
    }
    window.__legibleBase = { base, kinds };
    return base.size;
  }
  if (late) {
    window.hostAddStories(3);
    await frame();
    window.hostNavigate();
  }
  await frame();
  const { base, kinds } = window.__legibleBase;
  const out = [];
  for (const e of elements()) {
    if (!e.getClientRects().length) continue;
    const was = base.get(e) || kinds[kind(e)];
    if (!was) continue;
    const now = read(e);
    const heading = /^h[1-6]$/.test(e.localName);
    if (mode === "reset") {
      if (now.fs !== was.fs || now.lh !== was.lh) out.push({ target: path(e), was, now });
      continue;
    }
    out.push({ target: path(e), late: !base.has(e), text: ownText(e), heading, was, now });
  }
  if (mode === "reset") return { changed: out };
  const root = getComputedStyle(document.documentElement), body = getComputedStyle(document.body);
  const page = [root, body].map((s) => [s.transform, s.filter, s.zoom, s.position].join(" "));
  return { samples: out, page };
}
