/** Counters and gauges in Prometheus' text format (exposition format 0.0.4). */
interface Family {
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, number>;
}

const escapeLabel = (v: string) =>
  !/["\\\n]/.test(v) ? v : v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class Metrics {
  private readonly families = new Map<string, Family>();

  private family(name: string, help: string, type: Family['type']): Family {
    let f = this.families.get(name);
    if (!f) {
      f = { help, type, values: new Map() };
      this.families.set(name, f);
    }
    return f;
  }

  /** Adds `by` to a counter with these labels. */
  inc(name: string, help: string, labels: Record<string, string> = {}, by = 1): void {
    // Called several times per request: a plain loop, not entries/map/join.
    let key = '';
    for (const k in labels) {
      key += `${key ? ',' : ''}${k}="${escapeLabel(labels[k] as string)}"`;
    }
    const f = this.family(name, help, 'counter');
    f.values.set(key, (f.values.get(key) ?? 0) + by);
  }

  /** Renders every family; `extra` are gauges computed at scrape time. */
  render(
    extra: { name: string; help: string; labels: Record<string, string>; value: number }[] = [],
  ): string {
    const out: string[] = [];
    const gauges = new Map<string, Family>();
    for (const g of extra) {
      const f = gauges.get(g.name) ?? {
        help: g.help,
        type: 'gauge' as const,
        values: new Map<string, number>(),
      };
      gauges.set(g.name, f);
      const key = Object.entries(g.labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      f.values.set(key, g.value);
    }
    for (const [name, f] of [...this.families, ...gauges]) {
      out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      for (const [labels, v] of f.values) out.push(`${name}${labels ? `{${labels}}` : ''} ${v}`);
    }
    return `${out.join('\n')}\n`;
  }
}
