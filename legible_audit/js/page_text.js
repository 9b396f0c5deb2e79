// The page's visible text, for the help a keyboard trap must give (keyboard.py).
() => (document.body ? document.body.innerText : document.documentElement.textContent) || ''
