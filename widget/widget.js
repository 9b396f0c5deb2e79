// Legible display options: an embeddable widget. Plain ES2020, no framework.
//
// service/widget.py fills in the __LEGIBLE_…__ values at start-up (theme tokens
// from themes/*.toml, the preference rules from service/preferences.py, the
// panel CSS from widget.css) and strips these whole-line comments. Anything the
// server also knows (parameter names, sizes, the cookie) comes from there and is
// never written here. Rules this file keeps, so it works under a strict CSP with
// Trusted Types:
// - no innerHTML, eval, new Function, document.write, no <style>/<link>, no style="";
// - the panel lives in an open shadow root styled by a constructable stylesheet;
// - the host page is changed only through attributes on <html> and one
//   constructable stylesheet adopted by the document;
// - never `filter` or `transform` on html/body (fixed headers stay fixed);
// - no requests, no global key capture, no assistive-technology detection.
// service/widget.py's minifier works line by line: one statement per line, and
// no template literal spans lines.
(() => {
"use strict";
const doc = document;
const html = doc.documentElement;
if (window.legibleWidget || !("adoptedStyleSheets" in doc)) return;
window.legibleWidget = 1;
// [{name, labels: {vi, en}, scheme, underlineLinks, colors: {token: colour}}]
const THEMES = __LEGIBLE_THEMES__;
// Theme token -> the custom property widget.css reads it from.
const TOKEN_PROPERTIES = __LEGIBLE_PROPS__;
const PANEL_CSS = __LEGIBLE_CSS__;
// {params, sizes, defaultSize, cookie: {name, maxAge, separator},
//  choices: {name: {values, default, legend: {lang}, labels: {lang: [...]}}}}
const PREFERENCES = __LEGIBLE_PREFERENCES__;
// The variant's fields, named as the server names them in URLs, on <html data-…>
// and in the form's cur_… fields. The cookie joins their values in this order.
const { params: PARAMS, sizes: SIZES, defaultSize: DEFAULT_SIZE, cookie: COOKIE, choices: CHOICES } = PREFERENCES;
// Line length and typeface: only Legible's own pages can apply them, so only there.
const CHOICE_NAMES = Object.keys(CHOICES);
const [THEME, SIZE, SPACING] = PARAMS;
const STORAGE_KEY = "legible-widget";
const THEME_NAMES = THEMES.map((theme) => theme.name);
const script = doc.currentScript;
const options = (script && script.dataset) || {};
// On Legible's own origin the server renders the variant: the widget drives
// data-theme/data-size/data-spacing (which Legible's stylesheet styles) and the
// preference cookie. Anywhere else it uses its own data-legible-* attributes.
let onLegible = false;
try {
  onLegible = new URL(script.src).origin === location.origin;
} catch (e) {}
const lang = /^vi\b/i.test(options.lang || html.lang || "vi") ? "vi" : "en";
const position = /^(top|bottom)-(left|right)$/.test(options.position) ? options.position : "bottom-right";
// data-offset: CSS px between the trigger and the top or bottom edge, to keep it
// clear of a chat bubble or a cookie bar.
const OFFSET = { default: 8, max: 400 };
let offset = OFFSET.default;
if (options.offset !== undefined) {
  const value = options.offset.trim().replace(/px$/, "");
  if (/^\d+$/.test(value) && +value <= OFFSET.max) offset = +value;
  else console.warn(`Legible widget: data-offset="${options.offset}" is not a whole number of CSS pixels from 0 to ${OFFSET.max}; using ${OFFSET.default}.`);
}
const I18N = {
  vi: {
    displayOptions: "Tùy chọn hiển thị",
    close: "Đóng",
    textSize: "Cỡ chữ",
    smallerText: "Giảm cỡ chữ",
    largerText: "Tăng cỡ chữ",
    defaultTextSize: "Cỡ chữ mặc định",
    contrast: "Tương phản",
    pageColours: "Màu của trang",
    textSpacing: "Giãn chữ",
    underlineLinks: "Gạch chân liên kết",
    reduceMotion: "Giảm chuyển động",
    resetAll: "Đặt lại tất cả",
  },
  en: {
    displayOptions: "Display options",
    close: "Close",
    textSize: "Text size",
    smallerText: "Smaller text",
    largerText: "Larger text",
    defaultTextSize: "Default text size",
    contrast: "Contrast",
    pageColours: "Page colours",
    textSpacing: "Text spacing",
    underlineLinks: "Underline links",
    reduceMotion: "Reduce motion",
    resetAll: "Reset all",
  },
};
const i18n = I18N[lang];

// -- the reader's choice ------------------------------------------------------
// theme null: the reader picked none, so the page keeps its own colours.
const DEFAULTS = { theme: null, size: DEFAULT_SIZE, spacing: false, underline: false, motion: false };
for (const name of CHOICE_NAMES) DEFAULTS[name] = CHOICES[name].default;
// Storage and the page are input like any other: unknown values become defaults.
const validated = (choice) => ({
  theme: THEME_NAMES.includes(choice.theme) ? choice.theme : null,
  size: SIZES.includes(+choice.size) ? +choice.size : DEFAULT_SIZE,
  spacing: !!choice.spacing,
  underline: !!choice.underline,
  motion: !!choice.motion,
  ...Object.fromEntries(CHOICE_NAMES.map((name) =>
    [name, CHOICES[name].values.includes(choice[name]) ? choice[name] : CHOICES[name].default])),
});
// Stored under the one-letter keys earlier versions wrote, so a choice survives an update.
const fromStorage = (stored) => validated({ theme: stored.t, size: stored.s, spacing: stored.p, underline: stored.u, motion: stored.m });
const toStorage = (choice) => ({ t: choice.theme, s: choice.size, p: choice.spacing, u: choice.underline, m: choice.motion });
// A copy: the panel changes the current choice in place, and Reset copies DEFAULTS.
let saved = { ...DEFAULTS };
try {
  saved = fromStorage(JSON.parse(localStorage.getItem(STORAGE_KEY)) || {});
} catch (e) {}
let choice = onLegible
  ? validated({ ...saved, ...html.dataset, theme: html.dataset[THEME], size: html.dataset[SIZE] || DEFAULT_SIZE, spacing: SPACING in html.dataset })
  : saved;

// -- effect on the page -------------------------------------------------------
// The #_ never matches an id: it lifts the rule above the host's own selectors.
const whenSet = (option, value) => `html[data-legible-${option}${value ? `="${value}"` : ""}]:not(#_)`;
const spacingOn = whenSet(SPACING);
let pageCss = `${spacingOn} body,${spacingOn} body *{line-height:1.5!important;letter-spacing:.12em!important;word-spacing:.16em!important}${spacingOn} p{margin-bottom:2em!important}${whenSet("underline")} a{text-decoration:underline!important}`;
for (const part of ["*", "::before", "::after"]) {
  pageCss += `${whenSet("motion")} ${part}{animation-duration:1ms!important;animation-delay:0s!important;animation-iteration-count:1!important;transition-duration:0s!important;transition-delay:0s!important;scroll-behavior:auto!important}`;
}
// Colours only when the OS is not forcing its own (forced-colors: active).
pageCss += "@media (forced-colors:none){";
for (const { name, scheme, underlineLinks, colors } of THEMES) {
  const on = whenSet(THEME, name);
  pageCss += `${on}{color-scheme:${scheme};background:${colors.background}!important}${on},${on} body,${on} body *{background-color:${colors.background}!important;color:${colors.text}!important;border-color:${colors.border}!important;text-shadow:none!important}${on} a,${on} a *{color:${colors.link}!important${underlineLinks ? ";text-decoration:underline!important" : ""}}${on} a:visited,${on} a:visited *{color:${colors.visited}!important}${on} mark,${on} mark *{background-color:${colors.mark_background}!important;color:${colors.mark_text}!important}${on} ::placeholder{color:${colors.muted}!important}${on} :focus-visible{outline:3px solid ${colors.focus}!important;outline-offset:2px!important}`;
}
const pageSheet = new CSSStyleSheet();
pageSheet.replaceSync(pageCss + "}");
// -- larger text ----------------------------------------------------------------
// Hosts set sizes in px, pt, em, rem, %, keywords or clamp()/vw, often on every
// element, so scaling the root is not enough. Each element's own computed size,
// read with the scaling off, goes into a bucket attribute (data-legible-fs="13");
// one rule per bucket sets calc(13px * scale). Line heights in px likewise, so
// lines never overlap. The scale is one custom property: after the first step a
// step changes one rule. Boxes of fixed height that clip (overflow: hidden) and
// held their text at the base size are let grow (data-legible-grow).
const SCALE = "--legible-scale";
const [FONT, LINE, GROW] = ["fs", "lh", "grow"].map((name) => "data-legible-" + name);
const sizeSheet = new CSSStyleSheet();
const bucketed = new Set();
// Overflow-hidden boxes whose text fitted at the base size.
let clippers = [];
let tagged = false;
const px = (value) => +parseFloat(value).toFixed(2);
const HTML_ELEMENT = window.HTMLElement;
const UNSIZED = /^(SCRIPT|STYLE|LINK|META|TEMPLATE|NOSCRIPT|BR|WBR|LEGIBLE-WIDGET)$/;
// Font sizes beat the host's own important rules; line heights yield to the
// text-spacing option's (a more specific selector).
const bucket = (attribute, size, property, lift) => {
  const key = attribute + size;
  if (bucketed.has(key)) return;
  bucketed.add(key);
  sizeSheet.insertRule(`[${attribute}="${size}"]:not(#_)${lift}{${property}:calc(${size}px*var(${SCALE}))!important}`, 1);
};
// All reads first, then all writes: one style recalc and one layout, whatever the count.
const tag = (elements) => {
  const found = [];
  for (const e of elements) {
    if (!(e instanceof HTML_ELEMENT) || UNSIZED.test(e.tagName) || !e.isConnected) continue;
    const s = getComputedStyle(e);
    const clips = /hidden|clip/.test(s.overflowY) && e.scrollHeight <= e.clientHeight + 1;
    found.push([e, px(s.fontSize), s.lineHeight.endsWith("px") && px(s.lineHeight), clips]);
  }
  for (const [e, fontSize, lineHeight, clips] of found) {
    e.setAttribute(FONT, fontSize);
    bucket(FONT, fontSize, "font-size", ":not(#_)");
    if (lineHeight) {
      e.setAttribute(LINE, lineHeight);
      bucket(LINE, lineHeight, "line-height", "");
    }
    if (clips) clippers.push(e);
  }
};
const grow = () => {
  const [over, kept] = [[], []];
  for (const e of clippers) {
    if (!e.isConnected) continue; // removed by the host (a feed, an app): let it go
    kept.push(e);
    if (e.scrollHeight > e.clientHeight + 1) over.push(e);
  }
  clippers = kept;
  for (const e of over) e.setAttribute(GROW, "");
};
const untag = () => {
  for (const e of doc.querySelectorAll(`[${FONT}],[${LINE}],[${GROW}]`)) {
    e.removeAttribute(FONT);
    e.removeAttribute(LINE);
    e.removeAttribute(GROW);
  }
  clippers = [];
};
// Measured with the widget's rules off (the bucket rules, and text spacing's line
// heights), so every size read is the host's own.
const unscaled = (work) => {
  const [off, pageOff] = [sizeSheet.disabled, pageSheet.disabled];
  sizeSheet.disabled = pageSheet.disabled = true;
  work();
  sizeSheet.disabled = off;
  pageSheet.disabled = pageOff;
  if (!off) grow();
};
// Content the host adds later (infinite scroll, an app's navigation, a cookie
// banner) is measured and tagged as it comes. A class or style the host changes
// while the text is at its own size makes the sizes read so far stale.
const observer = new MutationObserver((records) => {
  const added = [];
  for (const record of records) {
    if (record.type === "attributes") {
      if (sizeSheet.disabled) tagged = false;
    } else for (const node of record.addedNodes) if (node.nodeType === 1) added.push(node, ...node.querySelectorAll("*"));
  }
  if (tagged && added.length) unscaled(() => tag(added));
});
// Reading 5,000 sizes takes a few tens of ms: done when the panel opens, so a
// step itself costs only the browser's restyle and layout.
const prepare = (again) => {
  if (onLegible || !doc.body || (tagged && !again)) return;
  unscaled(() => {
    untag();
    tag([doc.body, ...doc.body.querySelectorAll("*")]);
  });
  observer.observe(doc.body, { childList: true, subtree: true, attributeFilter: ["class", "style"] });
  tagged = true;
};
const measure = (again) => {
  if (onLegible) return;
  const on = choice.size !== DEFAULT_SIZE;
  sizeSheet.deleteRule(0);
  sizeSheet.insertRule(`:root{${SCALE}:${choice.size / DEFAULT_SIZE}}`, 0);
  if (on) prepare(again);
  else if (!sizeSheet.disabled) {
    // Back to the host's own sizes: the page is left as it was (read again while
    // the panel is open, for the next step; dropped when it closes).
    release();
    ready();
  } else if (again) tagged = false;
  sizeSheet.disabled = !on;
  if (on) grow();
};
const release = () => {
  observer.disconnect();
  untag();
  tagged = false;
};
// While the panel is open, at the host's size: read sizes ahead of the first step.
const ready = () => requestAnimationFrame(() => setTimeout(() => panel.hidden || prepare()));
sizeSheet.disabled = true;
sizeSheet.replaceSync(`:root{}[${GROW}]:not(#_):not(#_){height:auto!important;max-height:none!important}`);
doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, pageSheet, sizeSheet];
const setAttribute = (node, name, on, value = "") => on ? node.setAttribute(name, value) : node.removeAttribute(name);
const setHtmlAttribute = (name, on, value) => setAttribute(html, name, on, value);
const apply = (atStartUp) => {
  const prefix = onLegible ? "data-" : "data-legible-";
  if (!(onLegible && atStartUp)) {
    setHtmlAttribute(prefix + THEME, choice.theme, choice.theme);
    setHtmlAttribute(prefix + SIZE, choice.size !== DEFAULT_SIZE, choice.size);
    setHtmlAttribute(prefix + SPACING, choice.spacing);
    if (onLegible) for (const name of CHOICE_NAMES) setHtmlAttribute(prefix + name, choice[name] !== CHOICES[name].default, choice[name]);
  }
  setHtmlAttribute("data-legible-underline", choice.underline);
  setHtmlAttribute("data-legible-motion", choice.motion);
  measure();
};
// On our own pages the server already rendered the variant: at load, touch
// nothing but the two options it does not know about.
apply(true);
// An async script may run before the host's stylesheets apply, and vw or media
// queries change base sizes: measure again on load and after a resize.
const remeasure = () => measure(true);
// Only a change of width: a phone's toolbar showing or hiding while the reader
// scrolls changes the height alone, and re-reading 5,000 sizes each time would jank.
let resizeFrame = 0;
let width = innerWidth;
addEventListener("resize", () => {
  if (innerWidth === width) return;
  width = innerWidth;
  cancelAnimationFrame(resizeFrame);
  resizeFrame = requestAnimationFrame(remeasure);
});
addEventListener("load", remeasure);

const save = () => {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(toStorage(choice)));
  } catch (e) {}
  if (!onLegible) return;
  // The values of the PARAMS fields as the cookie and the form's cur_… fields carry them.
  const fields = PARAMS.map((name) => name === THEME ? choice.theme || "" : name === SPACING ? +choice.spacing : choice[name]);
  // The next page should arrive in this variant: the cookie for bare URLs, and
  // this page's address, links and forms carry the variant as the server does.
  doc.cookie = `${COOKIE.name}=${fields.join(COOKIE.separator)};Path=/;Max-Age=${COOKIE.maxAge};SameSite=Lax${location.protocol === "https:" ? ";Secure" : ""}`;
  // The canonical query, as Preference.params(): fixed order, defaults left out.
  const query = [];
  PARAMS.forEach((name, i) => {
    if (fields[i] !== "" && fields[i] !== 0 && fields[i] !== DEFAULTS[name]) query.push([name, fields[i]]);
  });
  const withVariant = (url) => {
    for (const name of PARAMS) url.searchParams.delete(name);
    for (const [name, value] of query) url.searchParams.append(name, value);
    return url.pathname + url.search + url.hash;
  };
  history.replaceState(history.state, "", withVariant(new URL(location.href)));
  for (const link of doc.querySelectorAll("a[href]")) {
    const url = new URL(link.href);
    if (url.origin === location.origin && !link.getAttribute("href").startsWith("#") &&
        !/^\/(assets|static|widget|api)\b/.test(url.pathname)) link.href = withVariant(url);
  }
  const current = new Map(PARAMS.map((name, i) => [`cur_${name}`, fields[i]]));
  for (const form of doc.forms) {
    const isGet = form.method === "get";
    for (const input of [...form.elements]) {
      if (input.type !== "hidden") continue;
      if (isGet && PARAMS.includes(input.name)) input.remove();
      else if (current.has(input.name)) input.value = current.get(input.name);
    }
    if (isGet) for (const [name, value] of query) form.append(element("input", { type: "hidden", name, value }));
  }
};

