// The bench's rows: recorded as they are measured (echoed to stderr at once, so a long bench
// shows progress), printed as one table at the end and written to bench/results.json.

export interface Row {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

export function format(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

export class Table {
  readonly rows: Row[] = [];

  record(name: string, value: number, unit: string, note?: string): number {
    this.rows.push({ name, value, unit, ...(note ? { note } : {}) });
    process.stderr.write(`  ${name}: ${format(value)} ${unit}${note ? ` (${note})` : ''}\n`);
    return value;
  }

  print(): void {
    const width = Math.max(...this.rows.map((r) => r.name.length));
    process.stdout.write(`\n${'measure'.padEnd(width)}  ${'value'.padStart(12)}  unit   note\n`);
    for (const r of this.rows) process.stdout.write(`${r.name.padEnd(width)}  ${format(r.value).padStart(12)}  ${r.unit.padEnd(5)}  ${r.note ?? ''}\n`);
  }
}
