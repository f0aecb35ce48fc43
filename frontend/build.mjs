// Front-end build for the Bromley Portal.
//
//   npm run build     (or: node frontend/build.mjs)
//
// Compiles frontend/src/portal.scss to static/dist/portal.css (compressed) and
// copies the JavaScript and images the pages use into static/dist/. The sources
// live outside static/ so that collectstatic publishes only what this builds. Uses only
// the sass package and Node's standard library, so it runs offline once
// `npm ci` has filled node_modules/.
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "frontend", "src");
// Build beside the output and swap it in at the end, so a server reading
// static/dist never sees it half-built.
const finalDist = join(root, "static", "dist");
const dist = join(root, "static", `.dist-building-${process.pid}`);
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");

const started = Date.now();
rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, "assets", "images"), { recursive: true });

// 1. Styles. govuk-frontend 5.x is written with @import and older Sass
// built-ins; quietDeps hides the deprecation notes it triggers, and "import"
// is silenced for our own @import of it (govuk-frontend 5 needs @import to
// see our settings and our image-url function).
const result = sass.compile(join(src, "portal.scss"), {
  style: "compressed",
  loadPaths: [join(root, "node_modules")],
  quietDeps: true,
  silenceDeprecations: ["import"],
  sourceMap: false,
});
writeFileSync(join(dist, "portal.css"), result.css + "\n");

// 2. Scripts: GOV.UK Frontend's ES module bundle (with its source map, which
// the bundle names in a sourceMappingURL comment that Django's
// ManifestStaticFilesStorage follows) and our entry module that calls initAll().
for (const name of ["govuk-frontend.min.js", "govuk-frontend.min.js.map"]) {
  copyFileSync(join(govuk, name), join(dist, name));
}
copyFileSync(join(src, "portal.mjs"), join(dist, "portal.mjs"));

// 3. Images: the council's own (favicon). None of GOV.UK's crown or crest
// images and none of the GDS Transport fonts are copied.
const images = join(root, "frontend", "images");
for (const name of readdirSync(images)) {
  copyFileSync(join(images, name), join(dist, "assets", "images", name));
}

const old = join(root, "static", `.dist-old-${process.pid}`);
rmSync(old, { recursive: true, force: true });
try {
  renameSync(finalDist, old);
} catch (error) {
  if (error.code !== "ENOENT") throw error;
}
renameSync(dist, finalDist);
rmSync(old, { recursive: true, force: true });

const kb = (result.css.length / 1024).toFixed(1);
console.log(`static/dist built in ${Date.now() - started} ms (portal.css ${kb} KiB)`);
