// The centres of up to `limit` interactive elements on screen, to hover over.
(limit) => {
  const out = [];
  for (const e of interactive()) {
    const r = e.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (x > 0 && y > 0 && x < innerWidth && y < innerHeight) out.push([x, y]);
    if (out.length >= limit) break;
  }
  return out;
}
