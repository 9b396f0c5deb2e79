/**
 * @file On Legible's own pages: carry the reader's variant to the next page.
 *
 * The server renders each page in a variant (theme, size, spacing, line length,
 * typeface) named by its URL, or by the preference cookie on a bare URL. After a
 * change the widget writes the cookie, and rewrites this page's address, its links
 * and its forms as the server would have rendered them, so the next page arrives in
 * the new variant with no flash and no script.
 */

import { COOKIE, PARAMS, SPACING, THEME } from "./config.js";
import { element } from "./dom.js";
import { DEFAULTS, choice } from "./preferences.js";

/** Paths the server never renders in a variant: links to them stay as they are. */
const NOT_A_PAGE = /^\/(assets|static|widget|api)\b/;
/** The prefix of the hidden fields that tell a form which variant it was rendered in. */
const CURRENT_FIELD_PREFIX = "cur_";

/**
 * The same URL with the variant's query, as path + query + hash.
 *
 * @param {URL} url - a link or this page's address
 * @param {[string, string | number][]} query - the variant's parameters, in order
 * @returns {string} the new href
 */
const withVariant = (url, query) => {
  for (const name of PARAMS) url.searchParams.delete(name);
  for (const [name, value] of query) url.searchParams.append(name, value);
  return url.pathname + url.search + url.hash;
};

/** Write the cookie, and this page's address, links and forms, for the choice now. */
export const carryVariant = () => {
  // The values of the PARAMS fields as the cookie and the form's cur_… fields carry them.
  const fields = PARAMS.map((name) => (name === THEME ? choice.theme || "" : name === SPACING ? +choice.spacing : choice[name]));
  document.cookie = `${COOKIE.name}=${fields.join(COOKIE.separator)};Path=/;Max-Age=${COOKIE.maxAge};SameSite=Lax${location.protocol === "https:" ? ";Secure" : ""}`;
  // The canonical query, as Preference.params(): fixed order, defaults left out.
  const query = [];
  PARAMS.forEach((name, i) => {
    if (fields[i] !== "" && fields[i] !== 0 && fields[i] !== DEFAULTS[name]) query.push([name, fields[i]]);
  });
  history.replaceState(history.state, "", withVariant(new URL(location.href), query));
  for (const link of document.querySelectorAll("a[href]")) {
    const url = new URL(link.href);
    if (url.origin === location.origin && !link.getAttribute("href").startsWith("#") && !NOT_A_PAGE.test(url.pathname)) link.href = withVariant(url, query);
  }
  const current = new Map(PARAMS.map((name, i) => [CURRENT_FIELD_PREFIX + name, fields[i]]));
  for (const form of document.forms) {
    const isGet = form.method === "get";
    for (const input of [...form.elements]) {
      if (input.type !== "hidden") continue;
      if (isGet && PARAMS.includes(input.name)) input.remove();
      else if (current.has(input.name)) input.value = current.get(input.name);
    }
    if (isGet) for (const [name, value] of query) form.append(element("input", { type: "hidden", name, value }));
  }
};
