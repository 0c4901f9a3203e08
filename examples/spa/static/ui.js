// What every screen uses: the page's two message regions, forms that are busy while they wait
// for authgate, and field errors shown next to their fields.

import { ApiError } from "./api.js";
import { SessionEnded } from "./session.js";

export const $ = (id) => document.getElementById(id);

/**
 * Invalid is a form error found before asking authgate, in the shape of DRF's field errors:
 * {re_password: ["The two password fields didn't match."]}.
 */
export class Invalid extends Error {
  constructor(fields) {
    super(Object.values(fields).flat().join(" "));
    this.name = "Invalid";
    this.fields = fields;
  }
}

/** note shows a message in the status region (role=status: read out politely). */
export function note(text) {
  $("notice").textContent = text;
}

/** fail shows an error in the alert region (role=alert: read out at once). */
export function fail(err) {
  $("error").textContent = err?.message || String(err);
  $("error").dataset.source = "";
}

export function clearMessages() {
  note("");
  $("error").textContent = "";
  $("error").dataset.source = "";
}

/**
 * busy runs an action with the container's buttons disabled, and reports what goes wrong: DRF's
 * field errors next to the form's fields of those names, everything else in the alert region.
 */
export async function busy(container, action) {
  const buttons = [...container.querySelectorAll("button")];
  const form = container.closest("form") ?? container.querySelector("form");
  buttons.forEach((b) => (b.disabled = true));
  container.setAttribute("aria-busy", "true");
  clearMessages();
  if (form) clearFieldErrors(form);
  try {
    await action();
  } catch (err) {
    if (err instanceof SessionEnded) return; // "ended" has shown its message
    if (!form || !showFieldErrors(form, err)) fail(err);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    container.removeAttribute("aria-busy");
  }
}

/** submit wires a form: its values (by field name) go to action, while it is busy. */
export function onSubmit(form, action) {
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(form, () => action(values(form)));
  });
}

/** values are a form's fields by name, as strings. */
export function values(form) {
  return Object.fromEntries(new FormData(form));
}

// showFieldErrors puts each field's messages under its field (aria-invalid, aria-describedby)
// and focuses the first; messages for no field of the form (non_field_errors, a uid or token
// the form does not show) go to the alert region. It reports whether err had field errors.
function showFieldErrors(form, err) {
  const fields = err instanceof Invalid ? err.fields : fieldErrors(err);
  if (!fields) return false;
  const rest = {};
  let first = null;
  for (const [name, messages] of Object.entries(fields)) {
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (!input) {
      rest[name] = messages;
      continue;
    }
    const p = document.createElement("p");
    p.className = "field-error";
    p.id = `${input.id}-error`;
    p.textContent = messages.join(" ");
    input.after(p);
    input.setAttribute("aria-invalid", "true");
    const described = input.getAttribute("aria-describedby") ?? "";
    input.setAttribute("aria-describedby", `${p.id} ${described}`.trim());
    first ??= input;
  }
  if (Object.keys(rest).length) fail(new ApiError(err.status ?? 400, rest));
  first?.focus();
  return true;
}

// fieldErrors is the body of a 400 made of DRF field errors ({field: [messages]}), else null.
function fieldErrors(err) {
  if (!(err instanceof ApiError) || err.status !== 400 || !err.body || typeof err.body !== "object") return null;
  const entries = Object.entries(err.body);
  if (!entries.length || !entries.every(([, v]) => Array.isArray(v))) return null;
  return err.body;
}

export function clearFieldErrors(form) {
  for (const p of form.querySelectorAll(".field-error")) {
    const input = form.querySelector(`[aria-describedby~="${p.id}"]`);
    if (input) {
      const rest = input.getAttribute("aria-describedby").split(" ").filter((id) => id !== p.id).join(" ");
      if (rest) input.setAttribute("aria-describedby", rest);
      else input.removeAttribute("aria-describedby");
      input.removeAttribute("aria-invalid");
    }
    p.remove();
  }
}

/** when renders an ISO time in the reader's locale. */
export function when(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
