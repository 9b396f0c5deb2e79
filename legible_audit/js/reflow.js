// Horizontal overflow at the current viewport width, and the widest elements.
() => {
  const width = window.innerWidth;
  const wide = [];
  for (const e of pageRoot().querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (r.right > width + 0.5 && r.width > 0) {
      wide.push(cssPath(e) + ` (right edge ${Math.round(r.right)}px)`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width,
          wide: wide.slice(0, 8)};
}
