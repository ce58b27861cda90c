// Progressive enhancement for GOV.UK Frontend components. Loaded as a module
// (browsers without ES module support get the plain HTML pages). The content
// security policy forbids inline scripts, so the body classes GOV.UK Frontend
// expects are set here rather than by the usual inline snippet.
import { initAll } from "/static/govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
