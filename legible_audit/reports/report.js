// Filters the findings by page, theme and rule; without JavaScript every finding shows.
(() => {
  "use strict";
  const form = document.getElementById("filters");
  const items = [...document.querySelectorAll(".finding")];
  const status = document.getElementById("shown");
  const apply = () => {
    const want = Object.fromEntries([...form.querySelectorAll("select")].map((s) => [s.name, s.value]));
    let shown = 0;
    for (const item of items) {
      const on = Object.entries(want).every(([k, v]) => !v || item.dataset[k] === v);
      item.hidden = !on;
      if (on) shown += 1;
    }
    status.textContent = `${shown} of ${items.length} findings shown`;
  };
  form.hidden = false;
  form.addEventListener("change", apply);
  form.addEventListener("reset", () => setTimeout(apply));
  apply();
})();
