// Appends the empty end marker element (`<i id=MARKER hidden>`) as the last child of the page's body, as
// every page of the bench site ends with it (page_change_site.rs): once a mirror's document holds it, the
// page's last element is there. Run on the visitor's page before anything records it.
// arguments: the marker's id.
(function (markerId) {
  if (document.getElementById(markerId)) return;
  var marker = document.createElement('i');
  marker.id = markerId;
  marker.hidden = true;
  document.body.appendChild(marker);
})(arguments[0]);
