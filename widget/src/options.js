/**
 * @file The operator's options: the `data-*` attributes on the widget's script tag.
 *
 * `<script src="…/widget.js" data-lang="en" data-position="top-left"
 * data-offset="80" async>`: each is optional, and a bad value is replaced by the
 * default (with a console warning where the operator may not notice).
 */

/** Where the trigger sits: a corner of the viewport. */
const POSITIONS = /^(top|bottom)-(left|right)$/;
const DEFAULT_POSITION = "bottom-right";
/** CSS px between the trigger and the top or bottom edge, unless data-offset says. */
const DEFAULT_OFFSET_PX = 8;
/** The farthest data-offset may push the trigger (a chat bubble, a cookie bar). */
const MAX_OFFSET_PX = 400;

/**
 * True when the script came from the page's own origin: Legible's server renders the
 * variant there, so the widget drives its `data-theme`/`data-size`/`data-spacing`
 * attributes (which Legible's stylesheet styles) and its preference cookie. Anywhere
 * else the widget uses its own `data-legible-*` attributes.
 */
export let onLegible = false;
/** @type {"vi" | "en"} The panel's language (its strings: i18n.js): `data-lang`, else the page's `lang`. */
export let lang = "vi";
/** @type {string} "top-left", "top-right", "bottom-left" or "bottom-right". */
export let position = DEFAULT_POSITION;
/** CSS px between the trigger and the top or bottom edge. */
export let offset = DEFAULT_OFFSET_PX;

/**
 * Read the options from the script that is running now; run once, at start-up.
 *
 * @param {HTMLScriptElement | null} script - `document.currentScript`
 * @param {HTMLElement} html - the host's root element (for its `lang`)
 */
export const readOptions = (script, html) => {
  const data = (script && script.dataset) || {};
  try {
    onLegible = new URL(script.src).origin === location.origin;
  } catch {
    // No script (inlined by a host's bundler) or no src: a foreign page.
  }
  // Vietnamese on a page in Vietnamese or with no language (the portal's own), else English.
  lang = /^vi\b/i.test(data.lang || html.lang || "vi") ? "vi" : "en";
  if (POSITIONS.test(data.position)) position = data.position;
  if (data.offset !== undefined) {
    const value = data.offset.trim().replace(/px$/, "");
    if (/^\d+$/.test(value) && +value <= MAX_OFFSET_PX) offset = +value;
    else console.warn(`Legible widget: data-offset="${data.offset}" is not a whole number of CSS pixels from 0 to ${MAX_OFFSET_PX}; using ${DEFAULT_OFFSET_PX}.`);
  }
};