// -- the panel ----------------------------------------------------------------
const element = (tag, attributes = {}, ...children) => {
  const node = doc.createElement(tag);
  for (const name in attributes) node.setAttribute(name, attributes[name]);
  node.append(...children);
  return node;
};
const SVG_NS = "http://www.w3.org/2000/svg";
const icon = (...shapes) => {
  const svg = doc.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  for (const [tag, attributes] of shapes) {
    const shape = doc.createElementNS(SVG_NS, tag);
    for (const name in attributes) shape.setAttribute(name, attributes[name]);
    svg.append(shape);
  }
  return svg;
};
// Icon parts; class "d" is drawn only when the control is on (widget.css).
const RING = ["circle", { cx: 12, cy: 12, r: 8 }];
const DOT = ["circle", { cx: 12, cy: 12, r: 4, class: "f d" }];
const BOX = ["rect", { x: 4, y: 4, width: 16, height: 16, rx: 2 }];
const TICK = ["path", { d: "m8 12 3 3 5-6", class: "d" }];
const button = (label, attributes, ...children) => element("button", { type: "button", ...attributes }, ...children, label);

const trigger = button("", { class: "t", "aria-expanded": "false", "aria-controls": "p", "aria-label": i18n.displayOptions },
  icon(["circle", { cx: 12, cy: 12, r: 10.5 }], ["circle", { cx: 12, cy: 6.5, r: 1.75, class: "f" }],
    ["path", { d: "M6.5 9.5 12 11l5.5-1.5M12 11v3.5l-3 5m3-5 3 5" }]));
