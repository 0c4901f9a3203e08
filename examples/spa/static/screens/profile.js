// The names (Djoser's PATCH users/me/; the e-mail has a screen of its own).

import { note, onSubmit } from "../ui.js";

export default {
  name: "profile",
  path: "/account/profile",
  access: "user",
  title: "Profile",
  nav: "Profile",
  html: `
    <h1 tabindex="-1">Profile</h1>
    <form id="profile-form" method="post" novalidate>
      <label for="profile-first-name">First name</label>
      <input id="profile-first-name" name="first_name" type="text" autocomplete="given-name" maxlength="150">
      <label for="profile-last-name">Last name</label>
      <input id="profile-last-name" name="last_name" type="text" autocomplete="family-name" maxlength="150">
      <button type="submit" id="profile-save">Save</button>
    </form>`,

  init(el, { accounts }) {
    const form = el.querySelector("form");
    onSubmit(form, async (v) => {
      fill(form, await accounts.updateNames(v));
      note("Profile saved.");
    });
  },

  async show(el, params, { accounts }) {
    const form = el.querySelector("form");
    form.reset();
    form.setAttribute("aria-busy", "true");
    try {
      fill(form, await accounts.me());
    } finally {
      form.removeAttribute("aria-busy");
    }
  },
};

function fill(form, user) {
  form.elements.first_name.value = user.first_name;
  form.elements.last_name.value = user.last_name;
  form.dataset.loaded = "true";
}
