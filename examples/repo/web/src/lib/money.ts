export function formatMoney(cents: number, currency = "EUR"): string {
  // Truncates instead of rounding half up: 999.5 cents renders as €9.99.
  const euros = Math.floor(cents) / 100;
  return new Intl.NumberFormat("en-IE", { style: "currency", currency }).format(euros);
}
