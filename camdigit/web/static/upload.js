// Upload page: drop photos on the form, check count and size before sending, show progress.
"use strict";
(function () {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = document.getElementById("image-input");
  const drop = document.getElementById("drop");
  const chosen = document.getElementById("chosen");
  const error = document.getElementById("upload-error");
  const button = document.getElementById("read-photos");
  const busy = document.getElementById("upload-busy");
  const maxFiles = Number(form.dataset.maxFiles);
  const maxBytes = Number(form.dataset.maxMb) * 1024 * 1024;

  function showError(message) {
    error.textContent = message;
    error.hidden = !message;
  }

  function problem(files) {
    if (!files.length) return "No photo chosen: pick or drop one or more photos.";
    if (files.length > maxFiles) {
      return `Too many files: ${files.length} (at most ${maxFiles} at a time).`;
    }
    const maxFileBytes = Number(form.dataset.maxFileMb) * 1024 * 1024;
    let total = 0;
    for (const file of files) {
      if (file.size > maxFileBytes) {
        const mb = (file.size / 1048576).toFixed(1);
        return `${file.name} is ${mb} MB: at most ${form.dataset.maxFileMb} MB per photo.`;
      }
      total += file.size;
    }
    if (total > maxBytes) {
      const mb = (total / 1048576).toFixed(1);
      return `Upload too large: ${mb} MB (at most ${form.dataset.maxMb} MB in all).`;
    }
    return "";
  }

  function describe() {
    const files = input.files;
    chosen.textContent = files.length
      ? `${files.length} photo${files.length > 1 ? "s" : ""} chosen: ` +
        Array.from(files, (f) => f.name).join(", ")
      : "";
    showError(files.length ? problem(files) : "");
  }

  input.addEventListener("change", describe);

  form.addEventListener("submit", (event) => {
    const message = problem(input.files);
    if (message) {
      event.preventDefault();
      showError(message);
      return;
    }
    showError("");
    button.disabled = true;
    busy.textContent = "Reading…";
  });

  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (event) => {
      event.preventDefault();
      drop.classList.add("over");
    });
  }
  for (const name of ["dragleave", "drop"]) {
    drop.addEventListener(name, () => drop.classList.remove("over"));
  }
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    const files = event.dataTransfer && event.dataTransfer.files;
    if (!files || !files.length) return;
    input.files = files;
    describe();
    if (!problem(files)) form.requestSubmit();
  });

  // Back/forward cache: a page shown again must not stay "busy".
  window.addEventListener("pageshow", () => {
    button.disabled = false;
    busy.textContent = "";
  });
})();
