/**
 * @file Larger text on any host page.
 *
 * Hosts set sizes in px, pt, em, rem, %, keywords or clamp()/vw, often on every
 * element, so scaling the root is not enough. Each element's own computed size, read
 * with the scaling off, goes into a bucket attribute (`data-legible-fs="13"`); one
 * rule per bucket sets `calc(13px * scale)`. Line heights in px likewise, so lines
 * never overlap. The scale is one custom property: after the first step, a step
 * changes one rule. Boxes of fixed height that clip (overflow: hidden) and held their
 * text at the base size are let grow (`data-legible-grow`).
 *
 * On Legible's own pages the server renders the size in rem: none of this runs there.
 */

import { DEFAULT_SIZE } from "./config.js";
import { onLegible } from "./options.js";
import { choice } from "./preferences.js";

/** The custom property that holds the scale (1.5 at 150 %). */
const SCALE = "--legible-scale";
/** The attribute with an element's own font size in px (its bucket). */
const FONT = "data-legible-fs";
/** The attribute with an element's own line height in px, when it is set in px. */
const LINE = "data-legible-lh";
/** The attribute on a clipping box that is let grow. */
const GROW = "data-legible-grow";
/** Elements with no text of their own to size (and the widget itself). */
const UNSIZED = /^(SCRIPT|STYLE|LINK|META|TEMPLATE|NOSCRIPT|BR|WBR|LEGIBLE-WIDGET)$/;
/** Node.ELEMENT_NODE, inlined. */
const ELEMENT_NODE = 1;
/** A box whose content is taller than this by more than 1 px overflows (rounding). */
const OVERFLOW_SLACK_PX = 1;

/** @type {CSSStyleSheet} The bucket rules; rule 0 is `:root{--legible-scale:…}`. */
let sizeSheet;
/** @type {CSSStyleSheet} The page sheet (page-style.js), off while sizes are read. */
let pageSheet;
/** @type {() => boolean} Whether the panel is open (panel.js). */
let panelOpen;
/** The bucket rules already in sizeSheet, by attribute + size. */
const bucketed = new Set();
/** @type {HTMLElement[]} Overflow-hidden boxes whose text fitted at the base size. */
let clippers = [];
/** Whether every element's size has been read (and is not stale). */
let tagged = false;

/**
 * @param {string} value - a computed length such as "13.3333px"
 * @returns {number} its px, to 2 decimals (so near sizes share a bucket)
 */
const px = (value) => +parseFloat(value).toFixed(2);

/**
 * @param {Element} box - an element
 * @returns {boolean} its content is taller than its box
 */
const overflows = (box) => box.scrollHeight > box.clientHeight + OVERFLOW_SLACK_PX;

/**
 * Add the rule for one bucket, once. Font sizes beat the host's own important rules;
 * line heights yield to the text-spacing option's (a more specific selector).
 *
 * @param {string} attribute - FONT or LINE
 * @param {number} size - the bucket's base size in px
 * @param {string} property - "font-size" or "line-height"
 * @param {string} lift - extra specificity
 */
const bucket = (attribute, size, property, lift) => {
  const key = attribute + size;
  if (bucketed.has(key)) return;
  bucketed.add(key);
  sizeSheet.insertRule(`[${attribute}="${size}"]:not(#_)${lift}{${property}:calc(${size}px*var(${SCALE}))!important}`, 1);
};

/**
 * Read each element's own sizes and put it in its buckets. All reads first, then all
 * writes: one style recalc and one layout, whatever the count.
 *
 * @param {Node[]} elements - the elements to read
 */
