/**
 * @file The reader's choice: its defaults, its validation, and where it is kept.
 *
 * The choice lives in localStorage, so it lasts across pages and visits on any site.
 * On Legible's own pages the page itself says which variant it is, and the cookie
 * and URLs carry it to the next page (variant.js).
 */

import { CHOICES, CHOICE_NAMES, DEFAULT_SIZE, SIZE, SIZES, SPACING, THEME, THEME_NAMES } from "./config.js";
import { onLegible } from "./options.js";

/** The localStorage key; the same as the custom element's name. */
const STORAGE_KEY = "legible-widget";

/**
 * @typedef {object} ReaderChoice
 * @property {string | null} theme - a theme's name; null: the page keeps its own colours
 * @property {number} size - text size in percent, one of SIZES
 * @property {boolean} spacing - WCAG 1.4.12 text spacing
 * @property {boolean} underline - underline every link
 * @property {boolean} motion - reduce motion
 * (and, on Legible's own pages, one value for each of CHOICE_NAMES)
 */

/** @type {ReaderChoice} What a reader has before choosing anything. */
export const DEFAULTS = { theme: null, size: DEFAULT_SIZE, spacing: false, underline: false, motion: false };
for (const name of CHOICE_NAMES) DEFAULTS[name] = CHOICES[name].default;

/**
 * The choice now. The panel changes it in place; Reset replaces it with a copy of
 * DEFAULTS (resetChoice).
 *
 * @type {ReaderChoice}
 */
export let choice = { ...DEFAULTS };

/** Back to DEFAULTS, as a copy. */
export const resetChoice = () => {
  choice = { ...DEFAULTS };
};

/**
 * Storage and the page are input like any other: unknown values become defaults.
 *
 * @param {object} given - a choice read from storage or the page
 * @returns {ReaderChoice} the same choice with every field valid
 */
const validated = (given) => ({
  theme: THEME_NAMES.includes(given.theme) ? given.theme : null,
  size: SIZES.includes(+given.size) ? +given.size : DEFAULT_SIZE,
  spacing: !!given.spacing,
  underline: !!given.underline,
  motion: !!given.motion,
  ...Object.fromEntries(CHOICE_NAMES.map((name) =>
    [name, CHOICES[name].values.includes(given[name]) ? given[name] : CHOICES[name].default])),
});

/**
 * Read the stored choice; on Legible's own pages, the variant the server rendered
 * wins over it (the URL or cookie chose it).
 *
 * @param {HTMLElement} html - the host's root element
 */
export const loadChoice = (html) => {
  try {
    // Stored under the one-letter keys earlier versions wrote, so a choice survives an update.
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY)) || {};
    choice = validated({ theme: stored.t, size: stored.s, spacing: stored.p, underline: stored.u, motion: stored.m });
  } catch {
    // Storage blocked (a sandboxed frame, a privacy setting) or corrupt: the defaults.
  }
  const page = html.dataset;
  if (onLegible) choice = validated({ ...choice, ...page, theme: page[THEME], size: page[SIZE] || DEFAULT_SIZE, spacing: SPACING in page });
};

/** Keep the choice for the next page and visit (where storage is allowed). */
export const store = () => {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ t: choice.theme, s: choice.size, p: choice.spacing, u: choice.underline, m: choice.motion }));
  } catch {
    // Storage blocked: the choice lasts for this page only.
  }
};
