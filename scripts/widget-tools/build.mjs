// Bundle widget/src/*.js (ES modules) into widget/widget.min.js, which
// service/widget.py serves after filling in the themes and rules.
//   node scripts/widget-tools/build.mjs           rebuild
//   node scripts/widget-tools/build.mjs --check   exit 1 if widget.min.js is not a fresh build
// esbuild follows the imports into one IIFE; terser minifies it, because on this code
// it gives less brotli than esbuild's own minifier (scripts/build-widget --sizes).
// Both are pinned by package-lock.json, so the same sources always give the same bytes.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants } from "node:zlib";

import { build, version as esbuildVersion } from "esbuild";
import { minify } from "terser";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SOURCES = join(ROOT, "widget", "src");
const ENTRY = join(SOURCES, "main.js");
const OUT = join(ROOT, "widget", "widget.min.js");
const TERSER_VERSION = JSON.parse(readFileSync(join(ROOT, "scripts", "widget-tools", "node_modules", "terser", "package.json"), "utf8")).version;

/**
 * The sha256 of every module, by name: what the first line of the build records and
 * service/widget.py (`source_digest`) recomputes, so an edit to any module without a
 * rebuild is refused at start-up.
 *
 * @returns {string} hex digest
 */
const sourceDigest = () => {
  const all = createHash("sha256");
  for (const name of readdirSync(SOURCES).filter((n) => n.endsWith(".js")).sort()) {
    const one = createHash("sha256").update(readFileSync(join(SOURCES, name))).digest("hex");
    all.update(`${name}\n${one}\n`);
  }
  return all.digest("hex");
};

/**
 * @param {boolean} minifyWithEsbuild - esbuild's minifier instead of terser's
 * @returns {Promise<string>} the minified bundle, without the header
 */
const bundle = async (minifyWithEsbuild = false) => {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: "iife",
    target: "es2020",
    charset: "utf8",
    legalComments: "none",
    minify: minifyWithEsbuild,
    write: false,
    logLevel: "warning",
  });
  const code = result.outputFiles[0].text;
  if (minifyWithEsbuild) return code.trimEnd();
  const minified = await minify(code, { ecma: 2020, compress: { passes: 2 }, mangle: true, format: { comments: false } });
  return minified.code;
};

const mode = process.argv[2];
if (mode === "--sizes") {
  // Each minifier's output before the server fills in the themes (which adds the
  // same bytes to both): raw, and brotli at quality 11 as the server sends it.
  for (const [name, code] of [["terser", await bundle()], ["esbuild", await bundle(true)]]) {
    const brotli = brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    console.log(`${name}: ${Buffer.byteLength(code)} bytes, ${brotli} bytes brotli (themes not filled in)`);
  }
  process.exit(0);
}
const header = `// Built from widget/src sha256=${sourceDigest()} by scripts/build-widget (esbuild ${esbuildVersion}, terser ${TERSER_VERSION}): do not edit.`;
const text = `${header}\n${await bundle()}\n`;
if (mode === "--check") {
  let built = "";
  try {
    built = readFileSync(OUT, "utf8");
  } catch {
    // Missing: not a fresh build either.
  }
  if (built !== text) {
    console.error("build-widget: widget/widget.min.js is not what widget/src builds to: run make widget");
    process.exit(1);
  }
} else {
  writeFileSync(OUT + ".tmp", text);
  renameSync(OUT + ".tmp", OUT);
  console.log(`build-widget: widget/widget.min.js (${Buffer.byteLength(text)} bytes)`);
}
