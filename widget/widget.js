// Legible display options: an embeddable widget. Plain ES2020, no framework.
//
// service/widget.py fills in the __LEGIBLE_…__ values at start-up (theme tokens
// from themes/*.toml, the text sizes, the panel CSS from widget.css) and strips
// these whole-line comments. Rules this file keeps, so it works under a strict
// CSP with Trusted Types:
// - no innerHTML, eval, new Function, document.write, no <style>/<link>, no style="";
// - the panel lives in an open shadow root styled by a constructable stylesheet;
// - the host page is changed only through attributes on <html> and one
//   constructable stylesheet adopted by the document;
// - never `filter` or `transform` on html/body (fixed headers stay fixed);
// - no requests, no global key capture, no assistive-technology detection.
(() => {
"use strict";
const D = document;
const root = D.documentElement;
if (window.legibleWidget || !("adoptedStyleSheets" in D)) return;
window.legibleWidget = 1;
const THEMES = __LEGIBLE_THEMES__;
const PROPS = __LEGIBLE_PROPS__;
const SIZES = __LEGIBLE_SIZES__;
const CSS = __LEGIBLE_CSS__;
const COOKIE = __LEGIBLE_COOKIE__;
const KEY = "legible-widget";
const NAMES = THEMES.map((t) => t.n);
const me = D.currentScript;
const cfg = (me && me.dataset) || {};
// On Legible's own origin the server renders the variant: the widget drives
// data-theme/data-size/data-spacing (which Legible's stylesheet styles) and the
// preference cookie. Anywhere else it uses its own data-legible-* attributes.
let own = false;
try {
  own = new URL(me.src).origin === location.origin;
} catch (e) {}
const lang = /^vi\b/i.test(cfg.lang || root.lang || "vi") ? "vi" : "en";
const pos = /^(top|bottom)-(left|right)$/.test(cfg.position) ? cfg.position : "bottom-right";
const T = {
  vi: ["Tùy chọn hiển thị", "Đóng", "Cỡ chữ", "Giảm cỡ chữ", "Tăng cỡ chữ", "Cỡ chữ mặc định",
    "Tương phản", "Màu của trang", "Giãn chữ", "Gạch chân liên kết", "Giảm chuyển động",
    "Đặt lại tất cả"],
  en: ["Display options", "Close", "Text size", "Smaller text", "Larger text", "Default text size",
    "Contrast", "Page colours", "Text spacing", "Underline links", "Reduce motion", "Reset all"],
}[lang];
const DEF = { t: null, s: 100, p: false, u: false, m: false };

// -- state ----------------------------------------------------------------
const valid = (o) => ({
  t: NAMES.includes(o.t) ? o.t : null,
  s: SIZES.includes(+o.s) ? +o.s : 100,
  p: !!o.p,
  u: !!o.u,
  m: !!o.m,
});
let saved = DEF;
try {
  saved = valid(JSON.parse(localStorage.getItem(KEY)) || DEF);
} catch (e) {}
const ds = root.dataset;
let st = own
  ? valid({ ...saved, t: ds.theme, s: ds.size || 100, p: "spacing" in ds })
  : saved;

// -- effect on the page -----------------------------------------------------
const H = (a, v) => `html[data-legible-${a}${v ? `="${v}"` : ""}]:not(#_)`;
let css = `${H("spacing")} body,${H("spacing")} body *{line-height:1.5!important;letter-spacing:.12em!important;word-spacing:.16em!important}${H("spacing")} p{margin-bottom:2em!important}${H("underline")} a{text-decoration:underline!important}`;
for (const x of ["*", "::before", "::after"]) {
  css += `${H("motion")} ${x}{animation-duration:1ms!important;animation-delay:0s!important;animation-iteration-count:1!important;transition-duration:0s!important;transition-delay:0s!important;scroll-behavior:auto!important}`;
}
// Colours only when the OS is not forcing its own (forced-colors: active).
css += "@media (forced-colors:none){";
for (const { n, s, u, c } of THEMES) {
  const h = H("theme", n);
  css += `${h}{color-scheme:${s};background:${c.background}!important}${h},${h} body,${h} body *{background-color:${c.background}!important;color:${c.text}!important;border-color:${c.border}!important;text-shadow:none!important}${h} a,${h} a *{color:${c.link}!important${u ? ";text-decoration:underline!important" : ""}}${h} a:visited,${h} a:visited *{color:${c.visited}!important}${h} mark,${h} mark *{background-color:${c.mark_background}!important;color:${c.mark_text}!important}${h} ::placeholder{color:${c.muted}!important}${h} :focus-visible{outline:3px solid ${c.focus}!important;outline-offset:2px!important}`;
}
const sheet = new CSSStyleSheet();
sheet.replaceSync(css + "}");
// Text size: the root font size, scaled from the host's own root size (a host
// may set html{font-size:62.5%}), and the body's size too, for hosts that set
// body text in px. Measured with these rules off; re-measured on load/resize.
const sizes = new CSSStyleSheet();
const px = (e) => parseFloat(getComputedStyle(e).fontSize);
const measure = () => {
  if (sizes.cssRules.length) sizes.replaceSync("");
  if (own || st.s === 100) return;
  const k = st.s / 100;
  const b = D.body;
  sizes.replaceSync(`html:not(#_):not(#_){font-size:${px(root) * k}px!important}` +
    (b ? `body:not(#_):not(#_){font-size:${px(b) * k}px!important}` : ""));
};
D.adoptedStyleSheets = [...D.adoptedStyleSheets, sheet, sizes];
const attr = (name, on, value = "") => on ? root.setAttribute(name, value) : root.removeAttribute(name);
const apply = (init) => {
  const p = own ? "data-" : "data-legible-";
  if (!(own && init)) {
    attr(p + "theme", st.t, st.t);
    attr(p + "size", st.s !== 100, st.s);
    attr(p + "spacing", st.p);
  }
  attr("data-legible-underline", st.u);
  attr("data-legible-motion", st.m);
  measure();
};
// On our own pages the server already rendered the variant: at load, touch
// nothing but the two options it does not know about.
apply(1);
// Render-blocking stylesheets have loaded by the first frame: measure again then.
requestAnimationFrame(measure);
let frame = 0;
addEventListener("resize", () => {
  cancelAnimationFrame(frame);
  frame = requestAnimationFrame(measure);
});
addEventListener("load", measure);

const VP = ["theme", "size", "spacing"];
const save = () => {
  const { t, s, p, u, m } = st;
  try {
    localStorage.setItem(KEY, JSON.stringify({ t, s, p, u, m }));
  } catch (e) {}
  if (!own) return;
  // The next page should arrive in this variant: the cookie for bare URLs, and
  // this page's address, links and forms carry the variant as the server does.
  D.cookie = `${COOKIE}=${t || ""}.${s}.${+p};Path=/;Max-Age=31536000;SameSite=Lax${location.protocol === "https:" ? ";Secure" : ""}`;
  const q = [];
  if (t) q.push(["theme", t]);
  if (s !== 100) q.push(["size", s]);
  if (p) q.push(["spacing", 1]);
  const fix = (url) => {
    for (const k of VP) url.searchParams.delete(k);
    for (const [k, v] of q) url.searchParams.append(k, v);
    return url.pathname + url.search + url.hash;
  };
  history.replaceState(history.state, "", fix(new URL(location.href)));
  for (const a of D.querySelectorAll("a[href]")) {
    const url = new URL(a.href);
    if (url.origin === location.origin && !a.getAttribute("href").startsWith("#") &&
        !/^\/(assets|static|widget|api)\b/.test(url.pathname)) a.href = fix(url);
  }
  const cur = new Map([["cur_theme", t || ""], ["cur_size", s], ["cur_spacing", +p]]);
  for (const f of D.forms) {
    const get = f.method === "get";
    for (const i of [...f.elements]) {
      if (i.type !== "hidden") continue;
      if (get && VP.includes(i.name)) i.remove();
      else if (cur.has(i.name)) i.value = cur.get(i.name);
    }
    if (get) for (const [k, v] of q) f.append(el("input", { type: "hidden", name: k, value: v }));
  }
};

// -- the panel --------------------------------------------------------------
const el = (tag, attrs = {}, ...kids) => {
  const e = D.createElement(tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  e.append(...kids);
  return e;
};
const NS = "http://www.w3.org/2000/svg";
const icon = (...shapes) => {
  const s = D.createElementNS(NS, "svg");
  s.setAttribute("viewBox", "0 0 24 24");
  s.setAttribute("aria-hidden", "true");
  for (const [tag, a] of shapes) {
    const e = D.createElementNS(NS, tag);
    for (const k in a) e.setAttribute(k, a[k]);
    s.append(e);
  }
  return s;
};
const ring = ["circle", { cx: 12, cy: 12, r: 8 }];
const dot = ["circle", { cx: 12, cy: 12, r: 4, class: "f d" }];
const box = ["rect", { x: 4, y: 4, width: 16, height: 16, rx: 2 }];
const tick = ["path", { d: "m8 12 3 3 5-6", class: "d" }];
const button = (label, attrs, ...kids) => el("button", { type: "button", ...attrs }, ...kids, label);

const trigger = button("", { class: "t", "aria-expanded": "false", "aria-controls": "p", "aria-label": T[0] },
  icon(["circle", { cx: 12, cy: 12, r: 10.5 }], ["circle", { cx: 12, cy: 6.5, r: 1.75, class: "f" }],
    ["path", { d: "M6.5 9.5 12 11l5.5-1.5M12 11v3.5l-3 5m3-5 3 5" }]));
const close = button("", { class: "x", "aria-label": T[1] }, icon(["path", { d: "M6 6l12 12M18 6 6 18" }]));
const out = el("output");
const steps = [-1, 1, 0].map((d, i) => button(T[3 + i], { "data-d": d }));
const radios = [["", T[7]], ...THEMES.map((t) => [t.n, t[lang]])].map(([v, label]) =>
  button(label, { role: "radio", "data-v": v }, icon(ring, dot)));
const toggles = ["p", "u", "m"].map((k, i) => button(T[8 + i], { "data-k": k }, icon(box, tick)));
const reset = button(T[11], { class: "r" });
const group = el("div", { role: "radiogroup", "aria-labelledby": "lc", class: "col" }, ...radios);
const panel = el("div", { class: "p", id: "p", role: "dialog", "aria-labelledby": "h", hidden: "" },
  el("div", { class: "hd" }, el("h2", { id: "h" }, T[0]), close),
  el("div", { role: "group", "aria-labelledby": "ls" },
    el("p", { class: "l", id: "ls" }, T[2] + ": ", out), el("div", { class: "row" }, ...steps)),
  el("div", {}, el("p", { class: "l", id: "lc" }, T[6]), group),
  el("div", { class: "col" }, ...toggles),
  reset);
const wrap = el("div", { class: "w", lang, "data-p": pos }, trigger, panel);

const render = () => {
  wrap.dataset.t = st.t || NAMES[0];
  out.value = st.s + "%";
  steps[0].setAttribute("aria-disabled", st.s === SIZES[0]);
  steps[1].setAttribute("aria-disabled", st.s === SIZES[SIZES.length - 1]);
  for (const r of radios) {
    const on = r.dataset.v === (st.t || "");
    r.setAttribute("aria-checked", on);
    r.tabIndex = on ? 0 : -1;
  }
  for (const b of toggles) b.setAttribute("aria-pressed", st[b.dataset.k]);
};
const show = () => {
  panel.hidden = false;
  trigger.setAttribute("aria-expanded", "true");
  steps[0].focus();
};
const hide = (refocus) => {
  panel.hidden = true;
  trigger.setAttribute("aria-expanded", "false");
  if (refocus) trigger.focus();
};
trigger.addEventListener("click", () => (panel.hidden ? show() : hide()));
panel.addEventListener("click", (e) => {
  const b = e.target.closest("button");
  if (!b) return;
  const { d, v, k } = b.dataset;
  if (b === close) return hide(1);
  if (d) {
    const i = Math.max(0, SIZES.indexOf(st.s)) + +d;
    st.s = +d ? SIZES[Math.max(0, Math.min(SIZES.length - 1, i))] : 100;
  } else if (v !== undefined) st.t = v || null;
  else if (k) st[k] = !st[k];
  else if (b === reset) st = { ...DEF };
  else return;
  apply();
  save();
  render();
});
// Arrow keys move through the radiogroup (roving tabindex), only inside it.
group.addEventListener("keydown", (e) => {
  const i = radios.indexOf(e.target.closest("button"));
  const n = radios.length;
  const j = { ArrowDown: i + 1, ArrowRight: i + 1, ArrowUp: i - 1, ArrowLeft: i - 1, Home: 0, End: n - 1 }[e.key];
  if (j === undefined || i < 0) return;
  e.preventDefault();
  const r = radios[(j + n) % n];
  r.focus();
  r.click();
});
wrap.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && !panel.hidden) hide(1);
});
// A disclosure: once focus lands anywhere outside the widget (Tab, a click, a
// script), the panel closes, so it never covers the element that has focus
// (WCAG 2.4.11). Focus events only: no keys are captured.
let hostEl = null;
D.addEventListener("focusin", (e) => {
  if (!panel.hidden && e.target !== hostEl) hide();
});

const mount = () => {
  const host = (hostEl = D.createElement("legible-widget"));
  const shadow = host.attachShadow({ mode: "open" });
  const s = new CSSStyleSheet();
  let vars = "";
  for (const t of THEMES) {
    vars += `.w[data-t="${t.n}"]{color-scheme:${t.s}`;
    for (const k in PROPS) vars += `;${PROPS[k]}:${t.c[k]}`;
    vars += "}";
  }
  s.replaceSync(CSS + vars);
  shadow.adoptedStyleSheets = [s];
  shadow.append(wrap);
  render();
  D.body.append(host);
  measure();
};
if (D.body) mount();
else D.addEventListener("DOMContentLoaded", mount);
})();
