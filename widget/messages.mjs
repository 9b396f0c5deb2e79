// The widget panel's words: each key the panel reads (`text.KEY`, widget/src/panel.js)
// and its msgid in the gettext catalogs (service/locale), where every interface string
// of Legible is translated. scripts/build-widget writes widget/src/i18n.js from this
// list and the catalogs' translations; Babel extracts the msgids from the `_("…")`
// calls below (babel.cfg, scripts/update-catalogs). Not bundled: only i18n.js is.
const _ = (msgid) => msgid;

export const MESSAGES = {
  displayOptions: _("Display options"),
  close: _("Close"),
  textSize: _("Text size"),
  smallerText: _("Smaller text"),
  largerText: _("Larger text"),
  defaultTextSize: _("Default text size"),
  contrast: _("Contrast"),
  pageColours: _("Page colours"),
  textSpacing: _("Text spacing"),
  underlineLinks: _("Underline links"),
  reduceMotion: _("Reduce motion"),
  resetAll: _("Reset all"),
};
