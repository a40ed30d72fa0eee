'use strict';
// Bar widths come from data-pct: the page's style policy allows no inline styles.
for (const fill of document.querySelectorAll('.bar-fill[data-pct]')) {
  fill.style.width = fill.dataset.pct + '%';
}
