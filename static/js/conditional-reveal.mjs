// Conditional reveals for GOV.UK radios, without the aria-expanded that GOV.UK Frontend's own Radios
// module puts on each radio (axe reports it as a critical aria-allowed-attr violation,
// alphagov/govuk-frontend#979). Markup as GOV.UK's: each radio with a follow-up question carries
// data-aria-controls="<id of its .govuk-radios__conditional>"; the group has
// data-module="app-conditional-radios" instead of "govuk-radios". Without JavaScript every follow-up
// question shows, as GOV.UK's pattern does.
for (const group of document.querySelectorAll('[data-module="app-conditional-radios"]')) {
  const radios = [...group.querySelectorAll('input[type="radio"]')];
  const sync = () => {
    for (const radio of radios) {
      const target = radio.dataset.ariaControls && document.getElementById(radio.dataset.ariaControls);
      if (target) {
        radio.setAttribute("aria-controls", target.id);
        target.classList.toggle("govuk-radios__conditional--hidden", !radio.checked);
      }
    }
  };
  for (const radio of radios) radio.addEventListener("change", sync);
  sync();
}
