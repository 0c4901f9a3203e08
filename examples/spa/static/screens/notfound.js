// Any other address.

export default {
  name: "notfound",
  access: "any",
  title: "Not found",
  html: `
    <h1 tabindex="-1">Page not found</h1>
    <p>There is nothing at this address. <a href="/">Go to the start</a>.</p>`,
};
