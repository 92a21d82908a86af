// The console works without this file; it adds the small conveniences a page cannot do in HTML.
(function () {
  // Adds one more row to a row-filter builder from its template, with ids of its own, and focuses it.
  document.addEventListener('click', function (event) {
    var button = event.target.closest('[data-add-row]');
    if (!button) return;
    var container = document.getElementById(button.getAttribute('data-add-row'));
    var template = document.getElementById(button.getAttribute('data-template'));
    if (!container || !template) return;
    var n = container.children.length;
    var row = template.content.cloneNode(true);
    row.querySelectorAll('[id]').forEach(function (el) { el.id = el.id.replace(/^f\d+/, 'f' + n); });
    row.querySelectorAll('label[for]').forEach(function (el) { el.htmlFor = el.htmlFor.replace(/^f\d+/, 'f' + n); });
    // Labels end with the row's number ("dòng 4", "row 4").
    row.querySelectorAll('[aria-label]').forEach(function (el) { el.setAttribute('aria-label', el.getAttribute('aria-label').replace(/\d+$/, String(n + 1))); });
    // Checkboxes of a table row send their row's index, so an unticked box does not shift the others.
    row.querySelectorAll('[data-row-index]').forEach(function (el) { el.value = String(n); });
    container.appendChild(row);
    var first = container.lastElementChild && container.lastElementChild.querySelector('select');
    if (first) first.focus();
  });
})();
