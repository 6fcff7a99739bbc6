// The few behaviours pages need, from this origin (the content security
// policy allows no inline script): a print button.
document.querySelectorAll('[data-print]').forEach(b => b.addEventListener('click', () => window.print()));
