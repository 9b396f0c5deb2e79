// Mark the first in-page link to <main> (or into it) with data-legible-skip.
() => {
  const main = document.querySelector('main');
  for (const a of document.querySelectorAll('a[href^="#"]')) {
    const dest = document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)));
    if (dest && main && (dest === main || main.contains(dest))) {
      a.setAttribute('data-legible-skip', '');
      return true;
    }
  }
  return false;
}
