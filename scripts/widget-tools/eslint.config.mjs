// ESLint for the widget's modules (browser) and its build tooling (Node), run by
// `scripts/build-widget --lint` (make lint) from the repository root, so the patterns
// below are relative to it.
import js from "@eslint/js";
import jsdoc from "eslint-plugin-jsdoc";
import globals from "globals";

// What the widget must never do on a host page (see widget/src/main.js): these keep a
// strict CSP with Trusted Types working and the host's layout intact.
const FORBIDDEN_PROPERTIES = [
  ["innerHTML", "build nodes with dom.js (Trusted Types)"],
  ["outerHTML", "build nodes with dom.js (Trusted Types)"],
  ["insertAdjacentHTML", "build nodes with dom.js (Trusted Types)"],
  ["write", "document.write is blocked by Trusted Types"],
  ["writeln", "document.write is blocked by Trusted Types"],
  ["style", "style attributes need 'unsafe-inline': use an adopted stylesheet"],
  ["cssText", "style attributes need 'unsafe-inline': use an adopted stylesheet"],
].map(([property, message]) => ({ property, message }));

export default [
  {
    files: ["widget/src/**/*.js"],
    ...js.configs.recommended,
    languageOptions: { ecmaVersion: 2020, sourceType: "module", globals: globals.browser },
  },
  {
    files: ["widget/src/**/*.js"],
    ...jsdoc.configs["flat/recommended"],
  },
  {
    files: ["widget/src/**/*.js"],
    rules: {
      eqeqeq: "error",
      "no-var": "error",
      "prefer-const": "error",
      "no-shadow": "error",
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-restricted-properties": ["error", ...FORBIDDEN_PROPERTIES],
      "no-restricted-syntax": [
        "error",
        { selector: "CallExpression[callee.name='fetch']", message: "the widget makes no requests" },
        { selector: "NewExpression[callee.name='XMLHttpRequest']", message: "the widget makes no requests" },
      ],
      // Every export says what it is for, govuk-frontend style.
      "jsdoc/require-jsdoc": ["error", { publicOnly: true, require: { ArrowFunctionExpression: true } }],
      "jsdoc/require-returns": ["error", { publicOnly: true }],
      "jsdoc/tag-lines": "off",
    },
  },
  {
    files: ["scripts/widget-tools/**/*.mjs"],
    ...js.configs.recommended,
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.node },
  },
];
