// After Enter on the skip link: where focus is, and whether it is in <main>.
() => {
  const main = document.querySelector('main');
  const a = deepActive();
  return {active: a ? cssPath(a) : null,
          inMain: !!(a && main && (a === main || main.contains(a)))};
}
