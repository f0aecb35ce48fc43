// GOV.UK Frontend's snippet, from a file so the Content-Security-Policy needs no inline script:
// it marks the page as JavaScript-enabled before it paints. base.html loads it first in <body>.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
