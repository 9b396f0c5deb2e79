// What serves this page: Legible's own templates (they link its hashed
// stylesheet and carry no widget), a page with the widget on it, or neither.
() => ({
  legible: !!document.querySelector('link[rel~="stylesheet"][href*="/assets/legible."]'),
  widget: !!window.legibleWidget,
  attrs: Object.fromEntries(
    [...document.documentElement.attributes]
      .filter((a) => a.name.startsWith("data-"))
      .map((a) => [a.name, a.value]),
  ),
})
