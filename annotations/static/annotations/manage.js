// Lead pages (New session, session management): filter the pick lists, select
// what is shown, and confirm a reassignment that takes an article away from a
// reviewer who already has spans on it. Forms post to the server as plain HTML.

function filterList(input) {
  const list = document.querySelector(input.dataset.filter);
  if (!list) return;
  const words = input.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
  for (const item of list.querySelectorAll("li[data-filter-text]")) {
    const text = item.dataset.filterText.toLowerCase();
    item.hidden = !words.every((word) => text.includes(word));
  }
}

function checkShown(button) {
  const list = document.querySelector(button.dataset.checkShown);
  if (!list) return;
  for (const item of list.querySelectorAll("li[data-filter-text]")) {
    if (item.hidden) continue;
    const box = item.querySelector('input[type="checkbox"]');
    if (box) box.checked = true;
  }
}

// Reviewers ticked off who have spans on the article: [username, spans].
function workTakenAway(form) {
  const boxes = document.querySelectorAll(`input[form="${form.id}"][name="reviewers"]`);
  const lost = [];
  for (const box of boxes) {
    const spans = Number(box.dataset.spans || 0);
    if (!box.checked && box.defaultChecked && spans > 0) {
      lost.push([box.dataset.username, spans]);
    }
  }
  return lost;
}

function confirmReassign(form, event) {
  const lost = workTakenAway(form);
  if (!lost.length || form.dataset.confirmed === "1") return;
  const dialog = document.getElementById("reassign-confirm");
  if (!dialog || typeof dialog.showModal !== "function") return;
  event.preventDefault();
  const names = lost.map(([name, spans]) => `${name} (${spans} span${spans === 1 ? "" : "s"})`);
  document.getElementById("reassign-confirm-text").textContent =
    `${names.join(", ")} already annotated this article. Their spans stay, ` +
    "marked as from an unassigned reviewer, and no longer count for agreement.";
  dialog.addEventListener(
    "close",
    () => {
      if (dialog.returnValue === "confirm") {
        form.dataset.confirmed = "1";
        form.requestSubmit();
      }
    },
    { once: true },
  );
  dialog.showModal();
}

for (const input of document.querySelectorAll("input[data-filter]")) {
  input.addEventListener("input", () => filterList(input));
}
for (const button of document.querySelectorAll("button[data-check-shown]")) {
  button.addEventListener("click", () => checkShown(button));
}
for (const form of document.querySelectorAll("form[data-confirm-reassign]")) {
  form.addEventListener("submit", (event) => confirmReassign(form, event));
}
for (const box of document.querySelectorAll(".link-box")) {
  box.addEventListener("focus", () => box.select());
}
