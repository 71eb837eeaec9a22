// The lines of a list field, added and removed in place. Without this script the page
// still works: it comes with spare blank rows and a Remove box on each row.
"use strict";

document.querySelectorAll("[data-list-field]").forEach((box) => {
  const body = box.querySelector("tbody");
  const blank = box.querySelector("template");
  const add = box.querySelector(".add-row");
  const most = Number(box.dataset.max);
  let next = Number(box.dataset.next);

  // Labels follow the rows as a person counts them, after any is added or removed.
  const renumber = () => {
    Array.from(body.rows).forEach((row, position) => {
      row.querySelectorAll("[data-cell]").forEach((input) => {
        input.setAttribute("aria-label", `${input.dataset.cell} in row ${position + 1}`);
      });
    });
    add.disabled = body.rows.length >= most;
  };

  const wire = (row) => {
    row.querySelector(".remove-mark")?.remove();
    const remove = row.querySelector(".remove-row");
    remove.hidden = false;
    remove.addEventListener("click", () => {
      row.remove();
      renumber();
    });
  };

  body.querySelectorAll("tr[data-spare]").forEach((row) => row.remove());
  Array.from(body.rows).forEach(wire);
  box.querySelector(".no-script")?.remove();
  add.hidden = false;
  add.addEventListener("click", () => {
    // The template's markup was escaped by the server; only the index is put in.
    const markup = blank.innerHTML.replaceAll("__index__", String(next));
    next += 1;
    body.insertAdjacentHTML("beforeend", markup);
    const row = body.rows[body.rows.length - 1];
    wire(row);
    renumber();
    row.querySelector("input, select")?.focus();
  });
  renumber();
});
