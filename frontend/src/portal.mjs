// Entry module for every page (loaded from base.html with type="module", so
// browsers that cannot run GOV.UK Frontend's JavaScript skip it and keep the
// plain HTML behaviour: progressive enhancement only).
import { initAll } from "./govuk-frontend.min.js";

initAll();
