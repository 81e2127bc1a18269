// Item browser filters: rows carry data-* attributes; the filter state lives in the URL hash, so it
// works the same from the live server and from a static bundle opened with file://.
(function () {
  const form = document.getElementById("filters");
  if (!form) return;
  const rows = Array.from(document.querySelectorAll("#items tbody tr"));
  const shown = document.getElementById("shown");
  function state() {
    const s = {};
    for (const el of form.elements) {
      if (!el.name) continue;
      if (el.type === "checkbox") { if (el.checked) s[el.name] = "1"; } else if (el.value) s[el.name] = el.value;
    }
    return s;
  }
  function apply() {
    const s = state();
    let n = 0;
    for (const row of rows) {
      const d = row.dataset;
      const ok = (!s.category || d.category === s.category) && (!s.region || d.region === s.region)
        && (!s.split || d.split === s.split) && (!s.taught || d.taught === s.taught)
        && (!s.system || d.systems.split("\t").includes(s.system))
        && (!s.sysdis || d.sysdis === "1") && (!s.jcdis || d.jcdis === "1");
      row.hidden = !ok;
      if (ok) n++;
    }
    shown.textContent = n + " of " + rows.length + " items";
    const hash = new URLSearchParams(s).toString();
    history.replaceState(null, "", hash ? "#" + hash : location.pathname + location.search);
  }
  const initial = new URLSearchParams(location.hash.slice(1) || location.search.slice(1));
  for (const el of form.elements) {
    if (!el.name || !initial.has(el.name)) continue;
    if (el.type === "checkbox") el.checked = initial.get(el.name) === "1"; else el.value = initial.get(el.name);
  }
  form.addEventListener("change", apply);
  apply();
})();
// Item pages: j / k (or arrows) step to the next / previous item.
document.addEventListener("keydown", function (e) {
  if (e.target.closest("input, textarea, select") || e.ctrlKey || e.metaKey || e.altKey) return;
  const link = document.getElementById(e.key === "j" || e.key === "ArrowRight" ? "next" : e.key === "k" || e.key === "ArrowLeft" ? "prev" : "");
  if (link) link.click();
});
