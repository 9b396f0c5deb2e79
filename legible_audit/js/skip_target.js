() => {
  const main = document.querySelector('main');
  const a = deepActive();
  return {active: a ? cssPath(a) : null,
          inMain: !!(a && main && (a === main || main.contains(a)))};
}
