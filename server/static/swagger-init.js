// Starts Swagger UI on the API reference page (GET /api/v1/docs). A file, not an inline script: the page runs
// under the app's Content-Security-Policy (default-src 'self').
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
  });
});
