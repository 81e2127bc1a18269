// Keyboard rating. Pairwise: A / B / T choose, Enter saves. Single: 1-5 score the highlighted
// criterion and move to the next, Backspace steps back, F toggles the flag (of the highlighted
// criterion when there are several), Enter saves. N skips to the next unrated task. Typing in the comment box is left alone.
(function () {
  const form = document.getElementById("rating");
  if (!form) return;
  const mode = form.dataset.mode;
  const criteria = Array.from(form.querySelectorAll("fieldset.criterion"));
  let active = 0;
  function highlight() {
    criteria.forEach((f, k) => f.classList.toggle("active", k === active));
    if (criteria[active]) criteria[active].scrollIntoView({ block: "nearest" });
  }
  function complete() {
    if (mode === "pairwise") return !!form.querySelector("input[name=verdict]:checked");
    return criteria.every((f) => f.querySelector("input[type=radio]:checked"));
  }
  criteria.forEach((f, k) => f.addEventListener("click", () => { active = k; highlight(); }));
  form.addEventListener("submit", function (e) {
    if (!complete()) { e.preventDefault(); alert(mode === "pairwise" ? "Choose A, B or T first." : "Score every criterion first."); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target.closest("textarea, input[type=text]")) {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    const key = e.key.toLowerCase();
    if (e.key === "Enter") {
      e.preventDefault();
      if (complete()) form.requestSubmit(); else alert(mode === "pairwise" ? "Choose A, B or T first." : "Score every criterion first.");
    } else if (key === "n") {
      document.getElementById("skip").click();
    } else if (mode === "pairwise" && ["a", "b", "t"].includes(key)) {
      form.querySelector("input[name=verdict][value=" + key.toUpperCase() + "]").checked = true;
    } else if (mode !== "pairwise" && /^[1-9]$/.test(e.key) && criteria[active]) {
      const input = criteria[active].querySelector("input[type=radio][value='" + e.key + "']");
      if (input) {
        input.checked = true;
        active = Math.min(active + 1, criteria.length - 1);
        highlight();
      }
    } else if (mode !== "pairwise" && e.key === "Backspace" && criteria.length) {
      e.preventDefault();
      if (!criteria[active].querySelector("input[type=radio]:checked")) active = Math.max(active - 1, 0);
      criteria[active].querySelectorAll("input[type=radio]").forEach((i) => { i.checked = false; });
      highlight();
    } else if (mode !== "pairwise" && key === "f" && criteria[active]) {
      const flags = form.querySelectorAll("fieldset.criterion input[type=checkbox]");
      const flag = flags.length === 1 ? flags[0] : criteria[active].querySelector("input[type=checkbox]");
      if (flag) flag.checked = !flag.checked;
    }
  });
  highlight();
})();
