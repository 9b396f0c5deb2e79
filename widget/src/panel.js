/**
 * @file The panel: a trigger button and a non-modal dialog in an open shadow root.
 *
 * A disclosure, not a modal: Tab leaves it, and focus landing anywhere outside closes
 * it (so it never covers the focused element, WCAG 2.4.11). Real buttons throughout;
 * the themes are a radiogroup with a roving tabindex; Escape closes and returns focus
 * to the trigger. No keys are captured outside the widget.
 *
 * The class names and data attributes below are short on purpose: they ship in every
 * page's bytes, and `legible audit` drives the panel by them (`button.t`, `[data-d]`),
 * so they stay as they are. widget.css's first comment says what each class is; the
 * data attributes are described where the controls are declared below.
 */

import { CHOICES, CHOICE_NAMES, DEFAULT_SIZE, PANEL_CSS, SIZES, THEMES, TOKEN_PROPERTIES } from "./config.js";
import { button, element, icon, toggleAttribute } from "./dom.js";
import { STRINGS } from "./i18n.js";
import { lang, offset, onLegible, position } from "./options.js";
import { apply } from "./page-style.js";
import { choice, resetChoice, store } from "./preferences.js";
import { ready, releaseIfUnscaled } from "./scaling.js";
import { carryVariant } from "./variant.js";

/** The custom element that hosts the shadow root. */
const HOST_TAG = "legible-widget";
/** Ids inside the shadow root: the panel, its heading, the size and contrast labels. */
const PANEL_ID = "p";
const HEADING_ID = "h";
const SIZE_LABEL_ID = "ls";
const CONTRAST_LABEL_ID = "lc";

/** The size buttons, by index: smaller, larger (then default). */
const SMALLER = 0;
const LARGER = 1;

// Icon parts; class "d" is drawn only when the control is on (widget.css).
const RING = ["circle", { cx: 12, cy: 12, r: 8 }];
const DOT = ["circle", { cx: 12, cy: 12, r: 4, class: "f d" }];
const BOX = ["rect", { x: 4, y: 4, width: 16, height: 16, rx: 2 }];
const TICK = ["path", { d: "m8 12 3 3 5-6", class: "d" }];

/** @type {HTMLElement} The `.w` wrapper: wears the theme's colours and the position. */
let wrapper;
/** @type {HTMLButtonElement} The round button that opens and closes the panel. */
let trigger;
/** @type {HTMLElement} The dialog. */
let panel;
/** @type {HTMLButtonElement} */
let closeButton;
/** @type {HTMLOutputElement} The size now, as "150%". */
let sizeOutput;
/** @type {HTMLButtonElement[]} Smaller, larger, default (`data-d`: sizes to step; 0: default). */
let sizeButtons;
/** @type {HTMLButtonElement[]} Page colours, then each theme (`data-v`: its name). */
let themeRadios;
/** @type {HTMLButtonElement[]} Text spacing, underline, motion (`data-k`: the option). */
let toggleButtons;
/** @type {HTMLButtonElement} */
let resetButton;
/** @type {HTMLSelectElement[]} Line length and typeface (`data-c`: the choice), own pages only. */
let choiceSelects;
/** @type {HTMLElement | undefined} The custom element, once mounted. */
let hostElement;

/** @returns {boolean} the panel is open */
export const isOpen = () => !panel.hidden;

/** Show the choice in the controls. */
const render = () => {
  toggleAttribute(wrapper, "data-t", choice.theme, choice.theme);
  sizeOutput.value = choice.size + "%";
  sizeButtons[SMALLER].setAttribute("aria-disabled", choice.size === SIZES[0]);
  sizeButtons[LARGER].setAttribute("aria-disabled", choice.size === SIZES[SIZES.length - 1]);
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
  sizeButtons[SMALLER].focus();
};

/** @param {boolean} [refocus] - put focus back on the trigger (Close, Escape) */
const hide = (refocus) => {
  panel.hidden = true;
  releaseIfUnscaled(); // at the host's size nothing of ours stays on the page
  trigger.setAttribute("aria-expanded", "false");
  if (refocus) trigger.focus();
};

/** After every change: show it, keep it, and show it in the panel. */
const changed = () => {
  apply();
  store();
  if (onLegible) carryVariant();
  render();
};

/** @param {MouseEvent} event - a click anywhere in the panel */
const onClick = (event) => {
  const pressed = event.target.closest("button");
  if (!pressed) return;
  const { d: step, v: theme, k: option } = pressed.dataset;
  if (pressed === closeButton) return hide(true);
  if (step) {
    const index = Math.max(0, SIZES.indexOf(choice.size)) + +step;
    choice.size = +step ? SIZES[Math.max(0, Math.min(SIZES.length - 1, index))] : DEFAULT_SIZE;
  } else if (theme !== undefined) choice.theme = theme || null;
  else if (option) choice[option] = !choice[option];
  else if (pressed === resetButton) resetChoice();
  else return;
  changed();
};

/** @param {Event} event - a select changed */
const onChange = (event) => {
  const select = event.target.closest("select");
  if (!select) return;
  choice[select.dataset.c] = select.value;
  changed();
};

/**
 * Arrow keys, Home and End move through the radiogroup (roving tabindex), only
 * inside it.
 *
 * @param {KeyboardEvent} event - a key in the theme group
 */
