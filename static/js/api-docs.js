// The interactive API reference (Swagger UI, served from static/vendor by `make assets`).
(function () {
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") return;
  root.textContent = "";
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: false,
    tryItOutEnabled: false,
    supportedSubmitMethods: ["get"],
  });
})();
