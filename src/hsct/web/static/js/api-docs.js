// Starts Swagger UI on the API docs page. A separate file (not inline) so the
// content security policy can forbid inline scripts everywhere.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var node = document.getElementById("swagger-ui");
  if (!node || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: node.getAttribute("data-openapi-url"),
    domNode: node,
    deepLinking: false,
    tryItOutEnabled: true,
    validatorUrl: null,
  });
});