const onThemeKey = (event) => {
  const index = themeRadios.indexOf(event.target.closest("button"));
  const count = themeRadios.length;
  const next = { ArrowDown: index + 1, ArrowRight: index + 1, ArrowUp: index - 1, ArrowLeft: index - 1, Home: 0, End: count - 1 }[event.key];
  if (next === undefined || index < 0) return;
  event.preventDefault();
  const radio = themeRadios[(next + count) % count];
  radio.focus();
  radio.click();
};

/** Build the trigger and the panel, and wire their events. */
const build = () => {
  const text = STRINGS[lang];
  trigger = button("", { class: "t", "aria-expanded": "false", "aria-controls": PANEL_ID, "aria-label": text.displayOptions },
    icon(["circle", { cx: 12, cy: 12, r: 10.5 }], ["circle", { cx: 12, cy: 6.5, r: 1.75, class: "f" }],
      ["path", { d: "M6.5 9.5 12 11l5.5-1.5M12 11v3.5l-3 5m3-5 3 5" }]));
  closeButton = button("", { class: "x", "aria-label": text.close }, icon(["path", { d: "M6 6l12 12M18 6 6 18" }]));
  sizeOutput = element("output");
  sizeButtons = [[-1, text.smallerText], [1, text.largerText], [0, text.defaultTextSize]].map(([step, label]) =>
    button(label, { "data-d": step }));
  themeRadios = [["", text.pageColours], ...THEMES.map((theme) => [theme.name, theme.labels[lang]])].map(([name, label]) =>
    button(label, { role: "radio", "data-v": name }, icon(RING, DOT)));
  const toggles = { spacing: text.textSpacing, underline: text.underlineLinks, motion: text.reduceMotion };
  toggleButtons = Object.entries(toggles).map(([option, label]) => button(label, { "data-k": option }, icon(BOX, TICK)));
  resetButton = button(text.resetAll, { class: "r" });
  choiceSelects = onLegible ? CHOICE_NAMES.map((name) => element("select", { "data-c": name },
    ...CHOICES[name].values.map((value, i) => element("option", { value }, CHOICES[name].labels[lang][i])))) : [];
  const themeGroup = element("div", { role: "radiogroup", "aria-labelledby": CONTRAST_LABEL_ID, class: "col" }, ...themeRadios);
  panel = element("div", { class: "p", id: PANEL_ID, role: "dialog", "aria-labelledby": HEADING_ID, hidden: "" },
    element("div", { class: "hd" }, element("h2", { id: HEADING_ID }, text.displayOptions), closeButton),
    element("div", { role: "group", "aria-labelledby": SIZE_LABEL_ID },
      element("p", { class: "l", id: SIZE_LABEL_ID }, text.textSize + ": ", sizeOutput), element("div", { class: "row" }, ...sizeButtons)),
    element("div", {}, element("p", { class: "l", id: CONTRAST_LABEL_ID }, text.contrast), themeGroup),
    element("div", { class: "col" }, ...toggleButtons),
    ...choiceSelects.map((select) => element("label", { class: "l" }, CHOICES[select.dataset.c].legend[lang], select)),
    resetButton);
  wrapper = element("div", { class: "w", lang, "data-p": position }, trigger, panel);

  trigger.addEventListener("click", () => (panel.hidden ? show() : hide()));
  panel.addEventListener("click", onClick);
  panel.addEventListener("change", onChange);
  themeGroup.addEventListener("keydown", onThemeKey);
  wrapper.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) hide(true);
  });
  // Focus events only: no keys are captured.
  document.addEventListener("focusin", (event) => {
    if (!panel.hidden && event.target !== hostElement) hide();
  });
};

/**
 * A theme's tokens as the custom properties widget.css reads.
 *
 * @param {import("./config.js").Theme} theme - the theme
 * @returns {string} a declaration block
 */
const variables = (theme) => `{color-scheme:${theme.scheme}` +
  Object.keys(TOKEN_PROPERTIES).map((token) => `;${TOKEN_PROPERTIES[token]}:${theme.colors[token]}`).join("") + "}";

/**
 * The panel wears the reader's theme; until one is chosen, the one the OS asks for
 * through a theme's media query (dark, more contrast), as Legible's own pages do,
 * else the default. Of several matching, the earlier theme wins: its rule comes last.
 *
 * @returns {string} the shadow root's whole stylesheet
 */
const panelCss = () => {
  let css = PANEL_CSS + `.w{--o:${offset}px}.w:not([data-t])` + variables(THEMES[0]);
  for (const theme of [...THEMES].reverse()) if (theme.media) css += `@media ${theme.media}{.w:not([data-t])${variables(theme)}}`;
  for (const theme of THEMES) css += `.w[data-t="${theme.name}"]${variables(theme)}`;
  return css;
};

/** Build the panel and add it to the page, at the end of `<body>`. */
export const mountPanel = () => {
  build();
  hostElement = document.createElement(HOST_TAG);
  const shadow = hostElement.attachShadow({ mode: "open" });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(panelCss());
  shadow.adoptedStyleSheets = [sheet];
  shadow.append(wrapper);
  render();
  document.body.append(hostElement);
};