const closeButton = button("", { class: "x", "aria-label": i18n.close }, icon(["path", { d: "M6 6l12 12M18 6 6 18" }]));
const sizeOutput = element("output");
// data-d: how many sizes to step; 0 goes back to the default.
const sizeButtons = [[-1, i18n.smallerText], [1, i18n.largerText], [0, i18n.defaultTextSize]].map(([step, label]) =>
  button(label, { "data-d": step }));
const [smallerButton, largerButton] = sizeButtons;
// data-v: the theme's name; "" for the page's own colours.
const themeRadios = [["", i18n.pageColours], ...THEMES.map((theme) => [theme.name, theme.labels[lang]])].map(([name, label]) =>
  button(label, { role: "radio", "data-v": name }, icon(RING, DOT)));
// data-k: the option in the choice that the button switches.
const TOGGLES = { spacing: i18n.textSpacing, underline: i18n.underlineLinks, motion: i18n.reduceMotion };
const toggleButtons = Object.entries(TOGGLES).map(([option, label]) => button(label, { "data-k": option }, icon(BOX, TICK)));
const resetButton = button(i18n.resetAll, { class: "r" });
// data-c: the choice a select sets; its label names it.
const choiceSelects = onLegible ? CHOICE_NAMES.map((name) => element("select", { "data-c": name },
  ...CHOICES[name].values.map((value, i) => element("option", { value }, CHOICES[name].labels[lang][i])))) : [];
