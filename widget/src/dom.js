/**
 * @file Building and changing elements without markup: no innerHTML anywhere, so the
 * widget runs under a strict CSP with Trusted Types.
 */

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * A new element.
 *
 * @param {string} tag - its tag name
 * @param {{[name: string]: string | number | boolean}} [attributes] - set with setAttribute
 * @param {...(Node | string)} children - appended in order
 * @returns {HTMLElement} the element
 */
export const element = (tag, attributes = {}, ...children) => {
  const node = document.createElement(tag);
  for (const name in attributes) node.setAttribute(name, attributes[name]);
  node.append(...children);
  return node;
};

/**
 * A 24×24 icon, hidden from assistive technology (the control's text names it).
 *
 * @param {...[string, {[name: string]: string | number}]} shapes - [tag, attributes] of each shape
 * @returns {SVGSVGElement} the icon
 */
export const icon = (...shapes) => {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  for (const [tag, attributes] of shapes) {
    const shape = document.createElementNS(SVG_NS, tag);
    for (const name in attributes) shape.setAttribute(name, attributes[name]);
    svg.append(shape);
  }
  return svg;
};

/**
 * A real button (never a div): Enter and Space work, and it is in the tab order.
 *
 * @param {string} label - its text, after any icon
 * @param {{[name: string]: string | number}} attributes - set with setAttribute
 * @param {...Node} children - an icon, before the label
 * @returns {HTMLButtonElement} the button
 */
export const button = (label, attributes, ...children) => element("button", { type: "button", ...attributes }, ...children, label);

/**
 * Set an attribute or remove it.
 *
 * @param {Element} node - the element
 * @param {string} name - the attribute
 * @param {unknown} on - set it when truthy, else remove it
 * @param {string | number} [value] - its value when set
 * @returns {void}
 */
export const toggleAttribute = (node, name, on, value = "") => (on ? node.setAttribute(name, value) : node.removeAttribute(name));
