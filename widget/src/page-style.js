/**
 * @file The choice's effect on the host page: attributes on `<html>` and one
 * constructable stylesheet adopted by the document.
 *
 * Rules, so the host keeps working: never `filter` or `transform` on html/body
 * (fixed headers stay fixed), no `<style>` element and no `style=""` (a strict CSP
 * allows neither), and colours only when the OS is not forcing its own.
 */

import { CHOICES, CHOICE_NAMES, DEFAULT_SIZE, SIZE, SPACING, THEME, THEMES } from "./config.js";
import { toggleAttribute } from "./dom.js";
import { onLegible } from "./options.js";
import { choice } from "./preferences.js";
import { measure } from "./scaling.js";

/** The host page's attributes are `data-legible-…`; Legible's own pages' `data-…`. */
const HOST_PREFIX = "data-legible-";
const LEGIBLE_PREFIX = "data-";
/** The two options Legible's server does not render: the widget applies them everywhere. */
const UNDERLINE = "underline";
const MOTION = "motion";

/**
 * A selector for `<html>` while an option is on. The `:not(#_)` never matches an id:
 * it lifts the rule above the host's own selectors.
 *
 * @param {string} option - the option's name
 * @param {string} [value] - its value, if the option has several
 * @returns {string} the selector
 */
const whenSet = (option, value) => `html[${HOST_PREFIX}${option}${value ? `="${value}"` : ""}]:not(#_)`;

/**
 * The stylesheet for every option and theme, each behind its attribute on `<html>`.
 *
 * @returns {CSSStyleSheet} the sheet, not yet adopted
 */
export const createPageSheet = () => {
  const spacingOn = whenSet(SPACING);
  let css = `${spacingOn} body,${spacingOn} body *{line-height:1.5!important;letter-spacing:.12em!important;word-spacing:.16em!important}${spacingOn} p{margin-bottom:2em!important}${whenSet(UNDERLINE)} a{text-decoration:underline!important}`;
  for (const part of ["*", "::before", "::after"]) {
    css += `${whenSet(MOTION)} ${part}{animation-duration:1ms!important;animation-delay:0s!important;animation-iteration-count:1!important;transition-duration:0s!important;transition-delay:0s!important;scroll-behavior:auto!important}`;
  }
  // Colours only when the OS is not forcing its own (forced-colors: active).
  css += "@media (forced-colors:none){";
  for (const { name, scheme, underlineLinks, colors } of THEMES) {
    const on = whenSet(THEME, name);
    css += `${on}{color-scheme:${scheme};background:${colors.background}!important}${on},${on} body,${on} body *{background-color:${colors.background}!important;color:${colors.text}!important;border-color:${colors.border}!important;text-shadow:none!important}${on} a,${on} a *{color:${colors.link}!important${underlineLinks ? ";text-decoration:underline!important" : ""}}${on} a:visited,${on} a:visited *{color:${colors.visited}!important}${on} mark,${on} mark *{background-color:${colors.mark_background}!important;color:${colors.mark_text}!important}${on} ::placeholder{color:${colors.muted}!important}${on} :focus-visible{outline:3px solid ${colors.focus}!important;outline-offset:2px!important}`;
  }
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css + "}");
  return sheet;
};

/**
 * Show the choice on the page. On Legible's own pages the server already rendered
 * the variant: at start-up, touch nothing but the two options it does not know.
 *
 * @param {boolean} [atStartUp] - the first call, before the reader changed anything
 */
export const apply = (atStartUp) => {
  const html = document.documentElement;
  const prefix = onLegible ? LEGIBLE_PREFIX : HOST_PREFIX;
  if (!(onLegible && atStartUp)) {
    toggleAttribute(html, prefix + THEME, choice.theme, choice.theme);
    toggleAttribute(html, prefix + SIZE, choice.size !== DEFAULT_SIZE, choice.size);
    toggleAttribute(html, prefix + SPACING, choice.spacing);
    if (onLegible) for (const name of CHOICE_NAMES) toggleAttribute(html, prefix + name, choice[name] !== CHOICES[name].default, choice[name]);
  }
  toggleAttribute(html, HOST_PREFIX + UNDERLINE, choice.underline);
  toggleAttribute(html, HOST_PREFIX + MOTION, choice.motion);
  measure();
};
