/**
 * @file What the server knows, filled in at start-up.
 *
 * service/widget.py replaces each `__LEGIBLE_…__` placeholder below with JSON:
 * the theme tokens from themes/*.toml, the preference rules from
 * service/preferences.py and the panel CSS from widget/widget.css. Anything the
 * server also knows (parameter names, sizes, the cookie) comes from here and is
 * never written in another module, so the widget cannot drift from the server.
 */

/* global __LEGIBLE_THEMES__, __LEGIBLE_PROPS__, __LEGIBLE_CSS__, __LEGIBLE_PREFERENCES__ */

/**
 * @typedef {object} Theme
 * @property {string} name - the theme file's name, as in `?theme=NAME`
 * @property {{vi: string, en: string}} labels - its name in the menu
 * @property {"light" | "dark"} scheme - its CSS color-scheme
 * @property {string | null} media - the OS preference that picks it when the reader chose none
 * @property {boolean} underlineLinks - whether it underlines every link
 * @property {{[token: string]: string}} colors - token name -> #rrggbb
 */

/**
 * @typedef {object} Choice - a server-side choice only Legible's own pages can apply
 * @property {string[]} values - its values, in menu order
 * @property {string} default - the value a reader gets without choosing
 * @property {{vi: string, en: string}} legend - its name in the panel
 * @property {{vi: string[], en: string[]}} labels - each value's name, by language
 */

/** @type {Theme[]} The themes, in menu order; the first is the default. */
export const THEMES = __LEGIBLE_THEMES__;

/** @type {{[token: string]: string}} Theme token -> the custom property widget.css reads it from. */
export const TOKEN_PROPERTIES = __LEGIBLE_PROPS__;

/** @type {string} widget.css, minified: the panel's own look. */
export const PANEL_CSS = __LEGIBLE_CSS__;

/**
 * The preference rules (service/widget.py `_preference_rules`):
 * - PARAMS: the variant's fields, named as the server names them in URLs, on
 *   `<html data-…>` and in the form's `cur_…` fields; the cookie joins their values
 *   in this order;
 * - SIZES: the text sizes in percent, smallest first;
 * - DEFAULT_SIZE: the size a reader has without choosing (the host's own sizes);
 * - COOKIE: the preference cookie's `name`, `maxAge` and field `separator`;
 * - CHOICES: line length and typeface, by name (each a Choice).
 *
 * @type {{params: string[], sizes: number[], defaultSize: number, cookie: {name: string, maxAge: number, separator: string}, choices: {[name: string]: Choice}}}
 */
export const { params: PARAMS, sizes: SIZES, defaultSize: DEFAULT_SIZE, cookie: COOKIE, choices: CHOICES } = __LEGIBLE_PREFERENCES__;

/** @type {string[]} The names of CHOICES: the panel offers them on Legible's own pages only. */
export const CHOICE_NAMES = Object.keys(CHOICES);

/** The names of the first three PARAMS: the theme, the size and text spacing. */
export const [THEME, SIZE, SPACING] = PARAMS;

/** @type {string[]} */
export const THEME_NAMES = THEMES.map((theme) => theme.name);
