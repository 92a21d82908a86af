// Starts GraphiQL from the installed UMD builds; settings come from the page's JSON block
// (a script of this origin, so the page's Content-Security-Policy needs no inline script).
(function () {
  var settings = JSON.parse(document.getElementById('graphiql-settings').textContent);
  var fetcher = GraphiQL.createFetcher({ url: settings.url, headers: settings.headers });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: settings.query,
      headers: JSON.stringify(settings.headers, null, 2),
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: true,
    }),
  );
})();
