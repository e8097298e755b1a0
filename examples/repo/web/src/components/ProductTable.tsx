import { formatMoney } from "../lib/money";

export type Row = { sku: string; name: string; variant?: { price: number } };

export function ProductTable({ rows }: { rows: Row[] }) {
  return (
    <table>
      <tbody>
        {rows.map((row) => (
          <tr key={row.sku}>
            <td>{row.name}</td>
            <td>{formatMoney(row.variant.price)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
