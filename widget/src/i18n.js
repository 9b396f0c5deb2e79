/**
 * @file The panel's words, in Vietnamese and English, by named key.
 *
 * Every string the widget shows is here and nowhere else, so that these tables can
 * later be filled from the same gettext catalogs as the server's pages (one source
 * for every interface string). Theme names and the line-length and typeface labels
 * already come from the server (config.js).
 */

/** @typedef {keyof typeof STRINGS.en} StringKey */

/** The languages the panel speaks; any other page language gets English. */
export const STRINGS = {
  vi: {
    displayOptions: "Tùy chọn hiển thị",
    close: "Đóng",
    textSize: "Cỡ chữ",
    smallerText: "Giảm cỡ chữ",
    largerText: "Tăng cỡ chữ",
    defaultTextSize: "Cỡ chữ mặc định",
    contrast: "Tương phản",
    pageColours: "Màu của trang",
    textSpacing: "Giãn chữ",
    underlineLinks: "Gạch chân liên kết",
    reduceMotion: "Giảm chuyển động",
    resetAll: "Đặt lại tất cả",
  },
  en: {
    displayOptions: "Display options",
    close: "Close",
    textSize: "Text size",
    smallerText: "Smaller text",
    largerText: "Larger text",
    defaultTextSize: "Default text size",
    contrast: "Contrast",
    pageColours: "Page colours",
    textSpacing: "Text spacing",
    underlineLinks: "Underline links",
    reduceMotion: "Reduce motion",
    resetAll: "Reset all",
  },
};
