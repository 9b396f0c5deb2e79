/**
 * @file Legible display options: an embeddable widget. Plain ES2020 modules, no
 * framework; scripts/build-widget bundles them into widget/widget.min.js.
 *
 * Rules every module keeps, so the widget works under a strict CSP with Trusted Types
 * and never breaks its host (tests/test_widget.py checks the built file for them):
 * - no innerHTML, eval, new Function, document.write, no <style>/<link>, no style="";
 * - the panel lives in an open shadow root styled by a constructable stylesheet;
 * - the host page is changed only through attributes on <html> and constructable
 *   stylesheets adopted by the document;
 * - never `filter` or `transform` on html/body (fixed headers stay fixed);
 * - no requests, no global key capture, no assistive-technology detection.
 */

import { readOptions } from "./options.js";
import { loadChoice } from "./preferences.js";
import { apply, createPageSheet } from "./page-style.js";
import { isOpen, mountPanel } from "./panel.js";
import { measure, startScaling } from "./scaling.js";

/** Set on window by the first copy of the widget: a second copy does nothing. */
const LOADED = "legibleWidget";

/** Build the panel once `<body>` exists, then measure sizes (which needs it too). */
const mount = () => {
  mountPanel();
  measure();
};

// Constructable stylesheets are the only way in under a strict CSP: without them
// (old browsers) the host page is left alone.
if (!window[LOADED] && "adoptedStyleSheets" in document) {
  window[LOADED] = 1;
  const html = document.documentElement;
  readOptions(document.currentScript, html);
  loadChoice(html);
  startScaling(createPageSheet(), isOpen);
  apply(true);
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
}