const tag = (elements) => {
  const found = [];
  for (const e of elements) {
    if (!(e instanceof HTMLElement) || UNSIZED.test(e.tagName) || !e.isConnected) continue;
    const s = getComputedStyle(e);
    const clips = /hidden|clip/.test(s.overflowY) && !overflows(e);
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

/** Let the clipping boxes that now overflow grow. */
const grow = () => {
  const [over, kept] = [[], []];
  for (const e of clippers) {
    if (!e.isConnected) continue; // removed by the host (a feed, an app): let it go
    kept.push(e);
    if (overflows(e)) over.push(e);
  }
  clippers = kept;
  for (const e of over) e.setAttribute(GROW, "");
};

/** Take every attribute of ours off the page. */
const untag = () => {
  for (const e of document.querySelectorAll(`[${FONT}],[${LINE}],[${GROW}]`)) {
    e.removeAttribute(FONT);
    e.removeAttribute(LINE);
    e.removeAttribute(GROW);
  }
  clippers = [];
};

/**
 * Run `work` with the widget's rules off (the bucket rules, and text spacing's line
 * heights), so every size read is the host's own.
 *
 * @param {() => void} work - reads sizes
 */
const unscaled = (work) => {
  const [off, pageOff] = [sizeSheet.disabled, pageSheet.disabled];
  sizeSheet.disabled = pageSheet.disabled = true;
  work();
  sizeSheet.disabled = off;
  pageSheet.disabled = pageOff;
  if (!off) grow();
};

/**
 * Content the host adds later (infinite scroll, an app's navigation, a cookie banner)
 * is measured and tagged as it comes. A class or style the host changes while the
 * text is at its own size makes the sizes read so far stale.
 */
const observer = new MutationObserver((records) => {
  const added = [];
  for (const record of records) {
    if (record.type === "attributes") {
      if (sizeSheet.disabled) tagged = false;
    } else for (const node of record.addedNodes) if (node.nodeType === ELEMENT_NODE) added.push(node, ...node.querySelectorAll("*"));
  }
  if (tagged && added.length) unscaled(() => tag(added));
});

/**
 * Read every element's size. 5,000 sizes take a few tens of ms: done when the panel
 * opens, so that a step itself costs only the browser's restyle and layout.
 *
 * @param {boolean} [again] - read again even if read before (the layout changed)
 */
const prepare = (again) => {
  const body = document.body;
  if (onLegible || !body || (tagged && !again)) return;
  unscaled(() => {
    untag();
    tag([body, ...body.querySelectorAll("*")]);
  });
  observer.observe(body, { childList: true, subtree: true, attributeFilter: ["class", "style"] });
  tagged = true;
};

/** Stop watching the page and take our attributes off it. */
export const release = () => {
  observer.disconnect();
  untag();
  tagged = false;
};

/** If the text is at the host's own size, leave nothing of ours on the page. */
export const releaseIfUnscaled = () => {
  if (sizeSheet.disabled) release();
};

/**
 * While the panel is open, at the host's size: read sizes ahead of the first step,
 * after the browser has painted the panel.
 *
 * @returns {number} the animation frame's id
 */
export const ready = () => requestAnimationFrame(() => setTimeout(() => panelOpen() && prepare()));

/**
 * Show the chosen size.
 *
 * @param {boolean} [again] - the layout may have changed (load, resize): read sizes again
 */
export const measure = (again) => {
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

/**
 * Adopt the page and size sheets, and measure again whenever the layout may have
 * changed base sizes.
 *
 * @param {CSSStyleSheet} page - the page sheet (page-style.js)
 * @param {() => boolean} isPanelOpen - whether the panel is open now
 */
export const startScaling = (page, isPanelOpen) => {
  pageSheet = page;
  panelOpen = isPanelOpen;
  sizeSheet = new CSSStyleSheet();
  sizeSheet.disabled = true;
  sizeSheet.replaceSync(`:root{}[${GROW}]:not(#_):not(#_){height:auto!important;max-height:none!important}`);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, pageSheet, sizeSheet];
  // An async script may run before the host's stylesheets apply, and vw or media
  // queries change base sizes: measure again on load and after a change of width.
  // Only width: a phone's toolbar showing or hiding while the reader scrolls changes
  // the height alone, and reading 5,000 sizes each time would jank.
  const remeasure = () => measure(true);
  let frame = 0;
  let width = innerWidth;
  addEventListener("resize", () => {
    if (innerWidth === width) return;
    width = innerWidth;
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(remeasure);
  });
  addEventListener("load", remeasure);
};
