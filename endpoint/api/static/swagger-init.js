// Starts Swagger UI on the API's OpenAPI document (a file, not inline: the CSP allows no inline script).
window.addEventListener("load", function () {
  var element = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: element.dataset.url, domNode: element, deepLinking: true });
});