const themeGroup = element("div", { role: "radiogroup", "aria-labelledby": "lc", class: "col" }, ...themeRadios);
const panel = element("div", { class: "p", id: "p", role: "dialog", "aria-labelledby": "h", hidden: "" },
  element("div", { class: "hd" }, element("h2", { id: "h" }, i18n.displayOptions), closeButton),
  element("div", { role: "group", "aria-labelledby": "ls" },
    element("p", { class: "l", id: "ls" }, i18n.textSize + ": ", sizeOutput), element("div", { class: "row" }, ...sizeButtons)),
  element("div", {}, element("p", { class: "l", id: "lc" }, i18n.contrast), themeGroup),
  element("div", { class: "col" }, ...toggleButtons),
  ...choiceSelects.map((select) => element("label", { class: "l" }, CHOICES[select.dataset.c].legend[lang], select)),
  resetButton);
const wrapper = element("div", { class: "w", lang, "data-p": position }, trigger, panel);

const render = () => {
  setAttribute(wrapper, "data-t", choice.theme, choice.theme);
  sizeOutput.value = choice.size + "%";
  smallerButton.setAttribute("aria-disabled", choice.size === SIZES[0]);
  largerButton.setAttribute("aria-disabled", choice.size === SIZES[SIZES.length - 1]);
  for (const radio of themeRadios) {
    const checked = radio.dataset.v === (choice.theme || "");
    radio.setAttribute("aria-checked", checked);
    radio.tabIndex = checked ? 0 : -1;
  }
  for (const toggle of toggleButtons) toggle.setAttribute("aria-pressed", choice[toggle.dataset.k]);
  for (const select of choiceSelects) select.value = choice[select.dataset.c];
};
const show = () => {
  ready();
  panel.hidden = false;
  trigger.setAttribute("aria-expanded", "true");
  smallerButton.focus();
};
const hide = (refocus) => {
  panel.hidden = true;
  if (sizeSheet.disabled) release(); // at the host's size nothing of ours stays on the page
  trigger.setAttribute("aria-expanded", "false");
  if (refocus) trigger.focus();
};
trigger.addEventListener("click", () => (panel.hidden ? show() : hide()));
const changed = () => {
  apply();
  save();
  render();
};
panel.addEventListener("click", (event) => {
  const pressed = event.target.closest("button");
  if (!pressed) return;
  const { d: step, v: theme, k: option } = pressed.dataset;
  if (pressed === closeButton) return hide(true);
  if (step) {
    const index = Math.max(0, SIZES.indexOf(choice.size)) + +step;
    choice.size = +step ? SIZES[Math.max(0, Math.min(SIZES.length - 1, index))] : DEFAULT_SIZE;
  } else if (theme !== undefined) choice.theme = theme || null;
  else if (option) choice[option] = !choice[option];
  else if (pressed === resetButton) choice = { ...DEFAULTS };
  else return;
  changed();
});
panel.addEventListener("change", (event) => {
  const select = event.target.closest("select");
  if (!select) return;
  choice[select.dataset.c] = select.value;
  changed();
});
// Arrow keys move through the radiogroup (roving tabindex), only inside it.
themeGroup.addEventListener("keydown", (event) => {
  const index = themeRadios.indexOf(event.target.closest("button"));
  const count = themeRadios.length;
  const next = { ArrowDown: index + 1, ArrowRight: index + 1, ArrowUp: index - 1, ArrowLeft: index - 1, Home: 0, End: count - 1 }[event.key];
  if (next === undefined || index < 0) return;
  event.preventDefault();
  const radio = themeRadios[(next + count) % count];
  radio.focus();
  radio.click();
});
wrapper.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !panel.hidden) hide(true);
});
// A disclosure: once focus lands anywhere outside the widget (Tab, a click, a
// script), the panel closes, so it never covers the element that has focus
// (WCAG 2.4.11). Focus events only: no keys are captured.
let hostElement = null;
doc.addEventListener("focusin", (event) => {
  if (!panel.hidden && event.target !== hostElement) hide();
});

