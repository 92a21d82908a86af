// The console works without this file; it adds the small conveniences a page cannot do in HTML.
(function () {
  // Adds one more row to a row-filter builder by cloning its template.
  document.addEventListener('click', function (event) {
    var button = event.target.closest('[data-add-row]');
    if (!button) return;
    var container = document.getElementById(button.getAttribute('data-add-row'));
    var template = document.getElementById(button.getAttribute('data-template'));
    if (!container || !template) return;
    container.appendChild(template.content.cloneNode(true));
    var inputs = container.querySelectorAll('select');
    if (inputs.length) inputs[inputs.length - 3 >= 0 ? inputs.length - 3 : 0].focus();
  });
})();
