/** Counters and gauges in Prometheus' text format (exposition format 0.0.4). */
interface Family {
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, number>;
}

const escapeLabel = (v: string) =>
  !/["\\\n]/.test(v) ? v : v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function labelKey(labels: Record<string, string>): string {
  let key = '';
  for (const k in labels) key += `${key ? ',' : ''}${k}="${escapeLabel(labels[k] as string)}"`;
  return key;
}

export class Metrics {
  private readonly families = new Map<string, Family>();
  private readonly hotCounters = new Map<string, Map<string, (by?: number) => void>>();

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
    const values = this.family(name, help, 'counter').values;
    const key = labelKey(labels);
    values.set(key, (values.get(key) ?? 0) + by);
  }

  /**
   * `inc` for hot paths whose labels come from a small set (a cache name, a status): the
   * counter of `name` for the label set `id` stands for, its key built by `labels()` once,
   * so each count is one map update (building the key costs more than the rest of a
   * narinfo answer's bookkeeping).
   */
  hot(
    name: string,
    help: string,
    id: string,
    labels: () => Record<string, string>,
  ): (by?: number) => void {
    let byId = this.hotCounters.get(name);
    if (!byId) {
      byId = new Map();
      this.hotCounters.set(name, byId);
    }
    let c = byId.get(id);
    if (!c) {
      const values = this.family(name, help, 'counter').values;
      const key = labelKey(labels());
      c = (by = 1) => {
        values.set(key, (values.get(key) ?? 0) + by);
      };
      byId.set(id, c);
    }
    return c;
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
      f.values.set(labelKey(g.labels), g.value);
    }
    for (const [name, f] of [...this.families, ...gauges]) {
      out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      for (const [labels, v] of f.values) out.push(`${name}${labels ? `{${labels}}` : ''} ${v}`);
    }
    return `${out.join('\n')}\n`;
  }
}