const mount = () => {
  const host = (hostElement = doc.createElement("legible-widget"));
  const shadow = host.attachShadow({ mode: "open" });
  const sheet = new CSSStyleSheet();
  // Each theme's tokens as the custom properties widget.css reads. The panel
  // wears the reader's theme; until one is chosen, the one the OS asks for
  // through a theme's media query (dark, more contrast), as Legible's own pages
  // do, else the default. Of several matching, the earlier theme wins: last rule.
  const variables = (theme) => `{color-scheme:${theme.scheme}` +
    Object.keys(TOKEN_PROPERTIES).map((token) => `;${TOKEN_PROPERTIES[token]}:${theme.colors[token]}`).join("") + "}";
  let css = PANEL_CSS + `.w{--o:${offset}px}.w:not([data-t])` + variables(THEMES[0]);
  for (const theme of [...THEMES].reverse()) if (theme.media) css += `@media ${theme.media}{.w:not([data-t])${variables(theme)}}`;
  for (const theme of THEMES) css += `.w[data-t="${theme.name}"]${variables(theme)}`;
  sheet.replaceSync(css);
  shadow.adoptedStyleSheets = [sheet];
  shadow.append(wrapper);
  render();
  doc.body.append(host);
  measure();
};
if (doc.body) mount();
else doc.addEventListener("DOMContentLoaded", mount);
})();
